"""The `crewai-rust` command: status now, memory migration and benchmarks as they land."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _status(args: argparse.Namespace) -> int:
    import crewai_rust

    status = crewai_rust.status()
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    ext = status["extension"]
    loaded = f"loaded ({ext['version']}, {ext['build_profile']} build)" if ext["loaded"] else "not loaded"
    print(f"crewai-rust {status['version']}: Rust extension {loaded}")
    if ext["error"]:
        print(f"  reason: {ext['error']}")
    for name, comp in status["components"].items():
        installed = "installed into crewai" if comp["installed"] else "not installed"
        print(f"  {name:<14} {comp['implementation']:<7} flag={comp['flag']:<6} {installed}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crewai-rust", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    status = sub.add_parser("status", help="which components run in Rust, flags, extension details")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=_status)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
