"""An output too large to allocate raises `MemoryError`, as the stdlib does, and the process
goes on: run in a child process whose address space is capped (`RLIMIT_AS`), so the
allocation fails without exhausting the machine."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent(
    """
    import resource, sys
    from crewai_rust.serialization import implementation

    js = implementation(sys.argv[1])
    fn = getattr(js, sys.argv[2])
    doc = ["x" * 2**20] * 1024  # 1 MiB of input (one str, shared); 1 GiB of output
    fn(["warm"])  # imports (crewai, numpy's BLAS) done before the cap
    with open("/proc/self/statm") as f:
        used = int(f.read().split()[0]) * resource.getpagesize()
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]  # a finite hard limit cannot be raised
    resource.setrlimit(resource.RLIMIT_AS, (used + 256 * 2**20, hard))
    try:
        fn(doc)
    except MemoryError:
        print("MemoryError")
    print(fn(["still", "works"]))
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS caps allocations on Linux only")
@pytest.mark.parametrize("op", ["dumps", "dumps_compact"])
def test_an_output_too_large_raises_memory_error(impl: str, op: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, impl, op],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "MemoryError", done.stdout + done.stderr
    assert "RustPanicError" not in done.stderr
    assert lines[1] in ('["still", "works"]', 'b\'["still","works"]\'')
