//! Engine record dicts and vectors <-> `Record` (type checks name the field and record id).

use crewai_rust_memory::Record;
use numpy::prelude::*;
use numpy::{PyArray1, PyUntypedArray};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyList, PyString, PyTuple};

use crate::errors::InvalidInputError;

/// Keys of an engine record, in output order.
const KEYS: [&str; 12] = [
    "id",
    "content",
    "scope",
    "categories",
    "metadata",
    "importance",
    "created_at",
    "created_us",
    "last_accessed",
    "source",
    "private",
    "embedding",
];

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map_or_else(|_| "object".to_owned(), |n| n.to_string())
}

fn fail(id: Option<&str>, field: &str, problem: impl std::fmt::Display) -> PyErr {
    match id {
        Some(id) if !id.is_empty() => {
            InvalidInputError::new_err(format!("record {id:?}: field {field:?} {problem}"))
        }
        _ => InvalidInputError::new_err(format!("record: field {field:?} {problem}")),
    }
}

/// What a record field holding a lone surrogate is told (the store keeps UTF-8 text).
const SURROGATE: &str = "holds a lone surrogate, which UTF-8 text cannot store";

fn string(v: &Bound<'_, PyAny>, id: Option<&str>, field: &str) -> PyResult<String> {
    match v.cast::<PyString>() {
        Ok(s) => Ok(s
            .to_str()
            .map_err(|_| fail(id, field, SURROGATE))?
            .to_owned()),
        Err(_) => Err(fail(
            id,
            field,
            format!("must be a str, got {}", type_name(v)),
        )),
    }
}

/// A list (or tuple) of str; `what` names it in errors.
pub fn str_list(v: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<String>> {
    let items: Vec<Bound<'_, PyAny>> = if let Ok(l) = v.cast::<PyList>() {
        l.iter().collect()
    } else if let Ok(t) = v.cast::<PyTuple>() {
        t.iter().collect()
    } else {
        return Err(InvalidInputError::new_err(format!(
            "{what} must be a list of str, got {}",
            type_name(v)
        )));
    };
    items
        .iter()
        .map(|x| {
            x.cast::<PyString>()
                .map_err(|_| {
                    InvalidInputError::new_err(format!(
                        "{what} must hold only str, got an element of type {}",
                        type_name(x)
                    ))
                })
                .and_then(|s| {
                    s.to_str()
                        .map(str::to_owned)
                        .map_err(|_| InvalidInputError::new_err(format!("{what} {SURROGATE}")))
                })
        })
        .collect()
}

/// A 1-D vector from a list, tuple or numpy array. A float32 array is read straight from its
/// buffer; other numeric dtypes are converted by numpy once. Finiteness is checked by the store.
pub fn vector(v: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<f32>> {
    if let Ok(arr) = v.cast::<PyArray1<f32>>() {
        let ro = arr.readonly();
        return Ok(match ro.as_slice() {
            Ok(s) => s.to_vec(),
            Err(_) => ro.as_array().iter().copied().collect(),
        });
    }
    if let Ok(arr) = v.cast::<PyUntypedArray>() {
        if arr.ndim() != 1 {
            return Err(InvalidInputError::new_err(format!(
                "{what} must be a 1-D vector, got an array of shape {:?}",
                arr.shape()
            )));
        }
        let kind = arr.dtype().kind();
        if !matches!(kind, b'f' | b'i' | b'u') {
            return Err(InvalidInputError::new_err(format!(
                "{what} must hold numbers, got dtype kind {:?}",
                kind as char
            )));
        }
        let converted = v.call_method1("astype", ("float32",))?;
        return vector(&converted, what);
    }
    let elem = |x: Bound<'_, PyAny>| {
        // Embeddings from crewai's embedders are lists of exact floats: one type check each.
        if let Ok(f) = x.cast_exact::<PyFloat>() {
            return Ok(f.value() as f32);
        }
        let bad = || {
            InvalidInputError::new_err(format!(
                "{what} must hold numbers, got an element of type {}",
                type_name(&x)
            ))
        };
        if x.is_instance_of::<PyBool>() || x.is_instance_of::<PyString>() {
            return Err(bad());
        }
        x.extract::<f64>().map(|f| f as f32).map_err(|_| bad())
    };
    // Straight from the sequence into the vector (no intermediate list of references: this
    // runs for every search's query).
    if let Ok(l) = v.cast::<PyList>() {
        l.iter().map(elem).collect()
    } else if let Ok(t) = v.cast::<PyTuple>() {
        t.iter().map(elem).collect()
    } else {
        Err(InvalidInputError::new_err(format!(
            "{what} must be a list of floats or a numpy array, got {}",
            type_name(v)
        )))
    }
}

