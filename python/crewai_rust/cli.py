"""The `crewai-rust` command: what is running (`status`) and LanceDB memory migration (`migrate-memory`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _status(args: argparse.Namespace) -> int:
    import crewai_rust

    try:
        status = crewai_rust.status()
    except ValueError as exc:  # a flag the environment spells wrong: say which, no traceback
        print(f"crewai-rust status: {exc}", file=sys.stderr)
        return 2
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


def _migrate_memory(args: argparse.Namespace) -> int:
    from crewai_rust.errors import CrewaiRustError
    from crewai_rust.memory.migrate import migrate_from_lancedb

    try:
        result = migrate_from_lancedb(
            args.from_lancedb, args.to, table=args.table, batch_size=args.batch_size, impl=args.impl
        )
    except CrewaiRustError as exc:
        print(f"crewai-rust migrate-memory: {exc}", file=sys.stderr)
        return 1
    dup = result.source_rows - result.records
    print(
        f"migrated {result.records} records ({result.with_embedding} with embeddings, "
        f"dim {result.vector_dim}) from {result.source} to {result.target}; verified: "
        f"the target holds every source id" + (f" ({dup} duplicate LanceDB rows merged)" if dup else "")
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crewai-rust", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    status = sub.add_parser("status", help="which components run in Rust, flags, extension details")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=_status)
    migrate = sub.add_parser(
        "migrate-memory",
        help="copy a crewai LanceDB memory store into a crewai-rust store (target must be empty)",
        description=(
            "Copy every record of a crewai LanceDB memory table (ids, content, scope, categories, "
            "metadata, importance, timestamps, source, private, vectors; LanceDB's all-zero "
            "placeholder vector becomes no embedding) into a crewai-rust store, then verify that "
            "the target holds exactly the source's ids. Several LanceDB rows with one id are "
            "merged (the last wins). A target that already holds records is refused; an "
            "interrupted run leaves a partial target: delete it and run again."
        ),
    )
    migrate.add_argument("--from-lancedb", required=True, metavar="SRC", help="LanceDB memory directory")
    migrate.add_argument(
        "--to", required=True, metavar="DST", help="crewai-rust store directory (empty or new)"
    )
    migrate.add_argument("--table", default="memories", help="LanceDB table name (default: memories)")
    migrate.add_argument("--batch-size", type=int, default=1000, help="records written per batch")
    migrate.add_argument("--impl", choices=["auto", "rust", "python"], default="auto", help="target engine")
    migrate.set_defaults(func=_migrate_memory)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
