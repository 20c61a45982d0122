"""The exception hierarchy every crewai-rust error belongs to.

Classes that need two bases live here, in Python, and the extension imports them (the way
pyca/cryptography does), so `except ValueError` and `except CrewaiRustError` both work on the
same error whichever implementation raised it.
"""

from __future__ import annotations

__all__ = [
    "CorruptStoreError",
    "CrewaiRustError",
    "ExtensionUnavailableError",
    "InvalidInputError",
    "RustPanicError",
    "StorageError",
    "StoreLockedError",
]


class CrewaiRustError(Exception):
    """Base class of every error raised by crewai-rust."""


class RustPanicError(CrewaiRustError, RuntimeError):
    """A bug inside the Rust extension was caught before it could abort the interpreter.

    Nothing the call was writing has been committed; please report it with the message.
    """


class InvalidInputError(CrewaiRustError, ValueError):
    """An argument was rejected (bad type, NaN in a vector, malformed record...)."""


class StorageError(CrewaiRustError, OSError):
    """The on-disk store could not be read or written."""


class CorruptStoreError(StorageError):
    """The store's files are damaged beyond the torn tail a crash can leave."""


class StoreLockedError(StorageError):
    """Another process holds the store's lock for longer than the configured timeout."""


class ExtensionUnavailableError(CrewaiRustError, ImportError):
    """A Rust implementation was asked for explicitly but the extension did not load."""
