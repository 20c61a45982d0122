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
use crate::json_strict::{STRING_STOP, TRUNCATED_MAX_DEPTH, embedded_start, skipped_after};
use crate::value::{INT_DIGIT_LIMIT, Int};

/// Deepest nesting followed: the same subset as json_strict's truncated mode.
const MAX_DEPTH: usize = TRUNCATED_MAX_DEPTH;
/// String bytes: copied as they are, escaped by `json.dumps` (`ensure_ascii`: non-ASCII, DEL),
/// or ending the string's plain run (the closing quote; a backslash, backtick or control
/// character, which the subset refuses).
const PRINTABLE: u8 = 0;
const ESCAPED: u8 = 1;
const STOP: u8 = 2;
const BYTE_CLASS: [u8; 256] = {
    let mut t = [ESCAPED; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = if STRING_STOP[b] {
            STOP
        } else if b < 0x7f {
            PRINTABLE
        } else {
            ESCAPED
        };
        b += 1;
    }
    t
};

/// `json.dumps(loads_embedded(text))`, or `None` where `loads_embedded` has no answer.
pub fn dumps_embedded(text: &str) -> Option<String> {
    // Room for the separators' spaces and some `\\uXXXX` escapes without regrowing.
    let out = Dumps(String::with_capacity(text.len() + text.len() / 2 + 16));
    walk_embedded(text, out).map(|d| d.0)
}

/// `loads_embedded(text)` as a flat list of events borrowing the text (no value tree, no
/// string copies), for a caller that builds its own objects from them; `None` where
/// `loads_embedded` has no answer.
pub fn events_embedded(text: &str) -> Option<Vec<Event<'_>>> {
    walk_embedded(text, Vec::with_capacity(32))
}

