//! Unit tests of `escape_ucs` (its private items), kept out of the module's own file.

use super::{Units, write_units_ascii};
use crate::json::escape::write_str;

/// What CPython's `encode_basestring_ascii` writes for these code points, spelled out
/// independently of every table here.
pub(in crate::json) fn reference(units: &[u32]) -> String {
    let mut want = String::new();
    for &u in units {
        match u {
            0x08 => want.push_str("\\b"),
            0x09 => want.push_str("\\t"),
            0x0a => want.push_str("\\n"),
            0x0c => want.push_str("\\f"),
            0x0d => want.push_str("\\r"),
            0x22 => want.push_str("\\\""),
            0x5c => want.push_str("\\\\"),
            0x20..=0x7e => want.push(char::from(u as u8)),
            0x1_0000.. => {
                let v = u - 0x1_0000;
                want.push_str(&format!("\\u{:04x}", 0xd800 | (v >> 10)));
                want.push_str(&format!("\\u{:04x}", 0xdc00 | (v & 0x3ff)));
            }
            _ => want.push_str(&format!("\\u{u:04x}")),
        }
    }
    want
}

/// The UTF-8 path (itself checked against CPython's output) on the same text.
fn via_utf8(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    write_str(&mut out, s.as_bytes(), true, false);
    out
}

fn all_widths(s: &str) -> Vec<Vec<u8>> {
    let cps: Vec<u32> = s.chars().map(u32::from).collect();
    let mut outs = Vec::new();
    let mut out = Vec::new();
    write_units_ascii(&mut out, Units::Ucs4(&cps));
    outs.push(out);
    if cps.iter().all(|&c| c < 0x1_0000) {
        let u: Vec<u16> = cps.iter().map(|&c| c as u16).collect();
        let mut out = Vec::new();
        write_units_ascii(&mut out, Units::Ucs2(&u));
        outs.push(out);
    }
    if cps.iter().all(|&c| c < 0x100) {
        let u: Vec<u8> = cps.iter().map(|&c| c as u8).collect();
        let mut out = Vec::new();
        write_units_ascii(&mut out, Units::Latin1(&u));
        outs.push(out);
    }
    outs
}

#[test]
fn every_width_matches_the_utf8_path() {
    let specials = [
        "\"",
        "\\",
        "\n",
        "\u{1}",
        "\u{1f}",
        "\u{7f}",
        "\u{80}",
        "é",
        "ÿ",
        "€",
        "\u{2028}",
        "\u{ffff}",
        "😀",
        "\u{10ffff}",
        " ",
        "~",
    ];
    for special in specials {
        for at in 0..40 {
            let s = format!("{}{special}{}", "a".repeat(at), "b".repeat(40 - at));
            for out in all_widths(&s) {
                assert_eq!(out, via_utf8(&s), "{special:?} at {at}");
            }
        }
    }
    let long: String = (0..20_000u32)
        .filter_map(|k| char::from_u32((k * 7919) % 0x11_0000))
        .collect();
    for out in all_widths(&long) {
        assert_eq!(out, via_utf8(&long));
    }
}

#[test]
fn sixteen_unit_blocks_match_the_utf8_path() {
    // Every special at every offset of several blocks, alone and packed at every spacing.
    let specials = [
        "\"", "\\", "\n", "\u{0}", "\u{7f}", "é", "€", "\u{ffff}", "😀",
    ];
    for special in specials {
        for at in 0..100 {
            let s = format!("{}{special}{}", "a".repeat(at), "b".repeat(100 - at));
            for out in all_widths(&s) {
                assert_eq!(out, via_utf8(&s), "{special:?} at {at}");
            }
        }
        for gap in 0..18 {
            let s = format!("{}{special}", "p".repeat(gap)).repeat(120 / (gap + 1) + 2);
            for out in all_widths(&s) {
                assert_eq!(out, via_utf8(&s), "{special:?} every {gap}");
            }
        }
    }
}

