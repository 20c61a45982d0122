//! The part of `ast.literal_eval` crewai relies on for tool input: a dict display with string
//! keys whose values are strings, numbers, `True`/`False`/`None`, lists, tuples and such dicts,
//! the way an LLM writes Python (`{'q': 'x', 'n': -3, 'ok': True,}`).
//!
//! Anything outside that safe subset (string prefixes or concatenation, escapes Python would
//! warn about, sets, complex numbers, underscores in numbers, comments, line continuations...)
//! is [`Decision::Undecided`], never a guess: Python then evaluates it itself.

use crate::value::{DictBuilder, INT_DIGIT_LIMIT, Int, Value};
use crate::{Decision, MAX_DEPTH};

/// `ast.literal_eval(text)` when it certainly returns a dict, else `Undecided`.
pub fn literal_dict(text: &str) -> Decision<Value> {
    let body = text.trim_start_matches([' ', '\t']);
    let mut p = Parser {
        s: body.as_bytes(),
        text: body,
        pos: 0,
    };
    p.skip_ws();
    if p.s.get(p.pos) != Some(&b'{') {
        return Decision::Undecided;
    }
    match p.value(0) {
        Some(v @ Value::Dict(_)) => {
            p.skip_ws();
            if p.pos == p.s.len() {
                Decision::Decided(v)
            } else {
                Decision::Undecided
            }
        }
        _ => Decision::Undecided,
    }
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    /// Whitespace the tokenizer ignores inside brackets (and at the end of eval input).
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') = self.s.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'{' => self.dict(depth + 1),
            b'[' => self
                .sequence(b']', depth + 1)
                .map(|(items, _)| Value::List(items)),
            b'(' => self.tuple(depth + 1),
            b'\'' | b'"' => self.string().map(Value::Str),
            b'-' | b'+' => {
                let negative = self.peek() == Some(b'-');
                self.pos += 1;
                while let Some(b' ' | b'\t') = self.peek() {
                    self.pos += 1;
                }
                match self.number()? {
                    Value::Int(i) if negative => Some(Value::Int(i.negate())),
                    Value::Float(f) if negative => Some(Value::Float(-f)),
                    v => Some(v),
                }
            }
            b'0'..=b'9' | b'.' => self.number(),
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => self.name(),
            _ => None,
        }
    }

    fn name(&mut self) -> Option<Value> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80)
        {
            self.pos += 1;
        }
        match &self.text[start..self.pos] {
            "True" => Some(Value::Bool(true)),
            "False" => Some(Value::Bool(false)),
            "None" => Some(Value::None),
            _ => None,
        }
    }

    /// Items up to `close`, and whether a comma followed the last one.
    fn sequence(&mut self, close: u8, depth: usize) -> Option<(Vec<Value>, bool)> {
        self.pos += 1;
        let mut items = Vec::new();
        let mut trailing_comma = false;
        loop {
            self.skip_ws();
            if self.peek()? == close {
                self.pos += 1;
                return Some((items, trailing_comma));
            }
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek()? {
                b',' => {
                    self.pos += 1;
                    trailing_comma = true;
                }
                c if c == close => trailing_comma = false,
                _ => return None,
            }
        }
    }

    fn tuple(&mut self, depth: usize) -> Option<Value> {
        let (mut items, trailing_comma) = self.sequence(b')', depth)?;
        // `(x)` is just x in parentheses; `()` and `(x,)` are tuples.
        if items.len() == 1 && !trailing_comma {
            return items.pop();
        }
        Some(Value::Tuple(items))
    }

    fn dict(&mut self, depth: usize) -> Option<Value> {
        self.pos += 1;
        let mut dict = DictBuilder::default();
        loop {
            self.skip_ws();
            match self.peek()? {
                b'}' => {
                    self.pos += 1;
                    return Some(dict.finish());
                }
                b'\'' | b'"' => {}
                _ => return None, // non-string keys, `**`, a set...
            }
            let key = self.string()?;
            self.skip_ws();
            if self.peek()? != b':' {
                return None;
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(depth)?;
            dict.insert(key, value);
            self.skip_ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {}
                _ => return None,
            }
        }
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let s = p.pos;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.pos += 1;
            }
            p.pos - s
        };
        let int_digits = digits(self);
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            let frac = digits(self);
            if int_digits == 0 && frac == 0 {
                return None;
            }
            is_float = true;
        } else if int_digits == 0 {
            return None;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return None;
            }
            is_float = true;
        }
        // `1j`, `1_000`, `0x1f`, `1.2.3`, `1if`: leave every such spelling to Python.
        if self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c >= 0x80)
        {
            return None;
        }
        let literal = &self.text[start..self.pos];
        if is_float {
            return literal.parse::<f64>().ok().map(Value::Float);
        }
        let leading_zero_ok = !literal.starts_with('0') || literal.bytes().all(|b| b == b'0');
        if !leading_zero_ok || literal.len() > INT_DIGIT_LIMIT {
            return None;
        }
        Some(Value::Int(Int::from_digits(false, literal)))
    }

    /// A plain (unprefixed, single-line) string literal; the next byte is its quote.
    fn string(&mut self) -> Option<String> {
        let quote = self.peek()?;
        self.pos += 1;
        if self.s.get(self.pos..self.pos + 2) == Some(&[quote, quote][..]) {
            return None; // triple-quoted
        }
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(&b) = self.s.get(self.pos) {
                if b == quote || b == b'\\' || b == b'\n' || b == b'\r' || b == 0 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[start..self.pos]);
            match self.peek()? {
                b'\\' => {
                    self.pos += 1;
                    out.push(self.escape()?);
                }
                b if b == quote => {
                    self.pos += 1;
                    break;
                }
                _ => return None, // end of line inside the literal, or NUL
            }
        }
        // Adjacent literals concatenate in Python; not worth imitating.
        let save = self.pos;
        self.skip_ws();
        let next = self.peek();
        self.pos = save;
        if matches!(next, Some(b'\'' | b'"')) {
            return None;
        }
        Some(out)
    }

    fn escape(&mut self) -> Option<char> {
        let e = self.peek()?;
        self.pos += 1;
        let hex = |p: &mut Self, n: usize| -> Option<char> {
            let digits = p.text.get(p.pos..p.pos + n)?;
            let v = u32::from_str_radix(digits, 16).ok()?;
            if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            p.pos += n;
            char::from_u32(v) // surrogates and values past U+10FFFF stay with Python
        };
        Some(match e {
            b'\\' => '\\',
            b'\'' => '\'',
            b'"' => '"',
            b'a' => '\u{7}',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'v' => '\u{b}',
            b'x' => return hex(self, 2),
            b'u' => return hex(self, 4),
            b'U' => return hex(self, 8),
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                // Python 3.12 warns about values above 0o377; stay on the quiet side.
                if v > 0o377 {
                    return None;
                }
                return char::from_u32(v);
            }
            _ => return None, // \N{...}, line continuation, and escapes Python warns about
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict(text: &str) -> Option<Vec<(String, Value)>> {
        match literal_dict(text) {
            Decision::Decided(Value::Dict(items)) => Some(items),
            _ => None,
        }
    }

    #[test]
    fn python_dicts_decode() {
        let items = dict(
            "  {'a': True, \"b\": (1,), 'c': (2), 'd': [None, -1.5, - 3], 'e': 'x\\'y\\u00e9',}\n",
        )
        .expect("decided");
        assert_eq!(items[0].1, Value::Bool(true));
        assert_eq!(items[1].1, Value::Tuple(vec![Value::Int(Int::Small(1))]));
        assert_eq!(items[2].1, Value::Int(Int::Small(2)));
        assert_eq!(
            items[3].1,
            Value::List(vec![
                Value::None,
                Value::Float(-1.5),
                Value::Int(Int::Small(-3))
            ])
        );
        assert_eq!(items[4].1, Value::Str("x'yé".into()));
        assert_eq!(dict("{}"), Some(vec![]));
    }

    #[test]
    fn unusual_spellings_are_left_to_python() {
        for text in [
            "{'a': 'b' 'c'}",
            "{'a': 1_000}",
            "{'a': 01}",
            "{'a': 1j}",
            "{1: 2}",
            "{'a': {1, 2}}",
            "{'a': r'x'}",
            "{'a': '\\d'}",
            "{'a': '''x'''}",
            "{'a': true}",
            "{'a': 1} # note",
            "[1]",
            "{'a': '\\ud800'}",
        ] {
            assert!(dict(text).is_none(), "{text:?}");
        }
    }
}
