//! Wire format of a RUM beacon (protocol v1): types, limits, validation and the Core Web
//! Vitals thresholds. Shared by the collector and the load generator; the agent writes the same
//! JSON by hand to stay small. The format is documented in `docs/beacon.md`.

mod dims;
mod fields;
mod json;
mod limits;
mod parse;
mod rating;
mod reject;
mod url;

pub use dims::Dims;
pub use fields::{ColumnType, Field, Kind, Sender, WireType, F, FIELDS, FIELD_COUNT};
pub use limits::*;
pub use rating::{threshold_vars, Rating, Thresholds};
pub use reject::Reject;
pub use url::{split_url, strip_query_and_fragment};

use std::borrow::Cow;

/// Protocol version this crate speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// A field's value in a parsed beacon.
#[derive(Debug, Default, Clone, PartialEq)]
pub enum Value<'a> {
    /// Not sent (or dropped by validation).
    #[default]
    Absent,
    /// An unsigned integer.
    Int(u32),
    /// A number.
    Num(f64),
    /// A string, borrowed from the request body where JSON escaping allows.
    Str(Cow<'a, str>),
    /// A boolean.
    Flag(bool),
    /// Custom dimensions.
    Dims(Dims<'a>),
}

/// One page view as the agent reports it: a value per entry of [`FIELDS`] (derived columns
/// stay absent; they are computed by [`Beacon::cell`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Beacon<'a> {
    values: [Value<'a>; FIELD_COUNT],
}

impl Default for Beacon<'_> {
    fn default() -> Self {
        Beacon {
            values: std::array::from_fn(|_| Value::Absent),
        }
    }
}

/// A column's value, ready to encode by its [`ColumnType`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'v> {
    /// `String`.
    String(&'v str),
    /// `UInt32` (also `DateTime`).
    UInt32(u32),
    /// `UInt8`.
    UInt8(u8),
    /// `Nullable(Float64)`.
    NullableFloat64(Option<f64>),
    /// `Nullable(UInt8)`.
    NullableUInt8(Option<u8>),
    /// `UInt16`.
    UInt16(u16),
    /// `Float64`.
    Float64(f64),
    /// `Enum8` rating.
    Rating(Rating),
    /// `Array(String)` of the dimensions' keys.
    DimKeys(&'v Dims<'v>),
    /// `Array(String)` of the dimensions' values.
    DimValues(&'v Dims<'v>),
}

impl<'a> Beacon<'a> {
    /// The value of field `f`.
    pub fn value(&self, f: F) -> &Value<'a> {
        &self.values[f as usize]
    }

    /// Sets the value of field `f`.
    pub fn set(&mut self, f: F, v: Value<'a>) {
        self.values[f as usize] = v;
    }

    /// A string field (`""` when absent).
    pub fn str(&self, f: F) -> &str {
        match self.value(f) {
            Value::Str(s) => s,
            _ => "",
        }
    }

    /// A number field.
    pub fn num(&self, f: F) -> Option<f64> {
        match self.value(f) {
            Value::Num(x) => Some(*x),
            _ => None,
        }
    }

    /// An integer field (0 when absent).
    pub fn int(&self, f: F) -> u32 {
        match self.value(f) {
            Value::Int(x) => *x,
            _ => 0,
        }
    }

    /// A boolean field.
    pub fn flag(&self, f: F) -> Option<bool> {
        match self.value(f) {
            Value::Flag(x) => Some(*x),
            _ => None,
        }
    }

    /// The custom dimensions (empty when absent).
    pub fn dims(&self) -> &Dims<'a> {
        static NONE: Dims<'static> = Dims(Vec::new());
        match self.value(F::Dims) {
            Value::Dims(d) => d,
            _ => &NONE,
        }
    }

    /// The sample rate (1 when absent).
    pub fn sample(&self) -> f64 {
        self.num(F::Sample).unwrap_or(1.0)
    }

    /// The column value of a stored entry, derived ones included, as its column type
    /// stores it.
    pub fn cell(&self, f: F) -> Cell<'_> {
        let spec = f.spec();
        match spec.kind {
            Kind::Host => return Cell::String(split_url(self.str(F::Url)).0),
            Kind::Path => return Cell::String(split_url(self.str(F::Url)).1),
            Kind::Rating(of) => {
                let t = of
                    .spec()
                    .rating
                    .expect("a rating column rates a rated field");
                return Cell::Rating(t.rate(self.num(of)));
            }
            Kind::DimValues => return Cell::DimValues(self.dims()),
            _ => {}
        }
        match spec.column_type {
            ColumnType::String => Cell::String(self.str(f)),
            ColumnType::UInt32 | ColumnType::DateTime => Cell::UInt32(self.int(f)),
            ColumnType::UInt8 => Cell::UInt8(self.flag(f).map_or(0, u8::from)),
            ColumnType::NullableFloat64 => Cell::NullableFloat64(self.num(f)),
            ColumnType::NullableUInt8 => Cell::NullableUInt8(self.flag(f).map(u8::from)),
            ColumnType::UInt16 => Cell::UInt16(self.num(f).unwrap_or(0.0) as u16),
            ColumnType::Float64 => Cell::Float64(self.num(f).unwrap_or(1.0)),
            ColumnType::Rating => Cell::Rating(Rating::None),
            ColumnType::ArrayString => Cell::DimKeys(self.dims()),
        }
    }
}