/// Both block variants (re-narrowing and SSSE3 shuffle) write the escaped text of the
/// units they consume, the SSSE3 one every whole block, whatever the length.
#[cfg(target_arch = "x86_64")]
#[test]
fn both_block_variants_escape_what_they_consume() {
    fn run<T: super::Unit + Into<u32>>(s: &[T], ssse3: bool) -> usize {
        let mut out: Vec<u8> = Vec::with_capacity(s.len() * T::MAX_OUT + 16);
        let base = out.as_mut_ptr();
        // SAFETY: the buffer has the room blocks16 needs; SSSE3 only when detected.
        let i = unsafe {
            let (i, p) = if ssse3 {
                super::blocks16::<T, true>(s, 0, s.len(), base)
            } else {
                super::blocks16::<T, false>(s, 0, s.len(), base)
            };
            out.set_len(p.offset_from(base) as usize);
            i
        };
        let text: String = s[..i]
            .iter()
            .map(|&u| char::from_u32(u.into()).expect("no surrogates here"))
            .collect();
        let want = via_utf8(&text);
        assert_eq!(
            out,
            want[1..want.len() - 1],
            "ssse3 {ssse3}, {} units",
            s.len()
        );
        i
    }
    if !std::arch::is_x86_feature_detected!("ssse3") {
        return;
    }
    for n in [16, 17, 31, 32, 33, 47, 48, 400, 401] {
        let text: String = "ab\"c\\dé€😀\n\u{7f}xyz".chars().cycle().take(n).collect();
        let wide: Vec<u32> = text.chars().map(u32::from).collect();
        let narrow: Vec<u16> = text
            .chars()
            .map(|c| {
                if u32::from(c) < 0x1_0000 {
                    c as u16
                } else {
                    0x4f1a
                }
            })
            .collect();
        let bytes: Vec<u8> = text
            .chars()
            .map(|c| if u32::from(c) < 0x100 { c as u8 } else { 0xe9 })
            .collect();
        assert_eq!(run(&wide, true), n / 16 * 16);
        assert_eq!(run(&narrow, true), n / 16 * 16);
        assert_eq!(run(&bytes, true), n / 16 * 16);
        assert_eq!(run(&wide, false), n.saturating_sub(16) / 16 * 16);
        assert_eq!(run(&narrow, false), n.saturating_sub(16) / 16 * 16);
        assert_eq!(run(&bytes, false), n.saturating_sub(16) / 16 * 16);
    }
}

#[test]
fn every_bmp_code_point_is_escaped_with_its_own_digits() {
    // Independent of the digit table: the escape as `format!` spells it.
    let units: Vec<u16> = (0..=0xffff_u16).collect();
    let mut out = Vec::new();
    write_units_ascii(&mut out, Units::Ucs2(&units));
    let wide: Vec<u32> = units.iter().map(|&u| u32::from(u)).collect();
    let want = format!("\"{}\"", reference(&wide));
    assert_eq!(String::from_utf8(out).unwrap(), want);
}

#[test]
fn lone_surrogates_and_lanes_above_0x8000() {
    // Expected values are json.dumps(s) in CPython.
    let mut out = Vec::new();
    write_units_ascii(&mut out, Units::Ucs2(&[0x61, 0xd800, 0x62, 0xdfff]));
    assert_eq!(out, br#""a\ud800b\udfff""#);
    out.clear();
    let units: Vec<u16> = "abcdefgh".encode_utf16().chain([0x8000, 0xfffe]).collect();
    write_units_ascii(&mut out, Units::Ucs2(&units));
    assert_eq!(out, br#""abcdefgh\u8000\ufffe""#);
    out.clear();
    write_units_ascii(&mut out, Units::Ucs4(&[0xdc00, 0x41, 0x1_f600, 0x1_0000]));
    assert_eq!(out, br#""\udc00A\ud83d\ude00\ud800\udc00""#);
}
