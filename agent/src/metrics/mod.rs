//! One small module per metric, as web-vitals does; each records into the page view.

pub mod cls;
pub mod fcp;
pub mod inp;
pub mod lcp;
pub mod navigation;
