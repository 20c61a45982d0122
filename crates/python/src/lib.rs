//! `crewai_rust._core`: the PyO3 bindings. Converts Python values, releases the interpreter for
//! real work, maps errors; every decision about behaviour lives in the pure crates.

use pyo3::prelude::*;

mod errors;
mod pystr;
mod runtime;
mod serialization;
mod store;
mod text;
mod tools;

/// Raise a Rust panic inside the extension; exists so tests can prove a panic surfaces as
/// `crewai_rust.errors.RustPanicError` instead of aborting the interpreter.
#[pyfunction]
#[pyo3(signature = (message, detach = false))]
fn _debug_panic(py: Python<'_>, message: String, detach: bool) -> PyResult<()> {
    let work = move || -> PyResult<()> { panic!("{message}") };
    if detach {
        runtime::detached(py, work)
    } else {
        runtime::guarded(work)
    }
}

/// Do nothing, through the same `guarded` path every binding takes: the benchmarks' measure of
/// the fixed cost of one call into the extension.
#[pyfunction]
fn _noop() -> PyResult<()> {
    runtime::guarded(|| Ok(()))
}

#[pymodule]
#[pyo3(name = "_core")]
fn core_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "BUILD_PROFILE",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
    )?;
    m.add_function(wrap_pyfunction!(_debug_panic, m)?)?;
    m.add_function(wrap_pyfunction!(_noop, m)?)?;
    serialization::register(m)?;
    store::register(m)?;
    text::register(m)?;
    tools::register(m)?;
    Ok(())
}
