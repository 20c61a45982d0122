//! crewai's `CrewJSONEncoder.default`, for objects the JSON encoder has no rule for.
//!
//! Same checks in the same order as crewai (`crewai/utilities/crew_json_encoder.py`): pydantic
//! models through `model_dump()` (with nested models in the top-level values turned into
//! `str`, and `str(obj)` on RecursionError), `UUID`/`Decimal`/`Enum` as `str`, `datetime`/`date`
//! through `isoformat()`, `bytes` as base64. Every conversion calls the object's own Python
//! method except two with a fixed result: an exact `uuid.UUID` (formatted from its `int`, as
//! `UUID.__str__` does) and `bytes` (base64 in the pure crate).

use pyo3::exceptions::{PyRecursionError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyType};

use crewai_rust_serialization::JsonWriter;

/// What `default` produced: written already, or a new object for the encoder to encode.
pub enum Converted<'py> {
    Written,
    Value(Bound<'py, PyAny>),
}

struct Types {
    base_model: Py<PyType>,
    uuid: Py<PyType>,
    decimal: Py<PyType>,
    enum_: Py<PyType>,
    date: Py<PyType>,
}

static TYPES: PyOnceLock<Types> = PyOnceLock::new();

fn types(py: Python<'_>) -> PyResult<&Types> {
    TYPES.get_or_try_init(py, || {
        let get = |module: &str, name: &str| -> PyResult<Py<PyType>> {
            Ok(py
                .import(module)?
                .getattr(name)?
                .cast_into::<PyType>()?
                .unbind())
        };
        Ok(Types {
            base_model: get("pydantic", "BaseModel")?,
            uuid: get("uuid", "UUID")?,
            decimal: get("decimal", "Decimal")?,
            enum_: get("enum", "Enum")?,
            // datetime is a subclass of date: one check covers crewai's (datetime, date).
            date: get("datetime", "date")?,
        })
    })
}

pub fn convert<'py>(obj: &Bound<'py, PyAny>, w: &mut JsonWriter) -> PyResult<Converted<'py>> {
    let py = obj.py();
    let t = types(py)?;
    if obj.is_instance(t.base_model.bind(py))? {
        return model(obj, t).map(Converted::Value);
    }
    if obj.get_type().is(t.uuid.bind(py)) {
        let n: u128 = obj.getattr(pyo3::intern!(py, "int"))?.extract()?;
        let hex = format!("{n:032x}");
        let text = format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        );
        w.str(text.as_bytes());
        return Ok(Converted::Written);
    }
    if obj.is_instance(t.uuid.bind(py))?
        || obj.is_instance(t.decimal.bind(py))?
        || obj.is_instance(t.enum_.bind(py))?
    {
        return Ok(Converted::Value(obj.str()?.into_any()));
    }
    if obj.is_instance(t.date.bind(py))? {
        return Ok(Converted::Value(
            obj.call_method0(pyo3::intern!(py, "isoformat"))?,
        ));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        w.base64(b.as_bytes());
        return Ok(Converted::Written);
    }
    Err(not_serializable(obj))
}

/// `CrewJSONEncoder._handle_pydantic_model`.
fn model<'py>(obj: &Bound<'py, PyAny>, t: &Types) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    let dumped = (|| -> PyResult<Bound<'py, PyAny>> {
        let data = obj.call_method0(pyo3::intern!(py, "model_dump"))?;
        let items: Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)> = data
            .call_method0(pyo3::intern!(py, "items"))?
            .try_iter()?
            .map(|i| i?.extract())
            .collect::<PyResult<_>>()?;
        for (key, value) in items {
            if value.is_instance(t.base_model.bind(py))? {
                data.set_item(key, value.str()?)?;
            }
        }
        Ok(data)
    })();
    match dumped {
        Err(e) if e.is_instance_of::<PyRecursionError>(py) => Ok(obj.str()?.into_any()),
        other => other,
    }
}

/// The stdlib's message for a type no rule covers.
pub fn not_serializable(obj: &Bound<'_, PyAny>) -> PyErr {
    let name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned());
    PyTypeError::new_err(format!("Object of type {name} is not JSON serializable"))
}
