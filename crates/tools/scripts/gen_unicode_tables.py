"""Generates crates/tools/src/unicode_tables.rs from the running CPython's unicodedata.

The tables pin Python's own definitions (str.isspace, str.isdecimal, str.isalpha,
str.isalnum, str.isdigit, and what
`unicodedata.normalize("NFKD", c).encode("ascii", "ignore")` keeps of each character), so the
Rust code agrees with the interpreter crewai runs on rather than with a newer Unicode release.
Run: python crates/tools/scripts/gen_unicode_tables.py > crates/tools/src/unicode_tables.rs
"""

import json
import sys
import unicodedata


def ranges(codes):
    out = []
    start = prev = codes[0]
    for c in codes[1:]:
        if c != prev + 1:
            out.append((start, prev))
            start = c
        prev = c
    out.append((start, prev))
    return out


def main() -> None:
    chars = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    space = [c for c in chars if chr(c).isspace()]
    decimal = [c for c in chars if chr(c).isdecimal()]
    classes = {
        "PY_ALPHA": ("isalpha", [c for c in chars if chr(c).isalpha()]),
        "PY_ALNUM": ("isalnum", [c for c in chars if chr(c).isalnum()]),
        "PY_DIGIT": ("isdigit", [c for c in chars if chr(c).isdigit()]),
    }
    ascii_of = {}
    for c in chars:
        if c < 0x80:
            continue
        kept = unicodedata.normalize("NFKD", chr(c)).encode("ascii", "ignore").decode("ascii")
        if kept:
            ascii_of[c] = kept
    w = sys.stdout.write
    w("//! Character tables generated from CPython ")
    version = f"{sys.version.split()[0]} (Unicode {unicodedata.unidata_version})"
    w(f"{version} by scripts/gen_unicode_tables.py.\n\n")
    w("/// Code points for which Python's `str.isspace()` is true (also what `re`'s `\\s` matches).\n")
    w(f"pub static PY_SPACE: [char; {len(space)}] = [\n")
    for c in space:
        w(f"    '\\u{{{c:x}}}',\n")
    w("];\n\n")
    dr = ranges(decimal)
    w("/// Inclusive ranges where `str.isdecimal()` is true (what `re`'s `\\d` matches).\n")
    w(f"pub static PY_DECIMAL: [(u32, u32); {len(dr)}] = [\n")
    for a, b in dr:
        w(f"    (0x{a:x}, 0x{b:x}),\n")
    w("];\n\n")
    for name, (method, codes) in classes.items():
        rs = ranges(codes)
        w(f"/// Inclusive ranges where `str.{method}()` is true.\n")
        w(f"pub static {name}: [(u32, u32); {len(rs)}] = [\n")
        for a, b in rs:
            w(f"    (0x{a:x}, 0x{b:x}),\n")
        w("];\n\n")
    w("/// For each non-ASCII code point whose NFKD form keeps ASCII characters, those characters\n")
    w("/// (sorted by code point for binary search).\n")
    w(f"pub static NFKD_ASCII: [(u32, &str); {len(ascii_of)}] = [\n")
    for c, s in sorted(ascii_of.items()):
        assert s.isprintable(), s
        w(f"    (0x{c:x}, {json.dumps(s)}),\n")
    w("];\n")


if __name__ == "__main__":
    main()
