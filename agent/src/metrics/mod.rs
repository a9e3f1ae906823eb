//! One module per metric: the rules of web-vitals v5 over numbers and strings the browser
//! layer (`agent/js/metrics/`) hands over.

pub mod cls;
pub mod fcp;
pub mod fid;
pub mod inp;
pub mod lcp;
pub mod navigation;
pub mod ttfb;
