"""The small text corpus the demo crew's search tool reads (bundled, so the demo is offline)."""

from __future__ import annotations

CORPUS: dict[str, str] = {
    "durability.md": (
        "A save that returned survives the process being killed at any moment. "
        "On reopen the store discards a torn tail and nothing else."
    ),
    "sharing.md": (
        "Two Memory objects on one path see each other's writes, in one process or in several. "
        "Concurrent writers lose nothing."
    ),
    "search.md": (
        "Search scores are cosine similarity. Filters on scope, categories and metadata are applied "
        "before ranking, so the result is the exact top of the matching records."
    ),
    "tools.md": (
        "Broken tool inputs are repaired the way crewai repairs them: JSON first, then Python "
        "literals, JSON5 and finally json_repair."
    ),
    "budget.md": "The pilot costs 12 units a week for 7 weeks plus a 3 unit setup fee.",
}


def search(query: str, limit: int = 2) -> list[tuple[str, str]]:
    """Documents ranked by how many query words they contain (ties by name), best first."""
    words = {w.strip(".,").casefold() for w in query.split() if w.strip(".,")}
    scored = []
    for name, text in CORPUS.items():
        tokens = {t.strip(".,'").casefold() for t in text.split()}
        hits = len(words & tokens)
        if hits:
            scored.append((-hits, name, text))
    scored.sort()
    return [(name, text) for _, name, text in scored[:limit]]
