//! A fast reader for the plain JSON most logout tokens are made of.
//!
//! Reading a claims object through serde_json costs about as much as the
//! rest of a validation. Logout tokens are flat and plain: string members
//! without escapes, integer dates, an array of audiences and an `events`
//! object holding one empty event. [`Scan`] reads exactly that subset of
//! JSON (RFC 8259) and nothing else: every method returns `None` at the
//! first byte outside the subset (an escape, a fraction or exponent, a
//! minus sign, a nested value, a control character, malformed text), and
//! the caller then reads the whole text again with serde_json, which gives
//! the answer and the specific error. So this reader never decides that a
//! token is wrong; it only answers, for the texts it fully understands,
//! what serde_json would have answered, faster. The tests compare the two
//! on valid and on mangled claims.

use crate::json::RAW_VALUE_TOKEN;

/// A cursor over JSON text, reading the plain subset only.
pub(crate) struct Scan<'de> {
    text: &'de str,
    pos: usize,
}

/// A plain scalar value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Scalar<'de> {
    /// A string without escapes, as it stands between its quotes.
    Str(&'de str),
    /// A non-negative integer of at most 18 digits.
    Int(u64),
    /// `true`, `false` or `null`.
    Literal,
}

/// The SWAR constants: every byte 0x01, every byte 0x80.
const ONES: u64 = u64::from_le_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);

/// The high bit of each zero byte of `x`; bytes above a zero byte may be
/// flagged too (the borrow runs upward), so only the lowest flag is sure.
const fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// Flags the bytes of `x` that end a plain string or leave the subset: a
/// quote, a backslash or a control character (below 0x20). The lowest flag
/// is the first such byte (each of the three masks may flag bytes above its
/// own first one, never below).
const fn special_bytes(x: u64) -> u64 {
    zero_bytes(x ^ (ONES * b'"' as u64))
        | zero_bytes(x ^ (ONES * b'\\' as u64))
        | (x.wrapping_sub(ONES * 0x20) & !x & HIGHS)
}

impl<'de> Scan<'de> {
    /// A cursor at the start of `text`.
    pub(crate) fn new(text: &'de str) -> Self {
        Scan { text, pos: 0 }
    }

