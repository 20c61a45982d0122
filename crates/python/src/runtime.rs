//! The one way bindings run Rust work: panics caught and turned into Python exceptions, and
//! work that scales with input size run with the interpreter detached (polars' `enter_polars`).

use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::prelude::*;

use crate::errors::panic_to_pyerr;

/// An unwind payload carrying a Python exception to raise as is: for a callback the pure
/// crates call with no way to return an error (an output buffer's `grow` failing to allocate
/// must raise `MemoryError`, not report a crash). Sent with `std::panic::resume_unwind`, which
/// skips the panic hook, so nothing is printed; `guarded`/`detached` return the error.
#[derive(Debug)]
pub struct Raise(pub PyErr);

/// Run `f` while still attached to the interpreter, converting a panic into `RustPanicError`.
pub fn guarded<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    // AssertUnwindSafe: on panic the closure's state is dropped and never observed again; the
    // pure crates keep their own invariants (writes are committed last).
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| Err(panic_to_pyerr(payload)))
}

/// Run `f` with the interpreter detached so other Python threads run meanwhile; `f` must own
/// its inputs (extract them before calling). A panic becomes `RustPanicError`.
pub fn detached<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce() -> PyResult<T> + Send,
{
    py.detach(|| catch_unwind(AssertUnwindSafe(f)))
        .unwrap_or_else(|payload| Err(panic_to_pyerr(payload)))
}
