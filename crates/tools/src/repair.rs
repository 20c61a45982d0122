//! `json_repair.repair_json(text)` (0.60.1, the arguments crewai passes). For input
//! `json.loads` accepts, json_repair returns `json.dumps(json.loads(text))` (or `""` for an
//! empty string); for the rest it runs its repairing parser, ported in [`crate::repair_parser`].
//! Where the port cannot be sure (see [`crate::repair_parser::Bail`]) the answer is
//! [`Decision::Undecided`] and the Python layer runs json_repair itself.

use crate::Decision;
use crate::json_dumps::dumps;
use crate::json_plain::dumps_embedded;
use crate::json_strict::{Loads, loads};
use crate::value::Value;

/// `repair_json(text)`, or `Undecided` where the port cannot be sure.
pub fn repair_json(text: &str) -> Decision<String> {
    // The common LLM shapes (plain JSON, fenced, followed by a sentence, cut off after a
    // value) in one parse: `json.loads` and the repairing parser agree on them.
    if let Some(out) = dumps_embedded(text) {
        return Decision::Decided(out);
    }
    match loads(text) {
        Loads::Ok(Value::Str(s)) if s.is_empty() => Decision::Decided(String::new()),
        Loads::Ok(v) => Decision::Decided(dumps(&v)),
        Loads::Invalid => repair_broken(text),
        Loads::Unsure => Decision::Undecided,
    }
}

/// `repair_json(text, skip_json_loads=True)` on text `json.loads` rejects: the repairing
/// parser's value, as json_repair dumps it.
pub fn repair_broken(text: &str) -> Decision<String> {
    match repair_value(text) {
        Decision::Decided(Value::Str(s)) if s.is_empty() => Decision::Decided(String::new()),
        Decision::Decided(v) => Decision::Decided(dumps(&v)),
        Decision::Undecided => Decision::Undecided,
    }
}

/// The value json_repair's parser builds from `text` (what `repair_json(text,
/// skip_json_loads=True)` dumps).
pub fn repair_value(text: &str) -> Decision<Value> {
    match crate::repair_parser::parse(text) {
        Ok(v) => Decision::Decided(v),
        Err(_) => Decision::Undecided,
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
        assert_eq!(
            repair_json("{'a': 'x', b: yes}"),
            Decision::Decided("{\"a\": \"x\", \"b\": \"yes\"}".into())
        );
    }
}
