//! What the metrics and the agent's wiring share, in the spirit of web-vitals' `src/lib`:
//! the page view every metric writes into ([`page_view`]), the bookkeeping that more than a
//! few lines of one metric's rule rest on ([`layout_shifts`] for CLS's session windows,
//! [`interactions`] for INP's longest interactions) and page-lifetime statics without `std`
//! (`state`, for the exports in `lib.rs`). Dependencies point one way: `metrics/` and
//! `agent.rs` use these modules; nothing here uses a metric or the agent.

pub mod interactions;
pub mod layout_shifts;
pub mod page_view;
pub(crate) mod state;
