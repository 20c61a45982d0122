"""fast-crewai side by side: what its Rust code does, timed against ours on the same inputs.

fast-crewai (PyPI `fast-crewai`, the other Rust accelerator for crewai) ships Rust code for
one thing crewai-rust also does: JSON for agent messages (`AgentMessage.to_json`/`from_json`,
`RustSerializer.serialize_batch`). Those rows time it against `crewai_rust.serialization` on
the same messages, after checking both produce the same JSON text. Its other Rust classes
(a text-keyword memory, a SQLite wrapper, task/tool executors) have no counterpart in crewai
1.x's call paths, so there is nothing equal to time them against; what its import shim changes
in the installed crewai is recorded in each row's `fast_crewai_shim` column, found in a child
process so that this process's crewai stays unpatched for the other areas.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from functools import partial

from benchmarks import harness
from benchmarks.harness import Result

AREA = "peers"

# Run in a child interpreter: enable_acceleration() replaces crewai classes process-wide.
_SHIM_PROBE = """
import json, logging
import crewai
from fast_crewai import shim
out = {"crewai": crewai.__version__}
for part in ("memory", "tool", "task", "database", "serialization"):
    applied, failed = getattr(shim, f"_patch_{part}_components")()
    out[part] = [applied, failed]
print(json.dumps(out))
"""


def shim_coverage() -> str:
    """What `fast_crewai.shim` patches in the installed crewai, as `part applied/tried` text."""
    env = {k: v for k, v in os.environ.items() if k != "FAST_CREWAI_ACCELERATION"}
    proc = subprocess.run(
        [sys.executable, "-c", _SHIM_PROBE], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    if proc.returncode != 0:
        return f"probe failed: {proc.stderr.strip().splitlines()[-1:] or proc.returncode}"
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    version = found.pop("crewai")
    parts = ", ".join(f"{part} {a}/{a + f}" for part, (a, f) in found.items())
    return f"crewai {version}: classes replaced {parts}"


def messages(count: int) -> list[dict[str, object]]:
    """Agent messages shaped as fast-crewai's `AgentMessage` (ids, names, text, int timestamp)."""
    text = "L'agent a résumé la réunion : 会议顺利 — next step, vérifier les données. "
    return [
        {
            "id": f"msg-{i:06d}",
            "sender": "researcher" if i % 2 else "writer",
            "recipient": "writer" if i % 2 else "researcher",
            "content": f"[{i}] " + text * (1 + i % 4),
            "timestamp": 1_732_000_000 + i,
        }
        for i in range(count)
    ]


def run(quick: bool = False) -> list[Result]:
    import fast_crewai
    from fast_crewai._core import AgentMessage
    from fast_crewai.serialization import RustSerializer

    from crewai_rust.serialization import implementation

    ours = implementation("rust")
    samples = 7 if quick else 25
    # fast-crewai writes compact JSON with raw UTF-8: the same text as these options.
    dumps = partial(ours.dumps, separators=(",", ":"), ensure_ascii=False)
    batch = messages(921)
    one = batch[1]
    obj = AgentMessage(*(one[k] for k in ("id", "sender", "recipient", "content", "timestamp")))
    text = obj.to_json()
    serializer = RustSerializer(use_rust=True)
    if dumps(one) != text or [dumps(m) for m in batch] != serializer.serialize_batch(batch):
        raise AssertionError("crewai-rust and fast-crewai wrote different JSON for the same messages")
    if ours.loads(text) != json.loads(text):
        raise AssertionError("loads differs from json.loads on a message")

    common = {"peer": f"fast-crewai {fast_crewai.__version__}", "fast_crewai_shim": shim_coverage()}
    fields = ("id", "sender", "recipient", "content", "timestamp")

    def their_message_to_json() -> str:
        # From the same Python values as ours: the message object is made, then written.
        return AgentMessage(*(one[k] for k in fields)).to_json()

    def their_message_from_json() -> tuple[object, ...]:
        # Until its fields are read, the object holds Rust strings, not Python values.
        m = AgentMessage.from_json(text)
        return (m.id, m.sender, m.recipient, m.content, m.timestamp)

    rows: list[Result] = []
    cases = (
        (
            "message to JSON",
            "1 message, 5 fields",
            partial(dumps, one),
            their_message_to_json,
            "AgentMessage.to_json",
        ),
        (
            "messages to JSON",
            "921 messages",
            lambda: [dumps(m) for m in batch],
            partial(serializer.serialize_batch, batch),
            "serialize_batch",
        ),
        (
            "message from JSON",
            "1 message, 5 fields",
            partial(ours.loads, text),
            their_message_from_json,
            "from_json + 5 fields",
        ),
    )
    for op, size, mine, theirs, name in cases:
        harness.progress(f"{AREA}: {op} ({size})")
        r, b = harness.compare(mine, theirs, samples=samples)
        rows.append(
            Result(AREA, op, size, r.median, b.median, f"fast-crewai {name}", {"rust_p99_s": r.p99, **common})
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples")
    args = parser.parse_args()
    for r in run(quick=args.quick):
        print(
            f"{r.operation:<18} {r.size:<40} {r.rust_s * 1e6:9.2f} us {r.baseline_s * 1e6:9.2f} us"
            f" {r.ratio:6.2f}x  vs {r.baseline}"
        )
    print(r.extra["fast_crewai_shim"])


if __name__ == "__main__":
    main()
