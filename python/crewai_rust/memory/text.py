"""Full-text search, pure Python: the reference for the Rust index (`crates/memory/src/text`).

Same definitions as the Rust side, to the last float: tokenization (runs of Unicode letters,
marks and numbers; ideographs and kana one token each; full case folding; English stop words
and Snowball English stemming of ASCII tokens by default, nothing of that with
``language="none"``), Okapi BM25 (k1 = 0.9, b = 0.4) with Lucene's idf summed over the
query's distinct terms in term order, with the statistics of the documents a search is
restricted to (the records a filter selects are the collection searched), scores normalised
into [0, 1] by the query's saturation bound ``sum(idf * (k1 + 1))``, and the hybrid fusion
``weight * bm25 / max_bm25 + (1 - weight) * max(cos, 0) / max_cos`` over the candidates.
The Unicode tables come from `_text_tables` (generated once for both languages) so the running
Python's own Unicode version never matters. `TextIndex` has the same interface as
`crewai_rust._core.TextIndex`; the dual-implementation tests compare them.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

import snowballstemmer

from crewai_rust.errors import InvalidInputError
from crewai_rust.memory._text_tables import FOLD, SOLO, WORD

__all__ = [
    "DEFAULT_B",
    "DEFAULT_K1",
    "DEFAULT_TEXT_WEIGHT",
    "ENGLISH_STOP_WORDS",
    "LANGUAGES",
    "Query",
    "TextIndex",
    "candidate_pool",
    "check_weight",
    "fuse",
    "parse_language",
    "search_hybrid",
    "search_text",
    "tokenize",
]

# Anserini's / Pyserini's BM25 defaults, meant for short passages (records are sentences).
DEFAULT_K1 = 0.9
DEFAULT_B = 0.4
# Chosen on a development split of LoCoMo (conversations 26 and 30); see docs/hybrid.md.
DEFAULT_TEXT_WEIGHT = 0.7
LANGUAGES = ("english", "none")


def _read_stop_words() -> frozenset[str]:
    # The one list both implementations use: the Rust crate includes the same file at build time.
    source = (
        resources.files("crewai_rust.memory").joinpath("english_stop_words.txt").read_text(encoding="utf-8")
    )
    return frozenset(w for line in source.splitlines() if (w := line.strip()) and not w.startswith("#"))


ENGLISH_STOP_WORDS: frozenset[str] = _read_stop_words()


def _char_class(ranges: Iterable[tuple[int, int]]) -> str:
    return "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)


# One alternation: a solo character alone, or a maximal run of word characters.
_TOKEN = re.compile(f"[{_char_class(SOLO)}]|[{_char_class(WORD)}]+")
_STEMMER = snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str:
    # Natural text repeats a small vocabulary, and Snowball in pure Python is the slow step.
    return _STEMMER.stemWord(word)


def parse_language(language: str) -> str:
    """The canonical language name, or InvalidInputError naming the accepted ones."""
    if not isinstance(language, str):
        raise TypeError(f"language must be a str, got {type(language).__name__}")
    name = language.strip().lower()
    name = {"en": "english"}.get(name, name)
    if name not in LANGUAGES:
        raise InvalidInputError(f"unknown text language {language!r}; accepted: english, en, none")
    return name


def _check_text(text: object, what: str = "text") -> str:
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a str, got {type(text).__name__}")
    return text


def _terms(text: str, language: str) -> list[str]:
    out: list[str] = []
    english = language == "english"
    for raw in _TOKEN.findall(text):
        folded = raw.translate(FOLD)
        if english:
            if folded in ENGLISH_STOP_WORDS:
                continue
            if folded.isascii():
                folded = _stem(folded)
        out.append(folded)
    return out


def tokenize(text: str, language: str = "english") -> list[str]:
    """The index terms of `text`, in order, duplicates included."""
    return _terms(_check_text(text), parse_language(language))


def candidate_pool(limit: int) -> int:
    """How many candidates each ranking contributes for a hybrid top-`limit`."""
    return max(limit * 4, 50)


def check_weight(weight: float) -> float:
    """`weight` as a float, or InvalidInputError unless it is in [0, 1]."""
    w = float(weight)
    if not 0.0 <= w <= 1.0:
        raise InvalidInputError(f"weight must be between 0 and 1, got {weight!r}")
    return w


def _check_doc(doc: object) -> int:
    if not isinstance(doc, int) or isinstance(doc, bool):
        raise TypeError(f"doc id must be an int, got {type(doc).__name__}")
    if not 0 <= doc < 2**32:
        raise InvalidInputError(f"doc id must be in [0, 2**32), got {doc}")
    return doc


def _top(
    hits: list[tuple[int, float]], limit: int, tie: Callable[[int], object] | None
) -> list[tuple[int, float]]:
    key = (lambda h: (-h[1], h[0])) if tie is None else (lambda h: (-h[1], tie(h[0])))
    hits.sort(key=key)
    return hits[: max(limit, 0)]


def fuse(
    candidates: Sequence[tuple[int, float, float]],
    weight: float = DEFAULT_TEXT_WEIGHT,
    limit: int = 10,
    tie: Callable[[int], object] | None = None,
) -> list[tuple[int, float]]:
    """Fuse (doc, raw bm25, cosine) candidates into (doc, score in [0, 1]), best first.

    Ties go by doc id, or by `tie(doc)` ascending when given. Docs must be distinct.
    """
    w = check_weight(weight)
    max_text = 0.0
    max_vector = 0.0
    for doc, text, vector in candidates:
        _check_doc(doc)
        if not (math.isfinite(text) and math.isfinite(vector)):
            raise InvalidInputError("fusion scores must be finite numbers")
        max_text = max(max_text, text)
        max_vector = max(max_vector, vector)
    fused = []
    for doc, text, vector in candidates:
        t = max(text, 0.0) / max_text if max_text > 0.0 else 0.0
        v = max(vector, 0.0) / max_vector if max_vector > 0.0 else 0.0
        fused.append((doc, min(max(w * t + (1.0 - w) * v, 0.0), 1.0)))
    return _top(fused, limit, tie)


@dataclass(frozen=True)
class Query:
    """A query analysed against an index: distinct known terms with their idf, in term order."""

    terms: tuple[tuple[str, float], ...]
    avgdl: float
    bound: float

    def normalize(self, raw: float) -> float:
        """Raw BM25 divided by the saturation bound, clamped into [0, 1]."""
        return min(max(raw / self.bound, 0.0), 1.0) if self.bound > 0.0 else 0.0


class TextIndex:
    """Incremental inverted index keyed by int doc ids, with exact BM25 top-k under a filter."""

    def __init__(self, language: str = "english", k1: float = DEFAULT_K1, b: float = DEFAULT_B) -> None:
        self._language = parse_language(language)
        k1, b = float(k1), float(b)
        if not (math.isfinite(k1) and k1 >= 0.0 and 0.0 <= b <= 1.0):
            raise InvalidInputError(f"BM25 needs a finite k1 >= 0 and b in [0, 1], got k1={k1!r}, b={b!r}")
        self._k1 = k1
        self._b = b
        self._postings: dict[str, dict[int, int]] = {}
        self._docs: dict[int, tuple[int, dict[str, int]]] = {}
        self._total_len = 0

    @property
    def language(self) -> str:
        return self._language

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, doc: object) -> bool:
        return doc in self._docs

    def term_count(self) -> int:
        return len(self._postings)

    def df(self, term: str) -> int:
        return len(self._postings.get(term, ()))

    def doc_len(self, doc: int) -> int | None:
        entry = self._docs.get(doc)
        return None if entry is None else entry[0]

    def avg_doc_len(self) -> float:
        return self._total_len / len(self._docs) if self._docs else 0.0

    def add(self, doc: int, text: str) -> None:
        """Index `text` as document `doc`, replacing what `doc` held before."""
        doc = _check_doc(doc)
        terms = _terms(_check_text(text), self._language)
        self.remove(doc)
        counts: dict[str, int] = {}
        for term in terms:
            counts[term] = counts.get(term, 0) + 1
        for term, tf in counts.items():
            self._postings.setdefault(term, {})[doc] = tf
        self._docs[doc] = (len(terms), counts)
        self._total_len += len(terms)

    def add_many(self, docs: Iterable[tuple[int, str]]) -> None:
        """`add` each (doc, text); every pair is checked before any is indexed."""
        items = [(_check_doc(d), _check_text(t)) for d, t in docs]
        for doc, text in items:
            self.add(doc, text)

    def remove(self, doc: int) -> bool:
        entry = self._docs.pop(doc, None)
        if entry is None:
            return False
        self._total_len -= entry[0]
        for term in entry[1]:
            posting = self._postings[term]
            del posting[doc]
            if not posting:
                del self._postings[term]
        return True

    def clear(self) -> None:
        self._postings.clear()
        self._docs.clear()
        self._total_len = 0

    def query(self, text: str, allowed: Callable[[int], bool] | None = None) -> Query:
        """Analyse `text` against the statistics of the docs `allowed` accepts (None = all):
        N, df and the mean length are those of these docs alone, as if nothing else were indexed."""
        words = sorted(set(_terms(_check_text(text, "query"), self._language)))
        if allowed is None:
            n = float(len(self._docs))
            avgdl = self.avg_doc_len()
            members: Collection[int] | None = None
        else:
            members = {d for d in self._docs if allowed(d)}
            n = float(len(members))
            avgdl = sum(self._docs[d][0] for d in members) / len(members) if members else 0.0
        terms = []
        bound = 0.0
        for word in words:
            posting = self._postings.get(word)
            if not posting:
                continue
            df = float(len(posting) if members is None else sum(1 for d in posting if d in members))
            if df > 0.0:
                idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
                bound += idf * (self._k1 + 1.0)
                terms.append((word, idf))
        return Query(tuple(terms), avgdl, bound)

    def _term_score(self, idf: float, tf: int, length: int, avgdl: float) -> float:
        k1, b = self._k1, self._b
        tf_f = float(tf)
        return idf * (tf_f * (k1 + 1.0)) / (tf_f + k1 * (1.0 - b + b * float(length) / avgdl))

    def raw_score(self, query: Query, doc: int) -> float:
        entry = self._docs.get(doc)
        if entry is None:
            return 0.0
        length, counts = entry
        total = 0.0
        for term, idf in query.terms:
            tf = counts.get(term)
            if tf is not None:
                total += self._term_score(idf, tf, length, query.avgdl)
        return total

    def raw_search(
        self,
        query: Query,
        limit: int,
        allowed: Callable[[int], bool] | None = None,
        tie: Callable[[int], object] | None = None,
    ) -> list[tuple[int, float]]:
        """Exact top `limit` (doc, raw BM25) among docs with a query term that `allowed` accepts."""
        if limit <= 0 or not query.terms:
            return []
        acc: dict[int, float] = {}
        docs = self._docs
        for term, idf in query.terms:
            for doc, tf in self._postings[term].items():
                acc[doc] = acc.get(doc, 0.0) + self._term_score(idf, tf, docs[doc][0], query.avgdl)
        hits = [(d, s) for d, s in acc.items() if allowed is None or allowed(d)]
        return _top(hits, limit, tie)

    def search(
        self, query: str, limit: int = 10, allowed: Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top `limit` (doc, score in [0, 1]) for `query` among `allowed` docs (None = all),
        scored with the statistics of the allowed docs alone."""
        accept = None if allowed is None else frozenset(allowed).__contains__
        q = self.query(query, accept)
        hits = self.raw_search(q, limit, accept)
        return [(d, q.normalize(s)) for d, s in hits]

    def scores(self, query: str, docs: Sequence[int]) -> list[float]:
        """Raw BM25 of each of `docs` for `query` (0.0 for docs without a query term)."""
        q = self.query(query)
        return [self.raw_score(q, d) for d in docs]


