//! First contentful paint: the `first-contentful-paint` paint entry, if the page was still
//! visible when it happened.

use crate::prelude::*;

use crate::browser::{self, Entry, Observer};
use crate::page_view::{since_activation, Field};
use crate::state::Quiet;
use crate::{record, visibility};
use alloc::rc::Rc;
use core::cell::RefCell;

/// Starts observing paint entries.
pub fn observe() {
    let observer: Rc<RefCell<Option<Observer>>> = Rc::default();
    let handle = observer.clone();
    let po = browser::observe("paint", move |entries: Vec<Entry>| {
        if let Some(fcp) = entries
            .iter()
            .find(|e| e.name() == "first-contentful-paint")
        {
            handle.read(|o| o.as_ref().map(Observer::disconnect));
            if fcp.start_time() < visibility::first_hidden_time() {
                let value = since_activation(fcp.start_time(), browser::activation_start());
                record(Field::Fcp, value);
            }
        }
    });
    observer.write(|o| *o = po);
}
