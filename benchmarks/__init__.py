"""crewai-rust benchmarks: side-by-side comparisons (`nox -s bench`) and asv suites (`asv_*.py`)."""