/// One engine record dict -> `Record`.
pub fn record(v: &Bound<'_, PyAny>) -> PyResult<Record> {
    let d = v.cast::<PyDict>().map_err(|_| {
        InvalidInputError::new_err(format!("a record must be a dict, got {}", type_name(v)))
    })?;
    let raw_id = d.get_item("id")?;
    let id_hint = raw_id
        .as_ref()
        .and_then(|x| x.cast::<PyString>().ok())
        .and_then(|s| s.to_str().ok().map(str::to_owned));
    let idh = id_hint.as_deref();
    let mut vals = Vec::with_capacity(KEYS.len());
    for key in KEYS {
        match d.get_item(key)? {
            Some(x) => vals.push(x),
            None => return Err(fail(idh, key, "is missing")),
        }
    }
    let id = string(&vals[0], None, "id")?;
    if id.is_empty() {
        return Err(fail(None, "id", "must not be empty"));
    }
    let idh = Some(id.as_str());
    let categories = str_list(&vals[3], "categories").map_err(|_| {
        // A list of str fails only on a lone surrogate.
        let all_str = vals[3]
            .cast::<PyList>()
            .is_ok_and(|l| l.iter().all(|x| x.is_instance_of::<PyString>()));
        fail(
            idh,
            "categories",
            if all_str {
                SURROGATE
            } else {
                "must be a list of str"
            },
        )
    })?;
    let importance = &vals[5];
    if importance.is_instance_of::<PyBool>() || importance.is_instance_of::<PyString>() {
        return Err(fail(
            idh,
            "importance",
            format!("must be a float, got {}", type_name(importance)),
        ));
    }
    let importance = importance.extract::<f64>().map_err(|_| {
        fail(
            idh,
            "importance",
            format!("must be a float, got {}", type_name(importance)),
        )
    })?;
    let created_us = &vals[7];
    if created_us.is_instance_of::<PyBool>() {
        return Err(fail(idh, "created_us", "must be an int, got bool"));
    }
    let created_us = created_us.extract::<i64>().map_err(|_| {
        fail(
            idh,
            "created_us",
            format!("must be an int, got {}", type_name(created_us)),
        )
    })?;
    let source = if vals[9].is_none() {
        None
    } else if vals[9].is_instance_of::<PyString>() {
        Some(string(&vals[9], idh, "source")?)
    } else {
        return Err(fail(
            idh,
            "source",
            format!("must be a str or None, got {}", type_name(&vals[9])),
        ));
    };
    let private = vals[10].extract::<bool>().map_err(|_| {
        fail(
            idh,
            "private",
            format!("must be a bool, got {}", type_name(&vals[10])),
        )
    })?;
    let embedding = if vals[11].is_none() {
        None
    } else {
        Some(vector(&vals[11], "embedding").map_err(|e| {
            let py = v.py();
            InvalidInputError::new_err(format!("record {id:?}: {}", e.value(py)))
        })?)
    };
    Ok(Record {
        content: string(&vals[1], idh, "content")?,
        scope: string(&vals[2], idh, "scope")?,
        categories,
        metadata: string(&vals[4], idh, "metadata")?,
        importance,
        created_at: string(&vals[6], idh, "created_at")?,
        created_us,
        last_accessed: string(&vals[8], idh, "last_accessed")?,
        source,
        private,
        embedding,
        id,
    })
}

/// `Record` -> engine record dict (embedding as a float32 numpy array or None).
pub fn to_dict<'py>(py: Python<'py>, r: Record) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("id", r.id)?;
    d.set_item("content", r.content)?;
    d.set_item("scope", r.scope)?;
    d.set_item("categories", r.categories)?;
    d.set_item("metadata", r.metadata)?;
    d.set_item("importance", r.importance)?;
    d.set_item("created_at", r.created_at)?;
    d.set_item("created_us", r.created_us)?;
    d.set_item("last_accessed", r.last_accessed)?;
    d.set_item("source", r.source)?;
    d.set_item("private", r.private)?;
    match r.embedding {
        Some(e) => d.set_item("embedding", PyArray1::from_vec(py, e))?,
        None => d.set_item("embedding", py.None())?,
    }
    Ok(d)
}
