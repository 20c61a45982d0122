//! json_repair 0.60.1's `JSONParser` (no schema, not strict, not stream-stable: the way
//! crewai calls `repair_json`), ported statement by statement so broken JSON is repaired with
//! json_repair's exact result. Python's string indexing is kept (a negative position counts
//! from the end), and so are Python's character classes (`isspace`, `isalpha`, `isalnum`,
//! `isdigit` from CPython-generated tables). The few paths that rewrite the input stop the
//! port with [`Bail`], and the caller runs json_repair.

use std::cell::Cell;

use crate::pychars::is_space;
pub(crate) use crate::pychars::{is_alnum, is_alpha, is_digit};
use crate::value::{Int, Value};

/// The port cannot be sure to answer as json_repair would (the Python library must run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bail;

pub(crate) type R<T> = Result<T, Bail>;

/// json_repair's `ContextValues`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ctx {
    Key,
    Value,
    Array,
}

pub(crate) const DELIMS: [char; 4] = ['"', '\'', '\u{201c}', '\u{201d}'];

/// Nesting the port follows; json_repair itself fails (RecursionError turned into ValueError)
/// somewhere past 300 levels, so anything this deep is left to it.
const MAX_NESTING: usize = 120;

pub(crate) fn is_delim(c: Option<char>) -> bool {
    matches!(c, Some(c) if DELIMS.contains(&c))
}

pub(crate) struct Parser<'a> {
    pub(crate) s: Vec<char>,
    /// The text itself, so a quoted string is one slice copy instead of a char-by-char
    /// UTF-8 encode.
    pub(crate) src: &'a str,
    /// The byte offset of each char (and of the end); `None` for ASCII text, where char index
    /// and byte index agree.
    pub(crate) offsets: Option<Vec<usize>>,
    pub(crate) index: isize,
    pub(crate) ctx: Vec<Ctx>,
    depth: usize,
}

thread_local! {
    /// The char and byte-offset buffers of the last parse on this thread, reused: two
    /// allocations of 4-12 bytes per char, and glibc consolidating its free lists for each
    /// (they are "large" requests), were a tenth of a realistic tool input's parse.
    static BUFFERS: Cell<(Vec<char>, Vec<usize>)> = const { Cell::new((Vec::new(), Vec::new())) };
}

/// Buffers above this many chars are not kept between parses (their memory is returned).
const KEEP_CHARS: usize = 1 << 12;

/// json_repair's `JSONParser(text).parse()`.
pub fn parse(text: &str) -> R<Value> {
    let (mut s, mut offsets) = BUFFERS.take();
    s.clear();
    offsets.clear();
    let result = parse_with(text, &mut s, &mut offsets);
    if s.capacity() <= KEEP_CHARS {
        BUFFERS.set((s, offsets));
    }
    result
}

fn parse_with(text: &str, s: &mut Vec<char>, offsets: &mut Vec<usize>) -> R<Value> {
    let ascii = text.is_ascii();
    if ascii {
        // ASCII needs no decoding: widening each byte is the same char list, built faster.
        s.extend(text.bytes().map(char::from));
    } else {
        // Filled in one decoding pass, written uninitialised (zeroing first was a memset of
        // ~12 bytes per char). A text has at most as many chars as bytes, so reserving its
        // byte length needs no counting pass; ASCII bytes, most of any text, are widened
        // without running the UTF-8 decoder.
        let bytes = text.as_bytes();
        s.reserve(bytes.len());
        offsets.reserve(bytes.len() + 1);
        let (chars, offs) = (s.spare_capacity_mut(), offsets.spare_capacity_mut());
        let (mut i, mut n) = (0usize, 0usize);
        while i < bytes.len() {
            let b = bytes[i];
            let (c, width) = if b < 0x80 {
                (char::from(b), 1)
            } else {
                let c = text[i..].chars().next().ok_or(Bail)?;
                // U+201E opens json_repair's "low smart quote" spans, a state machine not
                // ported.
                if c == '\u{201e}' {
                    return Err(Bail);
                }
                (c, c.len_utf8())
            };
            chars[n].write(c);
            offs[n].write(i);
            n += 1;
            i += width;
        }
        offs[n].write(bytes.len());
        // SAFETY: both buffers were empty; the loop wrote slots `0..n` of both in order (an
        // early return leaves the lengths at 0) and the line above wrote `offsets[n]`; `char`
        // and `usize` need no drop.
        unsafe {
            s.set_len(n);
            offsets.set_len(n + 1);
        }
    }
    let mut p = Parser {
        s: std::mem::take(s),
        src: text,
        offsets: (!ascii).then(|| std::mem::take(offsets)),
        index: 0,
        ctx: Vec::new(),
        depth: 0,
    };
    let result = p.parse_top_level();
    *s = p.s;
    if let Some(o) = p.offsets {
        *offsets = o;
    }
    result
}

