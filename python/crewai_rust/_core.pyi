# Stubs for the compiled extension crewai_rust._core; checked with mypy.stubtest in `nox -s lint`.
# Users import crewai_rust, never _core. One section per area keeps parallel work mergeable.

__version__: str
BUILD_PROFILE: str

def _debug_panic(message: str, detach: bool = False) -> None: ...

# --- serialization ---------------------------------------------------------------------------

# --- end serialization -----------------------------------------------------------------------

# --- memory store ----------------------------------------------------------------------------

import os  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from typing import Any, final  # noqa: E402

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

@final
class MemoryStore:
    def __new__(
        cls,
        path: str | os.PathLike[str] | None = None,
        vector_dim: int | None = None,
        *,
        durability: str = "flush",
    ) -> MemoryStore: ...
    @property
    def vector_dim(self) -> int | None: ...
    @property
    def path(self) -> str | None: ...
    def upsert(self, records: list[dict[str, Any]]) -> None: ...
    def get(self, record_id: str) -> dict[str, Any] | None: ...
    def search(
        self,
        query: Sequence[float] | npt.NDArray[np.floating[Any]],
        scope_prefix: str | None = None,
        categories: Sequence[str] | None = None,
        metadata_filter: str | None = None,
        limit: int = 10,
        min_score: float = 0.0,
    ) -> list[tuple[dict[str, Any], float]]: ...
    def delete(
        self,
        scope_prefix: str | None = None,
        categories: Sequence[str] | None = None,
        record_ids: Sequence[str] | None = None,
        older_than_us: int | None = None,
        metadata_filter: str | None = None,
    ) -> int: ...
    def update(self, record: dict[str, Any]) -> bool: ...
    def list_records(
        self, scope_prefix: str | None = None, limit: int = 200, offset: int = 0
    ) -> list[dict[str, Any]]: ...
    def scope_info(self, scope: str) -> dict[str, Any]: ...
    def list_scopes(self, parent: str = "/") -> list[str]: ...
    def list_categories(self, scope_prefix: str | None = None) -> dict[str, int]: ...
    def count(self, scope_prefix: str | None = None) -> int: ...
    def reset(self, scope_prefix: str | None = None) -> None: ...
    def touch(self, record_ids: Sequence[str], last_accessed: str) -> int: ...
    def refresh(self) -> None: ...
    def close(self) -> None: ...
    def wait_for_index(self) -> bool: ...
    def stats(self) -> dict[str, int]: ...
    def __len__(self) -> int: ...

# --- end memory store ------------------------------------------------------------------------

# --- tools -----------------------------------------------------------------------------------

# --- end tools -------------------------------------------------------------------------------
