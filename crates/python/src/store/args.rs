//! The store methods' scalar arguments, extracted with `#[pyo3(from_py_with = ...)]` so that a
//! wrong type raises `InvalidInputError` naming the argument, with the Python engine's message.
//!
//! pyo3's own extraction raises a bare `TypeError`, so `except InvalidInputError` caught a bad
//! argument from one engine only. pyo3 passes any error that is not exactly `TypeError`
//! through unchanged (`argument_extraction_error`).

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyString};

use crate::errors::InvalidInputError;

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map_or_else(|_| "object".to_owned(), |n| n.to_string())
}

fn str_of<'a>(v: &'a Bound<'_, PyAny>, name: &str, expected: &str) -> PyResult<&'a str> {
    let s = v.cast::<PyString>().map_err(|_| {
        InvalidInputError::new_err(format!("{name} must be {expected}, got {}", type_name(v)))
    })?;
    s.to_str().map_err(|_| {
        InvalidInputError::new_err(format!(
            "{name} holds a lone surrogate, which UTF-8 text cannot store"
        ))
    })
}

fn opt_str_of<'a>(
    v: &'a Bound<'_, PyAny>,
    name: &str,
    expected: &str,
) -> PyResult<Option<&'a str>> {
    if v.is_none() {
        return Ok(None);
    }
    str_of(v, name, expected).map(Some)
}

/// An int (any object with `__index__`, as numpy's integers), never a bool: the Python engine's
/// `isinstance(v, (int, np.integer))` without bool.
fn int_of(v: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
    if v.is_instance_of::<PyBool>() {
        return Err(InvalidInputError::new_err(format!(
            "{name} must be an int, got bool"
        )));
    }
    v.extract::<i64>().map_err(|_| {
        InvalidInputError::new_err(format!("{name} must be an int, got {}", type_name(v)))
    })
}

/// A real number (any object with `__float__`), never a bool or a str.
fn real_of(v: &Bound<'_, PyAny>, name: &str) -> PyResult<f64> {
    if v.is_instance_of::<PyBool>() {
        return Err(InvalidInputError::new_err(format!(
            "{name} must be a float, got bool"
        )));
    }
    v.extract::<f64>().map_err(|_| {
        InvalidInputError::new_err(format!("{name} must be a float, got {}", type_name(v)))
    })
}

pub fn scope_prefix<'a>(v: &'a Bound<'_, PyAny>) -> PyResult<Option<&'a str>> {
    opt_str_of(v, "scope_prefix", "a str or None")
}

pub fn metadata_filter<'a>(v: &'a Bound<'_, PyAny>) -> PyResult<Option<&'a str>> {
    opt_str_of(v, "metadata_filter", "JSON text or None")
}

pub fn record_id<'a>(v: &'a Bound<'_, PyAny>) -> PyResult<&'a str> {
    str_of(v, "record_id", "a str")
}

pub fn scope<'a>(v: &'a Bound<'_, PyAny>) -> PyResult<&'a str> {
    str_of(v, "scope", "a str")
}

pub fn parent<'a>(v: &'a Bound<'_, PyAny>) -> PyResult<&'a str> {
    str_of(v, "parent", "a str")
}

pub fn last_accessed<'a>(v: &'a Bound<'_, PyAny>) -> PyResult<&'a str> {
    str_of(v, "last_accessed", "a str")
}

pub fn durability<'a>(v: &'a Bound<'_, PyAny>) -> PyResult<&'a str> {
    str_of(v, "durability", "a str")
}

pub fn text_language<'a>(v: &'a Bound<'_, PyAny>) -> PyResult<&'a str> {
    str_of(v, "text_language", "a str")
}

pub fn limit(v: &Bound<'_, PyAny>) -> PyResult<i64> {
    int_of(v, "limit")
}

pub fn offset(v: &Bound<'_, PyAny>) -> PyResult<i64> {
    int_of(v, "offset")
}

pub fn older_than_us(v: &Bound<'_, PyAny>) -> PyResult<Option<i64>> {
    if v.is_none() {
        return Ok(None);
    }
    int_of(v, "older_than_us").map(Some)
}

pub fn vector_dim(v: &Bound<'_, PyAny>) -> PyResult<Option<i64>> {
    if v.is_none() {
        return Ok(None);
    }
    if v.is_instance_of::<PyBool>() {
        return Err(InvalidInputError::new_err(
            "vector_dim must be a positive int or None, got bool",
        ));
    }
    v.extract::<i64>().map(Some).map_err(|_| {
        InvalidInputError::new_err(format!(
            "vector_dim must be a positive int or None, got {}",
            type_name(v)
        ))
    })
}

pub fn min_score(v: &Bound<'_, PyAny>) -> PyResult<f64> {
    real_of(v, "min_score")
}

pub fn weight(v: &Bound<'_, PyAny>) -> PyResult<f64> {
    real_of(v, "weight")
}

pub fn fields(v: &Bound<'_, PyAny>) -> PyResult<bool> {
    v.cast::<PyBool>().map(|b| b.is_true()).map_err(|_| {
        InvalidInputError::new_err(format!("fields must be a bool, got {}", type_name(v)))
    })
}

/// A str or `os.PathLike` giving a str (bytes are refused, as the Python engine refuses them).
pub fn path(v: &Bound<'_, PyAny>) -> PyResult<Option<PathBuf>> {
    if v.is_none() {
        return Ok(None);
    }
    let refused =
        || InvalidInputError::new_err(format!("path must be a str or None, got {}", type_name(v)));
    if v.is_instance_of::<PyBytes>() || v.is_instance_of::<PyByteArray>() {
        return Err(refused());
    }
    let text = if v.is_instance_of::<PyString>() {
        v.clone()
    } else {
        let fspath = v.py().import("os")?.getattr("fspath")?;
        fspath.call1((v,)).map_err(|_| refused())?
    };
    Ok(Some(PathBuf::from(str_of(&text, "path", "a str or None")?)))
}
