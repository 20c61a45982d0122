//! Metadata filters: JSON equality (numbers by value, booleans never numbers, deep containers).

use serde_json::{Map, Number, Value};

use crate::error::{MemoryError, Result};

/// Parse a metadata filter's JSON text; `None` or `{}` mean no filter.
pub fn parse_filter(text: Option<&str>) -> Result<Option<Map<String, Value>>> {
    let Some(text) = text else { return Ok(None) };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) if m.is_empty() => Ok(None),
        Ok(Value::Object(m)) => Ok(Some(m)),
        Ok(_) => Err(MemoryError::InvalidInput(
            "metadata_filter must be the JSON text of an object".into(),
        )),
        Err(e) => Err(MemoryError::InvalidInput(format!(
            "metadata_filter is not valid JSON ({e})"
        ))),
    }
}

/// Every key of `wanted` equals the record's value; a null in the filter also matches a
/// missing key, as crewai's own `metadata.get(k) == v` does.
pub fn metadata_matches(metadata: &Map<String, Value>, wanted: &Map<String, Value>) -> bool {
    wanted.iter().all(|(k, v)| match metadata.get(k) {
        Some(have) => json_equal(have, v),
        None => v.is_null(),
    })
}

/// Equality of JSON values as Python compares the decoded objects, except that booleans never
/// equal numbers.
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => numbers_equal(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

fn as_int(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

fn numbers_equal(x: &Number, y: &Number) -> bool {
    match (as_int(x), as_int(y)) {
        (Some(i), Some(j)) => i == j,
        (Some(i), None) => int_eq_float(i, y.as_f64().unwrap_or(f64::NAN)),
        (None, Some(j)) => int_eq_float(j, x.as_f64().unwrap_or(f64::NAN)),
        (None, None) => x.as_f64() == y.as_f64(),
    }
}

/// Exact comparison (Python compares int and float exactly, not after rounding the int).
fn int_eq_float(i: i128, f: f64) -> bool {
    f.is_finite() && f.fract() == 0.0 && f.abs() < 1.7e38 && f as i128 == i
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_by_value_booleans_apart() {
        assert!(json_equal(&json!(1), &json!(1.0)));
        assert!(!json_equal(&json!(1), &json!(true)));
        assert!(!json_equal(&json!(0), &json!(false)));
        assert!(!json_equal(&json!(1), &json!(1.5)));
        assert!(json_equal(
            &json!({"a": [1, {"b": 2.0}]}),
            &json!({"a": [1.0, {"b": 2}]})
        ));
        assert!(!json_equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!json_equal(&json!("1"), &json!(1)));
        assert!(!json_equal(
            &json!(9007199254740993u64),
            &json!(9007199254740992.0)
        ));
    }

    #[test]
    fn missing_key_matches_only_null() {
        let meta = json!({"a": 1}).as_object().unwrap().clone();
        let want = |v: Value| v.as_object().unwrap().clone();
        assert!(metadata_matches(&meta, &want(json!({"a": 1.0}))));
        assert!(metadata_matches(&meta, &want(json!({"b": null}))));
        assert!(!metadata_matches(&meta, &want(json!({"b": 0}))));
        assert!(parse_filter(Some("[1]")).is_err());
        assert!(parse_filter(Some("{")).is_err());
        assert_eq!(parse_filter(Some("{}")).unwrap(), None);
    }
}
