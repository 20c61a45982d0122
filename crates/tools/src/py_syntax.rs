//! When `ast.literal_eval(text)` certainly fails with SyntaxError (or the ValueError Python
//! 3.11 raises for NUL bytes), both of which `_validate_tool_input` catches. A conservative
//! scan of Python's tokens: it answers `true` only on an error Python's tokenizer or grammar
//! must report wherever it sits (an unterminated string, an unmatched or unclosed bracket, two
//! operands side by side, a stray backtick, `/*`...), and `false` ("not sure") as soon as it
//! meets something it does not model (string prefixes, escapes Python warns about, non-ASCII
//! names, unusual numbers, deep nesting, where the parser may run out of stack).

/// Deepest bracket nesting followed; Python's parser may raise MemoryError on deep input.
const MAX_NESTING: usize = 30;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// Start of input, an opening bracket, `,`, `:` or an operator: an operand may follow.
    Operator,
    Name,
    Number,
    Str,
    Close,
}

const KEYWORDS: [&str; 32] = [
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
    "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
    "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

/// `ast.literal_eval(text)` raises SyntaxError/ValueError for certain.
pub fn literal_eval_rejects(text: &str) -> bool {
    let body = text.trim_start_matches([' ', '\t']);
    if body.contains('\0') {
        return true;
    }
    matches!(scan(body.as_bytes()), Scan::Error) || names_in_dict_display(body.as_bytes())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// A name; `true` for `True`/`False`/`None`, which are constants.
    Name(bool),
    Num,
    Str,
    Open(u8),
    Close(u8),
    Comma,
    Colon,
}

/// The tokens of text made only of names, plain numbers, strings, brackets, `,` and `:`
/// (comments and newlines skipped), or `None` for anything else.
fn tokens(s: &[u8]) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let tok = match c {
            b' ' | b'\t' | b'\n' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < s.len() && s[i] != b'\n' {
                    if !s[i].is_ascii() || s[i] == b'\r' {
                        return None;
                    }
                    i += 1;
                }
                continue;
            }
            b'"' | b'\'' => {
                i = string(s, i).ok()?;
                Tok::Str
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let start = i;
                while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'_') {
                    i += 1;
                }
                if i < s.len() && (s[i] == b'"' || s[i] == b'\'' || !s[i].is_ascii()) {
                    return None;
                }
                let word = std::str::from_utf8(&s[start..i]).ok()?;
                if KEYWORDS.contains(&word) {
                    return None;
                }
                Tok::Name(matches!(word, "True" | "False" | "None"))
            }
            b'0'..=b'9' => {
                i = number(s, i)?;
                Tok::Num
            }
            b'[' | b'{' => {
                i += 1;
                Tok::Open(c)
            }
            b']' | b'}' => {
                i += 1;
                Tok::Close(c)
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b':' => {
                i += 1;
                Tok::Colon
            }
            _ => return None,
        };
        out.push(tok);
    }
    Some(out)
}

/// The text is a valid Python dict display (scalar keys; values strings, numbers, names,
/// lists and such dicts) holding a name other than True/False/None: `literal_eval` parses
/// it and raises ValueError ("malformed node") at that name. Scalar keys rule out the
/// TypeError an unhashable key would raise first.
fn names_in_dict_display(s: &[u8]) -> bool {
    let Some(toks) = tokens(s) else {
        return false;
    };
    if toks.first() != Some(&Tok::Open(b'{')) {
        return false;
    }
    let mut p = TokParser {
        toks: &toks,
        i: 0,
        names: false,
    };
    p.value(0) && p.i == toks.len() && p.names
}

struct TokParser<'a> {
    toks: &'a [Tok],
    i: usize,
    names: bool,
}

