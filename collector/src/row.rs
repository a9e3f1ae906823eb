//! The `page_views` row: column list and encoding from a validated, enriched beacon. The order
//! here must match `COLUMNS`; `tests/clickhouse.rs` round-trips a row through a real server.

use crate::enrich::Enrichment;
use crate::rowbinary::RowWriter;
use bytes::BytesMut;
use rum_beacon::{split_url, Beacon, Metric};

/// Columns written by the collector, in encoding order.
pub const COLUMNS: &str = "received_at, site, page_view_id, seq, url, host, path, page_group, \
navigation_type, ttfb_ms, fcp_ms, lcp_ms, cls, inp_ms, fid_ms, dom_interactive_ms, \
dom_content_loaded_ms, load_ms, redirect_ms, dns_ms, connect_ms, tls_ms, request_ms, response_ms, \
ttfb_rating, fcp_rating, lcp_rating, cls_rating, inp_rating, lcp_element, lcp_url, lcp_ttfb_ms, \
lcp_resource_delay_ms, lcp_resource_duration_ms, lcp_render_delay_ms, inp_target, inp_event, \
inp_input_delay_ms, inp_processing_ms, inp_presentation_ms, cls_target, cls_time_ms, \
effective_type, rtt_ms, downlink_mbps, save_data, device_memory_gb, cpu_cores, viewport_width, \
viewport_height, sample_rate, dim_keys, dim_values, country_code, country, continent, \
subdivision, city, asn, as_org, browser, browser_version, os, os_version, device_class, is_bot";

/// Appends one row for `b` to `buf`.
pub fn encode(buf: &mut BytesMut, received_at: u32, b: &Beacon<'_>, e: &Enrichment<'_>) {
    let mut w = RowWriter(buf);
    let m = &b.m;
    let a = &b.a;
    let (host, path) = split_url(&b.url);
    w.u32(received_at);
    w.str(&b.site);
    w.str(&b.pv);
    w.u32(b.seq);
    w.str(&b.url);
    w.str(host);
    w.str(path);
    w.str(&b.group);
    w.str(&b.nav);
    for v in [
        m.ttfb,
        m.fcp,
        m.lcp,
        m.cls,
        m.inp,
        m.fid,
        m.dom_interactive,
        m.dcl,
        m.load,
        m.redirect,
        m.dns,
        m.connect,
        m.tls,
        m.request,
        m.response,
    ] {
        w.opt_f64(v);
    }
    for (metric, v) in [
        (Metric::Ttfb, m.ttfb),
        (Metric::Fcp, m.fcp),
        (Metric::Lcp, m.lcp),
        (Metric::Cls, m.cls),
        (Metric::Inp, m.inp),
    ] {
        w.i8(metric.rate(v) as i8);
    }
    w.str(&a.lcp_el);
    w.str(&a.lcp_url);
    for v in [a.lcp_ttfb, a.lcp_delay, a.lcp_load, a.lcp_render] {
        w.opt_f64(v);
    }
    w.str(&a.inp_target);
    w.str(&a.inp_type);
    for v in [a.inp_delay, a.inp_proc, a.inp_pres] {
        w.opt_f64(v);
    }
    w.str(&a.cls_target);
    w.opt_f64(a.cls_time);
    w.str(&b.ect);
    w.opt_f64(b.rtt);
    w.opt_f64(b.downlink);
    w.opt_u8(b.save_data.map(u8::from));
    w.opt_f64(b.mem);
    w.opt_f64(b.cpus);
    w.u16(b.vw.unwrap_or(0.0) as u16);
    w.u16(b.vh.unwrap_or(0.0) as u16);
    w.f64(b.sample.unwrap_or(1.0));
    w.str_array(b.dims.0.iter().map(|(k, _)| &**k));
    w.str_array(b.dims.0.iter().map(|(_, v)| &**v));
    let g = &e.geo;
    for s in [
        g.country_code,
        g.country,
        g.continent,
        g.subdivision,
        g.city,
    ] {
        w.str(s);
    }
    w.u32(g.asn);
    w.str(g.as_org);
    let u = &e.ua;
    for s in [
        &*u.browser,
        &*u.browser_version,
        &*u.os,
        &*u.os_version,
        u.device_class,
    ] {
        w.str(s);
    }
    w.u8(e.ua.is_bot as u8);
}
