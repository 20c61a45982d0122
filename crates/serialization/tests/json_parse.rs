//! The reader against expectations taken from CPython 3.11's `json.loads` (values, and the
//! `msg`/`pos` of `JSONDecodeError`).

use std::vec::Drain;

use crewai_rust_serialization::{Builder, Error, Escaped, parse};

#[derive(Debug, Clone, PartialEq)]
enum V {
    Null,
    Bool(bool),
    Int(i64),
    Big(String),
    Float(f64),
    Str(String),
    /// A string holding lone surrogates, as code points.
    Lone(Vec<u32>),
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
    fn escaped(&mut self, e: &Escaped<'_>) -> Result<V, Error> {
        let mut units = vec![0u32; e.len()];
        e.write(&mut units);
        // Every width the class allows gives the same characters.
        if e.max_char() <= 0xffff {
            let mut narrow = vec![0u16; e.len()];
            e.write(&mut narrow);
            assert!(
                narrow
                    .iter()
                    .map(|&u| u32::from(u))
                    .eq(units.iter().copied())
            );
        }
        if e.max_char() <= 0xff {
            let mut narrow = vec![0u8; e.len()];
            e.write(&mut narrow);
            assert!(
                narrow
                    .iter()
                    .map(|&u| u32::from(u))
                    .eq(units.iter().copied())
            );
        }
        let max = units.iter().copied().max().unwrap_or(0);
        let class = match max {
            0..0x80 => 0x7f,
            0x80..0x100 => 0xff,
            0x100..0x1_0000 => 0xffff,
            _ => 0x10_ffff,
        };
        assert_eq!(e.max_char(), class, "{units:x?}");
        match units
            .iter()
            .map(|&u| char::from_u32(u))
            .collect::<Option<String>>()
        {
            Some(text) => Ok(V::Str(text)),
            None => Ok(V::Lone(units)),
        }
    }
    fn array(&mut self, items: Drain<'_, V>) -> Result<V, Error> {
        Ok(V::Arr(items.collect()))
    }
    type Object = Vec<(V, V)>;
    fn object_start(&mut self) -> Result<Self::Object, Error> {
        Ok(Vec::new())
    }
    fn object_member(&mut self, o: &mut Self::Object, k: V, v: V) -> Result<(), Error> {
        o.push((k, v));
        Ok(())
    }
    fn object_end(&mut self, o: Self::Object) -> Result<V, Error> {
        Ok(V::Obj(o))
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
    assert_eq!(ok(r#""\ud800x""#), V::Lone(vec![0xd800, u32::from('x')]));
    // A high surrogate followed by a non-low escape: two separate code points.
    assert_eq!(
        ok(r#""\ud800\u0041""#),
        V::Lone(vec![0xd800, u32::from('A')])
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

#[test]
fn escaped_strings_decode_to_the_narrowest_width() {
    // `Plain::escaped` checks the reported class and that every allowed width agrees.
    assert_eq!(ok(r#""a\nb""#), s("a\nb"));
    assert_eq!(ok(r#""caf\u00e9""#), s("café"));
    assert_eq!(ok("\"é\\n\""), s("é\n"));
    assert_eq!(ok("\"ā\\n\""), s("ā\n"));
    assert_eq!(ok("\"😀\\t\""), s("😀\t"));
    assert_eq!(ok(r#""\u4f1a\ud83d\ude00x""#), s("会😀x"));
    assert_eq!(ok(r#""\ud800\udc00""#), s("\u{10000}"));
    assert_eq!(ok(r#""\udc00\ud800""#), V::Lone(vec![0xdc00, 0xd800]));
    assert_eq!(
        ok("[\"é\", \"x\\u00ff\"]"),
        V::Arr(vec![s("é"), s("x\u{ff}")])
    );
    assert_eq!(ok(r#"{"k\u00e9": "v"}"#), V::Obj(vec![(s("ké"), s("v"))]));
}

#[test]
fn escape_errors_match_cpython() {
    // Taken from CPython 3.11's json.loads.
    let cases: &[(&str, &str, usize)] = &[
        ("\"\\ud800\\udc00", "Invalid \\uXXXX escape", 8),
        ("\"\\ud800\\udc0", "Invalid \\uXXXX escape", 8),
        ("\"\\ud800\\udc0\"", "Invalid \\uXXXX escape", 8),
        ("\"\\ud800\\u", "Invalid \\uXXXX escape", 8),
        ("\"\\ud800\\uzzzz\"", "Invalid \\uXXXX escape", 8),
        ("\"é\\u12\"", "Invalid \\uXXXX escape", 3),
        ("\"é\\q\"", "Invalid \\escape", 2),
        ("\"ā\\n\u{1}\"", "Invalid control character at", 4),
        ("\"\\u00e9", "Invalid \\uXXXX escape", 2),
        ("\"\\ud800\\udc00x", "Unterminated string starting at", 0),
        ("\"a\\\"", "Unterminated string starting at", 0),
    ];
    for &(text, msg, pos) in cases {
        assert_eq!(fails(text), (msg, pos), "{text:?}");
    }
}

/// The digit-accumulating fast paths give exactly what parsing the whole text gives (Rust's
/// `parse` is correctly rounded, like CPython's `float()`), across their limits: 53-bit
/// significands, 18/19 digits, decimal exponents around +-22, and the decimal point anywhere.
#[test]
fn number_fast_paths_match_full_parsing() {
    let significands = [
        0u64,
        1,
        7,
        99,
        12_345,
        (1 << 53) - 1,
        1 << 53,
        (1 << 53) + 1,
        (1 << 54) + 3,
        999_999_999_999_999_999,
        1_000_000_000_000_000_000,
        9_999_999_999_999_999_999,
        u64::MAX,
    ];
    let mut checked = 0;
    for m in significands {
        let digits = m.to_string();
        for point in 0..digits.len() {
            let body = if point == 0 {
                digits.clone()
            } else {
                format!(
                    "{}.{}",
                    &digits[..digits.len() - point],
                    &digits[digits.len() - point..]
                )
            };
            for exp in [
                None,
                Some(-24),
                Some(-23),
                Some(-22),
                Some(-1),
                Some(0),
                Some(5),
                Some(22),
                Some(23),
                Some(30),
            ] {
                for sign in ["", "-"] {
                    let text = match exp {
                        None => format!("{sign}{body}"),
                        Some(e) => format!("{sign}{body}e{e}"),
                    };
                    let expected = if point == 0 && exp.is_none() {
                        match text.parse::<i64>() {
                            Ok(n) => V::Int(n),
                            Err(_) => V::Big(text.clone()),
                        }
                    } else {
                        V::Float(text.parse::<f64>().expect("float text"))
                    };
                    let got = ok(&text);
                    match (&got, &expected) {
                        // -0.0 == 0.0, so compare the bits.
                        (V::Float(a), V::Float(b)) => {
                            assert_eq!(a.to_bits(), b.to_bits(), "{text}")
                        }
                        _ => assert_eq!(got, expected, "{text}"),
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 2000, "{checked}");
}

/// [`Plain`] that keeps the value of each value-memo slot, as the Python builder does, and
/// checks every hit the reader claims against the text it was given.
#[derive(Default)]
struct Memo {
    slots: Vec<Option<V>>,
    hits: usize,
}

impl Builder for Memo {
    type Value = V;
    type Error = Error;
    fn null(&mut self) -> Result<V, Error> {
        Plain.null()
    }
    fn bool(&mut self, b: bool) -> Result<V, Error> {
        Plain.bool(b)
    }
    fn int(&mut self, i: i64) -> Result<V, Error> {
        Plain.int(i)
    }
    fn big_int(&mut self, d: &str) -> Result<V, Error> {
        Plain.big_int(d)
    }
    fn float(&mut self, x: f64) -> Result<V, Error> {
        Plain.float(x)
    }
    fn str(&mut self, s: &str) -> Result<V, Error> {
        Plain.str(s)
    }
    fn escaped(&mut self, e: &Escaped<'_>) -> Result<V, Error> {
        Plain.escaped(e)
    }
    fn memo_str(&mut self, slot: u32, seen: bool, s: &str) -> Result<V, Error> {
        let slot = slot as usize;
        if self.slots.len() <= slot {
            self.slots.resize(slot + 1, None);
        }
        if seen {
            let held = self.slots[slot]
                .clone()
                .expect("a hit on a slot never stored");
            assert_eq!(held, V::Str(s.to_owned()), "the memo's hit is another text");
            self.hits += 1;
            return Ok(held);
        }
        self.slots[slot] = Some(V::Str(s.to_owned()));
        Ok(V::Str(s.to_owned()))
    }
    fn array(&mut self, items: Drain<'_, V>) -> Result<V, Error> {
        Plain.array(items)
    }
    type Object = Vec<(V, V)>;
    fn object_start(&mut self) -> Result<Self::Object, Error> {
        Plain.object_start()
    }
    fn object_member(&mut self, o: &mut Self::Object, k: V, v: V) -> Result<(), Error> {
        Plain.object_member(o, k, v)
    }
    fn object_end(&mut self, o: Self::Object) -> Result<V, Error> {
        Plain.object_end(o)
    }
}

#[test]
fn the_value_memo_gives_what_plain_reading_gives() {
    let mut docs = vec![
        // crewai-like records: a few repeated values among unique ones.
        (0..200)
            .map(|k| {
                format!(
                    r#"{{"scope": "/crew/agent-{}", "id": "id-{k}", "tags": ["a", "b"], "day": "d{}"}}"#,
                    k % 4,
                    k % 40
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        // Near misses at every length up to and past the limit.
        (1..=40)
            .flat_map(|n| {
                let base: String = (0..n).map(|k| char::from(b'a' + (k % 26) as u8)).collect();
                (0..n).flat_map(move |k| {
                    let mut other = base.clone().into_bytes();
                    other[k] = b'Z';
                    let other = String::from_utf8(other).expect("ASCII");
                    [format!("\"{base}\""), format!("\"{other}\"")]
                })
            })
            .collect::<Vec<_>>()
            .join(", "),
        // Multi-byte text, escapes and the same text raw and escaped.
        [r#""é", "é", "\u00e9", "日本", "日本", "😀", "😀", "a\"b", "a\"b", "ab", "a\u0062""#; 60]
            .join(", "),
    ];
    for d in &mut docs {
        *d = format!("[{d}]");
    }
    let mut total_hits = 0;
    for doc in &docs {
        let mut memo = Memo::default();
        let got = parse(doc, &mut memo, 1000).expect("valid JSON");
        assert_eq!(got, ok(doc));
        total_hits += memo.hits;
    }
    // The memo was really used.
    assert!(total_hits > 1000, "{total_hits}");
}
