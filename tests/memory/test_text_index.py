"""The full-text index, tokenizer and hybrid fusion: behaviour on both implementations, and the
Rust index against the pure-Python reference on generated text (same tokens, same rankings,
same scores)."""

from __future__ import annotations

import math
import random
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crewai_rust import InvalidInputError, _native
from crewai_rust.memory import text as ref


def _module(impl: str) -> Any:
    return _native.core() if impl == "rust" else ref


def _index(impl: str, **kwargs: Any) -> Any:
    return _module(impl).TextIndex(**kwargs)


# --- tokenizer ---------------------------------------------------------------------------------


def test_tokenizer_segments_folds_stems_and_drops_stop_words(impl: str) -> None:
    tokenize = _module(impl).tokenize
    assert tokenize("When did Caroline go to the LGBTQ support groups?") == [
        "carolin",
        "go",
        "lgbtq",
        "support",
        "group",
    ]
    assert tokenize('"quoted" x-ray: *star* snake_case 3.14') == [
        "quot",
        "x",
        "ray",
        "star",
        "snake",
        "case",
        "3",
        "14",
    ]
    # Full case folding; non-ASCII words are folded but not stemmed; ideographs are unigrams.
    assert tokenize("Straße") == tokenize("STRASSE") == tokenize("strasse")
    assert tokenize("Cafés 東京") == ["cafés", "東", "京"]


def test_language_none_only_segments_and_folds(impl: str) -> None:
    assert _module(impl).tokenize("The Running DOGS", language="none") == ["the", "running", "dogs"]
    assert _index(impl, language="NONE").language == "none"
    assert _index(impl, language="en").language == "english"


def test_bad_configuration_is_a_clear_error(impl: str) -> None:
    mod = _module(impl)
    with pytest.raises(InvalidInputError, match="language"):
        mod.TextIndex(language="klingon")
    with pytest.raises(InvalidInputError, match="k1"):
        mod.TextIndex(k1=-1.0)
    with pytest.raises(InvalidInputError, match="b="):
        mod.TextIndex(b=1.5)
    with pytest.raises(InvalidInputError, match="language"):
        mod.tokenize("x", language="")
    with pytest.raises(TypeError, match="text must be a str"):
        mod.tokenize(b"bytes")


# --- index and BM25 ------------------------------------------------------------------------------


DOCS = [
    "Caroline went to the LGBTQ support group on Tuesday",
    "Melanie painted a sunrise over the lake last year",
    "Caroline and Melanie talked about painting and support",
    "The support group meets weekly; Caroline loves it. Caroline!",
    "",
    "Melanie's kids love the beach; they went camping in the mountains",
]


def _textbook_bm25(docs: list[list[str]], query: list[str], d: int, k1: float = 0.9, b: float = 0.4) -> float:
    """BM25 computed straight from its definition over already tokenized documents."""
    n = len(docs)
    avgdl = sum(map(len, docs)) / n
    total = 0.0
    for term in sorted(set(query)):
        df = sum(term in doc for doc in docs)
        if df == 0:
            continue
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        tf = docs[d].count(term)
        total += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(docs[d]) / avgdl))
    return total


def test_bm25_scores_match_the_definition(impl: str) -> None:
    mod = _module(impl)
    ix = mod.TextIndex()
    ix.add_many(list(enumerate(DOCS)))
    tokens = [mod.tokenize(d) for d in DOCS]
    query = "Caroline support group painting"
    raw = ix.scores(query, range(len(DOCS)))
    want = [_textbook_bm25(tokens, mod.tokenize(query), d) for d in range(len(DOCS))]
    assert raw == pytest.approx(want, rel=1e-12)
    hits = ix.search(query, limit=10)
    # Every doc with a query term, best first; normalised scores keep the order and stay in (0, 1).
    expected = sorted((d for d in range(len(DOCS)) if want[d] > 0), key=lambda d: (-want[d], d))
    assert [d for d, _ in hits] == expected
    assert all(0.0 < s < 1.0 for _, s in hits)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_filter_searches_the_allowed_docs_as_if_indexed_alone(impl: str) -> None:
    rnd = random.Random(7)
    words = ["apple", "pear", "plum", "fig", "kiwi", "lime"]
    texts = {}
    for d in range(300):
        # "apple" is common among the allowed docs and rare elsewhere: its idf must be theirs.
        pool = words if d % 7 == 3 else words[1:] * 6 + ["apple"]
        texts[d] = " ".join(rnd.choice(pool) for _ in range(rnd.randint(1, 12)))
    ix = _index(impl)
    ix.add_many(texts.items())
    allowed = {d for d in range(300) if d % 7 == 3}
    alone = _index(impl)
    alone.add_many((d, texts[d]) for d in sorted(allowed))
    for query in ("apple plum", "apple", "kiwi fig lime"):
        want = alone.search(query, limit=5)
        assert ix.search(query, limit=5, allowed=allowed) == want
        assert len(want) == 5
        assert {d for d, _ in want} <= allowed
    # The whole index ranks with its own statistics, so scores under the filter differ.
    everything = dict(ix.search("apple plum", limit=1000))
    assert any(everything[d] != s for d, s in ix.search("apple plum", limit=5, allowed=allowed))
    assert ix.search("apple plum", limit=0) == []
    assert ix.search("apple plum", limit=-3) == []
    assert ix.search("apple", limit=5, allowed=[]) == []


