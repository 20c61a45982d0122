//! `ToolUsage._validate_tool_input`'s decoding chain: `json.loads`, then `ast.literal_eval`,
//! then `json5.loads`, then `json_repair`. The first two steps are decided here whenever they
//! return a dict. Past them, the chain is followed only where `ast.literal_eval` certainly
//! fails ([`literal_eval_rejects`]): json5's answer where [`json5_subset`] can give it, then
//! json_repair's repaired value ([`repair_value`]). Every other case (a non-dict that json5
//! might still decode, unusual Python syntax, anything Python would raise an unusual exception
//! for) is [`ToolInput::Undecided`] and runs crewai's chain.
//!
//! [`json5_subset`]: crate::json5_subset

use crate::Decision;
use crate::json_plain::{Event, events_embedded};
use crate::json_strict::{Loads, loads_truncated, loads_with_tail};
use crate::json5_subset::{self, Json5};
use crate::py_literal::literal_dict;
use crate::py_syntax::literal_eval_rejects;
use crate::pychars::strip;
use crate::repair::repair_value;
use crate::value::Value;

/// What `_validate_tool_input(text)` does with a string.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolInput<'a> {
    /// It returns this dict (items in order).
    Dict(Vec<(String, Value)>),
    /// It returns the dict these events describe (see [`events_embedded`]): plain JSON inside
    /// skipped text, read without building a value tree.
    Events(Vec<Event<'a>>),
    /// It raises "Tool input must be a valid dictionary in JSON or Python literal format"
    /// (blank input, or input no step decodes to a dict).
    Blank,
    Undecided,
}

/// The chain's answer for `text`, where it can be given exactly.
pub fn parse_tool_input(text: &str) -> ToolInput<'_> {
    if strip(text).is_empty() {
        return ToolInput::Blank;
    }
    let (loaded, tail) = loads_with_tail(text);
    match loaded {
        Loads::Ok(Value::Dict(items)) => return ToolInput::Dict(items),
        Loads::Ok(_) | Loads::Unsure => return ToolInput::Undecided,
        Loads::Invalid => {}
    }
    if let Decision::Decided(Value::Dict(items)) = literal_dict(text) {
        return ToolInput::Dict(items);
    }
    // JSON cut off after a value: `ast.literal_eval` and `json5` both fail on the unclosed
    // bracket, so crewai ends with json_repair, which closes the containers. (Text after a
    // complete value is not that case.)
    if !tail && let Some(Value::Dict(items)) = loads_truncated(text) {
        return ToolInput::Dict(items);
    }
    if !literal_eval_rejects(text) {
        return ToolInput::Undecided;
    }
    match json5_subset::loads(text) {
        Json5::Value(Value::Dict(items)) => return ToolInput::Dict(items),
        Json5::Value(_) | Json5::Rejected => {}
        Json5::Unsure => return ToolInput::Undecided,
    }
    // `json.loads(json.dumps(value))` gives the value back: only its type matters.
    if let Some(events) = events_embedded(text) {
        return if events.first() == Some(&Event::Object) {
            ToolInput::Events(events)
        } else {
            ToolInput::Blank
        };
    }
    match repair_value(text) {
        Decision::Decided(Value::Dict(items)) => ToolInput::Dict(items),
        Decision::Decided(_) => ToolInput::Blank,
        Decision::Undecided => ToolInput::Undecided,
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
        // json5 syntax Python cannot parse: json5's dict.
        assert!(matches!(parse_tool_input("{q: 'x', // c\n}"), ToolInput::Dict(d) if d.len() == 1));
        // Neither Python nor json5: json_repair's value.
        assert!(
            matches!(parse_tool_input("{\"q\": hello world}"), ToolInput::Dict(d) if d[0].1 == Value::Str("hello world".into()))
        );
        assert_eq!(parse_tool_input("[1, 2] x"), ToolInput::Blank);
        assert!(matches!(parse_tool_input("{\"q\": [1, 2"), ToolInput::Dict(d) if d.len() == 1));
        assert_eq!(parse_tool_input("[1, 2"), ToolInput::Blank);
        // Plain JSON inside skipped text: json_repair's value, as events.
        assert_eq!(
            parse_tool_input("```json\n{\"q\": [1, null]}\n```"),
            ToolInput::Events(vec![
                Event::Object,
                Event::Key("q"),
                Event::Array,
                Event::Int(crate::value::Int::Small(1)),
                Event::Null,
                Event::End,
                Event::End,
            ])
        );
        assert_eq!(parse_tool_input("[1, 2] hope this helps"), ToolInput::Blank);
    }
}
