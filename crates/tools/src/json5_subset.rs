//! What `json5.loads(text)` (json5 0.10) does with the JSON5 an LLM writes: objects and arrays
//! with trailing commas, single- or double-quoted strings, unquoted ASCII keys, comments, plain
//! decimal numbers, `true`/`false`/`null`. Text outside the JSON5 grammar at a point the scan
//! fully understands is [`Json5::Rejected`] (json5 raises ValueError); anything this subset
//! does not model (escapes, hex, `Infinity`, non-ASCII outside strings, control characters in
//! strings, deep nesting) is [`Json5::Unsure`] and Python runs json5 itself.

use crate::value::{Int, Value};

/// Deepest nesting followed; json5's recursive parser is left to its own limits beyond.
const MAX_NESTING: usize = 50;

#[derive(Debug, Clone, PartialEq)]
pub enum Json5 {
    Value(Value),
    Rejected,
    Unsure,
}

/// `json5.loads(text)`, where this subset can tell.
pub fn loads(text: &str) -> Json5 {
    let mut p = P {
        s: text.as_bytes(),
        text,
        i: 0,
    };
    let r = (|| {
        p.ws()?;
        let v = p.value(0)?;
        p.ws()?;
        if p.i < p.s.len() {
            return Err(Json5::Rejected);
        }
        Ok(v)
    })();
    match r {
        Ok(v) => Json5::Value(v),
        Err(e) => e,
    }
}

struct P<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

type R<T> = Result<T, Json5>;

