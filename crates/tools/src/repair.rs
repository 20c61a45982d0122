//! The part of `json_repair.repair_json(text)` (0.60, default arguments) that needs no repair:
//! for input `json.loads` accepts, json_repair returns `json.dumps(json.loads(text))` (or `""`
//! for an empty string). Broken input is [`Decision::Undecided`]: json_repair's heuristics are
//! its own and the Python layer runs them, except for the commonest repair of all, JSON cut off
//! after a complete value (a truncated LLM answer): json_repair closes the open containers, and
//! so does `loads_truncated` on the plain inputs where that is certain.

use crate::Decision;
use crate::json_dumps::dumps;
use crate::json_strict::{Loads, loads, loads_truncated};
use crate::value::Value;

/// `repair_json(text)` when `text` is valid JSON, else `Undecided`.
pub fn repair_json(text: &str) -> Decision<String> {
    match loads(text) {
        Loads::Ok(Value::Str(s)) if s.is_empty() => Decision::Decided(String::new()),
        Loads::Ok(v) => Decision::Decided(dumps(&v)),
        Loads::Invalid => match loads_truncated(text) {
            Some(v) => Decision::Decided(dumps(&v)),
            None => Decision::Undecided,
        },
        Loads::Unsure => Decision::Undecided,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_json_is_normalised() {
        assert_eq!(
            repair_json("{\"a\":1,\"b\":[true,null]}"),
            Decision::Decided("{\"a\": 1, \"b\": [true, null]}".into())
        );
        assert_eq!(repair_json("\"\""), Decision::Decided(String::new()));
        assert_eq!(
            repair_json("{\"a\": 1"),
            Decision::Decided("{\"a\": 1}".into())
        );
        assert_eq!(repair_json("{\"a\": 1,"), Decision::Undecided);
    }
}