/// One request body: a single beacon, or an array from a server-side forwarder.
#[derive(Debug)]
pub enum Body<'a> {
    /// The common case: one page view.
    One(Box<Beacon<'a>>),
    /// Several page views, each the JSON text of one item, parsed and validated on its own
    /// ([`Beacon::parse`]) so one bad beacon does not drop the others.
    Many(Vec<&'a [u8]>),
}

impl<'a> Body<'a> {
    /// Parses a request body; an array longer than `max_batch` is refused whole.
    pub fn parse(json: &'a [u8], max_batch: usize) -> Result<Self, Reject> {
        if parse::is_array(json) {
            let items = parse::items(json)?;
            if items.len() > max_batch {
                return Err(Reject::TooManyBeacons);
            }
            return Ok(Body::Many(items));
        }
        // Parsed into its box: a beacon is 2 KiB of values, which a parse on the stack would
        // then copy.
        let mut b = Box::<Beacon>::default();
        parse::beacon(json, &mut b)?;
        Ok(Body::One(b))
    }
}

/// Outcome of [`Beacon::validate`] when the beacon is accepted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Validated {
    /// How many metric values were out of range and dropped (set to absent).
    pub dropped_metrics: u32,
}

impl<'a> Beacon<'a> {
    /// Parses one beacon from JSON.
    pub fn parse(json: &'a [u8]) -> Result<Self, Reject> {
        let mut b = Beacon::default();
        parse::beacon(json, &mut b)?;
        Ok(b)
    }

    /// Checks every field against its declared kind and limits ([`FIELDS`]). Out-of-range
    /// numbers (larger than [`MAX_TIMING_MS`], [`MAX_CLS`], ...) are dropped, not clamped, so
    /// they cannot skew percentiles; negative values mean a broken client and reject the
    /// beacon. URLs lose their query and fragment.
    pub fn validate(&mut self) -> Result<Validated, Reject> {
        match self.value(F::V) {
            Value::Int(PROTOCOL_VERSION) => {}
            Value::Absent => return Err(Reject::MissingField),
            _ => return Err(Reject::UnsupportedVersion),
        }
        // One walk; a missing field outranks every other reason, so the first of those is
        // kept until the walk is done.
        let mut out = Validated::default();
        let mut refused = Ok(());
        for (spec, v) in FIELDS.iter().zip(self.values.iter_mut()) {
            if spec.required {
                let missing = match v {
                    Value::Absent => true,
                    Value::Str(s) => s.is_empty(),
                    Value::Int(0) => true,
                    _ => false,
                };
                if missing {
                    return Err(Reject::MissingField);
                }
            }
            if refused.is_ok() {
                refused = check(spec.kind, v, &mut out);
            }
        }
        refused.map(|()| out)
    }
}

