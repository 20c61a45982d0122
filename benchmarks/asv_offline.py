"""Make a published asv site self-contained: load its JavaScript/CSS from local copies.

asv 0.6's `index.html` pulls jQuery, flot, bootstrap, stupidtable and md5 from CDNs; without
internet access the page shows only "Can not determine continental origin of swallow". This
rewrites every such tag in the site's HTML to a copy in `<html_dir>/vendor/` (from
`benchmarks/asv_vendor/`) and drops the CDN integrity attributes. An unknown CDN URL (a newer
asv) is an error naming it, so the site never silently depends on the network again.

    python -m benchmarks.asv_offline .asv/html
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

__all__ = ["LOCAL_COPIES", "make_offline"]

VENDOR_DIR = Path(__file__).resolve().parent / "asv_vendor"

# The last path segment of each CDN URL asv 0.6 uses -> the vendored file that replaces it.
LOCAL_COPIES: dict[str, str] = {
    "jquery-3.3.1.min.js": "jquery-3.3.1.min.js",
    "jquery.flot.min.js": "jquery.flot-0.8.3.min.js",
    "jquery.flot.time.min.js": "jquery.flot-0.8.3.time.min.js",
    "jquery.flot.selection.min.js": "jquery.flot-0.8.3.selection.min.js",
    "jquery.flot.categories.min.js": "jquery.flot-0.8.3.categories.min.js",
    "jquery.flot.orderBars.js": "jquery.flot.orderBars.js",
    "stupidtable.min.js": "stupidtable.js",
    "md5.min.js": "md5.js",
    "bootstrap.min.js": "bootstrap-3.1.0.min.js",
    "bootstrap.min.css": "bootstrap-3.1.0.min.css",
}

_TAG = re.compile(r"<(?:script|link)\b[^>]*?(?:src|href)=\"(https?://[^\"]+)\"[^>]*>", re.IGNORECASE)
_CDN_ONLY_ATTRS = re.compile(r"\s+(?:integrity|crossorigin|referrerpolicy)=\"[^\"]*\"", re.IGNORECASE)


def _rewrite(html: str, source: Path) -> str:
    def local(match: re.Match[str]) -> str:
        url = match.group(1)
        name = url.rsplit("/", 1)[-1]
        if name not in LOCAL_COPIES:
            raise ValueError(f"{source}: no vendored copy for {url}; add it to benchmarks/asv_vendor/")
        tag = _CDN_ONLY_ATTRS.sub("", match.group(0))
        return tag.replace(url, f"vendor/{LOCAL_COPIES[name]}")

    return _TAG.sub(local, html)


def make_offline(html_dir: Path) -> list[Path]:
    """Rewrite the site's HTML files in place; returns the files changed."""
    html_dir = Path(html_dir)
    if not (html_dir / "index.html").is_file():
        raise FileNotFoundError(f"{html_dir} has no index.html; run `asv publish` first")
    vendor = html_dir / "vendor"
    vendor.mkdir(exist_ok=True)
    for name in sorted(set(LOCAL_COPIES.values())):
        shutil.copy2(VENDOR_DIR / name, vendor / name)
    changed = []
    for page in sorted(html_dir.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        new = _rewrite(text, page)
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed.append(page)
    return changed


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    html_dir = Path(args[0]) if args else Path(".asv/html")
    changed = make_offline(html_dir)
    print(f"asv site in {html_dir} made self-contained ({len(changed)} page(s) rewritten)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