impl TokParser<'_> {
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.i).copied();
        self.i += 1;
        t
    }

    fn peek(&self) -> Option<Tok> {
        self.toks.get(self.i).copied()
    }

    fn scalar(&mut self) -> bool {
        match self.next() {
            Some(Tok::Name(constant)) => {
                self.names |= !constant;
                true
            }
            Some(Tok::Num) => true,
            Some(Tok::Str) => {
                while self.peek() == Some(Tok::Str) {
                    self.i += 1;
                }
                true
            }
            _ => false,
        }
    }

    fn value(&mut self, depth: usize) -> bool {
        if depth > MAX_NESTING {
            return false;
        }
        match self.peek() {
            Some(Tok::Open(b'{')) => {
                self.i += 1;
                self.items(b'}', |p| {
                    p.scalar() && p.next() == Some(Tok::Colon) && p.value(depth + 1)
                })
            }
            Some(Tok::Open(_)) => {
                self.i += 1;
                self.items(b']', |p| p.value(depth + 1))
            }
            _ => self.scalar(),
        }
    }

    /// `item (, item)* ,?` up to the closing bracket (or nothing).
    fn items(&mut self, close: u8, mut item: impl FnMut(&mut Self) -> bool) -> bool {
        loop {
            if self.peek() == Some(Tok::Close(close)) {
                self.i += 1;
                return true;
            }
            if !item(self) {
                return false;
            }
            match self.next() {
                Some(Tok::Comma) => {}
                Some(Tok::Close(c)) if c == close => return true,
                _ => return false,
            }
        }
    }
}

enum Scan {
    Error,
    Unsure,
}

