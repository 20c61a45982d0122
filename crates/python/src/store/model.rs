//! Finished pydantic model instances from field dicts, made the way `model_construct` makes them.
//!
//! `Model.model_construct(**fields)` with every field given does `m = cls.__new__(cls)`, then
//! `object.__setattr__` of `__dict__` (the fields), `__pydantic_fields_set__` (every field
//! name), `__pydantic_extra__` and `__pydantic_private__` (None for a model without extra or
//! private attributes, as crewai's `MemoryRecord`). This does the same four steps through the
//! C API, without the ~1.4 µs a record of doing them from Python. The Python side only asks
//! for it after checking, once per process, that the result equals `model_construct`'s
//! (`crewai_rust.memory._convert`).

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyFrozenSet, PyString, PyTuple, PyType};

use super::fields::FIELD_NAMES;

/// Every field name, in the model's field order: copied into each record's own
/// `__pydantic_fields_set__` (a set pydantic mutates on assignment, so never shared).
fn all_fields(py: Python<'_>) -> PyResult<&Bound<'_, PyFrozenSet>> {
    static SET: PyOnceLock<Py<PyFrozenSet>> = PyOnceLock::new();
    SET.get_or_try_init(py, || {
        let names = FIELD_NAMES.iter().map(|n| PyString::intern(py, n));
        Ok::<_, PyErr>(PyFrozenSet::new(py, names)?.unbind())
    })
    .map(|s| s.bind(py))
}

/// Makes instances of one model class for one result list.
pub struct ModelMaker<'py> {
    model: Bound<'py, PyType>,
    new: ffi::newfunc,
    no_args: Bound<'py, PyTuple>,
    fields_set: Bound<'py, PyFrozenSet>,
}

impl<'py> ModelMaker<'py> {
    pub fn new(model: &Bound<'py, PyType>) -> PyResult<Self> {
        let py = model.py();
        // SAFETY: a live type object (the Bound says so); tp_new is a plain field read, valid
        // for heap and static types alike in the non-limited API this build uses.
        let new = unsafe { (*model.as_type_ptr()).tp_new };
        let Some(new) = new else {
            let name = model.name()?;
            return Err(PyTypeError::new_err(format!(
                "model {name} cannot be instantiated"
            )));
        };
        Ok(Self {
            model: model.clone(),
            new,
            no_args: PyTuple::empty(py),
            fields_set: all_fields(py)?.clone(),
        })
    }

    /// `model.model_construct(**fields)` for a complete, already valid `fields` dict.
    pub fn make(&self, fields: Bound<'py, PyDict>) -> PyResult<Bound<'py, PyAny>> {
        let py = self.model.py();
        // SAFETY: `new` is the type's own tp_new, called as `cls.__new__(cls)` is (the type,
        // an empty args tuple, no kwargs); it returns a new reference or NULL with an
        // exception set, which from_owned_ptr_or_err turns into the error.
        let obj = unsafe {
            Bound::from_owned_ptr_or_err(
                py,
                (self.new)(
                    self.model.as_type_ptr(),
                    self.no_args.as_ptr(),
                    std::ptr::null_mut(),
                ),
            )?
        };
        // SAFETY: PySet_New copies the frozenset into a new set (new reference or NULL).
        let fields_set =
            unsafe { Bound::from_owned_ptr_or_err(py, ffi::PySet_New(self.fields_set.as_ptr()))? };
        let none = py.None().into_bound(py);
        set_slot(&obj, pyo3::intern!(py, "__dict__"), fields.as_any())?;
        set_slot(
            &obj,
            pyo3::intern!(py, "__pydantic_fields_set__"),
            &fields_set,
        )?;
        set_slot(&obj, pyo3::intern!(py, "__pydantic_extra__"), &none)?;
        set_slot(&obj, pyo3::intern!(py, "__pydantic_private__"), &none)?;
        Ok(obj)
    }
}

/// `object.__setattr__(obj, name, value)`: the generic attribute protocol, bypassing the
/// model's own `__setattr__` (which validates assignments and would reject these names).
fn set_slot(
    obj: &Bound<'_, PyAny>,
    name: &Bound<'_, PyString>,
    value: &Bound<'_, PyAny>,
) -> PyResult<()> {
    // SAFETY: three live objects; GenericSetAttr borrows them (it takes its own reference to
    // `value` when storing it) and returns -1 with an exception set on failure.
    let rc = unsafe { ffi::PyObject_GenericSetAttr(obj.as_ptr(), name.as_ptr(), value.as_ptr()) };
    if rc == 0 {
        Ok(())
    } else {
        Err(PyErr::fetch(obj.py()))
    }
}