# --- the engines' search_text / search_hybrid, on the reference index --------------------------


def search_text(
    index: TextIndex,
    query: str,
    allowed: Callable[[int], bool] | None,
    limit: int,
    min_score: float = 0.0,
    tie: Callable[[int], object] | None = None,
) -> list[tuple[int, float]]:
    """The engine's full-text search: exact top `limit` (doc, normalised BM25 >= min_score) of
    allowed docs (None = all), ties by `tie(doc)`, with the allowed docs' statistics. What
    `MemoryStore.search_text` computes over its slots."""
    q = index.query(query, allowed)
    hits = index.raw_search(
        q,
        limit,
        lambda d: (allowed is None or allowed(d)) and q.normalize(index.raw_score(q, d)) >= min_score,
        tie,
    )
    return [(d, q.normalize(s)) for d, s in hits]


def search_hybrid(
    index: TextIndex,
    query: str,
    vector_top: Callable[[int], Sequence[tuple[int, float]]],
    cosine: Callable[[int], float],
    allowed: Callable[[int], bool] | None,
    limit: int,
    weight: float = DEFAULT_TEXT_WEIGHT,
    min_score: float = 0.0,
    tie: Callable[[int], object] | None = None,
) -> list[tuple[int, float]]:
    """The engine's hybrid search: the union of the text top-`candidate_pool(limit)` and
    `vector_top(pool)` (the store's filtered vector search, (doc, cosine) best first), each
    candidate scored by raw BM25 (with the allowed docs' statistics; `allowed` None = all) and
    `cosine(doc)` (0.0 without an embedding), fused by `fuse`."""
    w = check_weight(weight)
    if limit <= 0:
        return []
    pool = candidate_pool(limit)
    q = index.query(query, allowed)
    docs = {d for d, _ in index.raw_search(q, pool, allowed, tie)}
    docs.update(d for d, _ in vector_top(pool))
    candidates = [(d, index.raw_score(q, d), cosine(d)) for d in sorted(docs)]
    return [(d, s) for d, s in fuse(candidates, w, limit, tie) if s >= min_score]
