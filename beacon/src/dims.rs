//! Custom dimensions: a small JSON object of string keys and values, kept in order.

use crate::{Reject, MAX_DIMS, MAX_DIM_KEY_LEN, MAX_DIM_VALUE_LEN};
use std::borrow::Cow;

/// Custom dimensions of a page view, as (key, value) pairs in the order sent.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Dims<'a>(pub Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'a> Dims<'a> {
    /// Checks count, key syntax and lengths.
    pub fn validate(&self) -> Result<(), Reject> {
        if self.0.len() > MAX_DIMS {
            return Err(Reject::TooManyDimensions);
        }
        for (k, v) in &self.0 {
            let key_ok = !k.is_empty()
                && k.len() <= MAX_DIM_KEY_LEN
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !key_ok || v.len() > MAX_DIM_VALUE_LEN {
                return Err(Reject::InvalidDimension);
            }
        }
        Ok(())
    }
}
