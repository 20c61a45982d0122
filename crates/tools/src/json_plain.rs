//! `json.dumps` of json_repair's value for the inputs [`loads_embedded`] answers, written
//! straight from the text in one pass: no value tree, no per-string allocation. An LLM's tool
//! input is mostly that shape (plain JSON, fenced, followed by a sentence, or cut off after a
//! value), and building then dumping the tree was most of a ReAct parse.
//!
//! The accepted grammar is exactly [`loads_embedded`]'s (the truncated-mode subset of
//! `json_strict`): strings without escapes, backticks or control characters, no duplicate keys,
//! no NaN/Infinity, no `+` in exponents, no empty array item that json_repair would drop, at
//! most 30 levels; anything else is `None` and the caller takes the general path. A test checks
//! the two agree on every input.
//!
//! [`loads_embedded`]: crate::json_strict::loads_embedded

use crate::json_dumps::{write_float, write_string};
use crate::json_strict::{embedded_start, skipped_after};

/// Deepest nesting followed (json_strict's truncated-mode limit).
const MAX_DEPTH: usize = 30;
/// String bytes: copied as they are, escaped by `json.dumps` (`ensure_ascii`: non-ASCII, DEL),
/// or ending the string's plain run (the closing quote; a backslash, backtick or control
/// character, which the subset refuses).
const PRINTABLE: u8 = 0;
const ESCAPED: u8 = 1;
const STOP: u8 = 2;
const BYTE_CLASS: [u8; 256] = {
    let mut t = [ESCAPED; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = STOP;
        b += 1;
    }
    while b < 0x7f {
        t[b] = PRINTABLE;
        b += 1;
    }
    t[b'"' as usize] = STOP;
    t[b'\\' as usize] = STOP;
    t[b'`' as usize] = STOP;
    t
};
/// Python refuses int(str) beyond this many digits.
const INT_DIGIT_LIMIT: usize = 4300;

/// `json.dumps(loads_embedded(text))`, or `None` where `loads_embedded` has no answer.
pub fn dumps_embedded(text: &str) -> Option<String> {
    let start = embedded_start(text)?;
    let mut w = Writer {
        s: text.as_bytes(),
        text,
        pos: start,
        // Room for the separators' spaces and some `\\uXXXX` escapes without regrowing.
        out: String::with_capacity(text.len() + text.len() / 2 + 16),
        keys: Vec::with_capacity(16),
        closed_at_end: false,
    };
    w.value(0)?;
    if w.closed_at_end {
        return (w.pos == w.s.len()).then_some(w.out);
    }
    skipped_after(text, start, w.pos).then_some(w.out)
}

struct Writer<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    out: String,
    /// The keys of the open objects, innermost last (each object remembers where its own start).
    keys: Vec<&'a str>,
    closed_at_end: bool,
}