def test_add_replaces_remove_forgets_clear_empties(impl: str) -> None:
    ix = _index(impl)
    ix.add_many([(0, "red fox"), (1, "blue whale"), (2, "red whale")])
    ix.add(0, "green turtle")
    assert len(ix) == 3
    assert ix.df("fox") == 0
    assert ix.df("red") == 1
    assert ix.remove(2) is True
    assert ix.remove(2) is False
    assert 2 not in ix
    assert 1 in ix
    assert ix.df("red") == 0
    assert ix.term_count() == 4
    # Equal scores (same length, one term each with df 1) are ordered by doc id.
    assert [d for d, _ in ix.search("whale turtle")] == [0, 1]
    assert ix.doc_len(0) == 2
    assert ix.doc_len(99) is None
    ix.clear()
    assert len(ix) == 0
    assert ix.search("whale") == []
    assert ix.avg_doc_len() == 0.0


@pytest.mark.parametrize(
    "query",
    [
        "",
        " ",
        '"',
        '""unbalanced',
        "-",
        "--flag",
        "*",
        "a*",
        "*:*",
        ":",
        "title:x",
        "OR AND NOT",
        "(",
        "\\",
        "\x00",
    ],
)
def test_hostile_queries_are_plain_text(impl: str, query: str) -> None:
    ix = _index(impl)
    docs = ["title x star", "flag waving", "unbalanced quotes"]
    ix.add_many(list(enumerate(docs)))
    terms = set(_module(impl).tokenize(query))
    # A query finds exactly the docs sharing one of its terms; punctuation alone finds nothing.
    want = {d for d, text in enumerate(docs) if terms & set(_module(impl).tokenize(text))}
    assert {d for d, _ in ix.search(query)} == want


def test_one_megabyte_query_and_document(impl: str) -> None:
    ix = _index(impl)
    ix.add(0, "needle " + "filler " * 150_000)
    ix.add(1, "needle in a small haystack")
    hits = ix.search("needle " * 150_000, limit=5)
    assert [d for d, _ in hits] == [1, 0]
    assert ix.search("-" * 1_000_000) == []


def test_bad_arguments_are_clear_errors(impl: str) -> None:
    ix = _index(impl)
    with pytest.raises(TypeError, match="doc id must be an int"):
        ix.add("1", "text")
    with pytest.raises(TypeError, match="doc id must be an int"):
        ix.add(True, "text")
    with pytest.raises(InvalidInputError, match="doc id"):
        ix.add(-1, "text")
    with pytest.raises(InvalidInputError, match="doc id"):
        ix.add(2**32, "text")
    with pytest.raises(TypeError, match="text must be a str"):
        ix.add(1, None)
    with pytest.raises(TypeError, match="query must be a str"):
        ix.search(None)
    with pytest.raises(InvalidInputError, match="doc id"):
        ix.add_many([(1, "fine"), (-5, "bad")])
    assert len(ix) == 0  # a bad batch indexes nothing


# --- fusion ----------------------------------------------------------------------------------------


def test_fusion_is_a_weighted_sum_of_max_normalised_scores(impl: str) -> None:
    fuse = _module(impl).fuse
    cands = [(1, 8.0, 0.2), (2, 4.0, 0.4), (3, 0.0, 0.1), (4, 2.0, -0.3)]
    out = fuse(cands, weight=0.5, limit=10)
    assert out == [(1, 0.75), (2, 0.75), (3, 0.125), (4, 0.125)]
    assert [d for d, _ in fuse(cands, weight=1.0)] == [1, 2, 4, 3]
    assert [d for d, _ in fuse(cands, weight=0.0)] == [2, 1, 3, 4]
    assert fuse(cands, weight=0.3, limit=2) == fuse(cands, weight=0.3, limit=10)[:2]
    assert fuse([], weight=0.5) == []
    with pytest.raises(InvalidInputError, match="weight"):
        fuse(cands, weight=1.5)
    with pytest.raises(InvalidInputError, match="finite"):
        fuse([(1, math.nan, 0.0)])
    assert _module(impl).candidate_pool(10) == 50
    assert _module(impl).candidate_pool(100) == 400


