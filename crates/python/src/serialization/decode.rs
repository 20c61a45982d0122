//! `json.loads`: the pure parser drives a builder that creates the Python objects directly.

use std::vec::Drain;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyList, PyString};

use crewai_rust_serialization::{Builder, parse};

use crate::errors::{SerializationFailure, serialization_error};

pub fn loads<'py>(
    py: Python<'py>,
    s: &Bound<'py, PyAny>,
    max_depth: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let owned;
    let text: &str = if let Ok(st) = s.cast::<PyString>() {
        st.to_str()?
    } else if let Ok(b) = s.cast::<PyBytes>() {
        std::str::from_utf8(b.as_bytes()).map_err(|e| utf8_error(py, b.as_bytes(), e))?
    } else if let Ok(b) = s.cast::<PyByteArray>() {
        owned = b.to_vec();
        std::str::from_utf8(&owned).map_err(|e| utf8_error(py, &owned, e))?
    } else {
        return Err(PyTypeError::new_err(format!(
            "the JSON object must be str, bytes or bytearray, not {}",
            s.get_type().name()?
        )));
    };
    let mut builder = PyBuilder {
        py,
        keys: Vec::new(),
    };
    parse(text, &mut builder, max_depth).map_err(|e| match e {
        SerializationFailure::Rust(e) => serialization_error(e, Some(text)),
        SerializationFailure::Python(e) => e,
    })
}

fn utf8_error(py: Python<'_>, bytes: &[u8], _: std::str::Utf8Error) -> PyErr {
    // The exact UnicodeDecodeError CPython raises for these bytes.
    match PyBytes::new(py, bytes).call_method1("decode", ("utf-8",)) {
        Err(e) => e,
        Ok(_) => PyErr::new::<pyo3::exceptions::PyUnicodeDecodeError, _>("invalid UTF-8"),
    }
}

/// Slots in the key cache; repeated object keys (the common case: many records with the same
/// fields) then share one str object, whose hash Python has already computed.
const KEY_SLOTS: usize = 512;
const KEY_MAX_LEN: usize = 64;

/// A cached key: its bytes and the str made from them.
type KeySlot<'py> = Option<(Box<[u8]>, Bound<'py, PyString>)>;

struct PyBuilder<'py> {
    py: Python<'py>,
    /// Direct-mapped by a hash of the key bytes; allocated on the first key.
    keys: Vec<KeySlot<'py>>,
}

fn slot(key: &[u8]) -> usize {
    // FNV-1a: cheap and good enough to spread field names over the slots.
    let mut h: u32 = 0x811c_9dc5;
    for &b in key {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h as usize % KEY_SLOTS
}

type R<'py> = Result<Bound<'py, PyAny>, SerializationFailure>;

impl<'py> Builder for PyBuilder<'py> {
    type Value = Bound<'py, PyAny>;
    type Error = SerializationFailure;

    fn null(&mut self) -> R<'py> {
        Ok(self.py.None().into_bound(self.py))
    }
    fn bool(&mut self, b: bool) -> R<'py> {
        Ok(PyBool::new(self.py, b).to_owned().into_any())
    }
    fn int(&mut self, i: i64) -> R<'py> {
        Ok(i.into_pyobject(self.py).map_err(PyErr::from)?.into_any())
    }
    fn big_int(&mut self, digits: &str) -> R<'py> {
        // int() itself, so the interpreter's digit limit applies exactly as in json.loads.
        let int = self.py.get_type::<pyo3::types::PyInt>();
        Ok(int.call1((digits,))?)
    }
    fn float(&mut self, x: f64) -> R<'py> {
        Ok(PyFloat::new(self.py, x).into_any())
    }
    fn str(&mut self, s: &str) -> R<'py> {
        Ok(PyString::new(self.py, s).into_any())
    }
    fn key(&mut self, s: &str) -> R<'py> {
        if s.len() > KEY_MAX_LEN {
            return self.str(s);
        }
        if self.keys.is_empty() {
            self.keys.resize_with(KEY_SLOTS, || None);
        }
        let at = slot(s.as_bytes());
        if let Some((k, v)) = &self.keys[at]
            && **k == *s.as_bytes()
        {
            return Ok(v.clone().into_any());
        }
        let v = PyString::new(self.py, s);
        self.keys[at] = Some((s.as_bytes().into(), v.clone()));
        Ok(v.into_any())
    }
    fn surrogate_str(&mut self, wtf8: &[u8]) -> R<'py> {
        Ok(PyBytes::new(self.py, wtf8).call_method1("decode", ("utf-8", "surrogatepass"))?)
    }
    fn array(&mut self, items: Drain<'_, Self::Value>) -> R<'py> {
        Ok(PyList::new(self.py, items)?.into_any())
    }
    fn object(&mut self, mut members: Drain<'_, Self::Value>) -> R<'py> {
        let dict = PyDict::new(self.py);
        while let (Some(k), Some(v)) = (members.next(), members.next()) {
            dict.set_item(k, v)?;
        }
        Ok(dict.into_any())
    }
}