impl<'a> Writer<'a> {
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.pos) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.pos..].starts_with(lit.as_bytes()) {
            self.pos += lit.len();
            self.out.push_str(lit);
            true
        } else {
            false
        }
    }

    /// The input ending where a `,` or a closer is expected closes every open container.
    fn closes_at_end(&mut self) -> bool {
        if self.pos == self.s.len() {
            self.closed_at_end = true;
            true
        } else {
            false
        }
    }

    /// Writes one value; `Some(true)` when it is strictly empty (`""`, `[]`, `{}`).
    fn value(&mut self, depth: usize) -> Option<bool> {
        match *self.s.get(self.pos)? {
            b'"' => {
                let (s, plain) = self.string()?;
                self.write_str(s, plain);
                Some(s.is_empty())
            }
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'n' if self.eat("null") => Some(false),
            b't' if self.eat("true") => Some(false),
            b'f' if self.eat("false") => Some(false),
            b'-' | b'0'..=b'9' => self.number().then_some(false),
            _ => None,
        }
    }

    /// At an opening quote: the string's text, and whether it is all printable ASCII
    /// (written as it is, with no escaping pass).
    fn string(&mut self) -> Option<(&'a str, bool)> {
        let start = self.pos + 1;
        let mut plain = true;
        let mut end = start;
        loop {
            match BYTE_CLASS[usize::from(*self.s.get(end)?)] {
                PRINTABLE => {}
                ESCAPED => plain = false,
                _ => break,
            }
            end += 1;
        }
        if self.s[end] != b'"' {
            return None;
        }
        self.pos = end + 1;
        // Only ASCII bytes stop the scan, so both ends are char boundaries.
        Some((&self.text[start..end], plain))
    }

    fn write_str(&mut self, s: &str, plain: bool) {
        if plain {
            self.out.push('"');
            self.out.push_str(s);
            self.out.push('"');
        } else {
            write_string(&mut self.out, s);
        }
    }

    fn object(&mut self, depth: usize) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.pos += 1;
        self.out.push('{');
        let open = self.pos;
        self.skip_ws();
        if self.s.get(self.pos) == Some(&b'}') {
            if self.pos != open {
                // json_repair may reparse `{ }` as an array (`_classify_empty_object_repair`).
                return None;
            }
            self.pos += 1;
            self.out.push('}');
            return Some(true);
        }
        let first_key = self.keys.len();
        loop {
            if self.s.get(self.pos) != Some(&b'"') {
                return None;
            }
            let (key, plain) = self.string()?;
            if self.keys[first_key..].contains(&key) {
                return None; // json_repair has its own duplicate-key rules
            }
            self.keys.push(key);
            self.write_str(key, plain);
            self.skip_ws();
            if self.s.get(self.pos) != Some(&b':') {
                return None;
            }
            self.pos += 1;
            self.out.push_str(": ");
            self.skip_ws();
            self.value(depth)?;
            self.skip_ws();
            if self.closes_at_end() {
                break;
            }
            match self.s.get(self.pos) {
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(b',') => {
                    self.pos += 1;
                    self.out.push_str(", ");
                    self.skip_ws();
                }
                _ => return None,
            }
        }
        self.keys.truncate(first_key);
        self.out.push('}');
        Some(false)
    }

    fn array(&mut self, depth: usize) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.pos += 1;
        self.out.push('[');
        self.skip_ws();
        if self.s.get(self.pos) == Some(&b']') {
            self.pos += 1;
            self.out.push(']');
            return Some(true);
        }
        loop {
            let empty = self.value(depth)?;
            // json_repair drops an empty item not followed right away by `,` or `]`.
            if empty && !matches!(self.s.get(self.pos), Some(b',' | b']')) {
                return None;
            }
            self.skip_ws();
            if self.closes_at_end() {
                break;
            }
            match self.s.get(self.pos) {
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                Some(b',') => {
                    self.pos += 1;
                    self.out.push_str(", ");
                    self.skip_ws();
                }
                _ => return None,
            }
        }
        self.out.push(']');
        Some(false)
    }

    /// A JSON number, written as `json.dumps(json.loads(number))` writes it.
    fn number(&mut self) -> bool {
        let s = self.s;
        let start = self.pos;
        let mut i = start;
        let negative = s[i] == b'-';
        if negative {
            i += 1;
        }
        let int_start = i;
        match s.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = s.get(i) {
                    i += 1;
                }
            }
            _ => return false,
        }
        let int_end = i;
        let mut is_float = false;
        if s.get(i) == Some(&b'.') && s.get(i + 1).is_some_and(u8::is_ascii_digit) {
            is_float = true;
            i += 1;
            while let Some(b'0'..=b'9') = s.get(i) {
                i += 1;
            }
        }
        if let Some(b'e' | b'E') = s.get(i) {
            let mut j = i + 1;
            match s.get(j) {
                Some(b'+') if s.get(j + 1).is_some_and(u8::is_ascii_digit) => {
                    return false; // json_repair's number scan stops at '+'
                }
                Some(b'-') => j += 1,
                _ => {}
            }
            if s.get(j).is_some_and(u8::is_ascii_digit) {
                is_float = true;
                i = j;
                while let Some(b'0'..=b'9') = s.get(i) {
                    i += 1;
                }
            }
        }
        self.pos = i;
        if is_float {
            let Ok(f) = self.text[start..i].parse::<f64>() else {
                return false;
            };
            write_float(&mut self.out, f);
            return true;
        }
        let digits = &self.text[int_start..int_end];
        if digits.len() > INT_DIGIT_LIMIT {
            return false;
        }
        // JSON integers have no leading zeros, so the text is canonical but for "-0".
        if negative && digits != "0" {
            self.out.push('-');
        }
        self.out.push_str(digits);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_dumps::dumps;
    use crate::json_strict::loads_embedded;
    use proptest::prelude::*;

    fn reference(text: &str) -> Option<String> {
        loads_embedded(text).map(|v| dumps(&v))
    }

    #[test]
    fn agrees_with_the_value_path() {
        let cases = [
            r#"{"a": 1, "b": [true, null, -0, 1.50, 2e3, 1E-7], "c": {"d": "é ✓"}}"#,
            "```json\n{\"q\": \"x\", \"n\": 5}\n```",
            "{\"q\": \"x\"} hope this helps",
            "{\"q\": \"x\"} , {\"r\": 1}",
            "{\"q\": \"x\"}, more",
            "[1, 2] and {\"a\": 1}",
            "{\"a\": [1, {\"b\": null",
            "{\"a\": [1, \"\" ]}",
            "{\"a\": [\"\"]}",
            "{\"a\": 1, \"a\": 2}",
            "{\"a\": {\"x\": 1}, \"b\": {\"x\": 2}}",
            "{\"a\": 1e+5}",
            "{\"a\": 1e5, \"b\": 1e400, \"c\": -1e400}",
            "{\"a\": \"b\\n\"}",
            "{\"a\": \"`x`\"}",
            "{\"a\": NaN}",
            "{\"a\": -Infinity}",
            "{\"a\": 01}",
            "{\"a\": 1.}",
            "{\"a\": 1,",
            "{\"a\": ",
            "(x) {\"a\": 1}",
            "/* c */ {\"a\": 1}",
            "{\"a\": 1} # c",
            "{\"a\": \"\u{201e}\"}",
            "{  }",
            "```json\n{\n}\n```",
            "{\"a\": { }} x",
            "{\"a\": {\n}, \"b\": 1",
            "{\"a\": {}, \"b\": 1} x",
            "[]",
            "{\"a\": []} x",
            "x [\"a\"",
            "",
            "no json here",
        ];
        for text in cases {
            assert_eq!(dumps_embedded(text), reference(text), "{text:?}");
        }
        assert_eq!(
            dumps_embedded("```json\n{\"q\": \"é\", \"n\": [1, 2.50]}\n```").as_deref(),
            Some("{\"q\": \"\\u00e9\", \"n\": [1, 2.5]}")
        );
        assert_eq!(
            dumps_embedded("{\"a\": [1, {\"b\": -0").as_deref(),
            Some("{\"a\": [1, {\"b\": 0}]}")
        );
        for reparsed_by_json_repair in ["{ } x", "```json\n{\n}\n```", "{\"a\": { }} x"] {
            assert_eq!(dumps_embedded(reparsed_by_json_repair), None);
        }
        let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
        assert_eq!(dumps_embedded(&deep), None);
    }

    proptest! {
        #[test]
        fn agrees_on_token_soup(parts in proptest::collection::vec(proptest::sample::select(vec![
            "{", "}", "[", "]", ",", ":", " ", "\n", "\"a\"", "\"b\"", "\"\"", "\"é✓\"", "\"x`\"",
            "\"\\n\"", "1", "-0", "0.5", "1e5", "1e+5", "2E-3", "01", "true", "null", "fals", "NaN",
            "```json", "hi", "#", "/", "(", "\u{201e}", "-", ".",
        ]), 0..24)) {
            let text: String = parts.concat();
            prop_assert_eq!(dumps_embedded(&text), reference(&text), "{:?}", text);
        }
    }
}
