"""Offline testing helpers: a scripted LLM and a deterministic embedder for crewai.

They let a crew run with no network and no API key, reproducibly: `ScriptedLLM` replays a fixed
list of responses (ReAct text with tool calls, final answers) and `HashEmbedder` turns text into
vectors by feature hashing, so the same text always gets the same vector on every machine. Both
are what `nox -s demo` and the test suite use; use them to test your own crews offline.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import threading
from collections.abc import Sequence
from typing import Any

from crewai.llms.base_llm import BaseLLM
from pydantic import Field, PrivateAttr, model_validator

__all__ = ["HashEmbedder", "ScriptExhaustedError", "ScriptedLLM"]


class ScriptExhaustedError(RuntimeError):
    """The crew asked the scripted LLM for more responses than the script holds."""


class ScriptedLLM(BaseLLM):
    """A crewai LLM that replays `responses` in order and costs nothing.

    Each call returns the next response and records the messages it was given (`calls`), so a
    test can assert on the prompts too. It answers in ReAct text (no native function calling),
    which exercises crewai's own output parser and tool-input handling. Running past the end of
    the script raises `ScriptExhaustedError` rather than looping, so a crew that takes an
    unexpected extra step fails loudly.
    """

    model: str = "scripted"
    responses: list[str] = Field(default_factory=list)
    _position: int = PrivateAttr(default=0)
    _calls: list[Any] = PrivateAttr(default_factory=list)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @model_validator(mode="before")
    @classmethod
    def _default_model_name(cls, data: Any) -> Any:
        # BaseLLM insists on a model name; a script has none worth naming.
        if isinstance(data, dict) and not data.get("model"):
            data = {**data, "model": "scripted"}
        return data

    def call(
        self,
        messages: Any,
        tools: Any = None,
        callbacks: Any = None,
        available_functions: Any = None,
        from_task: Any = None,
        from_agent: Any = None,
        response_model: Any = None,
    ) -> str:
        with self._lock:
            if self._position >= len(self.responses):
                raise ScriptExhaustedError(
                    f"ScriptedLLM ran out of responses after {len(self.responses)} calls; "
                    "the crew took more steps than the script expects"
                )
            response = self.responses[self._position]
            self._position += 1
            self._calls.append(messages)
        return response

    @property
    def calls(self) -> list[Any]:
        """The messages of every call so far, in order."""
        return list(self._calls)

    @property
    def remaining(self) -> int:
        return len(self.responses) - self._position

    def supports_function_calling(self) -> bool:
        return False

    def supports_stop_words(self) -> bool:
        return True

    def get_context_window_size(self) -> int:
        return 128_000


_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashEmbedder:
    """Deterministic text embeddings by feature hashing (word unigrams and bigrams).

    Not a semantic model: texts sharing words get similar vectors, which is enough to exercise a
    vector store end to end. Vectors are L2-normalised float lists of length `dim`; an empty text
    gets the zero vector. Usable wherever crewai accepts an embedding callable
    (`Memory(embedder=HashEmbedder())`).
    """

    def __init__(self, dim: int = 384) -> None:
        if dim <= 0:
            raise ValueError(f"dim must be positive, got {dim}")
        self.dim = dim

    def _bucket(self, feature: str) -> tuple[int, float]:
        digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        return value % self.dim, (1.0 if (value >> 63) & 1 else -1.0)

    def embed(self, text: str) -> list[float]:
        vec = [0.0] * self.dim
        words = [w.casefold() for w in _TOKEN.findall(text)]
        features = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
        for feature in features:
            index, sign = self._bucket(feature)
            vec[index] += sign
        norm = math.sqrt(sum(v * v for v in vec))
        return [v / norm for v in vec] if norm else vec

    def __call__(self, texts: Sequence[str]) -> list[list[float]]:
        if isinstance(texts, str):
            raise TypeError("HashEmbedder takes a list of texts, not a single string")
        return [self.embed(t) for t in texts]
