//! The JSON text writer: separators, indentation and scalar formatting of CPython's encoder.
//!
//! The caller walks its own data (the binding walks Python objects) and tells the writer what
//! comes next; the writer owns every byte of layout, so the walk decides nothing about format.

use super::escape_ucs::{self, Units};
use super::out::Out;
use super::{base64, escape, float, isoformat};
use crate::Error;

/// The `json.dumps` options that shape the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    /// `None` = one line; `Some(s)` = a newline and `s` repeated per level (`indent=2` is "  ").
    pub indent: Option<String>,
    pub item_separator: String,
    pub key_separator: String,
    pub ensure_ascii: bool,
    /// Write NaN / Infinity / -Infinity (the stdlib default) instead of failing.
    pub allow_nan: bool,
    /// Write lone surrogates as `\udXXX` even without `ensure_ascii`, so the output is UTF-8.
    pub escape_surrogates: bool,
}

impl Format {
    /// `json.dumps` defaults: `", "` and `": "`, or `","` and `": "` when indenting.
    pub fn stdlib(indent: Option<String>, ensure_ascii: bool) -> Self {
        let item_separator = if indent.is_some() { "," } else { ", " };
        Self {
            indent,
            item_separator: item_separator.to_owned(),
            key_separator: ": ".to_owned(),
            ensure_ascii,
            allow_nan: true,
            escape_surrogates: false,
        }
    }

    /// No whitespace at all, UTF-8 output: the storage format of `dumps_compact`.
    pub fn compact() -> Self {
        Self {
            indent: None,
            item_separator: ",".to_owned(),
            key_separator: ":".to_owned(),
            ensure_ascii: false,
            allow_nan: true,
            escape_surrogates: true,
        }
    }
}

/// A position in a [`JsonWriter`]'s output (see [`JsonWriter::checkpoint`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    len: usize,
    depth: usize,
}

/// Appends JSON tokens to a byte buffer (a `Vec<u8>` unless the caller brings its own
/// [`Out`]) with the layout of a [`Format`].
#[derive(Debug)]
pub struct JsonWriter<O: Out = Vec<u8>> {
    buf: O,
    format: Format,
    depth: usize,
    item_sep: Sep,
    key_sep: Sep,
}

/// A separator up to 8 bytes long as one word (written with one store), or `len` 0 for a
/// longer one (written from the format's string). Separators are written between every two
/// values and after every key, so they are a large share of the writer's calls.
#[derive(Debug, Clone, Copy)]
struct Sep {
    word: u64,
    len: usize,
}

impl Sep {
    fn of(s: &str) -> Self {
        let b = s.as_bytes();
        if b.is_empty() || b.len() > 8 {
            return Self { word: 0, len: 0 };
        }
        let mut w = [0u8; 8];
        w[..b.len()].copy_from_slice(b);
        Self {
            word: u64::from_le_bytes(w),
            len: b.len(),
        }
    }
}

impl JsonWriter<Vec<u8>> {
    pub fn new(format: Format) -> Self {
        Self::with_capacity(format, 256)
    }

    pub fn with_capacity(format: Format, capacity: usize) -> Self {
        Self::with_out(format, Vec::with_capacity(capacity))
    }
}

impl<O: Out> JsonWriter<O> {
    /// A writer appending to `out`.
    pub fn with_out(format: Format, out: O) -> Self {
        Self {
            buf: out,
            item_sep: Sep::of(&format.item_separator),
            key_sep: Sep::of(&format.key_separator),
            format,
            depth: 0,
        }
    }

    pub fn format(&self) -> &Format {
        &self.format
    }