impl Parser<'_> {
    pub(crate) fn len(&self) -> isize {
        self.s.len() as isize
    }

    /// `json_str[pos]` with Python's negative indexing; `None` for IndexError.
    pub(crate) fn at(&self, pos: isize) -> Option<char> {
        let n = self.len();
        if pos >= n || pos < -n {
            None
        } else if pos < 0 {
            Some(self.s[(n + pos) as usize])
        } else {
            Some(self.s[pos as usize])
        }
    }

    /// `get_char_at(count)`.
    pub(crate) fn ch(&self, count: isize) -> Option<char> {
        self.at(self.index + count)
    }

    /// The text of chars `start..end`.
    pub(crate) fn slice(&self, start: usize, end: usize) -> &str {
        match &self.offsets {
            None => &self.src[start..end],
            Some(offsets) => &self.src[offsets[start]..offsets[end]],
        }
    }

    pub(crate) fn current(&self) -> Option<Ctx> {
        self.ctx.last().copied()
    }

    pub(crate) fn in_ctx(&self, c: Ctx) -> bool {
        self.ctx.contains(&c)
    }

    pub(crate) fn skip_ws(&mut self) {
        while matches!(self.ch(0), Some(c) if is_space(c)) {
            self.index += 1;
        }
    }

    /// `scroll_whitespaces(idx)`: an offset from `index`.
    pub(crate) fn scroll_ws(&self, mut idx: isize) -> isize {
        while matches!(self.ch(idx), Some(c) if is_space(c)) {
            idx += 1;
        }
        idx
    }

    /// `skip_to_character(targets, idx)`: the offset of the next unescaped target, or of the end.
    pub(crate) fn skip_to(&self, targets: &[char], idx: isize) -> isize {
        let mut i = self.index + idx;
        let n = self.len();
        let mut backslashes = 0usize;
        while i < n {
            let Some(c) = self.at(i) else {
                return n - self.index;
            };
            if c == '\\' {
                backslashes += 1;
                i += 1;
                continue;
            }
            if targets.contains(&c) && backslashes.is_multiple_of(2) {
                return i - self.index;
            }
            backslashes = 0;
            i += 1;
        }
        n - self.index
    }

    fn parse_top_level(&mut self) -> R<Value> {
        let first = self.parse_json()?;
        if self.index >= self.len() {
            return Ok(first);
        }
        let mut json = vec![first];
        while self.index < self.len() {
            self.ctx.clear();
            let comma_separated = self.next_top_level_value_is_comma_separated();
            let j = self.parse_json()?;
            if truthy(&j) {
                let last = json.last().expect("never empty here");
                // A repeated object is an update (the newest wins); an empty value is dropped.
                if (!comma_separated && same_object(last, &j)) || !truthy(last) {
                    json.pop();
                }
                json.push(j);
            } else {
                self.index += 1;
            }
        }
        if json.len() == 1 {
            return Ok(json.pop().expect("one element"));
        }
        Ok(Value::List(json))
    }

    fn next_top_level_value_is_comma_separated(&self) -> bool {
        let idx = self.scroll_ws(0);
        if self.ch(idx) == Some(',') {
            return true;
        }
        let mut idx = self.index - 1;
        while idx >= 0 && self.at(idx).is_some_and(is_space) {
            idx -= 1;
        }
        idx >= 0 && self.at(idx) == Some(',')
    }

    pub(crate) fn parse_json(&mut self) -> R<Value> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(Bail);
        }
        let result = self.parse_json_inner();
        self.depth -= 1;
        result
    }

    fn parse_json_inner(&mut self) -> R<Value> {
        loop {
            let Some(c) = self.ch(0) else {
                return Ok(Value::Str(String::new()));
            };
            match c {
                '{' => {
                    self.index += 1;
                    return self.parse_object();
                }
                '[' => {
                    self.index += 1;
                    return self.parse_array(']');
                }
                // Tuples and top-level parentheses have their own lookahead, not ported.
                '(' => return Err(Bail),
                _ => {}
            }
            if !self.ctx.is_empty() && (DELIMS.contains(&c) || is_alpha(c)) {
                return self.parse_string();
            }
            if !self.ctx.is_empty() && (is_digit(c) || c == '-' || c == '.') {
                return self.parse_number();
            }
            if c == '#' || c == '/' {
                return self.parse_comment();
            }
            self.index += 1;
        }
    }

    fn parse_object(&mut self) -> R<Value> {
        let mut obj: Vec<(String, Value)> = Vec::new();
        let start_index = self.index;
        let parsing_object_value = self.current() == Some(Ctx::Value);
        while self.ch(0).unwrap_or('}') != '}' {
            self.skip_ws();
            if self.ch(0) == Some(':') {
                self.index += 1;
            }
            let (key, rollback_index) = self.parse_object_key(&obj)?;
            if self.in_ctx(Ctx::Array)
                && obj.iter().any(|(k, _)| *k == key)
                && !parsing_object_value
                && self.should_split_duplicate_object(rollback_index)
            {
                // json_repair rewrites its input here (inserts a `{`).
                return Err(Bail);
            }
            self.skip_ws();
            if self.ch(0).unwrap_or('}') == '}' {
                continue;
            }
            self.skip_ws();
            self.index += 1;
            let value = self.parse_object_value()?;
            dict_set(&mut obj, key, value);
            if matches!(self.ch(0), Some(',' | '\'' | '"')) {
                self.index += 1;
            }
            if self.ch(0) == Some(']') && self.in_ctx(Ctx::Array) {
                self.index -= 1;
                break;
            }
            self.skip_ws();
        }
        self.index += 1;

        if obj.is_empty() && self.index - start_index > 2 {
            self.check_empty_object_is_kept(start_index)?;
        }

        if !self.ctx.is_empty() {
            if self.ch(0) == Some('}') && !matches!(self.current(), Some(Ctx::Key | Ctx::Value)) {
                self.index += 1;
            }
            return Ok(Value::Dict(obj));
        }
        self.skip_ws();
        if self.ch(0) == Some(',') {
            self.index += 1;
            self.skip_ws();
            if is_delim(self.ch(0))
                && let Value::Dict(more) = self.parse_object()?
            {
                for (k, v) in more {
                    dict_set(&mut obj, k, v);
                }
            }
        }
        Ok(Value::Dict(obj))
    }

    /// `_classify_empty_object_repair` when it answers "keep"; its other answers reparse the
    /// object as an array or rewrite the input, which is not ported.
    fn check_empty_object_is_kept(&self, start_index: isize) -> R<()> {
        let from = start_index - 1;
        let to = (self.index + 1).min(self.len());
        if from < 0 || to <= from {
            return Err(Bail);
        }
        let attempted: String = self.s[from as usize..to as usize].iter().collect();
        let body: String = attempted.chars().skip(1).collect();
        let body = body.strip_suffix('}').unwrap_or(&body);
        if crate::pychars::lstrip(body).is_empty() {
            Ok(())
        } else {
            Err(Bail)
        }
    }

    fn parse_object_key(&mut self, obj: &[(String, Value)]) -> R<(String, isize)> {
        let mut key = String::new();
        let mut rollback_index = self.index;
        self.ctx.push(Ctx::Key);
        let result = (|| {
            while self.ch(0).is_some() {
                rollback_index = self.index;
                if self.ch(0) == Some('[') && key.is_empty() {
                    // `_merge_object_array_continuation` only acts after a list value.
                    if matches!(obj.last(), Some((k, Value::List(_))) if !k.is_empty()) {
                        return Err(Bail);
                    }
                }
                let Value::Str(raw) = self.parse_string()? else {
                    // json_repair asserts here (AssertionError escapes).
                    return Err(Bail);
                };
                key = raw;
                if key.is_empty() {
                    self.skip_ws();
                }
                if !key.is_empty() || matches!(self.ch(0), Some(':' | '}')) {
                    break;
                }
            }
            Ok(())
        })();
        self.ctx.pop();
        result?;
        Ok((key, rollback_index))
    }

    fn should_split_duplicate_object(&self, rollback_index: isize) -> bool {
        let mut lookback = rollback_index - self.index - 1;
        let mut prev = self.ch(lookback);
        while prev.is_some_and(is_space) {
            lookback -= 1;
            prev = self.ch(lookback);
        }
        let key_start = self.ch(rollback_index - self.index);
        let next = self.ch(self.scroll_ws(0));
        !(is_delim(key_start) && prev == Some(',') && next == Some(':'))
    }

    fn parse_object_value(&mut self) -> R<Value> {
        self.ctx.push(Ctx::Value);
        self.skip_ws();
        let result = if matches!(self.ch(0), Some(',' | '}')) {
            Ok(Value::Str(String::new()))
        } else {
            self.parse_json()
        };
        self.ctx.pop();
        result
    }

    pub(crate) fn parse_array(&mut self, closing: char) -> R<Value> {
        let mut arr = Vec::new();
        self.ctx.push(Ctx::Array);
        let result = (|| {
            self.skip_ws();
            let mut c = self.ch(0);
            while let Some(x) = c
                && x != closing
                && x != '}'
            {
                let value = if DELIMS.contains(&x) {
                    let i = self.skip_to(&[x], 1);
                    let i = self.scroll_ws(i + 1);
                    if self.ch(i) == Some(':') {
                        self.parse_object()?
                    } else {
                        self.parse_string()?
                    }
                } else {
                    self.parse_json()?
                };
                let next = self.ch(0);
                if strictly_empty(&value) && next != Some(closing) && next != Some(',') {
                    self.index += 1;
                } else if matches!(&value, Value::Str(s) if s == "...") && self.ch(-1) == Some('.')
                {
                } else {
                    arr.push(value);
                }
                c = self.ch(0);
                while let Some(x) = c
                    && x != closing
                    && (is_space(x) || x == ',')
                {
                    self.index += 1;
                    c = self.ch(0);
                }
            }
            self.index += 1;
            Ok(())
        })();
        self.ctx.pop();
        result?;
        Ok(Value::List(arr))
    }

    pub(crate) fn parse_number(&mut self) -> R<Value> {
        let mut number = String::new();
        let mut taken = 0isize;
        let mut c = self.ch(0);
        let is_array = self.current() == Some(Ctx::Array);
        while let Some(x) = c
            && "0123456789-.eE/,_".contains(x)
            && (!is_array || x != ',')
        {
            if x != '_' {
                number.push(x);
                taken += 1;
            }
            self.index += 1;
            c = self.ch(0);
        }
        if let Some(x) = self.ch(0)
            && is_alpha(x)
        {
            self.index -= taken;
            return self.parse_string();
        }
        if number.ends_with(['-', 'e', 'E', '/', ',']) {
            number.pop();
            self.index -= 1;
        }
        if number.contains(',') {
            return Ok(Value::Str(number));
        }
        if number.contains(['.', 'e', 'E']) {
            return Ok(match py_float(&number) {
                Some(f) => Value::Float(f),
                None => Value::Str(number),
            });
        }
        let (negative, digits) = match number.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, number.as_str()),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Value::Str(number));
        }
        // Python's int() refuses more than 4300 digits (ValueError: the text is kept).
        if digits.len() > 4000 {
            return Err(Bail);
        }
        Ok(Value::Int(Int::from_digits(negative, digits)))
    }

    pub(crate) fn parse_comment(&mut self) -> R<Value> {
        loop {
            let mut c = self.ch(0);
            let mut term = vec!['\n', '\r'];
            if self.in_ctx(Ctx::Array) {
                term.push(']');
            }
            if self.in_ctx(Ctx::Value) {
                term.push('}');
            }
            if self.in_ctx(Ctx::Key) {
                term.push(':');
            }
            if c == Some('#') {
                while let Some(x) = c
                    && !term.contains(&x)
                {
                    self.index += 1;
                    c = self.ch(0);
                }
            } else if c == Some('/') {
                match self.ch(1) {
                    Some('/') => {
                        self.index += 2;
                        while matches!(self.ch(0), Some(x) if x != '\n' && x != '\r') {
                            self.index += 1;
                        }
                    }
                    Some('*') => {
                        self.index += 2;
                        // The comment text ends once it ends with "*/" (its own "/*" counts).
                        let mut prev = '*';
                        while let Some(x) = self.ch(0) {
                            self.index += 1;
                            if x == '/' && prev == '*' {
                                break;
                            }
                            prev = x;
                        }
                    }
                    _ => self.index += 1,
                }
            }
            if self.ctx.is_empty() {
                self.skip_ws();
                if matches!(self.ch(0), Some('#' | '/')) {
                    continue;
                }
                return self.parse_json();
            }
            return Ok(Value::Str(String::new()));
        }
    }

    pub(crate) fn parse_boolean_or_null(&mut self) -> Value {
        let lower = |c: Option<char>| c.filter(char::is_ascii).map(|c| c.to_ascii_lowercase());
        let first = lower(self.ch(0));
        let (word, value) = match first {
            Some('t') => ("true", Value::Bool(true)),
            Some('f') => ("false", Value::Bool(false)),
            _ => ("null", Value::None),
        };
        let start = self.index;
        let mut matched = 0;
        for w in word.chars() {
            if lower(self.ch(0)) == Some(w) {
                matched += 1;
                self.index += 1;
            } else {
                break;
            }
        }
        if matched == word.len() {
            return value;
        }
        self.index = start;
        Value::Str(String::new())
    }
}

