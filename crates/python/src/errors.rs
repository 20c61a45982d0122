//! Maps each pure crate's error enum to the Python hierarchy in `crewai_rust.errors`, and
//! turns a caught panic into `RustPanicError`.
//!
//! The exception classes are defined in Python (some need two bases, e.g. `ValueError` too),
//! so they are imported here rather than created with `create_exception!`.

use std::any::Any;

use pyo3::PyErr;

pyo3::import_exception!(crewai_rust.errors, RustPanicError);
pyo3::import_exception!(crewai_rust.errors, InvalidInputError);
pyo3::import_exception!(crewai_rust.errors, StorageError);
pyo3::import_exception!(crewai_rust.errors, CorruptStoreError);
pyo3::import_exception!(crewai_rust.errors, StoreLockedError);

/// The message of a panic payload (`panic!` gives a `&str` or a `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_owned()
    }
}

pub fn panic_to_pyerr(payload: Box<dyn Any + Send>) -> PyErr {
    // Not a bug: a binding's callback without an error path (see `runtime::Raise`).
    let payload = match payload.downcast::<crate::runtime::Raise>() {
        Ok(raise) => return raise.0,
        Err(payload) => payload,
    };
    RustPanicError::new_err(format!(
        "internal error in crewai_rust (a Rust panic was caught; nothing was committed): {}",
        panic_message(payload.as_ref())
    ))
}

// --- memory store ------------------------------------------------------------------------------

pyo3::import_exception!(
    crewai.memory.storage.backend,
    EmbeddingDimensionMismatchError
);

/// `crewai_rust_memory::MemoryError` -> the Python exception the engine contract names.
pub fn memory_err(e: crewai_rust_memory::MemoryError) -> PyErr {
    use crewai_rust_memory::MemoryError as E;
    match e {
        E::InvalidInput(msg) => InvalidInputError::new_err(msg),
        E::DimensionMismatch { stored, got } => {
            EmbeddingDimensionMismatchError::new_err((stored, got))
        }
        e @ E::Io { .. } => StorageError::new_err(e.to_string()),
        e @ E::Corrupt { .. } => CorruptStoreError::new_err(e.to_string()),
        e @ E::Locked(_) => StoreLockedError::new_err(e.to_string()),
        E::Closed => StorageError::new_err("store is closed"),
        e @ E::OtherEngine(_) => StorageError::new_err(e.to_string()),
    }
}

// --- end memory store --------------------------------------------------------------------------
// --- serialization ---------------------------------------------------------------------------

pyo3::import_exception!(json, JSONDecodeError);

/// An error on the way through the serialization bindings: the pure crate's, or one Python
/// raised while we called into it (a `default=` hook, `model_dump()`, `int()`).
#[derive(Debug)]
pub enum SerializationFailure {
    Rust(crewai_rust_serialization::Error),
    Python(PyErr),
}

impl From<crewai_rust_serialization::Error> for SerializationFailure {
    fn from(e: crewai_rust_serialization::Error) -> Self {
        Self::Rust(e)
    }
}

impl From<PyErr> for SerializationFailure {
    fn from(e: PyErr) -> Self {
        Self::Python(e)
    }
}

/// The exception the stdlib `json` module raises for the same condition. `doc` is the text
/// being decoded (a `JSONDecodeError` carries it to compute line and column).
pub fn serialization_error(err: crewai_rust_serialization::Error, doc: Option<&str>) -> PyErr {
    use crewai_rust_serialization::Error;
    match err {
        Error::Decode { msg, pos } => {
            JSONDecodeError::new_err((msg, doc.unwrap_or_default().to_owned(), pos))
        }
        Error::NonFiniteFloat => pyo3::exceptions::PyValueError::new_err(err.to_string()),
        Error::Depth(_) => pyo3::exceptions::PyRecursionError::new_err(err.to_string()),
    }
}

// --- end serialization -----------------------------------------------------------------------
// --- tools -------------------------------------------------------------------------------------

/// The tools crate's errors: all are bad arguments.
pub fn tools_error(err: crewai_rust_tools::ToolsError) -> PyErr {
    match err {
        crewai_rust_tools::ToolsError::InvalidConfig(_) => {
            InvalidInputError::new_err(err.to_string())
        }
    }
}
