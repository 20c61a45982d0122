//! `json.loads` of CPython 3.11 (the C scanner, `strict=True`): the same grammar, including
//! `NaN`/`Infinity`, the same number rules and duplicate-key handling. When Python would do
//! something this decoder cannot represent or must not imitate (a lone surrogate, an integer
//! past the 4300-digit conversion limit, nesting deep enough to reach the recursion limit) the
//! answer is [`Loads::Unsure`] so the caller defers to Python.

use crate::MAX_DEPTH;
use crate::value::{DictBuilder, INT_DIGIT_LIMIT, Int, Value};

/// The outcome of `json.loads(text)`.
#[derive(Debug, Clone, PartialEq)]
pub enum Loads {
    Ok(Value),
    /// Python raises `JSONDecodeError`.
    Invalid,
    /// Python would do something else (another exception, an unrepresentable value).
    Unsure,
}

/// The bytes that end a run of plain string content: the closing quote, a backslash, a
/// control character (rejected in strict mode) and a backtick (json_repair's code fences).
pub(crate) const STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'`' as usize] = true;
    t
};

enum Fail {
    Invalid,
    Unsure,
}

type Res<T> = Result<T, Fail>;

/// `json.loads(text)`.
pub fn loads(text: &str) -> Loads {
    loads_with_tail(text).0
}

/// `json.loads(text)`, and whether a rejection came only from text after one complete value
/// ("Extra data"). Then [`loads_truncated`] cannot answer either (the text did not end inside
/// the value), and a caller skips that second parse.
pub fn loads_with_tail(text: &str) -> (Loads, bool) {
    if text.starts_with('\u{feff}') {
        return (Loads::Invalid, false); // "Unexpected UTF-8 BOM"
    }
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
        truncated: false,
        closed_at_end: false,
    };
    p.skip_ws();
    let mut tail = false;
    let result = p.value(0).and_then(|v| {
        p.skip_ws();
        if p.pos == p.s.len() {
            Ok(v)
        } else {
            tail = true;
            Err(Fail::Invalid)
        }
    });
    match result {
        Ok(v) => (Loads::Ok(v), false),
        Err(Fail::Invalid) => (Loads::Invalid, tail),
        Err(Fail::Unsure) => (Loads::Unsure, false),
    }
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    /// Truncated mode (see [`loads_truncated`]): the end of the input closes open containers.
    truncated: bool,
    closed_at_end: bool,
}

/// Deepest nesting the truncated mode follows: json_repair recurses a few Python frames per
/// level and must stay far from the interpreter's recursion limit for the answer to hold.
pub(crate) const TRUNCATED_MAX_DEPTH: usize = 30;

/// What json_repair makes of JSON cut off right after a complete value: the open containers
/// closed, i.e. `json.loads(text + closers)`. Only the plainest such input is answered (strings
/// without escapes or backticks, no duplicate keys, no NaN/Infinity, shallow nesting), since
/// json_repair's string and duplicate-key heuristics differ from `json.loads` elsewhere; `None`
/// means "not that case".
pub fn loads_truncated(text: &str) -> Option<Value> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
        truncated: true,
        closed_at_end: false,
    };
    p.skip_ws();
    if !matches!(p.s.get(p.pos), Some(b'{' | b'[')) {
        return None;
    }
    let v = p.value(0).ok()?;
    p.skip_ws();
    (p.pos == p.s.len() && p.closed_at_end).then_some(v)
}

/// json_repair's value for text holding one plain JSON container (the [`loads_truncated`]
/// subset, complete or cut off after a value) between text its top level skips: the
/// `` ```json `` fence before a value, a sentence after it. With the container's own context
/// empty, json_repair's top level passes over every character but `{[(#/` (which would start
/// another value or a comment), and a `,` right after a top-level object would merge the next
/// one into it; text free of those, and of U+201E (which json_repair's string scanner treats
/// specially), yields the container's value alone. For text `json.loads` accepts the value is
/// `json.loads`'s too (the subset is strict JSON), so callers may ask this first. `None`
/// means "not that case".
pub fn loads_embedded(text: &str) -> Option<Value> {
    let start = embedded_start(text)?;
    let s = text.as_bytes();
    let mut p = Parser {
        s,
        text,
        pos: start,
        truncated: true,
        closed_at_end: false,
    };
    let value = p.value(0).ok()?;
    if p.closed_at_end {
        return (p.pos == s.len()).then_some(value);
    }
    skipped_after(text, start, p.pos).then_some(value)
}