fn scan(s: &[u8]) -> Scan {
    let mut stack: Vec<u8> = Vec::new();
    let mut prev = Prev::Operator;
    let mut ended_line = false;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if !c.is_ascii() {
            return Scan::Unsure;
        }
        match c {
            b' ' | b'\t' | b'\x0c' => {
                i += 1;
                continue;
            }
            b'\n' | b'\r' => {
                if c == b'\r' {
                    return Scan::Unsure;
                }
                if stack.is_empty() && prev != Prev::Operator {
                    ended_line = true;
                }
                i += 1;
                continue;
            }
            b'#' => {
                while i < s.len() && s[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        // A token after the expression's line ended: eval input is one expression.
        if ended_line {
            return Scan::Error;
        }
        let cur = match c {
            b'"' | b'\'' => match string(s, i) {
                Ok(end) => {
                    i = end;
                    Prev::Str
                }
                Err(e) => return e,
            },
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let start = i;
                while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'_') {
                    i += 1;
                }
                if i < s.len() && (s[i] == b'"' || s[i] == b'\'' || !s[i].is_ascii()) {
                    return Scan::Unsure;
                }
                let word = std::str::from_utf8(&s[start..i]).unwrap_or("");
                if KEYWORDS.contains(&word) {
                    prev = Prev::Operator;
                    continue;
                }
                Prev::Name
            }
            b'0'..=b'9' => match number(s, i) {
                Some(end) => {
                    i = end;
                    Prev::Number
                }
                None => return Scan::Unsure,
            },
            b'.' if s.get(i + 1).is_some_and(u8::is_ascii_digit) => match number(s, i) {
                Some(end) => {
                    i = end;
                    Prev::Number
                }
                None => return Scan::Unsure,
            },
            b'(' | b'[' | b'{' => {
                stack.push(c);
                if stack.len() > MAX_NESTING {
                    return Scan::Unsure;
                }
                i += 1;
                prev = Prev::Operator;
                continue;
            }
            b')' | b']' | b'}' => {
                let open = match c {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                if stack.pop() != Some(open) {
                    return Scan::Error;
                }
                i += 1;
                Prev::Close
            }
            b'`' | b'$' | b'?' => return Scan::Error,
            b'\\' => {
                // A line continuation is the only place a backslash may stand outside a string.
                if s.get(i + 1) == Some(&b'\n') {
                    i += 2;
                    continue;
                }
                return Scan::Error;
            }
            b'/' | b'*' => {
                let next = s.get(i + 1).copied();
                if (c == b'/' && next == Some(b'*')) || (c == b'*' && next == Some(b'/')) {
                    return Scan::Error;
                }
                // No unary `/`: a division needs a left operand.
                if c == b'/' && prev == Prev::Operator {
                    return Scan::Error;
                }
                i += if next == Some(c) { 2 } else { 1 };
                prev = Prev::Operator;
                continue;
            }
            _ => {
                i += 1;
                prev = Prev::Operator;
                continue;
            }
        };
        let adjacent = match cur {
            Prev::Name | Prev::Number => prev != Prev::Operator,
            // Adjacent string literals concatenate; anything else before a string is an error.
            Prev::Str => matches!(prev, Prev::Name | Prev::Number | Prev::Close),
            _ => false,
        };
        if adjacent {
            return Scan::Error;
        }
        prev = cur;
    }
    if stack.is_empty() {
        Scan::Unsure
    } else {
        Scan::Error
    }
}

/// The end of the string literal at `start`, or how the scan ends there.
fn string(s: &[u8], start: usize) -> Result<usize, Scan> {
    let q = s[start];
    let triple = s.get(start + 1) == Some(&q) && s.get(start + 2) == Some(&q);
    let mut i = start + if triple { 3 } else { 1 };
    if !triple && s.get(start + 1) == Some(&q) {
        return Ok(start + 2);
    }
    while i < s.len() {
        let c = s[i];
        if c == b'\\' {
            match s.get(i + 1) {
                // Escapes Python accepts silently (others warn, which is an observable effect).
                Some(
                    b'\n'
                    | b'\\'
                    | b'\''
                    | b'"'
                    | b'a'
                    | b'b'
                    | b'f'
                    | b'n'
                    | b'r'
                    | b't'
                    | b'v'
                    | b'0'..=b'7',
                ) => {
                    i += 2;
                    continue;
                }
                _ => return Err(Scan::Unsure),
            }
        }
        if c == q {
            if !triple {
                return Ok(i + 1);
            }
            if s.get(i + 1) == Some(&q) && s.get(i + 2) == Some(&q) {
                return Ok(i + 3);
            }
        }
        if c == b'\n' && !triple {
            return Err(Scan::Error);
        }
        if c == b'\r' {
            return Err(Scan::Unsure);
        }
        i += 1;
    }
    Err(Scan::Error)
}

/// The end of a plain decimal number at `start` (`12`, `1.5`, `.5`, `1e-3`), or `None` for
/// anything else (hex, underscores, imaginary, a letter straight after the digits...).
fn number(s: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    let digits = |i: &mut usize| {
        let from = *i;
        while *i < s.len() && s[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > from
    };
    let int_part = digits(&mut i);
    if s.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) && !int_part {
            return None;
        }
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return None;
        }
    }
    // Python rejects leading zeros ("0123") with its own message; stay out of it.
    if s[start] == b'0' && s.get(start + 1).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    match s.get(i) {
        Some(c) if c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.' || !c.is_ascii() => None,
        _ => Some(i),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certain_errors() {
        for text in [
            "{\"a\": 1",
            "{\"a\": \"b",
            "{\"a\": hello world}",
            "{\"a\": 1} trailing text",
            "```json\n{\"a\": 1}\n```",
            "{\"a\": 1 /* c */}",
            "{// c\n\"a\": 1}",
            "{\"a\": 1}\n{\"b\": 2}",
            "{\"a\": [1, 2}",
            "x\0",
            "{query: \"x\", n: [1, {k: null}],}",
            "{'a': true}",
        ] {
            assert!(literal_eval_rejects(text), "{text:?}");
        }
    }

    #[test]
    fn valid_or_unmodelled_python_is_not_claimed() {
        for text in [
            "{'a': 1}",
            "{'a': True, 'b': [None]}",
            "{[1]: x}",
            "{'a': x if y else z}",
            "{'a': 'b' 'c'}",
            "{\"a\": 1} // note",
            "{'a': r'x'}",
            "{'a': '\\d'}",
            "{'a': 0x1f}",
            "{'a': 1, # c\n 'b': 2}",
            "{'a': 日本}",
        ] {
            assert!(!literal_eval_rejects(text), "{text:?}");
        }
    }
}
