//! `ToolUsage._validate_tool_input`'s decoding in one call: the dict, crewai's error, or the
//! reference chain for what Rust does not decide, without a Python wrapper in between.

use crewai_rust_tools::tool_input::{ToolInput, parse_tool_input};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyType};

use std::ptr;
use std::sync::atomic::AtomicPtr;

use super::{current, dict_to_py, events_to_py, install, run};

/// The Python pieces of the rare paths, set once per process.
struct Setup {
    /// `ToolInputError`, raised with `message` where crewai raises its "valid dictionary" error.
    error: Py<PyType>,
    message: Py<PyString>,
    /// The reference chain, for inputs Rust does not decide (and lone surrogates).
    fallback: Py<PyAny>,
}

static SETUP: AtomicPtr<Setup> = AtomicPtr::new(ptr::null_mut());

/// Hand over the error class and message crewai's chain raises and the reference chain.
/// Calling it again with other objects (the module was imported anew) replaces them.
#[pyfunction]
pub fn setup_tool_input(
    error: Bound<'_, PyType>,
    message: Bound<'_, PyString>,
    fallback: Bound<'_, PyAny>,
) -> PyResult<()> {
    let same = current(&SETUP).is_some_and(|setup| {
        setup.error.is(&error) && setup.message.is(&message) && setup.fallback.is(&fallback)
    });
    if !same {
        install(
            &SETUP,
            Setup {
                error: error.unbind(),
                message: message.unbind(),
                fallback: fallback.unbind(),
            },
        );
    }
    Ok(())
}

/// `ToolUsage._validate_tool_input(text)`'s result: `{}` for None, the decoded dict, or the
/// error crewai raises (`ToolInputError` with its message).
#[pyfunction]
pub fn tool_input<'py>(py: Python<'py>, text: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let Some(setup) = current(&SETUP) else {
        return Err(PyRuntimeError::new_err(
            "tool_input needs setup_tool_input first (crewai_rust.tools.native does it)",
        ));
    };
    if text.is_none() {
        return Ok(PyDict::new(py).into_any());
    }
    let Ok(s) = text.cast::<PyString>() else {
        return Err(raise(py, setup));
    };
    let Ok(s) = s.to_str() else {
        return setup.fallback.bind(py).call1((text,));
    };
    match run(py, s, parse_tool_input)? {
        ToolInput::Dict(items) => dict_to_py(py, &items),
        ToolInput::Events(events) => events_to_py(py, &events),
        ToolInput::Blank => Err(raise(py, setup)),
        ToolInput::Undecided => setup.fallback.bind(py).call1((text,)),
    }
}

fn raise(py: Python<'_>, setup: &Setup) -> PyErr {
    match setup.error.bind(py).call1((setup.message.bind(py),)) {
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
    }
}