    /// The text written so far (UTF-8, or generalized UTF-8 if lone surrogates were written
    /// without `ensure_ascii`/`escape_surrogates`).
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.as_slice()
    }

    /// The buffer holding the text.
    pub fn into_out(self) -> O {
        self.buf
    }

    /// Where the text stands now; [`JsonWriter::rewind`] returns to it, so a caller can try a
    /// fast way of writing a value and start over another way when it turns out not to apply.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            len: self.buf.len(),
            depth: self.depth,
        }
    }

    /// Drop everything written since `at` was taken.
    pub fn rewind(&mut self, at: Checkpoint) {
        self.buf.truncate(at.len);
        self.depth = at.depth;
    }

    pub fn null(&mut self) {
        self.buf.extend_from_slice(b"null");
    }

    pub fn bool(&mut self, b: bool) {
        self.buf
            .extend_from_slice(if b { b"true" } else { b"false" });
    }

    #[inline]
    pub fn int(&mut self, i: i64) {
        // Written in place from the last digit back, its length known first: no scratch
        // array to clear and copy (most ints are a few digits, and that was half their cost).
        let mut n = i.unsigned_abs();
        let digits = n.checked_ilog10().unwrap_or(0) as usize + 1;
        let sign = usize::from(i < 0);
        self.buf.reserve(sign + digits);
        let len = self.buf.len();
        // SAFETY: `sign + digits` bytes are reserved at `len`, and exactly those are written:
        // a `-` at `len` (which the first digit overwrites when there is no sign), then
        // `digits` digits from the last position back (n has that many).
        unsafe {
            let p = self.buf.as_mut_ptr().add(len);
            p.write(b'-');
            let mut at = sign + digits;
            loop {
                at -= 1;
                p.add(at).write(b'0' + (n % 10) as u8);
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            self.buf.set_len(len + sign + digits);
        }
    }

    /// An integer already rendered in decimal (one too big for `i64`).
    pub fn int_digits(&mut self, digits: &str) {
        self.buf.extend_from_slice(digits.as_bytes());
    }

    /// `float.__repr__`, or NaN/Infinity/-Infinity when allowed.
    pub fn float(&mut self, x: f64) -> Result<(), Error> {
        if x.is_finite() {
            float::write_repr(&mut self.buf, x);
            return Ok(());
        }
        self.non_finite(x)
    }

    fn non_finite(&mut self, x: f64) -> Result<(), Error> {
        if !self.format.allow_nan {
            return Err(Error::NonFiniteFloat);
        }
        let text: &[u8] = if x.is_nan() {
            b"NaN"
        } else if x > 0.0 {
            b"Infinity"
        } else {
            b"-Infinity"
        };
        self.buf.extend_from_slice(text);
        Ok(())
    }

    /// A string value given as UTF-8 (or generalized UTF-8 holding lone surrogates).
    #[inline]
    pub fn str(&mut self, s: &[u8]) {
        escape::write_str(
            &mut self.buf,
            s,
            self.format.ensure_ascii,
            self.format.escape_surrogates,
        );
    }

    /// A string value the caller knows needs no escaping in any format (printable ASCII
    /// without `"` or `\\`, e.g. a UUID's text): quoted and copied as it is.
    pub fn str_plain(&mut self, s: &[u8]) {
        debug_assert!(
            s.iter()
                .all(|&b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
        );
        self.quoted(s);
    }

    /// `"s"` with one reservation (the caller knows `s` needs no escaping).
    #[inline(always)]
    fn quoted(&mut self, s: &[u8]) {
        self.buf.reserve(s.len() + 2);
        let len = self.buf.len();
        // SAFETY: `s.len() + 2` bytes are reserved at `len` and all of them are written.
        unsafe {
            let p = self.buf.as_mut_ptr().add(len);
            p.write(b'"');
            super::out::copy_bytes(s, p.add(1));
            p.add(1 + s.len()).write(b'"');
            self.buf.set_len(len + s.len() + 2);
        }
    }

    /// A string value given as its code units (a Python `str`'s own storage). With
    /// `ensure_ascii` the units are escaped directly; otherwise they take the UTF-8 path.
    pub fn str_units(&mut self, s: Units<'_>) {
        if self.format.ensure_ascii {
            escape_ucs::write_units_ascii(&mut self.buf, s);
        } else {
            self.str(&generalized_utf8(s));
        }
    }

    /// [`JsonWriter::key`] for a key given as code units.
    pub fn key_units(&mut self, first: bool, key: Units<'_>) {
        self.separator(first);
        self.str_units(key);
        put_sep(&mut self.buf, self.key_sep, &self.format.key_separator);
    }

    /// `bytes` the way crewai's encoder writes them: a base64 string.
    pub fn base64(&mut self, data: &[u8]) {
        self.buf.push(b'"');
        base64::encode_into(&mut self.buf, data);
        self.buf.push(b'"');
    }

    /// A `date`/`datetime` the way crewai's encoder writes it: its isoformat() as a string.
    pub fn isoformat(&mut self, v: &isoformat::DateTime) {
        self.buf.push(b'"');
        isoformat::write_isoformat(&mut self.buf, v);
        self.buf.push(b'"');
    }

    #[inline(always)]
    pub fn begin_array(&mut self) {
        self.buf.push(b'[');
        self.depth += 1;
    }

    /// Call before each element; `first` is true for the first one.
    #[inline(always)]
    pub fn array_item(&mut self, first: bool) {
        self.separator(first);
    }

    /// `empty` = no element was written (`[]` stays on one line even when indenting).
    ///
    /// The container steps are always inlined: the writer is generic, so they are compiled
    /// in the binding's codegen units, where (the `fast` profile has no LTO) plain `#[inline]`
    /// left them calls of ~30 instructions per item and per object.
    #[inline(always)]
    pub fn end_array(&mut self, empty: bool) {
        self.close(b']', empty);
    }

    #[inline(always)]
    pub fn begin_object(&mut self) {
        self.buf.push(b'{');
        self.depth += 1;
    }

    /// Write the separator, the quoted key and the key separator of one member.
    #[inline]
    pub fn key(&mut self, first: bool, key: &[u8]) {
        self.separator(first);
        self.str(key);
        put_sep(&mut self.buf, self.key_sep, &self.format.key_separator);
    }

    /// [`JsonWriter::key`], returning where the key's own text (`"key"` and the key
    /// separator, after any item separator and indentation) starts in the output, for a
    /// caller that writes the same key again with [`JsonWriter::key_again`].
    pub fn key_at(&mut self, first: bool, key: &[u8]) -> usize {
        self.separator(first);
        let at = self.buf.len();
        self.str(key);
        put_sep(&mut self.buf, self.key_sep, &self.format.key_separator);
        at
    }

    /// A key whose text a [`JsonWriter::key_at`] of this writer wrote before (its first
    /// `len` bytes of `text`): the separator, then one fixed-size copy.
    #[inline]
    pub fn key_again(&mut self, first: bool, text: &[u8; KEY_TEXT], len: usize) {
        debug_assert!(len <= KEY_TEXT);
        self.separator(first);
        self.buf.reserve(KEY_TEXT);
        let at = self.buf.len();
        // SAFETY: `KEY_TEXT` bytes are reserved at `at`; the first `len` are the text.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), self.buf.as_mut_ptr().add(at), KEY_TEXT);
            self.buf.set_len(at + len);
        }
    }

    /// A non-string key the stdlib coerces (`1` → `"1"`, `None` → `"null"`): written quoted,
    /// with no escaping needed.
    pub fn key_int(&mut self, first: bool, i: i64) {
        self.separator(first);
        self.buf.push(b'"');
        self.int(i);
        self.buf.push(b'"');
        put_sep(&mut self.buf, self.key_sep, &self.format.key_separator);
    }

    /// A coerced key whose text the caller already has (`true`, `null`, big int digits).
    pub fn key_text(&mut self, first: bool, text: &str) {
        self.separator(first);
        self.quoted(text.as_bytes());
        put_sep(&mut self.buf, self.key_sep, &self.format.key_separator);
    }

    /// A float key: its repr (or NaN/Infinity), quoted.
    pub fn key_float(&mut self, first: bool, x: f64) -> Result<(), Error> {
        self.separator(first);
        self.buf.push(b'"');
        self.float(x)?;
        self.buf.push(b'"');
        put_sep(&mut self.buf, self.key_sep, &self.format.key_separator);
        Ok(())
    }

    #[inline(always)]
    pub fn end_object(&mut self, empty: bool) {
        self.close(b'}', empty);
    }

    /// Always inlined: out of line (the `fast` profile has no LTO) it was a call of ~40
    /// instructions for what is one branch and one store without indentation.
    #[inline(always)]
    fn separator(&mut self, first: bool) {
        if !first {
            put_sep(&mut self.buf, self.item_sep, &self.format.item_separator);
        }
        self.newline(self.depth);
    }

    #[inline]
    fn newline(&mut self, depth: usize) {
        if let Some(indent) = &self.format.indent {
            self.buf.push(b'\n');
            for _ in 0..depth {
                self.buf.extend_from_slice(indent.as_bytes());
            }
        }
    }

    #[inline(always)]
    fn close(&mut self, bracket: u8, empty: bool) {
        self.depth -= 1;
        if !empty {
            self.newline(self.depth);
        }
        self.buf.push(bracket);
    }
}

