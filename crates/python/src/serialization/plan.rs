//! Per-class plans that let the encoder write a pydantic model's fields straight from its
//! `__dict__` instead of calling `model_dump()`, where the result is provably the same.
//!
//! A plan is read once per class from the class's pydantic-core schema. It covers the schema
//! shapes whose python-mode serialization returns the stored value unchanged (or rebuilds
//! plain containers of such values): `str`/`int`/`float`/`bool`, `datetime`/`date`/`uuid`/
//! `decimal`/`enum`, `Any` (inferred from the value), `Optional`, `list`, `dict`, nested
//! models, and validator wrappers without a serializer. Anything else (custom serializers,
//! computed fields, extra fields, aliases used for dumping, excluded-if fields, an overridden
//! `model_dump`, unions, typed dicts...) makes the class (or the field's values) fall back to
//! `model_dump()`. Whether a *value* fits its field is checked while writing, by exact type, so
//! a value pydantic would warn about or convert also falls back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString, PyType};

use super::crew::types;

/// How pydantic serializes a field's value in python mode, as far as the plan can vouch.
pub enum Kind {
    /// Inferred from the value (`Any`): plain containers are rebuilt, models dumped, leaves kept.
    Any,
    /// A value of exactly this type is returned unchanged.
    Exact(Py<PyType>),
    Nullable(Box<Kind>),
    List(Box<Kind>),
    /// A dict; its keys must be exact `str` when written.
    Dict(Box<Kind>),
    Model(Arc<ModelPlan>),
    /// A schema the plan does not model: any value falls back to `model_dump()` (an empty
    /// list of such items still takes the plan).
    Opaque,
}

pub struct Field {
    pub name: Py<PyString>,
    /// The name when it needs no JSON escaping (printable ASCII without `"` or `\\`),
    /// which is then the same in every format: written without looking at it again.
    pub plain_key: Option<String>,
    pub kind: Kind,
    /// Held in `__dict__` but never written (`Field(exclude=True)`).
    pub excluded: bool,
}

/// The fields of instances of exactly `cls`, in schema order. `model_dump()` writes them in
/// `__dict__` order, which is the schema's unless the dict was rearranged: the encoder uses
/// the plan only where both orders agree.
pub struct ModelPlan {
    pub cls: Py<PyType>,
    pub fields: Vec<Field>,
}

/// Schemas nest at most this deep in a plan; deeper ones are `Opaque`.
const MAX_SCHEMA_DEPTH: usize = 32;

struct Entry {
    /// Held so the class (and so its address, the key) stays alive.
    _cls: Py<PyType>,
    /// `model_rebuild()` replaces the serializer: a different one means a stale plan.
    serializer: Py<PyAny>,
    plan: Option<Arc<ModelPlan>>,
}

/// Plans by class address. The lock is never held while Python code runs.
static PLANS: Mutex<Option<HashMap<usize, Entry>>> = Mutex::new(None);

/// The plan for a `BaseModel` subclass, or `None` when `model_dump()` must be called.
pub fn plan_for(cls: &Bound<'_, PyType>) -> PyResult<Option<Arc<ModelPlan>>> {
    let py = cls.py();
    let Ok(serializer) = cls.getattr(pyo3::intern!(py, "__pydantic_serializer__")) else {
        return Ok(None);
    };
    let key = cls.as_ptr() as usize;
    {
        let plans = PLANS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = plans.as_ref().and_then(|p| p.get(&key))
            && entry.serializer.bind(py).is(&serializer)
        {
            return Ok(entry.plan.clone());
        }
    }
    // An unusual schema is no error: the class just keeps using model_dump().
    let plan = build(cls).ok().flatten().map(Arc::new);
    let entry = Entry {
        _cls: cls.clone().unbind(),
        serializer: serializer.unbind(),
        plan: plan.clone(),
    };
    let stale = PLANS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashMap::new)
        .insert(key, entry);
    // Released after the lock: dropping the old serializer may run Python code.
    drop(stale);
    Ok(plan)
}

fn build(cls: &Bound<'_, PyType>) -> PyResult<Option<ModelPlan>> {
    let py = cls.py();
    // crewai calls obj.model_dump(): a class that overrides it decides its own output.
    let name = pyo3::intern!(py, "model_dump");
    let base = types(py)?.base_model.bind(py);
    if !cls.getattr(name)?.is(&base.getattr(name)?) {
        return Ok(None);
    }
    let schema = cls.getattr(pyo3::intern!(py, "__pydantic_core_schema__"))?;
    let Some(node) = unwrap_validators(&schema)? else {
        return Ok(None);
    };
    let own = node.get_item("cls")?.is_some_and(|c| c.is(cls));
    if text(&node, "type")?.as_deref() != Some("model") || !own {
        return Ok(None);
    }
    model_plan(&node, 0)
}