/// One step of a value read in document order.
#[derive(Debug, Clone, PartialEq)]
pub enum Event<'a> {
    /// An object starts; `Key`, value pairs follow until its `End`.
    Object,
    /// An array starts; values follow until its `End`.
    Array,
    End,
    Key(&'a str),
    Str(&'a str),
    Int(Int),
    Float(f64),
    Bool(bool),
    Null,
}

fn walk_embedded<'a, O: Output<'a>>(text: &'a str, out: O) -> Option<O> {
    let start = embedded_start(text)?;
    let mut w = Writer {
        s: text.as_bytes(),
        text,
        pos: start,
        out,
        keys: Vec::with_capacity(16),
        closed_at_end: false,
    };
    w.value(0)?;
    if w.closed_at_end {
        return (w.pos == w.s.len()).then_some(w.out);
    }
    skipped_after(text, start, w.pos).then_some(w.out)
}

/// Where a walk's values go: written as `json.dumps` text, or recorded as events.
trait Output<'a> {
    fn begin(&mut self, object: bool);
    fn end(&mut self, object: bool);
    /// Between two items of a container.
    fn separator(&mut self);
    /// `plain`: the text is printable ASCII and needs no escaping.
    fn key(&mut self, key: &'a str, plain: bool);
    fn string(&mut self, s: &'a str, plain: bool);
    fn literal(&mut self, word: &'static str);
    fn int(&mut self, negative: bool, digits: &'a str);
    fn float(&mut self, f: f64);
}

struct Dumps(String);

impl Dumps {
    fn quoted(&mut self, s: &str, plain: bool) {
        if plain {
            self.0.push('"');
            self.0.push_str(s);
            self.0.push('"');
        } else {
            write_string(&mut self.0, s);
        }
    }
}

impl<'a> Output<'a> for Dumps {
    fn begin(&mut self, object: bool) {
        self.0.push(if object { '{' } else { '[' });
    }
    fn end(&mut self, object: bool) {
        self.0.push(if object { '}' } else { ']' });
    }
    fn separator(&mut self) {
        self.0.push_str(", ");
    }
    fn key(&mut self, key: &'a str, plain: bool) {
        self.quoted(key, plain);
        self.0.push_str(": ");
    }
    fn string(&mut self, s: &'a str, plain: bool) {
        self.quoted(s, plain);
    }
    fn literal(&mut self, word: &'static str) {
        self.0.push_str(word);
    }
    fn int(&mut self, negative: bool, digits: &'a str) {
        // JSON integers have no leading zeros, so the text is canonical but for "-0".
        if negative && digits != "0" {
            self.0.push('-');
        }
        self.0.push_str(digits);
    }
    fn float(&mut self, f: f64) {
        write_float(&mut self.0, f);
    }
}

impl<'a> Output<'a> for Vec<Event<'a>> {
    fn begin(&mut self, object: bool) {
        self.push(if object { Event::Object } else { Event::Array });
    }
    fn end(&mut self, _object: bool) {
        self.push(Event::End);
    }
    fn separator(&mut self) {}
    fn key(&mut self, key: &'a str, _plain: bool) {
        self.push(Event::Key(key));
    }
    fn string(&mut self, s: &'a str, _plain: bool) {
        self.push(Event::Str(s));
    }
    fn literal(&mut self, word: &'static str) {
        self.push(match word {
            "true" => Event::Bool(true),
            "false" => Event::Bool(false),
            _ => Event::Null,
        });
    }
    fn int(&mut self, negative: bool, digits: &'a str) {
        self.push(Event::Int(Int::from_digits(negative, digits)));
    }
    fn float(&mut self, f: f64) {
        self.push(Event::Float(f));
    }
}

struct Writer<'a, O> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    out: O,
    /// The keys of the open objects, innermost last (each object remembers where its own start).
    keys: Vec<&'a str>,
    closed_at_end: bool,
}

impl<'a, O: Output<'a>> Writer<'a, O> {
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.pos) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, lit: &'static str) -> bool {
        if self.s[self.pos..].starts_with(lit.as_bytes()) {
            self.pos += lit.len();
            self.out.literal(lit);
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

    /// After a container's item: `Some(true)` when the container ends (its `closer`, or the
    /// input's end closing it), `Some(false)` after a `,` (the next item follows), `None` for
    /// anything else.
    fn item_end(&mut self, closer: u8) -> Option<bool> {
        self.skip_ws();
        if self.closes_at_end() {
            return Some(true);
        }
        match *self.s.get(self.pos)? {
            b if b == closer => {
                self.pos += 1;
                Some(true)
            }
            b',' => {
                self.pos += 1;
                self.out.separator();
                self.skip_ws();
                Some(false)
            }
            _ => None,
        }
    }

    /// Writes one value; `Some(true)` when it is strictly empty (`""`, `[]`, `{}`).
    fn value(&mut self, depth: usize) -> Option<bool> {
        match *self.s.get(self.pos)? {
            b'"' => {
                let (s, plain) = self.string()?;
                self.out.string(s, plain);
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

    fn object(&mut self, depth: usize) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.pos += 1;
        self.out.begin(true);
        let open = self.pos;
        self.skip_ws();
        if self.s.get(self.pos) == Some(&b'}') {
            if self.pos != open {
                // json_repair may reparse `{ }` as an array (`_classify_empty_object_repair`).
                return None;
            }
            self.pos += 1;
            self.out.end(true);
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
            self.out.key(key, plain);
            self.skip_ws();
            if self.s.get(self.pos) != Some(&b':') {
                return None;
            }
            self.pos += 1;
            self.skip_ws();
            self.value(depth)?;
            if self.item_end(b'}')? {
                break;
            }
        }
        self.keys.truncate(first_key);
        self.out.end(true);
        Some(false)
    }

    fn array(&mut self, depth: usize) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.pos += 1;
        self.out.begin(false);
        self.skip_ws();
        if self.s.get(self.pos) == Some(&b']') {
            self.pos += 1;
            self.out.end(false);
            return Some(true);
        }
        loop {
            let empty = self.value(depth)?;
            // json_repair drops an empty item not followed right away by `,` or `]`.
            if empty && !matches!(self.s.get(self.pos), Some(b',' | b']')) {
                return None;
            }
            if self.item_end(b']')? {
                break;
            }
        }
        self.out.end(false);
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
            self.out.float(f);
            return true;
        }
        let digits = &self.text[int_start..int_end];
        if digits.len() > INT_DIGIT_LIMIT {
            return false;
        }
        self.out.int(negative, digits);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_dumps::dumps;
    use crate::json_strict::loads_embedded;
    use crate::value::Value;
    use proptest::prelude::*;

    fn reference(text: &str) -> Option<String> {
        loads_embedded(text).map(|v| dumps(&v))
    }

    /// The value the events describe, to compare with `loads_embedded`.
    fn events_value(text: &str) -> Option<Value> {
        let events = events_embedded(text)?;
        let mut stack: Vec<(Value, Option<String>)> = Vec::new();
        for e in events {
            let v = match e {
                Event::Object => {
                    stack.push((Value::Dict(Vec::new()), None));
                    continue;
                }
                Event::Array => {
                    stack.push((Value::List(Vec::new()), None));
                    continue;
                }
                Event::Key(k) => {
                    stack.last_mut()?.1 = Some(k.to_owned());
                    continue;
                }
                Event::End => stack.pop()?.0,
                Event::Str(s) => Value::Str(s.to_owned()),
                Event::Int(i) => Value::Int(i),
                Event::Float(f) => Value::Float(f),
                Event::Bool(b) => Value::Bool(b),
                Event::Null => Value::None,
            };
            match stack.last_mut() {
                Some((Value::Dict(items), key)) => items.push((key.take()?, v)),
                Some((Value::List(items), _)) => items.push(v),
                Some(_) => return None,
                None => return Some(v),
            }
        }
        None
    }

    fn agree(text: &str) -> bool {
        dumps_embedded(text) == reference(text)
            && format!("{:?}", events_value(text)) == format!("{:?}", loads_embedded(text))
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
            assert!(agree(text), "{text:?}");
        }
        assert_eq!(
            dumps_embedded("```json\n{\"q\": \"é\", \"n\": [1, 2.50]}\n```").as_deref(),
            Some("{\"q\": \"\\u00e9\", \"n\": [1, 2.5]}")
        );
        assert_eq!(
            dumps_embedded("{\"a\": [1, {\"b\": -0").as_deref(),
            Some("{\"a\": [1, {\"b\": 0}]}")
        );
        for not_this_case in [
            "{ } x",
            "```json\n{\n}\n```",
            "{\"a\": { }} x",
            // Valid JSON strings holding brackets: json.loads gives the str.
            "\"{}\"",
            " \"[1] x\"",
        ] {
            assert_eq!(dumps_embedded(not_this_case), None, "{not_this_case:?}");
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
            prop_assert!(agree(&text), "{:?}", text);
        }
    }
}