# --- Rust against the reference --------------------------------------------------------------------

# Text drawn from every Unicode category (no surrogates), plus ASCII-heavy text that exercises
# stop words and stemming.
UNICODE_TEXT = st.text(max_size=200)
ASCII_WORDS = st.lists(
    st.text(alphabet=string.ascii_letters + string.digits + "'-", min_size=1, max_size=16), max_size=30
).map(" ".join)


@pytest.mark.requires_extension
@settings(max_examples=400, deadline=None)
@given(text=st.one_of(UNICODE_TEXT, ASCII_WORDS), language=st.sampled_from(["english", "none"]))
def test_tokenization_matches_reference(text: str, language: str) -> None:
    assert _native.core().tokenize(text, language) == ref.tokenize(text, language)


@pytest.mark.requires_extension
def test_tokenization_matches_reference_over_every_code_point() -> None:
    # Every scalar value once, in runs that mix classes, so each table entry is crossed.
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(chars), 4096):
        chunk = "".join(chars[start : start + 4096])
        for language in ("english", "none"):
            assert _native.core().tokenize(chunk, language) == ref.tokenize(chunk, language)


@pytest.mark.requires_extension
def test_unpaired_surrogates_separate_tokens_in_both() -> None:
    text = "abc\ud800def \udfffghi"
    assert _native.core().tokenize(text) == ref.tokenize(text) == ["abc", "def", "ghi"]


VOCAB = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "running",
    "runs",
    "the",
    "Straße",
    "東京",
    "x-ray",
    "3.14",
    "ünï",
]
DOC_TEXT = st.lists(st.sampled_from(VOCAB), max_size=15).map(" ".join)
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(0, 40), DOC_TEXT),
        st.tuples(st.just("remove"), st.integers(0, 40), st.just("")),
    ),
    max_size=60,
)


@pytest.mark.requires_extension
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=OPS,
    query=DOC_TEXT,
    limit=st.integers(0, 12),
    allowed=st.none() | st.sets(st.integers(0, 40)),
    language=st.sampled_from(["english", "none"]),
)
def test_rankings_match_reference(
    ops: list[tuple[str, int, str]], query: str, limit: int, allowed: set[int] | None, language: str
) -> None:
    rust = _native.core().TextIndex(language=language)
    py = ref.TextIndex(language=language)
    for op, doc, text in ops:
        if op == "add":
            rust.add(doc, text)
            py.add(doc, text)
        else:
            assert rust.remove(doc) == py.remove(doc)
    assert len(rust) == len(py)
    assert rust.term_count() == py.term_count()
    assert rust.avg_doc_len() == py.avg_doc_len()
    # Same floats, not just the same order: both sum the same terms in the same order.
    assert rust.search(query, limit, allowed) == py.search(query, limit, allowed)
    assert rust.scores(query, range(41)) == py.scores(query, range(41))


@pytest.mark.requires_extension
@settings(max_examples=300, deadline=None)
@given(
    cands=st.dictionaries(
        st.integers(0, 1000),
        st.tuples(
            st.floats(0, 50, allow_nan=False) | st.just(0.0), st.floats(-1, 1, allow_nan=False) | st.just(0.0)
        ),
        max_size=40,
    ),
    weight=st.floats(0, 1),
    limit=st.integers(0, 50),
)
def test_fusion_matches_reference(cands: dict[int, tuple[float, float]], weight: float, limit: int) -> None:
    items = [(d, t, v) for d, (t, v) in cands.items()]
    out = _native.core().fuse(items, weight, limit)
    assert out == ref.fuse(items, weight, limit)
    assert all(0.0 <= s <= 1.0 for _, s in out)


@pytest.mark.requires_extension
def test_stop_words_and_default_weight_match_reference() -> None:
    core = _native.core()
    assert set(core.ENGLISH_STOP_WORDS) == ref.ENGLISH_STOP_WORDS
    assert len(core.ENGLISH_STOP_WORDS) == len(ref.ENGLISH_STOP_WORDS)
    assert core.DEFAULT_TEXT_WEIGHT == ref.DEFAULT_TEXT_WEIGHT
    for word in ref.ENGLISH_STOP_WORDS:
        assert core.tokenize(word.upper()) == ref.tokenize(word.upper()) == []