/// `obj[key] = value` on an insertion-ordered dict.
fn dict_set(obj: &mut Vec<(String, Value)>, key: String, value: Value) {
    if let Some(slot) = obj.iter_mut().find(|(k, _)| *k == key) {
        slot.1 = value;
    } else {
        obj.push((key, value));
    }
}

/// Python truthiness of a decoded value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::None => false,
        Value::Bool(b) => *b,
        Value::Int(Int::Small(i)) => *i != 0,
        Value::Int(Int::Big(_)) => true,
        Value::Float(f) => *f != 0.0,
        Value::Str(s) => !s.is_empty(),
        Value::List(x) | Value::Tuple(x) => !x.is_empty(),
        Value::Dict(d) => !d.is_empty(),
    }
}

/// `ObjectComparer.is_strictly_empty`.
fn strictly_empty(v: &Value) -> bool {
    match v {
        Value::Str(s) => s.is_empty(),
        Value::List(x) | Value::Tuple(x) => x.is_empty(),
        Value::Dict(d) => d.is_empty(),
        _ => false,
    }
}

/// `ObjectComparer.is_same_object`: same types and the same structure.
fn same_object(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Dict(x), Value::Dict(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.iter()
                        .find(|(k2, _)| k2 == k)
                        .is_some_and(|(_, v2)| same_object(v, v2))
                })
        }
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_object(v, w))
        }
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

