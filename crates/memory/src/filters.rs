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

/// A JSON number as Python's `json.loads` would hold it: an `int` of any size (kept as its
/// canonical decimal digits, so integers beyond 64 bits compare exactly, as Python's do) or a
/// `float`. `arbitrary_precision` keeps each number's text for this.
enum PyNumber {
    Int(String),
    Float(f64),
}

fn py_number(n: &Number) -> PyNumber {
    let text = n.to_string();
    if text.contains(['.', 'e', 'E']) {
        PyNumber::Float(n.as_f64().unwrap_or(f64::NAN))
    } else {
        PyNumber::Int(canonical_int(&text))
    }
}

/// Sign and digits without leading zeros ("-0" is "0").
fn canonical_int(text: &str) -> String {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let digits = digits.trim_start_matches('0');
    match (negative, digits.is_empty()) {
        (_, true) => "0".to_owned(),
        (true, false) => format!("-{digits}"),
        (false, false) => digits.to_owned(),
    }
}

fn numbers_equal(x: &Number, y: &Number) -> bool {
    match (py_number(x), py_number(y)) {
        (PyNumber::Int(i), PyNumber::Int(j)) => i == j,
        (PyNumber::Int(i), PyNumber::Float(f)) | (PyNumber::Float(f), PyNumber::Int(i)) => {
            int_eq_float(&i, f)
        }
        (PyNumber::Float(f), PyNumber::Float(g)) => f == g,
    }
}

/// Exact comparison (Python compares int and float exactly, not after rounding the int): an
/// integral float's exact decimal expansion (`{:.0}` prints every digit) against the int's.
fn int_eq_float(int: &str, f: f64) -> bool {
    f.is_finite() && f.fract() == 0.0 && canonical_int(&format!("{f:.0}")) == int
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
        assert!(json_equal(&json!(-0.0), &json!(0)));
        assert!(json_equal(&json!(1e2), &json!(100)));
    }

    #[test]
    fn integers_beyond_64_bits_compare_exactly() {
        let v = |t: &str| serde_json::from_str::<Value>(t).unwrap();
        let big = "1180591620717411303424"; // 2**70, exactly a double
        assert!(json_equal(&v(big), &v(big)));
        assert!(!json_equal(&v(big), &v("1180591620717411303425")));
        assert!(json_equal(&v(big), &v("1.180591620717411303424e21")));
        assert!(!json_equal(
            &v("1180591620717411303425"),
            &v("1.180591620717411303424e21")
        ));
        assert!(json_equal(
            &v("-1180591620717411303424"),
            &v("-1180591620717411303424.0")
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