/// The longest key text (`"key"` and its separator) [`JsonWriter::key_again`] takes.
pub const KEY_TEXT: usize = 32;

/// Append a separator: one 8-byte store of which `sep.len` bytes are kept, or `text`.
#[inline(always)]
fn put_sep<O: Out>(buf: &mut O, sep: Sep, text: &str) {
    if sep.len == 0 {
        buf.extend_from_slice(text.as_bytes());
        return;
    }
    buf.reserve(8);
    let len = buf.len();
    // SAFETY: 8 bytes are reserved at `len`; the first `sep.len` (<= 8) are the separator.
    unsafe {
        buf.as_mut_ptr()
            .add(len)
            .cast::<u64>()
            .write_unaligned(sep.word.to_le());
        buf.set_len(len + sep.len);
    }
}

/// Code units as (generalized) UTF-8: lone surrogates in their 3-byte form, as
/// `str.encode("utf-8", "surrogatepass")` gives.
fn generalized_utf8(s: Units<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut push = |c: u32| {
        if c < 0x80 {
            out.push(c as u8);
        } else if c < 0x800 {
            out.extend_from_slice(&[0xc0 | (c >> 6) as u8, 0x80 | (c & 0x3f) as u8]);
        } else if c < 0x1_0000 {
            out.extend_from_slice(&[
                0xe0 | (c >> 12) as u8,
                0x80 | ((c >> 6) & 0x3f) as u8,
                0x80 | (c & 0x3f) as u8,
            ]);
        } else {
            out.extend_from_slice(&[
                0xf0 | (c >> 18) as u8,
                0x80 | ((c >> 12) & 0x3f) as u8,
                0x80 | ((c >> 6) & 0x3f) as u8,
                0x80 | (c & 0x3f) as u8,
            ]);
        }
    };
    match s {
        Units::Latin1(s) => s.iter().for_each(|&c| push(u32::from(c))),
        Units::Ucs2(s) => s.iter().for_each(|&c| push(u32::from(c))),
        Units::Ucs4(s) => s.iter().for_each(|&c| push(c)),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Format, JsonWriter};
    use crate::Error;

    fn sample(w: &mut JsonWriter) {
        // {"a": [1, 2.5, null], "b": {}, "c": [], "1": true}
        w.begin_object();
        w.key(true, b"a");
        w.begin_array();
        w.array_item(true);
        w.int(1);
        w.array_item(false);
        w.float(2.5).unwrap();
        w.array_item(false);
        w.null();
        w.end_array(false);
        w.key(false, b"b");
        w.begin_object();
        w.end_object(true);
        w.key(false, b"c");
        w.begin_array();
        w.end_array(true);
        w.key_int(false, 1);
        w.bool(true);
        w.end_object(false);
    }

    #[test]
    fn rewind_restores_text_and_indentation() {
        let mut w = JsonWriter::new(Format::stdlib(Some("  ".to_owned()), true));
        w.begin_array();
        w.array_item(true);
        let at = w.checkpoint();
        w.begin_object();
        w.key(true, b"dropped");
        w.begin_array();
        w.rewind(at);
        w.int(7);
        w.end_array(false);
        assert_eq!(w.as_bytes(), b"[\n  7\n]");
    }

    #[test]
    fn default_separators() {
        let mut w = JsonWriter::new(Format::stdlib(None, true));
        sample(&mut w);
        assert_eq!(
            w.as_bytes(),
            br#"{"a": [1, 2.5, null], "b": {}, "c": [], "1": true}"#
        );
    }

    #[test]
    fn indented() {
        let mut w = JsonWriter::new(Format::stdlib(Some("  ".into()), true));
        sample(&mut w);
        let want = "{\n  \"a\": [\n    1,\n    2.5,\n    null\n  ],\n  \"b\": {},\n  \"c\": [],\n  \"1\": true\n}";
        assert_eq!(std::str::from_utf8(w.as_bytes()).unwrap(), want);
    }

    #[test]
    fn compact() {
        let mut w = JsonWriter::new(Format::compact());
        sample(&mut w);
        assert_eq!(
            w.as_bytes(),
            br#"{"a":[1,2.5,null],"b":{},"c":[],"1":true}"#
        );
    }

    /// Every digit count, both signs, and the ends of `i64`, against `format!`.
    #[test]
    fn integers_at_every_digit_count() {
        let mut values = vec![0, 1, -1, 9, -9, i64::MAX, i64::MIN, i64::MIN + 1];
        for k in 1..19 {
            let p = 10_i64.pow(k);
            values.extend([p - 1, p, p + 1, -(p - 1), -p, -(p + 1)]);
        }
        for v in values {
            let mut w = JsonWriter::new(Format::stdlib(None, true));
            w.int(v);
            assert_eq!(w.as_bytes(), v.to_string().as_bytes());
        }
    }

    #[test]
    fn integers_and_non_finite() {
        let mut w = JsonWriter::new(Format::stdlib(None, true));
        w.int(i64::MIN);
        w.int(0);
        w.float(f64::NAN).unwrap();
        w.float(f64::NEG_INFINITY).unwrap();
        assert_eq!(w.as_bytes(), b"-92233720368547758080NaN-Infinity");
        let mut strict = Format::stdlib(None, true);
        strict.allow_nan = false;
        let mut w = JsonWriter::new(strict);
        assert_eq!(w.float(f64::INFINITY), Err(Error::NonFiniteFloat));
    }

    #[test]
    fn units_without_ensure_ascii_take_the_utf8_path() {
        let mut w = JsonWriter::new(Format::compact());
        w.str_units(super::Units::Ucs2(&[0x65, 0xe9, 0xd800, 0x22]));
        w.str_units(super::Units::Ucs4(&[0x1_f600]));
        assert_eq!(
            w.as_bytes(),
            "\"e\u{e9}\\ud800\\\"\"\"\u{1f600}\"".as_bytes()
        );
    }

    #[test]
    fn base64_is_a_string() {
        let mut w = JsonWriter::new(Format::compact());
        w.base64(b"hi!");
        assert_eq!(w.as_bytes(), br#""aGkh""#);
    }
}