/// The node under validator wrappers that have no serializer of their own.
fn unwrap_validators<'py>(schema: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyDict>>> {
    let mut node = schema.clone();
    for _ in 0..MAX_SCHEMA_DEPTH {
        let Ok(d) = node.cast_into::<PyDict>() else {
            return Ok(None);
        };
        if d.contains("serialization")? {
            return Ok(None);
        }
        match text(&d, "type")?.as_deref() {
            Some("default" | "function-after" | "function-before" | "function-wrap") => {
                match d.get_item("schema")? {
                    Some(inner) => node = inner,
                    None => return Ok(None),
                }
            }
            _ => return Ok(Some(d)),
        }
    }
    Ok(None)
}

fn model_plan(node: &Bound<'_, PyDict>, depth: usize) -> PyResult<Option<ModelPlan>> {
    let truthy = |d: &Bound<'_, PyDict>, k: &str| -> PyResult<bool> {
        Ok(match d.get_item(k)? {
            Some(v) => v.is_truthy()?,
            None => false,
        })
    };
    if truthy(node, "root_model")? || node.contains("serialization")? {
        return Ok(None);
    }
    if let Some(config) = node.get_item("config")? {
        let config = config.cast_into::<PyDict>()?;
        if truthy(&config, "serialize_by_alias")?
            || text(&config, "extra_fields_behavior")?.as_deref() == Some("allow")
        {
            return Ok(None);
        }
    }
    let Some(cls) = node.get_item("cls")? else {
        return Ok(None);
    };
    let Some(inner) = node.get_item("schema")? else {
        return Ok(None);
    };
    let inner = inner.cast_into::<PyDict>()?;
    if text(&inner, "type")?.as_deref() != Some("model-fields")
        || inner.contains("serialization")?
        || text(&inner, "extra_behavior")?.as_deref() == Some("allow")
    {
        return Ok(None);
    }
    if let Some(computed) = inner.get_item("computed_fields")?
        && computed.len()? > 0
    {
        return Ok(None);
    }
    let Some(fields) = inner.get_item("fields")? else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for (name, field) in fields.cast_into::<PyDict>()?.iter() {
        let field = field.cast_into::<PyDict>()?;
        if text(&field, "type")?.as_deref() != Some("model-field")
            || field.contains("serialization_exclude_if")?
        {
            return Ok(None);
        }
        let excluded = truthy(&field, "serialization_exclude")?;
        let Some(schema) = field.get_item("schema")? else {
            return Ok(None);
        };
        let name = name.cast_into::<PyString>()?;
        // A name that is not valid UTF-8 (lone surrogates) is simply written the usual way.
        let plain_key = name
            .to_str()
            .ok()
            .filter(|t| {
                t.bytes()
                    .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
            })
            .map(str::to_owned);
        out.push(Field {
            plain_key,
            name: name.unbind(),
            kind: if excluded {
                Kind::Opaque
            } else {
                kind(&schema, depth + 1)?
            },
            excluded,
        });
    }
    Ok(Some(ModelPlan {
        cls: cls.cast_into::<PyType>()?.unbind(),
        fields: out,
    }))
}

fn kind(schema: &Bound<'_, PyAny>, depth: usize) -> PyResult<Kind> {
    let py = schema.py();
    if depth > MAX_SCHEMA_DEPTH {
        return Ok(Kind::Opaque);
    }
    let Some(node) = unwrap_validators(schema)? else {
        return Ok(Kind::Opaque);
    };
    let t = types(py)?;
    let exact = |ty: &Py<PyType>| Kind::Exact(ty.clone_ref(py));
    let sub = |key: &str| -> PyResult<Kind> {
        match node.get_item(key)? {
            Some(s) => kind(&s, depth + 1),
            None => Ok(Kind::Any),
        }
    };
    Ok(match text(&node, "type")?.as_deref() {
        Some("any") => Kind::Any,
        Some("str") => Kind::Exact(py.get_type::<PyString>().unbind()),
        Some("int") => Kind::Exact(py.get_type::<PyInt>().unbind()),
        Some("float") => Kind::Exact(py.get_type::<PyFloat>().unbind()),
        Some("bool") => Kind::Exact(py.get_type::<PyBool>().unbind()),
        Some("datetime") => exact(&t.datetime),
        Some("date") => exact(&t.date),
        Some("uuid") => exact(&t.uuid),
        Some("decimal") => exact(&t.decimal),
        Some("enum") => match node.get_item("cls")? {
            Some(cls) => Kind::Exact(cls.cast_into::<PyType>()?.unbind()),
            None => Kind::Opaque,
        },
        Some("nullable") => Kind::Nullable(Box::new(sub("schema")?)),
        Some("list") => Kind::List(Box::new(sub("items_schema")?)),
        Some("dict") => match node.get_item("keys_schema")? {
            Some(keys) if !matches!(kind(&keys, depth + 1)?, Kind::Any | Kind::Exact(_)) => {
                Kind::Opaque
            }
            _ => Kind::Dict(Box::new(sub("values_schema")?)),
        },
        Some("model") => match model_plan(&node, depth + 1)? {
            Some(plan) => Kind::Model(Arc::new(plan)),
            None => Kind::Opaque,
        },
        _ => Kind::Opaque,
    })
}

fn text(d: &Bound<'_, PyDict>, key: &str) -> PyResult<Option<String>> {
    Ok(match d.get_item(key)? {
        Some(v) => v.extract::<String>().ok(),
        None => None,
    })
}
