//! Reading a beacon's JSON object by the declaration: each known key is read as its field's
//! [`WireType`], unknown keys are skipped (newer agents can talk to older collectors), a key
//! sent twice is refused. One pass, no intermediate map; strings borrow from the body where
//! they have no escapes.

use crate::{Beacon, Dims, Value, WireType, F};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// A string that borrows from the input when it has no escapes (plain `Cow` always copies).
pub(crate) struct Str<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Beacon<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Beacon<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a beacon object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<Beacon<'a>, M::Error> {
                let mut b = Beacon::default();
                let mut seen = 0u128;
                while let Some(Str(key)) = m.next_key::<Str<'de>>()? {
                    let Some(f) = F::from_wire(&key) else {
                        m.next_value::<IgnoredAny>()?;
                        continue;
                    };
                    let bit = 1u128 << (f as u32);
                    if seen & bit != 0 {
                        return Err(de::Error::custom("duplicate field"));
                    }
                    seen |= bit;
                    let v = match f.spec().kind.wire_type() {
                        WireType::Int => Value::Int(m.next_value()?),
                        WireType::Num => m
                            .next_value::<Option<f64>>()?
                            .map_or(Value::Absent, Value::Num),
                        WireType::Str => Value::Str(m.next_value::<Str<'a>>()?.0),
                        WireType::Bool => m
                            .next_value::<Option<bool>>()?
                            .map_or(Value::Absent, Value::Flag),
                        WireType::Object => Value::Dims(m.next_value::<Dims<'a>>()?),
                        WireType::None => unreachable!("derived entries have no wire name"),
                    };
                    b.set(f, v);
                }
                Ok(b)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

// Every entry's bit must fit the `seen` set above.
const _: () = assert!(crate::FIELD_COUNT <= 128);
