"""The end-to-end demo: a real crewai crew run with and without crewai-rust (`nox -s demo`)."""