    fn bytes(&self) -> &'de [u8] {
        self.text.as_bytes()
    }

    /// Skips JSON whitespace (space, tab, line feed, carriage return) and
    /// returns the next byte, without consuming it.
    pub(crate) fn peek(&mut self) -> Option<u8> {
        while let Some(&b) = self.bytes().get(self.pos) {
            if b > b' ' || !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    /// Consumes `byte` after optional whitespace.
    pub(crate) fn byte(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    /// Consumes the next byte after optional whitespace, returning it.
    pub(crate) fn next_byte(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    /// Only whitespace is left.
    pub(crate) fn end(&mut self) -> Option<()> {
        self.peek().is_none().then_some(())
    }

    /// Reads a string without escapes or control characters.
    pub(crate) fn string(&mut self) -> Option<&'de str> {
        self.byte(b'"')?;
        let bytes = self.bytes();
        let start = self.pos;
        let mut i = start;
        // Eight bytes at a time up to the first special one, which must be
        // the closing quote; byte by byte in the last seven of the text.
        loop {
            if let Some(chunk) = bytes.get(i..i + 8) {
                let special = special_bytes(u64::from_le_bytes(chunk.try_into().ok()?));
                if special == 0 {
                    i += 8;
                    continue;
                }
                i += special.trailing_zeros() as usize / 8;
            }
            match *bytes.get(i)? {
                b'"' => break,
                b'\\' | 0..0x20 => return None,
                _ => i += 1,
            }
        }
        // The quotes are ASCII, so both ends are character boundaries.
        let s = self.text.get(start..i)?;
        self.pos = i + 1;
        Some(s)
    }

    /// Reads a non-negative integer of at most 18 digits (no fraction, no
    /// exponent, no leading zero).
    fn integer(&mut self) -> Option<u64> {
        let bytes = self.bytes();
        let start = self.pos;
        let mut value: u64 = 0;
        let mut i = start;
        while let Some(&b) = bytes.get(i) {
            if !b.is_ascii_digit() {
                break;
            }
            if i - start == 18 {
                return None;
            }
            value = value * 10 + u64::from(b - b'0');
            i += 1;
        }
        let digits = i - start;
        let leading_zero = digits > 1 && bytes.get(start) == Some(&b'0');
        let fraction = matches!(bytes.get(i), Some(b'.' | b'e' | b'E'));
        if digits == 0 || leading_zero || fraction {
            return None;
        }
        self.pos = i;
        Some(value)
    }

    /// Reads `word` (a literal's remaining letters).
    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.pos + word.len();
        (self.bytes().get(self.pos..end)? == word).then(|| self.pos = end)
    }

    /// Reads a plain scalar.
    pub(crate) fn scalar(&mut self) -> Option<Scalar<'de>> {
        match self.peek()? {
            b'"' => self.string().map(Scalar::Str),
            b'0'..=b'9' => self.integer().map(Scalar::Int),
            b't' => self.literal(b"true").map(|()| Scalar::Literal),
            b'f' => self.literal(b"false").map(|()| Scalar::Literal),
            b'n' => self.literal(b"null").map(|()| Scalar::Literal),
            _ => None,
        }
    }

    /// Reads an array of plain scalars, calling `item` on each; returns
    /// whether it had any item.
    pub(crate) fn array(&mut self, mut item: impl FnMut(Scalar<'de>)) -> Option<bool> {
        self.byte(b'[')?;
        if self.byte(b']').is_some() {
            return Some(false);
        }
        loop {
            item(self.scalar()?);
            match self.next_byte()? {
                b',' => {}
                b']' => return Some(true),
                _ => return None,
            }
        }
    }

    /// Reads an object whose members are all plain scalars; returns
    /// whether it had any member. An object whose first member is named
    /// as serde_json's raw-value marker is not plain (a `Value` reads it
    /// as embedded JSON text).
    pub(crate) fn flat_object(&mut self) -> Option<bool> {
        self.byte(b'{')?;
        if self.byte(b'}').is_some() {
            return Some(false);
        }
        if self.string()? == RAW_VALUE_TOKEN {
            return None;
        }
        loop {
            self.byte(b':')?;
            self.scalar()?;
            match self.next_byte()? {
                b',' => {
                    self.string()?;
                }
                b'}' => return Some(true),
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_stop_at_quotes_and_refuse_escapes_and_controls() {
        let mut s = Scan::new(r#" "abcdefghijklmnopqrstuvwxyz" "#);
        assert_eq!(s.string(), Some("abcdefghijklmnopqrstuvwxyz"));
        assert_eq!(s.end(), Some(()));
        for bad in [
            r#""abcdefgh\"ij""#,
            r#""a\nb""#,
            "\"abcdefghijk\u{1}\"",
            "\"a\tb\"",
            "\"abcdefghij",
            "\"",
        ] {
            assert_eq!(Scan::new(bad).string(), None, "{bad:?}");
        }
        // A special byte in every lane of a word.
        for lane in 0..8 {
            let mut text = String::from("\"");
            text.push_str(&"x".repeat(lane));
            text.push('\u{1f}');
            text.push_str("xxxxxxxxxxxx\"");
            assert_eq!(Scan::new(&text).string(), None, "lane {lane}");
            let quoted = format!("\"{}\"rest", "é".repeat(lane));
            assert_eq!(Scan::new(&quoted).string(), Some("é".repeat(lane).as_str()));
        }
        // DEL and non-ASCII are plain.
        assert_eq!(Scan::new("\"a\u{7f}ü\"").string(), Some("a\u{7f}ü"));
    }

    #[test]
    fn the_lowest_flag_is_the_first_special_byte() {
        // Words drawn from the bytes around each class boundary, so that
        // borrows run across lanes in every way.
        let interesting = [
            0x00u8, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x7f, 0x80, 0x9c, 0xa2,
            0xff, b'a',
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..500_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let bytes: [u8; 8] =
                std::array::from_fn(|k| interesting[(seed >> (k * 4)) as usize & 15]);
            let first = bytes
                .iter()
                .position(|b| matches!(b, b'"' | b'\\' | 0..0x20));
            let flags = special_bytes(u64::from_le_bytes(bytes));
            let found = (flags != 0).then(|| flags.trailing_zeros() as usize / 8);
            assert_eq!(found, first, "{bytes:02x?}");
        }
    }

    #[test]
    fn integers_are_plain_or_refused() {
        assert_eq!(Scan::new("0,").scalar(), Some(Scalar::Int(0)));
        assert_eq!(
            Scan::new("123456789012345678}").scalar(),
            Some(Scalar::Int(123_456_789_012_345_678))
        );
        for bad in ["01", "1.5", "1e3", "2E1", "-1", "1234567890123456789", "+1"] {
            assert_eq!(Scan::new(bad).scalar(), None, "{bad}");
        }
    }

    #[test]
    fn literals_arrays_and_empty_objects() {
        assert_eq!(Scan::new("true").scalar(), Some(Scalar::Literal));
        assert_eq!(Scan::new("nul").scalar(), None);
        assert_eq!(Scan::new("tru e").scalar(), None);
        let mut items = Vec::new();
        assert_eq!(
            Scan::new(r#"[ "a" , 1,null ]"#).array(|i| items.push(i)),
            Some(true)
        );
        assert_eq!(items, [Scalar::Str("a"), Scalar::Int(1), Scalar::Literal]);
        assert_eq!(Scan::new("[ ]").array(|_| {}), Some(false));
        for bad in ["[1,]", "[,1]", "[[1]]", "[1 2]", "[{}]", "["] {
            assert_eq!(Scan::new(bad).array(|_| {}), None, "{bad}");
        }
        assert_eq!(Scan::new(" { \n} ").flat_object(), Some(false));
        assert_eq!(
            Scan::new(r#"{"a":1, "b" : "x","a":true}"#).flat_object(),
            Some(true)
        );
        for bad in [
            r#"{"a":{}}"#,
            r#"{"a":[]}"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{a:1}"#,
            r#"{"$serde_json::private::RawValue":"1"}"#,
            r#"{"a":1"#,
        ] {
            assert_eq!(Scan::new(bad).flat_object(), None, "{bad}");
        }
    }
}