impl P<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// White space and comments.
    fn ws(&mut self) -> R<()> {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\n' | b'\r' => self.i += 1,
                b'/' => match self.s.get(self.i + 1) {
                    Some(b'/') => {
                        while !matches!(self.peek(), None | Some(b'\n' | b'\r')) {
                            if !self.s[self.i].is_ascii() {
                                return Err(Json5::Unsure);
                            }
                            self.i += 1;
                        }
                    }
                    Some(b'*') => {
                        self.i += 2;
                        loop {
                            match self.peek() {
                                None => return Err(Json5::Unsure),
                                Some(b'*') if self.s.get(self.i + 1) == Some(&b'/') => {
                                    self.i += 2;
                                    break;
                                }
                                Some(c) if !c.is_ascii() => return Err(Json5::Unsure),
                                _ => self.i += 1,
                            }
                        }
                    }
                    _ => return Err(Json5::Rejected),
                },
                c if !c.is_ascii() => return Err(Json5::Unsure),
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> R<Value> {
        if depth > MAX_NESTING {
            return Err(Json5::Unsure);
        }
        match self.peek() {
            None => Err(Json5::Rejected),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(q @ (b'"' | b'\'')) => self.string(q).map(Value::Str),
            Some(b'0'..=b'9' | b'-') => self.number(),
            Some(b'+' | b'.') => Err(Json5::Unsure),
            Some(c) if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                let word = self.ident()?;
                match word {
                    "true" => Ok(Value::Bool(true)),
                    "false" => Ok(Value::Bool(false)),
                    "null" => Ok(Value::None),
                    "Infinity" | "NaN" => Err(Json5::Unsure),
                    // A bare word is a key, never a value; a keyword prefix ("truex") fails too.
                    _ => Err(Json5::Rejected),
                }
            }
            Some(c) if !c.is_ascii() => Err(Json5::Unsure),
            Some(_) => Err(Json5::Rejected),
        }
    }

    fn ident(&mut self) -> R<&str> {
        let start = self.i;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' {
                self.i += 1;
            } else if c == b'\\' || !c.is_ascii() {
                return Err(Json5::Unsure);
            } else {
                break;
            }
        }
        Ok(&self.text[start..self.i])
    }

    fn object(&mut self, depth: usize) -> R<Value> {
        self.i += 1;
        let mut items: Vec<(String, Value)> = Vec::new();
        loop {
            self.ws()?;
            match self.peek() {
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Dict(items));
                }
                None => return Err(Json5::Rejected),
                _ => {}
            }
            let key = match self.peek() {
                Some(q @ (b'"' | b'\'')) => self.string(q)?,
                Some(c) if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                    self.ident()?.to_owned()
                }
                Some(c) if !c.is_ascii() || c == b'\\' => return Err(Json5::Unsure),
                _ => return Err(Json5::Rejected),
            };
            self.ws()?;
            if self.peek() != Some(b':') {
                return Err(Json5::Rejected);
            }
            self.i += 1;
            self.ws()?;
            let v = self.value(depth + 1)?;
            // dict(pairs): a repeated key keeps its first position and takes the last value.
            match items.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = v,
                None => items.push((key, v)),
            }
            self.ws()?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {}
                None => return Err(Json5::Rejected),
                Some(c) if !c.is_ascii() => return Err(Json5::Unsure),
                Some(_) => return Err(Json5::Rejected),
            }
        }
    }

    fn array(&mut self, depth: usize) -> R<Value> {
        self.i += 1;
        let mut items = Vec::new();
        loop {
            self.ws()?;
            match self.peek() {
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::List(items));
                }
                None => return Err(Json5::Rejected),
                _ => {}
            }
            items.push(self.value(depth + 1)?);
            self.ws()?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {}
                None => return Err(Json5::Rejected),
                Some(c) if !c.is_ascii() => return Err(Json5::Unsure),
                Some(_) => return Err(Json5::Rejected),
            }
        }
    }

    fn string(&mut self, q: u8) -> R<String> {
        let start = self.i + 1;
        let mut i = start;
        while let Some(&c) = self.s.get(i) {
            if c == q {
                self.i = i + 1;
                return Ok(self.text[start..i].to_owned());
            }
            match c {
                b'\\' => return Err(Json5::Unsure),
                b'\n' | b'\r' => return Err(Json5::Rejected),
                c if c < 0x20 || c == 0x7f => return Err(Json5::Unsure),
                // U+2028/U+2029 (E2 80 A8/A9) are line terminators JSON5 allows in strings.
                0xE2 if self.s.get(i + 1) == Some(&0x80)
                    && matches!(self.s.get(i + 2), Some(0xA8 | 0xA9)) =>
                {
                    return Err(Json5::Unsure);
                }
                _ => i += 1,
            }
        }
        Err(Json5::Rejected)
    }

    /// `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`, as json5 converts it (`int` / `float`).
    fn number(&mut self) -> R<Value> {
        let start = self.i;
        let s = self.s;
        let mut i = self.i;
        if s.get(i) == Some(&b'-') {
            i += 1;
        }
        let int_start = i;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let int_len = i - int_start;
        if int_len == 0 || (int_len > 1 && s[int_start] == b'0') || int_len > 4000 {
            return Err(Json5::Unsure);
        }
        let mut is_float = false;
        if s.get(i) == Some(&b'.') {
            i += 1;
            let f = i;
            while s.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == f {
                return Err(Json5::Unsure);
            }
            is_float = true;
        }
        if matches!(s.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(s.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let e = i;
            while s.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == e {
                return Err(Json5::Unsure);
            }
            is_float = true;
        }
        if let Some(c) = s.get(i)
            && (c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'$' | b'+' | b'-'))
        {
            return Err(Json5::Unsure);
        }
        self.i = i;
        let text = &self.text[start..i];
        if is_float {
            return text
                .parse::<f64>()
                .map(Value::Float)
                .map_err(|_| Json5::Unsure);
        }
        let (neg, digits) = match text.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, text),
        };
        Ok(Value::Int(Int::from_digits(neg, digits)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json5_isms_and_rejections() {
        assert_eq!(
            loads("{a: 'x', /* c */ \"b\": [1, 2.5,], // d\n}"),
            Json5::Value(Value::Dict(vec![
                ("a".into(), Value::Str("x".into())),
                (
                    "b".into(),
                    Value::List(vec![Value::Int(Int::Small(1)), Value::Float(2.5)])
                ),
            ]))
        );
        assert_eq!(loads("{\"a\": hello}"), Json5::Rejected);
        assert_eq!(loads("{\"a\": 1"), Json5::Rejected);
        assert_eq!(loads("{\"a\": 1} x"), Json5::Rejected);
        assert_eq!(loads("{a: 0x1F}"), Json5::Unsure);
        assert_eq!(loads("{a: 'x\\n'}"), Json5::Unsure);
    }
}
