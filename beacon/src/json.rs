//! A strict JSON reader (RFC 8259) over a request body, for the parser in [`crate::parse`].
//!
//! Why our own rather than serde_json: a beacon is one flat object read once, so the reader
//! can check nesting depth, refuse duplicate fields and dispatch each key to its declared
//! wire type in the same pass, and borrow every unescaped string from the body. Through
//! serde that took a separate depth scan and a visitor per value: parse and validate cost
//! 1.8 µs a beacon then, 1.1 µs now (`cargo bench --bench stages`, BENCHMARKS.md). The
//! differential test in `tests.rs` holds it to serde_json's verdicts.
//!
//! Every error is [`Reject::InvalidJson`] except nesting deeper than the reader's limit,
//! [`Reject::TooDeep`]; input after the error is not looked at.

use crate::Reject;
use std::borrow::Cow;

/// A position in a JSON text, with the depth of the containers open around it.
pub(crate) struct Reader<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
    max_depth: usize,
}

/// What the next value is, by its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    Object,
    Array,
    String,
    Number,
    True,
    False,
    Null,
}

const BAD: Reject = Reject::InvalidJson;

impl<'a> Reader<'a> {
    /// A reader of `s` that refuses containers nested deeper than `max_depth`.
    pub fn new(s: &'a [u8], max_depth: usize) -> Self {
        Reader {
            s,
            i: 0,
            depth: 0,
            max_depth,
        }
    }

