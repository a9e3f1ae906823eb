//! A minimal RowBinary writer: the collector encodes each row once, and the same bytes travel
//! through the queue and into ClickHouse unchanged.

use bytes::{BufMut, BytesMut};

/// Appends RowBinary values to a buffer.
pub struct RowWriter<'b>(pub &'b mut BytesMut);

impl RowWriter<'_> {
    /// `String`: LEB128 length, then bytes.
    pub fn str(&mut self, s: &str) {
        self.leb128(s.len() as u64);
        self.0.put_slice(s.as_bytes());
    }

    /// `UInt8`.
    pub fn u8(&mut self, v: u8) {
        self.0.put_u8(v);
    }

    /// `Int8` (also `Enum8`).
    pub fn i8(&mut self, v: i8) {
        self.0.put_i8(v);
    }

    /// `UInt16`.
    pub fn u16(&mut self, v: u16) {
        self.0.put_u16_le(v);
    }

    /// `UInt32` (also `DateTime`).
    pub fn u32(&mut self, v: u32) {
        self.0.put_u32_le(v);
    }

    /// `Float64`.
    pub fn f64(&mut self, v: f64) {
        self.0.put_f64_le(v);
    }

    /// `Nullable(Float64)`.
    pub fn opt_f64(&mut self, v: Option<f64>) {
        match v {
            Some(x) => {
                self.0.put_u8(0);
                self.0.put_f64_le(x);
            }
            None => self.0.put_u8(1),
        }
    }

    /// `Nullable(UInt8)`.
    pub fn opt_u8(&mut self, v: Option<u8>) {
        match v {
            Some(x) => {
                self.0.put_u8(0);
                self.0.put_u8(x);
            }
            None => self.0.put_u8(1),
        }
    }

    /// `Array(String)`.
    pub fn str_array<'s>(&mut self, items: impl ExactSizeIterator<Item = &'s str>) {
        self.leb128(items.len() as u64);
        for s in items {
            self.str(s);
        }
    }

    fn leb128(&mut self, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.0.put_u8(byte);
                return;
            }
            self.0.put_u8(byte | 0x80);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_clickhouse() {
        let mut b = BytesMut::new();
        let mut w = RowWriter(&mut b);
        w.str("ab");
        w.opt_f64(None);
        w.opt_f64(Some(1.0));
        w.u16(0x0102);
        w.str(&"x".repeat(200));
        assert_eq!(&b[..3], b"\x02ab");
        assert_eq!(b[3], 1);
        assert_eq!(&b[4..13], &[0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
        assert_eq!(&b[13..15], &[2, 1]);
        assert_eq!(&b[15..17], &[0xc8, 0x01]);
    }
}
