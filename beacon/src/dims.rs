//! Custom dimensions: a small JSON object of string keys and values, kept in order.

use crate::parse::Str;
use crate::{Reject, MAX_DIMS, MAX_DIM_KEY_LEN, MAX_DIM_VALUE_LEN};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
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

impl<'de: 'a, 'a> Deserialize<'de> for Dims<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Dims<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of string values")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<Dims<'a>, M::Error> {
                let mut out = Vec::new();
                // Stop collecting past the limit; validation refuses the beacon anyway.
                while let Some((Str(k), Str(v))) = m.next_entry::<Str<'a>, Str<'a>>()? {
                    if out.len() <= MAX_DIMS {
                        out.push((k, v));
                    }
                }
                Ok(Dims(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}
