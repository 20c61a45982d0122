//! The reader against expectations taken from CPython 3.11's `json.loads` (values, and the
//! `msg`/`pos` of `JSONDecodeError`).

use std::vec::Drain;

use crewai_rust_serialization::{Builder, Error, parse};

#[derive(Debug, Clone, PartialEq)]
enum V {
    Null,
    Bool(bool),
    Int(i64),
    Big(String),
    Float(f64),
    Str(String),
    Lone(Vec<u8>),
    Arr(Vec<V>),
    Obj(Vec<(V, V)>),
}

struct Plain;

impl Builder for Plain {
    type Value = V;
    type Error = Error;
    fn null(&mut self) -> Result<V, Error> {
        Ok(V::Null)
    }
    fn bool(&mut self, b: bool) -> Result<V, Error> {
        Ok(V::Bool(b))
    }
    fn int(&mut self, i: i64) -> Result<V, Error> {
        Ok(V::Int(i))
    }
    fn big_int(&mut self, d: &str) -> Result<V, Error> {
        Ok(V::Big(d.to_owned()))
    }
    fn float(&mut self, x: f64) -> Result<V, Error> {
        Ok(V::Float(x))
    }
    fn str(&mut self, s: &str) -> Result<V, Error> {
        Ok(V::Str(s.to_owned()))
    }
    fn surrogate_str(&mut self, w: &[u8]) -> Result<V, Error> {
        Ok(V::Lone(w.to_vec()))
    }
    fn array(&mut self, items: Drain<'_, V>) -> Result<V, Error> {
        Ok(V::Arr(items.collect()))
    }
    fn object(&mut self, mut m: Drain<'_, V>) -> Result<V, Error> {
        let mut out = Vec::new();
        while let (Some(k), Some(v)) = (m.next(), m.next()) {
            out.push((k, v));
        }
        Ok(V::Obj(out))
    }
}

fn ok(text: &str) -> V {
    parse(text, &mut Plain, 1000).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn fails(text: &str) -> (&'static str, usize) {
    match parse(text, &mut Plain, 1000) {
        Err(Error::Decode { msg, pos }) => (msg, pos),
        other => panic!("{text:?} should fail to decode, got {other:?}"),
    }
}

fn s(x: &str) -> V {
    V::Str(x.to_owned())
}

#[test]
fn values() {
    assert_eq!(ok(" null "), V::Null);
    assert_eq!(
        ok("[true,false]"),
        V::Arr(vec![V::Bool(true), V::Bool(false)])
    );
    assert_eq!(ok("-12"), V::Int(-12));
    assert_eq!(
        ok("123456789012345678901234567890"),
        V::Big("123456789012345678901234567890".into())
    );
    assert_eq!(ok("1.5e3"), V::Float(1500.0));
    assert_eq!(ok("1E400"), V::Float(f64::INFINITY));
    assert_eq!(ok("-Infinity"), V::Float(f64::NEG_INFINITY));
    assert!(matches!(ok("NaN"), V::Float(x) if x.is_nan()));
    assert_eq!(ok(r#""a\"\\\/\b\f\n\r\tz""#), s("a\"\\/\u{8}\u{c}\n\r\tz"));
    assert_eq!(ok(r#""\u00e9\ud83d\ude00""#), s("é😀"));
    assert_eq!(ok("\"é😀\""), s("é😀"));
    assert_eq!(
        ok(r#"{"a": 1, "b": {}, "c": []}"#),
        V::Obj(vec![
            (s("a"), V::Int(1)),
            (s("b"), V::Obj(vec![])),
            (s("c"), V::Arr(vec![])),
        ])
    );
}

#[test]
fn lone_surrogates_are_kept() {
    assert_eq!(ok(r#""\ud800x""#), V::Lone(vec![0xed, 0xa0, 0x80, b'x']));
    // A high surrogate followed by a non-low escape: two separate code points.
    assert_eq!(
        ok(r#""\ud800\u0041""#),
        V::Lone(vec![0xed, 0xa0, 0x80, b'A'])
    );
}

#[test]
fn errors_match_cpython() {
    let cases: &[(&str, &str, usize)] = &[
        ("", "Expecting value", 0),
        (" ", "Expecting value", 1),
        (
            "{\"a\":1,}",
            "Expecting property name enclosed in double quotes",
            7,
        ),
        ("[1,]", "Expecting value", 3),
        ("{", "Expecting property name enclosed in double quotes", 1),
        ("[", "Expecting value", 1),
        ("\"abc", "Unterminated string starting at", 0),
        ("\"a\\x\"", "Invalid \\escape", 2),
        ("\"\\u12\"", "Invalid \\uXXXX escape", 2),
        ("\"\\u12zz\"", "Invalid \\uXXXX escape", 2),
        ("\"a\nb\"", "Invalid control character at", 2),
        ("1.", "Extra data", 1),
        ("1e", "Extra data", 1),
        ("01", "Extra data", 1),
        ("-", "Expecting value", 0),
        ("[1 2]", "Expecting ',' delimiter", 3),
        ("{\"a\" 1}", "Expecting ':' delimiter", 5),
        ("{\"a\":}", "Expecting value", 5),
        ("nul", "Expecting value", 0),
        ("\"\\ud800\\u12\"", "Invalid \\uXXXX escape", 8),
        ("[\"é\", x]", "Expecting value", 6),
        ("\"ab\\", "Unterminated string starting at", 0),
    ];
    for &(text, msg, pos) in cases {
        assert_eq!(fails(text), (msg, pos), "{text:?}");
    }
}

#[test]
fn depth_limit() {
    let deep = "[".repeat(50) + &"]".repeat(50);
    assert!(parse(&deep, &mut Plain, 100).is_ok());
    assert_eq!(
        parse(&deep, &mut Plain, 10),
        Err(Error::Depth("decoding a JSON array from a unicode string"))
    );
}
