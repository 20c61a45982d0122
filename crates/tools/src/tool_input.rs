//! `ToolUsage._validate_tool_input`'s decoding chain: `json.loads`, then `ast.literal_eval`,
//! then `json5.loads`, then `json_repair`. The first two steps are decided here whenever they
//! return a dict, and the last one for JSON cut off after a value; every other case (a non-dict, json5 syntax, broken JSON, anything Python would
//! raise an unusual exception for) is [`ToolInput::Undecided`] and runs crewai's chain.

use crate::Decision;
use crate::json_strict::{Loads, loads, loads_truncated};
use crate::py_literal::literal_dict;
use crate::pychars::strip;
use crate::value::Value;

/// What `_validate_tool_input(text)` does with a string.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolInput {
    /// It returns this dict (items in order).
    Dict(Vec<(String, Value)>),
    /// It raises "Tool input must be a valid dictionary in JSON or Python literal format"
    /// straight away (blank input).
    Blank,
    Undecided,
}

/// The chain's answer for `text`, where it can be given exactly.
pub fn parse_tool_input(text: &str) -> ToolInput {
    if strip(text).is_empty() {
        return ToolInput::Blank;
    }
    match loads(text) {
        Loads::Ok(Value::Dict(items)) => return ToolInput::Dict(items),
        Loads::Ok(_) | Loads::Unsure => return ToolInput::Undecided,
        Loads::Invalid => {}
    }
    if let Decision::Decided(Value::Dict(items)) = literal_dict(text) {
        return ToolInput::Dict(items);
    }
    // JSON cut off after a value: `ast.literal_eval` and `json5` both fail on the unclosed
    // bracket, so crewai ends with json_repair, which closes the containers.
    match loads_truncated(text) {
        Some(Value::Dict(items)) => ToolInput::Dict(items),
        _ => ToolInput::Undecided,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_steps() {
        assert_eq!(parse_tool_input(" \u{3000}"), ToolInput::Blank);
        assert!(matches!(parse_tool_input("{\"q\": \"x\"}"), ToolInput::Dict(d) if d.len() == 1));
        assert!(
            matches!(parse_tool_input("{'q': 'x', 'n': None}"), ToolInput::Dict(d) if d.len() == 2)
        );
        assert_eq!(parse_tool_input("[1, 2]"), ToolInput::Undecided);
        assert_eq!(parse_tool_input("{q: 'x'}"), ToolInput::Undecided);
        assert!(matches!(parse_tool_input("{\"q\": [1, 2"), ToolInput::Dict(d) if d.len() == 1));
        assert_eq!(parse_tool_input("[1, 2"), ToolInput::Undecided);
    }
}
