//! The decoded value tree shared by the JSON and Python-literal decoders: exactly the Python
//! objects `json.loads` / `ast.literal_eval` would build (dict, list, tuple, str, int, float,
//! bool, None), with integers of any size kept as their decimal text.

use std::collections::HashMap;

/// Python refuses `int(str)` and int literals beyond this many digits
/// (`sys.int_info.default_max_str_digits`).
pub(crate) const INT_DIGIT_LIMIT: usize = 4300;

/// An integer: machine-sized, or the canonical decimal text of a larger one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Int {
    Small(i64),
    /// Canonical: optional `-`, no leading zeros, never `-0`.
    Big(String),
}

impl Int {
    /// From ASCII digits (already validated) and a sign.
    pub fn from_digits(negative: bool, digits: &str) -> Int {
        let trimmed = digits.trim_start_matches('0');
        if trimmed.is_empty() {
            return Int::Small(0);
        }
        // Up to 18 ASCII digits fit an i64 whatever they are: summed in place, without the
        // string `parse` needs (most numbers in tool inputs are small).
        if trimmed.len() <= 18 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
            let v = trimmed
                .bytes()
                .fold(0i64, |acc, b| acc * 10 + i64::from(b - b'0'));
            return Int::Small(if negative { -v } else { v });
        }
        let text = if negative {
            format!("-{trimmed}")
        } else {
            trimmed.to_owned()
        };
        match text.parse::<i64>() {
            Ok(v) => Int::Small(v),
            Err(_) => Int::Big(text),
        }
    }

    pub fn negate(self) -> Int {
        match self {
            Int::Small(v) => match v.checked_neg() {
                Some(n) => Int::Small(n),
                None => Int::Big(v.unsigned_abs().to_string()),
            },
            Int::Big(s) => match s.strip_prefix('-') {
                Some(pos) => Int::from_digits(false, pos),
                None => Int::from_digits(true, &s),
            },
        }
    }
}

/// A decoded Python value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(Int),
    Float(f64),
    Str(String),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    /// A dict with string keys in insertion order (first position, last value, as Python).
    Dict(Vec<(String, Value)>),
}

/// Builds a dict the way `dict[key] = value` does: a repeated key keeps its first position and
/// takes the last value.
#[derive(Debug, Default)]
pub struct DictBuilder {
    items: Vec<(String, Value)>,
    index: HashMap<String, usize>,
}

impl DictBuilder {
    pub fn insert(&mut self, key: String, value: Value) {
        match self.position(&key) {
            Some(i) => self.items[i].1 = value,
            None => self.push_new(key, value),
        }
    }

    /// Insert a key not seen before; false (and nothing inserted) when it was.
    pub fn insert_new(&mut self, key: String, value: Value) -> bool {
        if self.position(&key).is_some() {
            return false;
        }
        self.push_new(key, value);
        true
    }

    fn position(&self, key: &str) -> Option<usize> {
        if self.index.is_empty() {
            // Small dicts are the norm; a linear probe avoids hashing until they grow.
            self.items.iter().position(|(k, _)| k == key)
        } else {
            self.index.get(key).copied()
        }
    }

    fn push_new(&mut self, key: String, value: Value) {
        if !self.index.is_empty() {
            self.index.insert(key.clone(), self.items.len());
        } else if self.items.capacity() == 0 {
            // Room for the linear-probe range at once (tool inputs have a handful of keys),
            // instead of growing from 4.
            self.items.reserve_exact(8);
        }
        self.items.push((key, value));
        if self.items.len() == 8 {
            for (i, (k, _)) in self.items.iter().enumerate() {
                self.index.insert(k.clone(), i);
            }
        }
    }

    pub fn finish(self) -> Value {
        Value::Dict(self.items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_are_canonical() {
        assert_eq!(Int::from_digits(true, "0"), Int::Small(0));
        assert_eq!(Int::from_digits(false, "007"), Int::Small(7));
        let big = Int::from_digits(true, "123456789012345678901234567890");
        assert_eq!(big, Int::Big("-123456789012345678901234567890".into()));
        assert_eq!(
            big.negate(),
            Int::Big("123456789012345678901234567890".into())
        );
        assert_eq!(
            Int::Small(i64::MIN).negate(),
            Int::Big("9223372036854775808".into())
        );
    }

    #[test]
    fn digit_runs_at_the_i64_edge_give_the_parsed_value() {
        // 18 digits take the in-place sum, 19 the string parse; both must agree with it.
        for digits in [
            "999999999999999999",
            "000999999999999999999",
            "9223372036854775807",
            "9223372036854775808",
            "123456789012345678",
        ] {
            for negative in [false, true] {
                let text = format!("{}{}", if negative { "-" } else { "" }, digits);
                let want = match text.parse::<i64>() {
                    Ok(v) => Int::Small(v),
                    Err(_) => Int::Big(format!(
                        "{}{}",
                        if negative { "-" } else { "" },
                        digits.trim_start_matches('0')
                    )),
                };
                assert_eq!(Int::from_digits(negative, digits), want, "{text}");
            }
        }
    }

    #[test]
    fn repeated_keys_keep_first_position_last_value() {
        let mut d = DictBuilder::default();
        for (i, k) in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "a"]
            .iter()
            .enumerate()
        {
            d.insert((*k).to_owned(), Value::Int(Int::Small(i as i64)));
        }
        let Value::Dict(items) = d.finish() else {
            unreachable!()
        };
        assert_eq!(items.len(), 9);
        assert_eq!(items[0], ("a".to_owned(), Value::Int(Int::Small(9))));
    }
}
