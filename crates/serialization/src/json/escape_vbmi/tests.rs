//! Unit tests of `escape_vbmi` (its private items), kept out of the module's own file.

use super::super::escape_ucs::tests::reference;
use super::super::escape_ucs::{Unit, Units, vbmi, write_units_ascii_with};

/// `s` escaped by `blocks` (with exactly the room `write_wide` reserves) when the CPU
/// has AVX-512 VBMI, and by the SSSE3/scalar path `write_wide` takes without it: both
/// must give `want`.
fn run<'a, T: Unit>(s: &'a [T], units: fn(&'a [T]) -> Units<'a>, want: &str, what: &str) {
    let mut out = Vec::new();
    write_units_ascii_with(&mut out, units(s), false);
    assert_eq!(out, format!("\"{want}\"").as_bytes(), "fallback, {what}");
    if !vbmi() {
        return;
    }
    let mut out: Vec<u8> = Vec::with_capacity(s.len() * T::MAX_OUT + super::SPARE);
    let base = out.as_mut_ptr();
    // SAFETY: the CPU was checked; the buffer has the room `blocks` needs.
    unsafe {
        let p = super::blocks(s, 0, s.len(), base);
        out.set_len(p.offset_from(base) as usize);
    }
    assert_eq!(out, want.as_bytes(), "AVX-512 VBMI, {what}");
    let mut out = Vec::new();
    write_units_ascii_with(&mut out, units(s), true);
    assert_eq!(
        out,
        format!("\"{want}\"").as_bytes(),
        "write_units_ascii, {what}"
    );
}

/// `units` escaped in every width that can hold them.
fn check(units: &[u32]) {
    let want = reference(units);
    run(units, Units::Ucs4, &want, &format!("UCS-4 {units:x?}"));
    if units.iter().all(|&u| u < 0x1_0000) {
        let u16s: Vec<u16> = units.iter().map(|&u| u as u16).collect();
        run(&u16s, Units::Ucs2, &want, &format!("UCS-2 {units:x?}"));
    }
    if units.iter().all(|&u| u < 0x100) {
        let u8s: Vec<u8> = units.iter().map(|&u| u as u8).collect();
        run(&u8s, Units::Latin1, &want, &format!("Latin-1 {units:x?}"));
    }
}

#[test]
fn every_mask_of_either_half_of_a_block() {
    // Escaped units of each width, and one of every other kind, in every pattern.
    for escaped in [0xe9, 0x7f, 0x80, 0x4f1a, 0xd800, 0xdfff, 0xffff, 0x1_f600] {
        for mask in 0..=0xffff_u32 {
            if mask & 0xff != 0 && mask >> 8 != 0 && mask % 97 != 0 {
                // Each half's 256 patterns with the other half plain or full, plus a
                // spread of combined ones.
                if mask & 0xff != 0xff && mask >> 8 != 0xff {
                    continue;
                }
            }
            let block: Vec<u32> = (0..16)
                .map(|k| {
                    if mask >> k & 1 == 1 {
                        escaped
                    } else {
                        0x61 + k
                    }
                })
                .collect();
            check(&block);
            // The same block after one and before a short tail.
            let mut longer = block.clone();
            longer.extend_from_slice(&block[..5]);
            check(&longer);
        }
    }
}

#[test]
fn every_mask_of_a_whole_block() {
    // All 65,536 patterns of `\uXXXX` units in one block: up to `MERGED_MAX` escapes take
    // the one-permutation layout (`whole`), more take the two halves; either at the start
    // of the text, after a block of its own, and as a block cut short by the string's end.
    for mask in 0..=0xffff_u32 {
        let escaped = [0xe9, 0x20ac, 0x7f][mask as usize % 3];
        let block: Vec<u32> = (0..16)
            .map(|k| {
                if mask >> k & 1 == 1 {
                    escaped
                } else {
                    0x41 + k
                }
            })
            .collect();
        check(&block);
        let mut longer = block.clone();
        longer.extend_from_slice(&block[(mask as usize % 16)..]);
        check(&longer);
        check(&block[..1 + mask as usize % 15]);
    }
}

#[test]
fn one_astral_character_in_every_slot_of_a_block_with_every_kind_of_mask() {
    // `one_astral` (up to 8 escapes with the astral one) and the per-quarter layouts
    // (more): the astral unit at each of the 16 places, a seventh of the masks of
    // `\uXXXX` units around it (every count of escapes, both sides of the limit), whole
    // and cut short by the string's end.
    for k in 0..16 {
        for mask in (0..=0xffff_u32).filter(|m| m % 7 == k % 7) {
            let block: Vec<u32> = (0..16)
                .map(|j| {
                    if j == k {
                        [0x1_f600, 0x1_0000, 0x10_ffff][mask as usize % 3]
                    } else if mask >> j & 1 == 1 {
                        [0xe9, 0x4f1a, 0xd83d][mask as usize % 3]
                    } else {
                        0x41 + j
                    }
                })
                .collect();
            check(&block);
            check(&block[..=k as usize]);
            let mut longer = block.clone();
            longer.extend_from_slice(&block);
            check(&longer);
        }
    }
}

#[test]
fn astral_characters_in_every_slot_and_beside_other_escapes() {
    for len in 1..=40 {
        for at in 0..len {
            for other in [0x61, 0xe9, 0x4f1a, 0x1_0000, 0x10_ffff, 0xd83d] {
                let mut s: Vec<u32> = (0..len as u32)
                    .map(|k| if k % 3 == 0 { other } else { 0x41 + k % 26 })
                    .collect();
                s[at] = 0x1_f600;
                check(&s);
            }
        }
    }
    // Every unit astral, every length up to two blocks and a tail.
    for len in 0..=40 {
        check(&vec![0x1_f600; len]);
    }
}

#[test]
fn two_letter_escapes_and_control_characters_mixed_with_unicode_escapes() {
    let specials = [
        0x22, 0x5c, 0x0a, 0x09, 0x08, 0x0c, 0x0d, 0x00, 0x1f, 0x01, 0x7f,
    ];
    for special in specials {
        for at in 0..24 {
            for fill in [0xe9, 0x4f1a, 0x1_f600, 0x61] {
                let mut s: Vec<u32> = (0..24)
                    .map(|k| if k % 2 == 0 { fill } else { 0x30 + k })
                    .collect();
                s[at] = special;
                check(&s);
                check(&s[..at + 1]);
                check(&s[at..]);
            }
        }
    }
}

#[test]
fn strings_shorter_than_a_block_and_block_ends() {
    // All strings of up to 17 units over a small alphabet with one of each kind, by a
    // fixed pseudo-random walk (deterministic, thousands of patterns).
    let alphabet = [0x61, 0x22, 0x0a, 0xe9, 0x4f1a, 0x1_f600, 0xd800, 0x7e, 0x20];
    let mut state = 0x2545_f491_u32;
    for len in 0..=33 {
        for _ in 0..300 {
            let s: Vec<u32> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    alphabet[state as usize % alphabet.len()]
                })
                .collect();
            check(&s);
        }
    }
}