/// Where the container of an embedded value starts (see [`loads_embedded`]), if the text
/// before it is all skipped by json_repair's top level.
pub(crate) fn embedded_start(text: &str) -> Option<usize> {
    let s = text.as_bytes();
    // Text that opens like a JSON string may be one holding the brackets (`"{}"`, which
    // `json.loads` reads as a str): not this case.
    if s.iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        == Some(&b'"')
    {
        return None;
    }
    let start = s
        .iter()
        .position(|&b| matches!(b, b'{' | b'[' | b'(' | b'#' | b'/'))?;
    let low_quote = !text.is_ascii() && text.contains('\u{201e}');
    (matches!(s[start], b'{' | b'[') && !low_quote).then_some(start)
}

/// Whether json_repair's top level skips the text after a complete container that started
/// at `start` and ended before `end`.
pub(crate) fn skipped_after(text: &str, start: usize, end: usize) -> bool {
    let rest = &text[end..];
    if text.as_bytes()[start] == b'{' && crate::pychars::lstrip(rest).starts_with(',') {
        return false;
    }
    !rest
        .bytes()
        .any(|b| matches!(b, b'{' | b'[' | b'(' | b'#' | b'/'))
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.pos) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.pos..].starts_with(lit.as_bytes()) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Res<Value> {
        let Some(&c) = self.s.get(self.pos) else {
            return Err(Fail::Invalid);
        };
        match c {
            b'"' => {
                self.pos += 1;
                self.string().map(Value::Str)
            }
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'n' if self.eat("null") => Ok(Value::None),
            b't' if self.eat("true") => Ok(Value::Bool(true)),
            b'f' if self.eat("false") => Ok(Value::Bool(false)),
            b'N' | b'I' if self.truncated => Err(Fail::Unsure),
            b'-' if self.truncated && self.s[self.pos..].starts_with(b"-I") => Err(Fail::Unsure),
            b'N' if self.eat("NaN") => Ok(Value::Float(f64::NAN)),
            b'I' if self.eat("Infinity") => Ok(Value::Float(f64::INFINITY)),
            b'-' if self.eat("-Infinity") => Ok(Value::Float(f64::NEG_INFINITY)),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(Fail::Invalid),
        }
    }

    fn max_depth(&self) -> usize {
        if self.truncated {
            TRUNCATED_MAX_DEPTH
        } else {
            MAX_DEPTH
        }
    }

    /// In truncated mode, the input ending where a `,` or a closer is expected closes the
    /// container.
    fn closes_at_end(&mut self) -> bool {
        if self.truncated && self.pos == self.s.len() {
            self.closed_at_end = true;
            true
        } else {
            false
        }
    }

    fn object(&mut self, depth: usize) -> Res<Value> {
        if depth > self.max_depth() {
            return Err(Fail::Unsure);
        }
        self.pos += 1;
        let mut dict = DictBuilder::default();
        let open = self.pos;
        self.skip_ws();
        if self.s.get(self.pos) == Some(&b'}') {
            if self.truncated && self.pos != open {
                // json_repair may reparse `{ }` as an array (`_classify_empty_object_repair`).
                return Err(Fail::Unsure);
            }
            self.pos += 1;
            return Ok(dict.finish());
        }
        loop {
            if self.s.get(self.pos) != Some(&b'"') {
                return Err(Fail::Invalid);
            }
            self.pos += 1;
            let key = self.string()?;
            self.skip_ws();
            if self.s.get(self.pos) != Some(&b':') {
                return Err(Fail::Invalid);
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(depth)?;
            if !self.truncated {
                dict.insert(key, value);
            } else if !dict.insert_new(key, value) {
                return Err(Fail::Unsure); // json_repair has its own duplicate-key rules
            }
            self.skip_ws();
            if self.closes_at_end() {
                return Ok(dict.finish());
            }
            match self.s.get(self.pos) {
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(dict.finish());
                }
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                _ => return Err(Fail::Invalid),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Res<Value> {
        if depth > self.max_depth() {
            return Err(Fail::Unsure);
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.s.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Value::List(items));
        }
        loop {
            let item = self.value(depth)?;
            // json_repair drops an empty item ("", [], {}) not followed right away by `,` or
            // `]` (whitespace, or the end of the input).
            let empty = match &item {
                Value::Str(x) => x.is_empty(),
                Value::List(x) => x.is_empty(),
                Value::Dict(x) => x.is_empty(),
                _ => false,
            };
            if self.truncated && empty && !matches!(self.s.get(self.pos), Some(b',' | b']')) {
                return Err(Fail::Unsure);
            }
            self.skip_ws();
            if self.closes_at_end() {
                items.push(item);
                return Ok(Value::List(items));
            }
            items.push(item);
            match self.s.get(self.pos) {
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::List(items));
                }
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                _ => return Err(Fail::Invalid),
            }
        }
    }

    /// After the opening quote.
    fn string(&mut self) -> Res<String> {
        let mut out = String::new();
        loop {
            let start = self.pos;
            loop {
                self.pos += self.s[self.pos..]
                    .iter()
                    .position(|&b| STRING_STOP[usize::from(b)])
                    .unwrap_or(self.s.len() - self.pos);
                if self.s.get(self.pos) != Some(&b'`') {
                    break;
                }
                if self.truncated {
                    return Err(Fail::Unsure); // json_repair treats code fences specially
                }
                self.pos += 1;
            }
            if self.truncated && self.s.get(self.pos) == Some(&b'\\') {
                return Err(Fail::Unsure); // json_repair's escape handling differs at the edges
            }
            // Only ASCII bytes stop the scan, so `start..pos` is on char boundaries.
            let chunk = &self.text[start..self.pos];
            match self.s.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    if out.is_empty() {
                        // No escape before: one allocation of the exact size.
                        return Ok(chunk.to_owned());
                    }
                    out.push_str(chunk);
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(chunk);
                    self.pos += 1;
                    let Some(&e) = self.s.get(self.pos) else {
                        return Err(Fail::Invalid);
                    };
                    self.pos += 1;
                    out.push(match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(Fail::Invalid),
                    });
                }
                // A control character (strict mode) or the end of the input.
                _ => return Err(Fail::Invalid),
            }
        }
    }

    fn hex4(&mut self) -> Res<u32> {
        let digits = self.s.get(self.pos..self.pos + 4).ok_or(Fail::Invalid)?;
        let mut v = 0u32;
        for &d in digits {
            v = v * 16 + (d as char).to_digit(16).ok_or(Fail::Invalid)?;
        }
        self.pos += 4;
        Ok(v)
    }

    fn unicode_escape(&mut self) -> Res<char> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) && self.s[self.pos..].starts_with(b"\\u") {
            let save = self.pos;
            self.pos += 2;
            let second = self.hex4()?;
            if (0xDC00..0xE000).contains(&second) {
                let cp = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return char::from_u32(cp).ok_or(Fail::Unsure);
            }
            self.pos = save;
        }
        // A lone surrogate is a valid Python str but not a Rust one.
        char::from_u32(first).ok_or(Fail::Unsure)
    }

    fn number(&mut self) -> Res<Value> {
        let start = self.pos;
        let negative = self.s[self.pos] == b'-';
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.s.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = self.s.get(self.pos) {
                    self.pos += 1;
                }
            }
            _ => return Err(Fail::Invalid),
        }
        let int_end = self.pos;
        let mut is_float = false;
        if self.s.get(self.pos) == Some(&b'.')
            && self.s.get(self.pos + 1).is_some_and(u8::is_ascii_digit)
        {
            is_float = true;
            self.pos += 1;
            while let Some(b'0'..=b'9') = self.s.get(self.pos) {
                self.pos += 1;
            }
        }
        if let Some(b'e' | b'E') = self.s.get(self.pos) {
            let save = self.pos;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.s.get(self.pos) {
                self.pos += 1;
            }
            if self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
                is_float = true;
                while let Some(b'0'..=b'9') = self.s.get(self.pos) {
                    self.pos += 1;
                }
            } else {
                self.pos = save;
            }
        }
        if self.truncated && self.text[start..self.pos].contains('+') {
            return Err(Fail::Unsure); // json_repair's number scan stops at '+'
        }
        if is_float {
            let literal = &self.text[start..self.pos];
            return literal
                .parse::<f64>()
                .map(Value::Float)
                .map_err(|_| Fail::Unsure);
        }
        let digits = &self.text[int_start..int_end];
        if digits.len() > INT_DIGIT_LIMIT {
            return Err(Fail::Unsure); // Python raises ValueError, not JSONDecodeError
        }
        Ok(Value::Int(Int::from_digits(negative, digits)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_data_is_told_apart_and_never_truncated_json() {
        for text in ["{\"a\": 1} x", "[1] [2", "{\"a\": [1]}} ", "1 2"] {
            assert_eq!(loads_with_tail(text), (Loads::Invalid, true), "{text}");
            assert_eq!(loads_truncated(text), None, "{text}");
        }
        for text in ["{\"a\": 1", "{\"a\" 1}", "x", ""] {
            assert_eq!(loads_with_tail(text), (Loads::Invalid, false), "{text}");
        }
        assert!(loads_truncated("{\"a\": [1").is_some());
    }

    impl Loads {
        fn into_value(self) -> Value {
            match self {
                Loads::Ok(v) => v,
                other => panic!("not a value: {other:?}"),
            }
        }
    }

    #[test]
    fn accepts_what_python_accepts() {
        assert_eq!(loads(" -0 "), Loads::Ok(Value::Int(Int::Small(0))));
        assert_eq!(loads("1E400"), Loads::Ok(Value::Float(f64::INFINITY)));
        assert_eq!(
            loads(r#""\ud83d\ude00""#),
            Loads::Ok(Value::Str("😀".into()))
        );
        assert!(
            matches!(loads(r#"{"a": [1, 2.5, NaN], "a": null}"#), Loads::Ok(Value::Dict(d)) if d.len() == 1)
        );
    }

    #[test]
    fn rejects_what_python_rejects() {
        for bad in [
            "[1,]",
            "{'a': 1}",
            "01",
            "1.",
            "\"a\nb\"",
            "{\"a\" 1}",
            "",
            "tru",
            "\u{feff}{}",
        ] {
            assert_eq!(loads(bad), Loads::Invalid, "{bad:?}");
        }
    }

    #[test]
    fn truncated_json_closes_open_containers() {
        let v = loads_truncated(r#"{"a": [1, {"b": null"#).expect("decided");
        assert_eq!(v, loads(r#"{"a": [1, {"b": null}]}"#).into_value());
        for not_this_case in [
            r#"{"a": 1}"#,
            r#"{"a": "#,
            r#"{"a": 1,"#,
            r#"{"a""#,
            r#"{"a": "b\n""#,
            r#"{"a": 1, "a": 2"#,
            r#"{"a": NaN"#,
            r#"{"a": 1e+5"#,
            r#"{"a": [1, """#,
            r#"[[]"#,
            "{",
            "[1, 2] x",
            r#"{"a": { }, "b": 1"#,
        ] {
            assert_eq!(loads_truncated(not_this_case), None, "{not_this_case:?}");
        }
    }

    #[test]
    fn defers_what_it_cannot_represent() {
        assert_eq!(loads(r#""\ud800""#), Loads::Unsure);
        assert_eq!(loads(&"1".repeat(5000)), Loads::Unsure);
        assert_eq!(loads(&"[".repeat(100_000)), Loads::Unsure);
    }
}