/// `float(text)` for text made of `0-9 - . e E /`, or `None` where Python raises ValueError.
fn py_float(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i = 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - s;
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && b[i] == b'-' {
            i += 1;
        }
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == s {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    text.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on_fresh_thread(text: &'static str) -> R<Value> {
        std::thread::spawn(move || parse(text)).join().unwrap()
    }

    #[test]
    fn reused_buffers_give_the_answer_of_a_first_parse() {
        // Long non-ASCII, then shorter ASCII and non-ASCII texts, then a bail: each must
        // parse as it would with fresh buffers (nothing left over from the text before).
        let texts: [&'static str; 5] = [
            "{\"context\": \"a table — ✓ 日本語 ok\", \"query\": crewai notes ü, \"n\": [1, 2]}",
            "{\"a\": x}",
            "{\"é\": \"ß\", \"b\": naïve value}",
            "{\"low\": \u{201e}quote\u{201d}}",
            "[\"日本\", tail",
        ];
        let mut fresh = Vec::new();
        for t in texts {
            fresh.push(on_fresh_thread(t));
        }
        for _ in 0..2 {
            for (t, expected) in texts.iter().zip(&fresh) {
                assert_eq!(&parse(t), expected, "{t}");
            }
        }
        assert_eq!(fresh[3], Err(Bail));
        let Ok(Value::Dict(items)) = &fresh[2] else {
            panic!("{:?}", fresh[2]);
        };
        assert_eq!(items[0], ("é".to_owned(), Value::Str("ß".to_owned())));
        assert_eq!(items[1].1, Value::Str("naïve value".to_owned()));
    }

    #[test]
    fn a_quoted_string_stops_at_a_backslash_or_line_break_before_its_quote() {
        // The one-scan simple path must hand these to the full string parser, which keeps
        // the escape and the line break as json_repair does.
        assert_eq!(
            parse("{\"a\": \"x\\ty\"}"),
            Ok(Value::Dict(vec![("a".into(), Value::Str("x\ty".into()))]))
        );
        assert_eq!(
            parse("{\"a\": \"x\ny\"}"),
            Ok(Value::Dict(vec![("a".into(), Value::Str("x\ny".into()))]))
        );
    }
}
