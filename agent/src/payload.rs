//! The beacon body: wire format v1 (`docs/beacon.md`). Built as a JS object and serialised
//! with `JSON.stringify`, which keeps float formatting (and its code size) out of the wasm.

use crate::prelude::*;

use crate::browser;
use crate::page_view::PageView;
use crate::Config;
use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::JsValue;

fn set(obj: &Object, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value.into());
}

/// Copies a numeric browser hint when the browser exposes it.
fn hint(obj: &Object, key: &str, from: &JsValue, name: &str) {
    if let Some(v) = browser::num(from, name) {
        set(obj, key, v);
    }
}

/// Serialises one beacon of the page view.
pub fn build(cfg: &Config, id: &str, nav: &str, seq: u32, pv: &PageView) -> Option<String> {
    let obj = Object::new();
    set(&obj, "v", 1u32);
    set(&obj, "site", cfg.site.as_str());
    set(&obj, "pv", id);
    set(&obj, "seq", seq);
    let location = browser::window().location();
    // Query and fragment may carry personal data (emails, tokens): never sent.
    let url = location.origin().ok()? + &location.pathname().ok()?;
    set(&obj, "url", url);
    if !cfg.group.is_empty() {
        set(&obj, "group", cfg.group.as_str());
    }
    set(&obj, "nav", nav);
    for (key, value) in pv.values() {
        set(&obj, key, value);
    }
    for (key, value) in pv.texts() {
        set(&obj, key, value);
    }
    if !pv.dims().is_empty() {
        let dims = Object::new();
        for (k, v) in pv.dims() {
            set(&dims, k, v.as_str());
        }
        set(&obj, "dims", dims);
    }
    let window = browser::window();
    let navigator: JsValue = window.navigator().into();
    if let Some(conn) = browser::prop(&navigator, "connection") {
        if let Some(ect) = browser::prop(&conn, "effectiveType").and_then(|v| v.as_string()) {
            set(&obj, "ect", ect);
        }
        hint(&obj, "rtt", &conn, "rtt");
        hint(&obj, "downlink", &conn, "downlink");
        if let Some(save) = browser::prop(&conn, "saveData").and_then(|v| v.as_bool()) {
            set(&obj, "save_data", save);
        }
    }
    hint(&obj, "mem", &navigator, "deviceMemory");
    hint(&obj, "cpus", &navigator, "hardwareConcurrency");
    let win: JsValue = window.into();
    hint(&obj, "vw", &win, "innerWidth");
    hint(&obj, "vh", &win, "innerHeight");
    if cfg.sample < 1.0 {
        set(&obj, "sample", cfg.sample);
    }
    JSON::stringify(&obj).ok().and_then(|s| s.as_string())
}