impl F {
    /// Whether `s` is a valid value of this string field, by the same rules as a beacon's
    /// (the report API checks its filters with them).
    pub fn accepts(self, s: &str) -> bool {
        let mut v = Value::Str(Cow::Borrowed(s));
        check(self.spec().kind, &mut v, &mut Validated::default()).is_ok()
    }
}

/// Checks (and where the kind says so, trims or drops) one value.
fn check(kind: Kind, v: &mut Value<'_>, out: &mut Validated) -> Result<(), Reject> {
    match (kind, v) {
        (Kind::Seq, Value::Int(n)) if *n > MAX_SEQ => Err(Reject::InvalidSequence),
        (Kind::Token { min, max, reject }, Value::Str(s)) => {
            if (min..=max).contains(&s.len()) && is_token(s) {
                Ok(())
            } else {
                Err(reject)
            }
        }
        (Kind::PageUrl, Value::Str(s)) => {
            if s.len() > MAX_URL_LEN {
                return Err(Reject::StringTooLong);
            }
            if !(s.starts_with("https://") || s.starts_with("http://")) {
                return Err(Reject::InvalidUrl);
            }
            strip_url(s);
            check_text(s, MAX_URL_LEN)
        }
        (Kind::ResourceUrl, Value::Str(s)) => {
            strip_url(s);
            check_text(s, MAX_URL_LEN)
        }
        (Kind::Text { max }, Value::Str(s)) => check_text(s, max),
        (Kind::OneOf { names, .. }, v @ Value::Absent) => {
            *v = Value::Str(Cow::Borrowed(names[0]));
            Ok(())
        }
        (Kind::OneOf { names, reject }, Value::Str(s)) => {
            if s.is_empty() {
                *s = Cow::Borrowed(names[0]);
            } else if !names.contains(&&**s) {
                return Err(reject);
            }
            Ok(())
        }
        (Kind::Ms, v) => {
            drop_out_of_range(v, MAX_TIMING_MS, out);
            Ok(())
        }
        (Kind::Number { max }, v) => {
            drop_out_of_range(v, max, out);
            Ok(())
        }
        (Kind::Sample, Value::Num(s)) if !(*s > 0.0 && *s <= 1.0) => Err(Reject::InvalidSampleRate),
        (Kind::Dims, Value::Dims(d)) => d.validate(),
        _ => Ok(()),
    }
}

/// Drops the query and fragment of a URL, borrowed or owned: one path for every URL field.
fn strip_url(s: &mut Cow<'_, str>) {
    let keep = strip_query_and_fragment(s).len();
    match s {
        Cow::Borrowed(b) => *b = &b[..keep],
        Cow::Owned(o) => o.truncate(keep),
    }
}

/// Length and control characters: a NUL or newline in a group or selector would be stored
/// but could not be queried back.
fn check_text(s: &str, max: usize) -> Result<(), Reject> {
    if s.len() > max {
        Err(Reject::StringTooLong)
    } else if has_control(s) {
        Err(Reject::ControlCharacter)
    } else {
        Ok(())
    }
}

/// Whether `s` has a control character (Unicode `Cc`: U+0000–U+001F, U+007F–U+009F), by its
/// UTF-8 bytes: the C1 range is encoded `C2 80` to `C2 9F`.
fn has_control(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c < 0x20 || c == 0x7f || (c == 0xc2 && matches!(b.get(i + 1), Some(0x80..=0x9f)))
    })
}

/// Drops, and counts, a value outside 0..=max (the parser refuses what is not a finite
/// number). A negative value is dropped rather than refused: sub-parts an agent derives by
/// subtraction from rounded timings (INP is rounded to 8 ms) can come out a little below
/// zero, and that must not cost the page view its other metrics.
fn drop_out_of_range(v: &mut Value<'_>, max: f64, out: &mut Validated) {
    if let Value::Num(x) = *v {
        if !(0.0..=max).contains(&x) {
            *v = Value::Absent;
            out.dropped_metrics += 1;
        }
    }
}

/// Site keys and page-view ids: ASCII letters, digits, `-`, `_` and `.`.
pub fn is_token(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;
