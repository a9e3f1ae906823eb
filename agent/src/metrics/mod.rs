//! One small module per metric, as web-vitals does; each records into the page view.

pub mod fcp;
pub mod lcp;
pub mod navigation;
