//! json_repair 0.60.1's `parse_string` (and its lookahead helpers), ported statement by
//! statement: the heuristics that decide where a string with missing or misplaced quotes ends.
//! `stream_stable` is off and the "low smart quote" spans never start (the parser bails on
//! U+201E up front), so those branches are absent.

use crate::pychars::{is_space, rstrip};
use crate::repair_parser::{Bail, Ctx, DELIMS, Parser, R, is_alnum, is_alpha, is_delim};
use crate::value::Value;

#[derive(Default)]
struct State {
    missing_quotes: bool,
    doubled_quotes: bool,
    l: char,
    r: char,
    acc: String,
    unmatched_delimiter: bool,
    pending_inline_container: bool,
    inline_stack: Vec<char>,
}

fn closer(c: char) -> Option<char> {
    match c {
        '[' => Some(']'),
        '{' => Some('}'),
        '(' => Some(')'),
        _ => None,
    }
}

fn matching_delim(c: char) -> char {
    if c == '\u{201c}' { '\u{201d}' } else { c }
}

fn word_char(c: Option<char>) -> R<bool> {
    match c {
        Some(c) => Ok(is_alnum(c) || c == '_' || c == '-'),
        None => Ok(false),
    }
}

impl Parser<'_> {
    pub(crate) fn parse_string(&mut self) -> R<Value> {
        let mut c = self.ch(0);
        if matches!(c, Some('#' | '/')) {
            return self.parse_comment();
        }
        while let Some(x) = c
            && !DELIMS.contains(&x)
            && !is_alnum(x)
        {
            self.index += 1;
            c = self.ch(0);
        }
        let Some(c) = c else {
            return Ok(Value::Str(String::new()));
        };
        if self.index < 0 {
            return Err(Bail);
        }
        if let Some(v) = self.try_simple_quoted() {
            return Ok(Value::Str(v));
        }
        let mut st = State {
            l: '"',
            r: '"',
            ..State::default()
        };
        if c == '\'' {
            st.l = '\'';
            st.r = '\'';
        } else if c == '\u{201c}' {
            st.l = '\u{201c}';
            st.r = '\u{201d}';
        } else if is_alnum(c) {
            let lower = c.to_ascii_lowercase();
            if matches!(lower, 't' | 'f' | 'n') && self.current() != Some(Ctx::Key) {
                let v = self.parse_boolean_or_null();
                if v != Value::Str(String::new()) {
                    return Ok(v);
                }
            }
            st.missing_quotes = true;
        }
        if !st.missing_quotes {
            self.index += 1;
        }
        // json_repair tests the block's value with `is not False`: a parsed `false` is no block.
        if self.ch(0) == Some('`')
            && let Some(v) = self.parse_json_llm_block()?
            && v != Value::Bool(false)
        {
            return Ok(v);
        }
        if self.ch(0) == Some(st.l) {
            let cur = self.current();
            let n1 = self.ch(1);
            if (cur == Some(Ctx::Key) && n1 == Some(':'))
                || (cur == Some(Ctx::Value) && matches!(n1, Some(',' | '}')))
                || (cur == Some(Ctx::Array) && matches!(n1, Some(',' | ']')))
            {
                self.index += 1;
                return Ok(Value::Str(String::new()));
            }
            if n1 == Some(st.l) {
                return Ok(Value::Str(String::new()));
            }
            let i = self.skip_to(&[st.r], 1);
            if self.ch(i + 1) == Some(st.r) {
                st.doubled_quotes = true;
                self.index += 1;
            } else {
                let i = self.scroll_ws(1);
                let next = self.ch(i);
                if is_delim(next) || matches!(next, Some('{' | '[')) {
                    self.index += 1;
                    return Ok(Value::Str(String::new()));
                }
                if !matches!(next, Some(',' | ']' | '}')) {
                    self.index += 1;
                }
            }
        }
        let c = self.scan_string_body(&mut st)?;
        Ok(Value::Str(self.finalize_string(st, c)))
    }

    /// `_try_parse_simple_quoted_string`.
    fn try_simple_quoted(&mut self) -> Option<String> {
        if self.ch(0) != Some('"') {
            return None;
        }
        let start = (self.index + 1) as usize;
        // json_repair takes the text up to the next quote and gives up if it holds a
        // backslash or line break: the first of the four decides both in one scan.
        let end = start
            + self
                .s
                .get(start..)?
                .iter()
                .position(|&c| matches!(c, '"' | '\\' | '\n' | '\r'))?;
        if self.s[end] != '"' {
            return None;
        }
        let mut next = end + 1;
        while next < self.s.len() && is_space(self.s[next]) {
            next += 1;
        }
        let next_char = self.s.get(next).copied();
        let ok = match self.current() {
            Some(Ctx::Key) => next_char == Some(':'),
            Some(Ctx::Value) => matches!(next_char, Some(',' | '}') | None),
            Some(Ctx::Array) => matches!(next_char, Some(',' | ']') | None),
            None => next_char.is_none(),
        };
        if !ok {
            return None;
        }
        let value = self.slice(start, end).to_owned();
        self.index = end as isize + 1;
        Some(value)
    }

    /// `parse_json_llm_block`: `None` where json_repair returns False.
    fn parse_json_llm_block(&mut self) -> R<Option<Value>> {
        if self.index < 0 {
            return Err(Bail);
        }
        let starts = (0..7).all(|k| self.ch(k) == "```json".chars().nth(k as usize));
        if starts {
            let i = self.skip_to(&['`'], 7);
            if (0..3).all(|k| self.ch(i + k) == Some('`')) {
                self.index += 7;
                return self.parse_json().map(Some);
            }
        }
        Ok(None)
    }

    fn append(&mut self, st: &mut State, c: char) -> Option<char> {
        st.acc.push(c);
        self.index += 1;
        self.ch(0)
    }

    fn acc_last_is(st: &State, c: char) -> bool {
        st.acc.ends_with(c)
    }

    fn scan_string_body(&mut self, st: &mut State) -> R<Option<char>> {
        let outer = st.r;
        let mut c = self.ch(0);
        while let Some(x) = c
            && x != outer
        {
            // Runs of ordinary characters: while both this character and the next are ones no
            // branch below looks at, an iteration only appends. Taking them in a tight loop
            // gives the same string and index; the run is copied as one slice of the text.
            // Spaces end an unquoted key and nothing else.
            let spaces = !(st.missing_quotes && self.current() == Some(Ctx::Key));
            if self.index >= 0 {
                let start = self.index as usize;
                let mut i = start;
                let mut here = i < self.s.len() && plain(self.s[i], spaces);
                while here && i + 1 < self.s.len() {
                    let next = plain(self.s[i + 1], spaces);
                    if !next {
                        break;
                    }
                    i += 1;
                    here = next;
                }
                if i != start {
                    st.acc.push_str(self.slice(start, i));
                    self.index = i as isize;
                    c = self.ch(0);
                    continue;
                }
            }
            let cur = self.current();
            if st.missing_quotes {
                if cur == Some(Ctx::Key) && (x == ':' || is_space(x)) {
                    break;
                }
                if cur == Some(Ctx::Array) && (x == ']' || x == ',') {
                    break;
                }
            }
            if st.pending_inline_container
                && closer(x).is_some()
                && !Self::acc_last_is(st, '\\')
                && let Some(end) = self.skip_inline_container(0)?
            {
                st.pending_inline_container = false;
                st.inline_stack.clear();
                let from = self.index as usize;
                st.acc.extend(&self.s[from..from + end as usize]);
                self.index += end;
                c = self.ch(0);
                continue;
            }
            if cur == Some(Ctx::Value)
                && x == ','
                && !st.pending_inline_container
                && st.inline_stack.is_empty()
            {
                let class = self.classify_object_value_comma()?;
                if class == Comma::Member {
                    break;
                }
                st.pending_inline_container = class == Comma::Container;
                c = self.append(st, x);
                continue;
            }
            if update_inline_stack(x, st) {
                c = self.append(st, x);
                continue;
            }
            if cur == Some(Ctx::Value) && x == '}' && !Self::acc_last_is(st, outer) {
                let mut balance = 0usize;
                let mut kept = false;
                for a in st.acc.chars().rev() {
                    if a == '}' {
                        balance += 1;
                    } else if a == '{' {
                        if balance == 0 {
                            kept = true;
                            break;
                        }
                        balance -= 1;
                    }
                }
                if kept {
                    c = self.append(st, x);
                    continue;
                }
                let mut missing = true;
                self.skip_ws();
                if self.ch(1) == Some('\\') {
                    missing = false;
                }
                let i = self.skip_to(&[outer], 1);
                if self.ch(i).is_some() {
                    let i = self.scroll_ws(i + 1);
                    let n = self.ch(i);
                    if matches!(n, None | Some(',' | '}')) {
                        missing = false;
                    } else {
                        let i = self.skip_to(&[st.l], i);
                        if self.ch(i).is_none() {
                            missing = false;
                        } else {
                            let i = self.scroll_ws(i + 1);
                            let n = self.ch(i);
                            if n.is_some() && n != Some(':') {
                                missing = false;
                            }
                        }
                    }
                } else {
                    let i = self.skip_to(&[':'], 1);
                    if self.ch(i).is_some() {
                        break;
                    }
                    let i = self.scroll_ws(1);
                    let j = self.skip_to(&['}'], i);
                    if j - i > 1 {
                        missing = false;
                    }
                }
                if missing {
                    break;
                }
            }
            if x == ']' && self.in_ctx(Ctx::Array) && !Self::acc_last_is(st, outer) {
                let i = self.skip_to(&[outer], 0);
                if self.ch(i).is_none() {
                    break;
                }
            }
            if cur == Some(Ctx::Value) && x == '}' {
                let i = self.scroll_ws(1);
                let n = self.ch(i);
                if n == Some('`') && self.ch(i + 1) == Some('`') && self.ch(i + 2) == Some('`') {
                    if self.brace_before_fence_belongs_to_string(st, i)? {
                        c = self.append(st, x);
                        continue;
                    }
                    break;
                }
                if n.is_none() {
                    break;
                }
            }
            st.acc.push(x);
            self.index += 1;
            c = self.ch(0);
            let Some(mut y) = c else {
                break;
            };
            if Self::acc_last_is(st, '\\') {
                let (handled, next) = self.normalize_escape(st, y)?;
                c = next;
                if handled {
                    continue;
                }
                match next {
                    Some(n) => y = n,
                    None => break,
                }
            }
            if y == ':' && !st.missing_quotes && self.current() == Some(Ctx::Key) {
                let i = self.skip_to(&[st.l], 1);
                if self.ch(i).is_some() {
                    let i = self.skip_to(&[outer], i + 1);
                    if self.ch(i).is_some() {
                        let i = self.scroll_ws(i + 1);
                        if matches!(self.ch(i), Some(',' | '}')) {
                            break;
                        }
                    }
                } else {
                    break;
                }
            }
            if y == outer && !st.acc.is_empty() && !Self::acc_last_is(st, '\\') {
                let (handled, next, stop) = self.right_delimiter_candidate(st, y)?;
                c = next;
                if stop {
                    break;
                }
                if handled {
                    continue;
                }
            }
        }
        Ok(c)
    }

    fn finalize_string(&mut self, mut st: State, c: Option<char>) -> String {
        let outer = st.r;
        if let Some(x) = c
            && st.missing_quotes
            && self.current() == Some(Ctx::Key)
            && is_space(x)
        {
            self.skip_ws();
            if !matches!(self.ch(0), Some(':' | ',')) {
                return String::new();
            }
        }
        // `rstrip` keeps a prefix: cutting the string in place gives it without a copy.
        if c != Some(outer) {
            st.acc.truncate(rstrip(&st.acc).len());
        } else {
            self.index += 1;
        }
        if st.missing_quotes || st.acc.ends_with('\n') {
            st.acc.truncate(rstrip(&st.acc).len());
        }
        st.acc
    }

    /// `_normalize_escape_sequence`: (handled, the next character).
    fn normalize_escape(&mut self, st: &mut State, c: char) -> R<(bool, Option<char>)> {
        let active = st.r;
        if c == active || matches!(c, 't' | 'n' | 'r' | 'b' | '\\') {
            st.acc.pop();
            st.acc.push(match c {
                't' => '\t',
                'n' => '\n',
                'r' => '\r',
                'b' => '\u{8}',
                other => other,
            });
            self.index += 1;
            let mut next = self.ch(0);
            while let Some(n) = next
                && Self::acc_last_is(st, '\\')
                && (n == active || n == '\\')
            {
                st.acc.pop();
                st.acc.push(n);
                self.index += 1;
                next = self.ch(0);
            }
            return Ok((true, next));
        }
        if c == 'u' || c == 'x' {
            let n = if c == 'u' { 4 } else { 2 };
            let digits: Option<String> = (1..=n).map(|k| self.ch(k)).collect();
            let from_end = self.index + 1 + n > self.len();
            // A slice near the end of the text reads fewer characters (never wraps around).
            if let Some(d) = digits
                && !from_end
                && self.index >= 0
                && d.chars().all(|h| h.is_ascii_hexdigit())
            {
                let code = u32::from_str_radix(&d, 16).map_err(|_| Bail)?;
                // A lone surrogate cannot live in a Rust string.
                let ch = char::from_u32(code).ok_or(Bail)?;
                st.acc.pop();
                st.acc.push(ch);
                self.index += 1 + n;
                return Ok((true, self.ch(0)));
            }
        } else if DELIMS.contains(&c) && c != active {
            st.acc.pop();
            st.acc.push(c);
            self.index += 1;
            return Ok((true, self.ch(0)));
        }
        Ok((false, Some(c)))
    }

    /// `_handle_right_delimiter_candidate`: (handled, next character, stop the string).
    fn right_delimiter_candidate(
        &mut self,
        st: &mut State,
        c: char,
    ) -> R<(bool, Option<char>, bool)> {
        let outer = st.r;
        let cur = self.current();
        if st.doubled_quotes && self.ch(1) == Some(outer) {
            self.index += 1;
            return Ok((true, Some(c), false));
        }
        if st.missing_quotes && cur == Some(Ctx::Value) {
            let mut i = 1;
            let mut n = self.ch(i);
            while let Some(x) = n
                && x != outer
                && x != st.l
            {
                i += 1;
                n = self.ch(i);
            }
            if n.is_some() {
                let i = self.scroll_ws(i + 1);
                if self.ch(i) == Some(':') {
                    self.index -= 1;
                    return Ok((false, self.ch(0), true));
                }
            }
            return Ok((false, Some(c), false));
        }
        if st.unmatched_delimiter {
            st.unmatched_delimiter = false;
            let next = self.append(st, c);
            return Ok((true, next, false));
        }
        let mut i = 1;
        let mut n = self.ch(i);
        let mut check_comma = true;
        while let Some(x) = n
            && x != outer
            && x != st.l
        {
            if check_comma && is_alpha(x) {
                check_comma = false;
            }
            if (self.in_ctx(Ctx::Key) && matches!(x, ':' | '}'))
                || (self.in_ctx(Ctx::Value) && x == '}')
                || (self.in_ctx(Ctx::Array) && matches!(x, ']' | ','))
                || (check_comma && cur == Some(Ctx::Value) && x == ',')
            {
                break;
            }
            i += 1;
            n = self.ch(i);
        }
        if n == Some(',') && cur == Some(Ctx::Value) {
            let i = self.skip_to(&[outer], i + 1);
            let i = self.scroll_ws(i + 1);
            if matches!(self.ch(i), Some('}' | ',')) {
                let next = self.append(st, c);
                return Ok((true, next, false));
            }
        } else if n == Some(outer) && self.ch(i - 1) != Some('\\') {
            if self.only_whitespace_until(i)
                && !(cur == Some(Ctx::Value) && self.quoted_member_follows(i)?)
            {
                return Ok((false, Some(c), true));
            }
            if cur == Some(Ctx::Value) {
                if self.quoted_member_follows(i)? {
                    let next = self.append(st, c);
                    return Ok((true, next, false));
                }
                let mut i = self.skip_to(&[outer], i + 1) + 1;
                let mut n = self.ch(i);
                while let Some(x) = n
                    && x != ':'
                {
                    if matches!(x, ',' | ']' | '}') || (x == outer && self.ch(i - 1) != Some('\\'))
                    {
                        break;
                    }
                    i += 1;
                    n = self.ch(i);
                }
                if n != Some(':') {
                    st.unmatched_delimiter = !st.unmatched_delimiter;
                    let next = self.append(st, c);
                    return Ok((true, next, false));
                }
            } else if cur == Some(Ctx::Array) {
                let mut even = n == Some(outer);
                let mut i = i;
                let mut n = n;
                while n == Some(outer) {
                    i = self.skip_to(&[outer, ']'], i + 1);
                    n = self.ch(i);
                    if n != Some(outer) {
                        even = false;
                        break;
                    }
                    i = self.skip_to(&[outer, ']'], i + 1);
                    n = self.ch(i);
                }
                if even {
                    st.unmatched_delimiter = !st.unmatched_delimiter;
                    let next = self.append(st, c);
                    return Ok((true, next, false));
                }
                return Ok((false, Some(c), true));
            } else if cur == Some(Ctx::Key) {
                let next = self.append(st, c);
                return Ok((true, next, false));
            }
        }
        Ok((false, Some(c), false))
    }

    fn only_whitespace_until(&self, end: isize) -> bool {
        (1..end).all(|j| self.ch(j).is_none_or(is_space))
    }

    fn quoted_member_follows(&self, quote_idx: isize) -> R<bool> {
        let comma = self.scroll_ws(quote_idx + 1);
        if self.ch(comma) != Some(',') {
            return Ok(false);
        }
        let next = self.scroll_comment_prefixed(comma + 1);
        self.member_starts_at(next)
    }

    fn member_starts_at(&self, idx: isize) -> R<bool> {
        let Some(m) = self.ch(idx) else {
            return Ok(false);
        };
        if m == '}' {
            return Ok(false);
        }
        if DELIMS.contains(&m) {
            let end_delim = matching_delim(m);
            let end = self.skip_to(&[end_delim], idx + 1);
            if self.ch(end) != Some(end_delim) {
                return Ok(false);
            }
            let after = self.scroll_ws(end + 1);
            return Ok(self.ch(after) == Some(':'));
        }
        if is_alnum(m) || m == '_' {
            return self.bare_key_followed_by_colon(idx);
        }
        Ok(false)
    }

    fn bare_key_followed_by_colon(&self, mut idx: isize) -> R<bool> {
        match self.ch(idx) {
            Some(k) if is_alnum(k) || k == '_' => {}
            _ => return Ok(false),
        }
        while word_char(self.ch(idx))? {
            idx += 1;
        }
        let idx = self.scroll_ws(idx);
        Ok(self.ch(idx) == Some(':'))
    }

    fn scroll_comment_prefixed(&self, idx: isize) -> isize {
        let mut idx = self.scroll_ws(idx);
        loop {
            let c = self.ch(idx);
            if c == Some('#') {
                while matches!(self.ch(idx), Some(x) if x != '\n' && x != '\r') {
                    idx += 1;
                }
                idx = self.scroll_ws(idx);
                continue;
            }
            if c == Some('/') {
                match self.ch(idx + 1) {
                    Some('/') => {
                        idx += 2;
                        while matches!(self.ch(idx), Some(x) if x != '\n' && x != '\r') {
                            idx += 1;
                        }
                        idx = self.scroll_ws(idx);
                        continue;
                    }
                    Some('*') => {
                        idx += 2;
                        loop {
                            match self.ch(idx) {
                                None => return idx,
                                Some('*') if self.ch(idx + 1) == Some('/') => {
                                    idx += 2;
                                    break;
                                }
                                _ => idx += 1,
                            }
                        }
                        idx = self.scroll_ws(idx);
                        continue;
                    }
                    _ => {}
                }
            }
            return idx;
        }
    }

    fn post_fence_container_starts_next_member(&self, end: isize) -> R<bool> {
        let after = self.scroll_ws(end);
        match self.ch(after) {
            None | Some('}') => return Ok(true),
            Some(',') => {}
            _ => return Ok(false),
        }
        let next = self.scroll_comment_prefixed(after + 1);
        Ok(matches!(self.ch(next), None | Some('}')) || self.member_starts_at(next)?)
    }

    fn brace_before_fence_belongs_to_string(&self, st: &mut State, fence_idx: isize) -> R<bool> {
        let mut search = fence_idx + 3;
        let next_content = self.scroll_comment_prefixed(search);
        let mut keep_container = false;
        if self.ch(next_content).and_then(closer).is_some()
            && let Some(end) = self.skip_inline_container(next_content)?
        {
            if self.post_fence_container_starts_next_member(end)? {
                return Ok(false);
            }
            keep_container = true;
            search = end;
        }
        let outer = st.r;
        let mut q = self.skip_to(&[outer], search);
        while self.ch(q) == Some(outer) {
            let after = self.scroll_ws(q + 1);
            if matches!(self.ch(after), None | Some(',' | '}' | ']')) {
                if keep_container {
                    st.pending_inline_container = true;
                }
                return Ok(true);
            }
            q = self.skip_to(&[outer], q + 1);
        }
        Ok(false)
    }

    fn starts_nested_inline_container(&self, idx: isize) -> R<bool> {
        let open = self.ch(idx);
        let mut prev_idx = idx - 1;
        while prev_idx >= 0 {
            let Some(prev) = self.ch(prev_idx) else {
                return Ok(true);
            };
            if !is_space(prev) {
                if closer(prev).is_some() {
                    return Ok(true);
                }
                if prev != ',' && prev != ':' {
                    return Ok(false);
                }
                let next_idx = self.scroll_ws(idx + 1);
                let next = self.ch(next_idx);
                if matches!(open, Some('[' | '(')) {
                    return Ok(match next {
                        Some(n) => {
                            matches!(n, ']' | ')' | '-' | '[' | '{' | '(' | 't' | 'f' | 'n')
                                || DELIMS.contains(&n)
                                || crate::repair_parser::is_digit(n)
                        }
                        None => false,
                    });
                }
                if open != Some('{') {
                    return Ok(false);
                }
                if next == Some('}') || is_delim(next) {
                    return Ok(true);
                }
                return Ok(prev == ':' && self.bare_key_followed_by_colon(next_idx)?);
            }
            prev_idx -= 1;
        }
        Ok(true)
    }

    /// `_skip_inline_container`: the offset just past the balanced container at `idx`.
    fn skip_inline_container(&self, idx: isize) -> R<Option<isize>> {
        let Some(close) = self.ch(idx).and_then(closer) else {
            return Ok(Some(idx));
        };
        let mut stack = vec![close];
        let mut i = idx + 1;
        while let Some(&top) = stack.last() {
            let Some(c) = self.ch(i) else {
                return Ok(None);
            };
            if DELIMS.contains(&c) {
                let end = matching_delim(c);
                i = self.skip_to(&[end], i + 1);
                if self.ch(i) != Some(end) {
                    return Ok(None);
                }
            } else if let Some(cl) = closer(c)
                && self.starts_nested_inline_container(i)?
            {
                stack.push(cl);
            } else if c == top {
                stack.pop();
                if stack.is_empty() {
                    return Ok(Some(i + 1));
                }
            }
            i += 1;
        }
        Ok(None)
    }

    fn classify_object_value_comma(&self) -> R<Comma> {
        let next_idx = self.scroll_ws(1);
        let n = self.ch(next_idx);
        let Some(nc) = n else {
            return Ok(Comma::Member);
        };
        if nc == '}' {
            return Ok(Comma::Member);
        }
        if DELIMS.contains(&nc) {
            let end = self.skip_to(&[nc], next_idx + 1);
            if self.ch(end).is_none() {
                return Ok(Comma::Str);
            }
            let end = self.scroll_ws(end + 1);
            return Ok(if self.ch(end) == Some(':') {
                Comma::Member
            } else {
                Comma::Str
            });
        }
        if nc == '`' {
            let mut k = next_idx + 1;
            while word_char(self.ch(k))? {
                k += 1;
            }
            let k = self.scroll_ws(k);
            return Ok(if self.ch(k) == Some(':') {
                Comma::Member
            } else {
                Comma::Str
            });
        }
        if is_alnum(nc) || nc == '_' {
            let mut k = next_idx;
            while word_char(self.ch(k))? {
                k += 1;
            }
            let k = self.scroll_ws(k);
            if self.ch(k) == Some(':') {
                return Ok(Comma::Member);
            }
        }
        if nc == '{' || nc == '[' {
            return Ok(Comma::Container);
        }
        let q_idx = self.skip_to(&DELIMS, next_idx);
        let Some(q) = self.ch(q_idx) else {
            return Ok(Comma::Str);
        };
        let c_idx = self.skip_to(&['{', '['], next_idx);
        if matches!(self.ch(c_idx), Some('{' | '[')) && c_idx < q_idx {
            return Ok(Comma::Str);
        }
        let end = self.skip_to(&[q], q_idx + 1);
        if self.ch(end).is_none() {
            return Ok(Comma::Str);
        }
        let end = self.scroll_ws(end + 1);
        Ok(if self.ch(end) == Some(':') {
            Comma::Member
        } else {
            Comma::Str
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comma {
    Container,
    Member,
    Str,
}

/// `update_inline_container_stack`: whether the character is kept as part of the string.
fn update_inline_stack(c: char, st: &mut State) -> bool {
    if c == '{' || c == '[' {
        if st.pending_inline_container {
            st.inline_stack.push(c);
            st.pending_inline_container = false;
            return false;
        }
        if !st.inline_stack.is_empty() {
            st.inline_stack.push(c);
        }
    }
    if let Some(&top) = st.inline_stack.last()
        && ((c == '}' && top == '{') || (c == ']' && top == '['))
    {
        st.inline_stack.pop();
        return true;
    }
    false
}

/// A character no branch of the string scan reacts to, before or after appending it: not a
/// quote of any kind, bracket, separator, backslash or backtick; spaces only when `spaces`.
#[inline]
fn plain(c: char, spaces: bool) -> bool {
    if c.is_ascii() {
        !matches!(
            c,
            '"' | '\'' | ':' | ',' | '[' | ']' | '{' | '}' | '(' | ')' | '\\' | '`'
        ) && (spaces || !is_space(c))
    } else {
        !DELIMS.contains(&c) && (spaces || !is_space(c))
    }
}
