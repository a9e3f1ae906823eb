//! One module per metric: the rules of web-vitals 6 over numbers and strings the browser
//! layer (`agent/js/metrics/`) hands over. What they share (the page view, CLS session
//! windows, INP's interaction list) is `crate::shared`, which never points back here.

pub mod cls;
pub mod fcp;
pub mod fid;
pub mod inp;
pub mod lcp;
pub mod navigation;
pub mod ttfb;
