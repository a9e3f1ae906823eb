//! The oracle of the parser's differential test: the serde_json reading this crate used
//! before its own reader ([`crate::json`]), as it was (a depth scan, then serde_json with a
//! visitor per field). Test-only.

use crate::{Beacon, Dims, Reject, Value, WireType, F, MAX_DIMS, MAX_JSON_DEPTH};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// What `Body::parse` returned: one beacon, or each item's text.
pub enum RefBody<'a> {
    One(Box<Beacon<'a>>),
    Many(Vec<&'a [u8]>),
}

/// `Body::parse` as it was.
pub fn body(json: &[u8], max_batch: usize) -> Result<RefBody<'_>, Reject> {
    check_depth(json, MAX_JSON_DEPTH)?;
    match json.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => {
            let items: Vec<&RawValue> =
                serde_json::from_slice(json).map_err(|_| Reject::InvalidJson)?;
            if items.len() > max_batch {
                return Err(Reject::TooManyBeacons);
            }
            Ok(RefBody::Many(
                items.iter().map(|r| r.get().as_bytes()).collect(),
            ))
        }
        _ => beacon(json).map(|b| RefBody::One(Box::new(b))),
    }
}

/// `Beacon::parse` as it was.
pub fn beacon(json: &[u8]) -> Result<Beacon<'_>, Reject> {
    check_depth(json, MAX_JSON_DEPTH)?;
    serde_json::from_slice::<Ref>(json)
        .map(|r| r.0)
        .map_err(|_| Reject::InvalidJson)
}

fn check_depth(json: &[u8], max: usize) -> Result<(), Reject> {
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    for &b in json {
        if in_str {
            match (esc, b) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return Err(Reject::TooDeep);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

struct Str<'a>(Cow<'a, str>);

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
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

struct RefDims<'a>(Dims<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for RefDims<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = RefDims<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of string values")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<RefDims<'a>, M::Error> {
                let mut out = Vec::new();
                while let Some((Str(k), Str(v))) = m.next_entry::<Str<'a>, Str<'a>>()? {
                    if out.len() <= MAX_DIMS {
                        out.push((k, v));
                    }
                }
                Ok(RefDims(Dims(out)))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

struct Ref<'a>(Beacon<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for Ref<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Ref<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a beacon object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<Ref<'a>, M::Error> {
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
                        WireType::Object => Value::Dims(m.next_value::<RefDims<'a>>()?.0),
                        WireType::None => unreachable!("derived entries have no wire name"),
                    };
                    b.set(f, v);
                }
                Ok(Ref(b))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}