    /// The text from `start` to the current position.
    pub fn since(&self, start: usize) -> &'a [u8] {
        &self.s[start..self.i]
    }

    /// The current byte offset.
    pub fn pos(&self) -> usize {
        self.i
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    /// The kind of the next value, after whitespace.
    pub fn peek(&mut self) -> Result<Next, Reject> {
        self.ws();
        Ok(match self.s.get(self.i) {
            Some(b'{') => Next::Object,
            Some(b'[') => Next::Array,
            Some(b'"') => Next::String,
            Some(b'-' | b'0'..=b'9') => Next::Number,
            Some(b't') => Next::True,
            Some(b'f') => Next::False,
            Some(b'n') => Next::Null,
            _ => return Err(BAD),
        })
    }

    /// Only whitespace is left.
    pub fn end(&mut self) -> Result<(), Reject> {
        self.ws();
        if self.i == self.s.len() {
            Ok(())
        } else {
            Err(BAD)
        }
    }

    fn open(&mut self, b: u8) -> Result<(), Reject> {
        self.ws();
        if self.s.get(self.i) != Some(&b) {
            return Err(BAD);
        }
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(Reject::TooDeep);
        }
        self.i += 1;
        Ok(())
    }

    /// Enters an object; then [`Reader::key`] until it returns `None`.
    pub fn object(&mut self) -> Result<(), Reject> {
        self.open(b'{')
    }

    /// Enters an array; then [`Reader::item`] before each value until it returns `false`.
    pub fn array(&mut self) -> Result<(), Reject> {
        self.open(b'[')
    }

    /// Whether the array goes on with one more value (`first`: none read yet); after the
    /// last, the array is closed.
    pub fn item(&mut self, first: bool) -> Result<bool, Reject> {
        self.ws();
        match self.s.get(self.i) {
            Some(b']') => {
                self.i += 1;
                self.depth -= 1;
                Ok(false)
            }
            Some(b',') if !first => {
                self.i += 1;
                Ok(true)
            }
            Some(_) if first => Ok(true),
            _ => Err(BAD),
        }
    }

    /// The object's next key (`first`: none read yet), with the reader at its value; `None`
    /// once the object is closed.
    pub fn key(&mut self, first: bool) -> Result<Option<Cow<'a, str>>, Reject> {
        self.key_with(first, Self::string)
    }

    /// [`Reader::key`] with the key read by `read`.
    fn key_with<T>(
        &mut self,
        first: bool,
        read: impl FnOnce(&mut Self) -> Result<T, Reject>,
    ) -> Result<Option<T>, Reject> {
        self.ws();
        match self.s.get(self.i) {
            Some(b'}') => {
                self.i += 1;
                self.depth -= 1;
                return Ok(None);
            }
            Some(b',') if !first => {
                self.i += 1;
                self.ws();
            }
            Some(b'"') if first => {}
            _ => return Err(BAD),
        }
        let k = read(self)?;
        self.ws();
        if self.s.get(self.i) != Some(&b':') {
            return Err(BAD);
        }
        self.i += 1;
        Ok(Some(k))
    }

    /// A string, borrowed from the text when it has no escapes.
    pub fn string(&mut self) -> Result<Cow<'a, str>, Reject> {
        self.ws();
        if self.s.get(self.i) != Some(&b'"') {
            return Err(BAD);
        }
        self.i += 1;
        let start = self.i;
        loop {
            match *self.s.get(self.i).ok_or(BAD)? {
                b'"' => {
                    let raw = &self.s[start..self.i];
                    self.i += 1;
                    return std::str::from_utf8(raw).map(Cow::Borrowed).map_err(|_| BAD);
                }
                b'\\' => break,
                0..=0x1f => return Err(BAD),
                _ => self.i += 1,
            }
        }
        // Escaped: copy the plain run so far, then decode as we go.
        let mut out = Vec::with_capacity(self.i - start + 16);
        out.extend_from_slice(&self.s[start..self.i]);
        loop {
            match *self.s.get(self.i).ok_or(BAD)? {
                b'"' => {
                    self.i += 1;
                    return String::from_utf8(out).map(Cow::Owned).map_err(|_| BAD);
                }
                b'\\' => {
                    self.i += 1;
                    let c = match *self.s.get(self.i).ok_or(BAD)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(BAD),
                    };
                    self.i += 1;
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1f => return Err(BAD),
                b => {
                    out.push(b);
                    self.i += 1;
                }
            }
        }
    }

    /// Reads past a string by the grammar alone (as serde_json ignores one, and the keys of
    /// an object it ignores): escapes must be well formed and control characters escaped,
    /// but the bytes are not decoded, so an unknown field may carry what a known one would
    /// be refused for (a lone surrogate, bytes that are not UTF-8).
    fn skip_string(&mut self) -> Result<(), Reject> {
        if self.s.get(self.i) != Some(&b'"') {
            return Err(BAD);
        }
        self.i += 1;
        loop {
            match *self.s.get(self.i).ok_or(BAD)? {
                b'"' => {
                    self.i += 1;
                    return Ok(());
                }
                b'\\' => match *self.s.get(self.i + 1).ok_or(BAD)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 2,
                    b'u' => {
                        self.hex4(self.i + 2)?;
                        self.i += 6;
                    }
                    _ => return Err(BAD),
                },
                0..=0x1f => return Err(BAD),
                _ => self.i += 1,
            }
        }
    }

    /// The character of a `\u` escape, the reader on its `u`; a UTF-16 surrogate must come
    /// as a pair. Leaves the reader on the escape's last hex digit.
    fn unicode_escape(&mut self) -> Result<char, Reject> {
        let hi = self.hex4(self.i + 1)?;
        self.i += 4;
        let code = match hi {
            0xd800..=0xdbff => {
                if self.s.get(self.i + 1..self.i + 3) != Some(b"\\u") {
                    return Err(BAD);
                }
                let lo = self.hex4(self.i + 3)?;
                if !(0xdc00..=0xdfff).contains(&lo) {
                    return Err(BAD);
                }
                self.i += 6;
                0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
            }
            0xdc00..=0xdfff => return Err(BAD),
            c => c,
        };
        char::from_u32(code).ok_or(BAD)
    }

    fn hex4(&self, at: usize) -> Result<u32, Reject> {
        let digits = self.s.get(at..at + 4).ok_or(BAD)?;
        digits.iter().try_fold(0, |n, &d| {
            let v = (d as char).to_digit(16).ok_or(BAD)?;
            Ok(n * 16 + v)
        })
    }

    /// A number's text, checked against JSON's grammar, and whether it is an integer (no
    /// fraction or exponent).
    fn number_text(&mut self) -> Result<(&'a str, bool), Reject> {
        self.ws();
        let start = self.i;
        let digits = |r: &mut Self| {
            let from = r.i;
            while let Some(b'0'..=b'9') = r.s.get(r.i) {
                r.i += 1;
            }
            if r.i == from {
                Err(BAD)
            } else {
                Ok(())
            }
        };
        if self.s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.s.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => digits(self)?,
            _ => return Err(BAD),
        }
        let mut integer = true;
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            digits(self)?;
            integer = false;
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            digits(self)?;
            integer = false;
        }
        // ASCII by the grammar above.
        let text = std::str::from_utf8(&self.s[start..self.i]).map_err(|_| BAD)?;
        Ok((text, integer))
    }

    /// A finite number (JSON has no infinities: one too large to represent is refused).
    pub fn number(&mut self) -> Result<f64, Reject> {
        let (text, _) = self.number_text()?;
        text.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or(BAD)
    }

    /// A non-negative integer that fits 32 bits, written without fraction or exponent.
    pub fn u32(&mut self) -> Result<u32, Reject> {
        match self.number_text()? {
            (text, true) => text.parse().map_err(|_| BAD),
            _ => Err(BAD),
        }
    }

    /// `true` or `false`.
    pub fn bool(&mut self) -> Result<bool, Reject> {
        match self.peek()? {
            Next::True => self.literal(b"true").map(|_| true),
            Next::False => self.literal(b"false").map(|_| false),
            _ => Err(BAD),
        }
    }

    /// `null` if it is next (then read), else nothing read.
    pub fn null(&mut self) -> Result<bool, Reject> {
        if self.peek()? == Next::Null {
            self.literal(b"null")?;
            return Ok(true);
        }
        Ok(false)
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Reject> {
        if self.s.get(self.i..self.i + word.len()) == Some(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(BAD)
        }
    }

    /// Reads past any value, checking it as strictly as the typed reads do.
    pub fn skip(&mut self) -> Result<(), Reject> {
        match self.peek()? {
            Next::Object => {
                self.object()?;
                let mut first = true;
                while self.key_with(first, Self::skip_string)?.is_some() {
                    self.skip()?;
                    first = false;
                }
            }
            Next::Array => {
                self.array()?;
                let mut first = true;
                while self.item(first)? {
                    self.skip()?;
                    first = false;
                }
            }
            Next::String => self.skip_string()?,
            // Grammar only: an unknown field's number is not converted.
            Next::Number => drop(self.number_text()?),
            Next::True => self.literal(b"true")?,
            Next::False => self.literal(b"false")?,
            Next::Null => self.literal(b"null")?,
        }
        Ok(())
    }
}
