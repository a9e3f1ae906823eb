//! Reading a beacon's JSON object by the declaration: each known key is read as its field's
//! [`WireType`], unknown keys are skipped (newer agents can talk to older collectors), a key
//! sent twice is refused, nesting deeper than [`MAX_JSON_DEPTH`] is refused. One pass over
//! the body ([`crate::json`]), no intermediate map; strings borrow from the body where they
//! have no escapes.

use crate::json::{Next, Reader};
use crate::{Beacon, Dims, Reject, Value, WireType, F, MAX_DIMS, MAX_JSON_DEPTH};

/// Reads one beacon object, the whole of `json`, into `b` (all absent before).
pub(crate) fn beacon<'a>(json: &'a [u8], b: &mut Beacon<'a>) -> Result<(), Reject> {
    let mut r = Reader::new(json, MAX_JSON_DEPTH);
    object(&mut r, b)?;
    r.end()
}

/// Reads the beacon object at the reader.
fn object<'a>(r: &mut Reader<'a>, b: &mut Beacon<'a>) -> Result<(), Reject> {
    r.object()?;
    let mut seen = 0u128;
    let mut first = true;
    while let Some(key) = r.key(first)? {
        first = false;
        let Some(f) = F::from_wire(&key) else {
            r.skip()?;
            continue;
        };
        let bit = 1u128 << (f as u32);
        if seen & bit != 0 {
            return Err(Reject::InvalidJson);
        }
        seen |= bit;
        let v = match f.spec().kind.wire_type() {
            WireType::Int => Value::Int(r.u32()?),
            WireType::Num if r.null()? => Value::Absent,
            WireType::Num => Value::Num(r.number()?),
            WireType::Str => Value::Str(r.string()?),
            WireType::Bool if r.null()? => Value::Absent,
            WireType::Bool => Value::Flag(r.bool()?),
            WireType::Object => Value::Dims(dims(r)?),
            WireType::None => unreachable!("derived entries have no wire name"),
        };
        b.set(f, v);
    }
    Ok(())
}

/// Custom dimensions: an object of string values, kept in order. Collecting stops past the
/// limit (validation refuses the beacon anyway), reading does not.
fn dims<'a>(r: &mut Reader<'a>) -> Result<Dims<'a>, Reject> {
    r.object()?;
    let mut out = Vec::new();
    let mut first = true;
    while let Some(k) = r.key(first)? {
        first = false;
        let v = r.string()?;
        if out.len() <= MAX_DIMS {
            out.push((k, v));
        }
    }
    Ok(Dims(out))
}

/// The items of a JSON array, each the text of one value (checked, not yet parsed). The
/// whole text must be UTF-8, also where an item's unknown field would not be decoded.
pub(crate) fn items(json: &[u8]) -> Result<Vec<&[u8]>, Reject> {
    std::str::from_utf8(json).map_err(|_| Reject::InvalidJson)?;
    let mut r = Reader::new(json, MAX_JSON_DEPTH);
    r.array()?;
    let mut out = Vec::new();
    let mut first = true;
    while r.item(first)? {
        first = false;
        r.peek()?;
        let start = r.pos();
        r.skip()?;
        out.push(r.since(start));
    }
    r.end()?;
    Ok(out)
}

/// Whether the body is an array (else it is read as one beacon).
pub(crate) fn is_array(json: &[u8]) -> bool {
    let mut r = Reader::new(json, MAX_JSON_DEPTH);
    matches!(r.peek(), Ok(Next::Array))
}

// Every entry's bit must fit the `seen` set above.
const _: () = assert!(crate::FIELD_COUNT <= 128);
