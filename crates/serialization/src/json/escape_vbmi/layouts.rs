//! The `vpermi2b` index tables of `escape_vbmi`, built at compile time: for each escape
//! mask (and, for a block with an astral character, its position), where each output byte
//! of a block comes from in the two tables the permutation reads (the units' hex digits,
//! and their characters with `\` and `u`).

/// `vpermi2b` index vectors, 64-byte aligned so each is one aligned load.
#[repr(C, align(64))]
pub(super) struct Layouts(pub(super) [[u8; 64]; 256]);

/// Indices 64.. select from the second table: a block's 16 narrowed characters, then `\`
/// and `u`.
pub(super) const CHARS: u8 = 64;
pub(super) const BACKSLASH: u8 = CHARS + 16;
pub(super) const LETTER_U: u8 = CHARS + 17;

/// For each half `h` of a 16-unit block and each mask of its 8 units needing `\uXXXX` (bit
/// k = unit 8h + k): each unit as its character, or as `\`, `u` and its four hex digits
/// (bytes 4(8h + k).. of the first table).
pub(super) static GROUP: [Layouts; 2] = [group(0), group(1)];

const fn group(h: usize) -> Layouts {
    let mut t = [[0u8; 64]; 256];
    let mut m = 0;
    while m < 256 {
        let (mut at, mut k) = (0, 0);
        while k < 8 {
            if (m >> k) & 1 == 1 {
                t[m][at] = BACKSLASH;
                t[m][at + 1] = LETTER_U;
                let mut d = 0;
                while d < 4 {
                    t[m][at + 2 + d] = (4 * (8 * h + k) + d) as u8;
                    d += 1;
                }
                at += 6;
            } else {
                t[m][at] = CHARS + (8 * h + k) as u8;
                at += 1;
            }
            k += 1;
        }
        m += 1;
    }
    Layouts(t)
}

/// The second half's layout placed after the first half's output, for a block whose 16
/// units need at most `MERGED_MAX` `\uXXXX` escapes (so its output fits one 64-byte store):
/// indexed by the first half's escape count `c` and the second half's mask, the indices of
/// `GROUP[1]` moved up to byte `8 + 5c`, zero below. ORed with the first half's `GROUP[0]`
/// row (zero past its output), the two give the whole block's layout: one permutation and
/// one store a block instead of two of each.
pub(super) static SECOND: [Layouts; 9] = {
    let mut t = [const { Layouts([[0u8; 64]; 256]) }; 9];
    let mut c = 0;
    while c < 9 {
        let from = 8 + 5 * c;
        let mut m = 0;
        while m < 256 {
            let mut b = 0;
            while from + b < 64 {
                t[c].0[m][from + b] = GROUP[1].0[m][b];
                b += 1;
            }
            m += 1;
        }
        c += 1;
    }
    t
};

/// Index 64 + 20..: where `one_astral` puts the high surrogate's four digits in the second
/// table (after the 16 characters, `\` and `u`).
pub(super) const HIGH_DIGITS: u8 = CHARS + 20;

/// `vpermi2b` indices, by byte position `at`, that splice 6 bytes into a layout: its bytes
/// before `at` kept, then bytes 0..6 of the second table, then the rest of the layout
/// moved up by 6.
#[repr(C, align(64))]
pub(super) struct Splices(pub(super) [[u8; 64]; 64]);

pub(super) static SPLICE: Splices = {
    let mut t = [[0u8; 64]; 64];
    let mut at = 0;
    while at < 64 {
        let mut j = 0;
        while j < 64 {
            t[at][j] = if j < at {
                j as u8
            } else if j < at + 6 {
                64 + (j - at) as u8
            } else {
                (j - 6) as u8
            };
            j += 1;
        }
        at += 1;
    }
    Splices(t)
};

/// For quarter `q` (units 4q..4q + 4) of a half-block holding an astral character, indexed
/// by `escaped | astral << 4` (bits for those 4 units): each unit `4q + k` as its character,
/// `\uXXXX` (digits 8(4q + k) + 4.. of the first table), or a surrogate pair (digits
/// 8(4q + k).., then 8(4q + k) + 4..). Both quarters index the same two vectors. Entries with
/// an astral bit whose escape bit is clear never occur.
pub(super) static QUARTER: [Layouts; 2] = [quarter(0), quarter(1)];

const fn quarter(q: usize) -> Layouts {
    let mut t = [[0u8; 64]; 256];
    let mut e = 0;
    while e < 256 {
        let (mut at, mut k) = (0, 0);
        while k < 4 {
            let unit = 4 * q + k;
            let astral = (e >> (4 + k)) & 1 == 1;
            if astral || (e >> k) & 1 == 1 {
                let mut half = if astral { 0 } else { 1 };
                while half < 2 {
                    t[e][at] = BACKSLASH;
                    t[e][at + 1] = LETTER_U;
                    let mut d = 0;
                    while d < 4 {
                        t[e][at + 2 + d] = (8 * unit + 4 * half + d) as u8;
                        d += 1;
                    }
                    at += 6;
                    half += 1;
                }
            } else {
                t[e][at] = CHARS + unit as u8;
                at += 1;
            }
            k += 1;
        }
        e += 1;
    }
    Layouts(t)
}

/// The output bytes a quarter's escapes add to its units' own, by the same key as
/// `QUARTER`: 5 for each `\uXXXX`, 11 for each surrogate pair (one load instead of two
/// counts and their scaling).
pub(super) static QUARTER_EXTRA: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut e = 0;
    while e < 256 {
        let (esc, astral) = ((e & 0xf) as u32, (e >> 4) as u32);
        t[e] = (5 * esc.count_ones() + 6 * (astral & esc).count_ones()) as u8;
        e += 1;
    }
    t
};
