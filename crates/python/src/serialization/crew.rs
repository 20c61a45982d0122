//! crewai's `CrewJSONEncoder.default`, for objects the JSON encoder has no rule for.
//!
//! Same checks in the same order as crewai (`crewai/utilities/crew_json_encoder.py`): pydantic
//! models through `model_dump()` (with nested models in the top-level values turned into
//! `str`, and `str(obj)` on RecursionError), `UUID`/`Decimal`/`Enum` as `str`, `datetime`/`date`
//! through `isoformat()`, `bytes` as base64. Every conversion calls the object's own Python
//! method except two with a fixed result: an exact `uuid.UUID` (formatted from its `int`, as
//! `UUID.__str__` does) and `bytes` (base64 in the pure crate).

use std::sync::Arc;

use pyo3::exceptions::{PyRecursionError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyString, PyType};

use crewai_rust_serialization::{DateTime, JsonWriter};

use super::layout::Layout;
use super::output::PyOut;
use super::plan::{ModelPlan, plan_for};

/// What `default` produced: written already, or a new object for the encoder to encode.
pub enum Converted<'py> {
    Written,
    Value(Bound<'py, PyAny>),
}

pub(super) struct Types {
    pub base_model: Py<PyType>,
    pub uuid: Py<PyType>,
    pub decimal: Py<PyType>,
    pub enum_: Py<PyType>,
    pub date: Py<PyType>,
    pub datetime: Py<PyType>,
}

static TYPES: PyOnceLock<Types> = PyOnceLock::new();

pub(super) fn types(py: Python<'_>) -> PyResult<&Types> {
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
            datetime: get("datetime", "datetime")?,
        })
    })
}

/// Which of crewai's rules applies to instances of a type; isinstance answers depend on the
/// type alone, so one dumps call classifies each type once.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Model,
    /// Exactly `uuid.UUID`: formatted from its 128-bit `int`, as `UUID.__str__` does.
    Uuid,
    Str,
    /// An `Enum` whose `__str__` is `Enum.__str__`: `"{type name}.{member name}"`, built here.
    EnumName,
    IsoFormat,
    /// Exactly `datetime.date` / `datetime.datetime`: isoformat() written from the fields.
    Date,
    DateTime,
    Base64,
    None,
}

/// The rule for each type seen during one `dumps` call (few distinct types: a short list).
#[derive(Default)]
pub struct RuleCache<'py> {
    seen: Vec<(Bound<'py, PyType>, Rule)>,
    /// The model plans of the model types seen (`seen` keeps each type, so its address, alive).
    plans: Vec<(usize, Option<Arc<ModelPlan>>)>,
    /// Enum class names (for `Enum.__str__`), by type address.
    names: Vec<(usize, String)>,
    /// `str(member)` of the enum members written so far, for `Rule::EnumName` types.
    /// With whether the text needs no escaping at all.
    members: Vec<(Bound<'py, PyAny>, Vec<u8>, bool)>,
}

/// How many enum members' texts one call remembers.
const MEMBERS: usize = 64;

impl<'py> RuleCache<'py> {
    /// The plan for writing a pydantic model without `model_dump()`, if `obj` is a model
    /// whose class has one.
    pub fn plan(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<Option<Arc<ModelPlan>>> {
        if self.rule(obj)? != Rule::Model {
            return Ok(None);
        }
        let ty = obj.get_type_ptr() as usize;
        if let Some((_, plan)) = self.plans.iter().find(|(t, _)| *t == ty) {
            return Ok(plan.clone());
        }
        let plan = plan_for(&obj.get_type())?;
        self.plans.push((ty, plan.clone()));
        Ok(plan)
    }

    pub fn rule(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<Rule> {
        let ty = obj.get_type_ptr();
        if let Some((_, rule)) = self.seen.iter().find(|(t, _)| t.as_type_ptr() == ty) {
            return Ok(*rule);
        }
        let rule = classify(obj)?;
        self.seen.push((obj.get_type(), rule));
        Ok(rule)
    }

    /// `type(obj).__name__`, looked up once per type.
    fn type_name(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<&str> {
        let ty = obj.get_type_ptr() as usize;
        let at = match self.names.iter().position(|(t, _)| *t == ty) {
            Some(at) => at,
            None => {
                // `seen` holds the type (so its address) for the whole call.
                self.rule(obj)?;
                let name = obj.get_type().name()?.to_str()?.to_owned();
                self.names.push((ty, name));
                self.names.len() - 1
            }
        };
        Ok(&self.names[at].1)
    }
}

/// `str(uuid)`: the 32 hex digits of its int in 8-4-4-4-12 groups.
fn uuid_text(n: u128) -> [u8; 36] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [b'-'; 36];
    let mut at = 0;
    for (k, byte) in n.to_be_bytes().into_iter().enumerate() {
        if matches!(k, 4 | 6 | 8 | 10) {
            at += 1;
        }
        out[at] = HEX[usize::from(byte >> 4)];
        out[at + 1] = HEX[usize::from(byte & 15)];
        at += 2;
    }
    out
}

/// crewai's checks, in crewai's order.
fn classify(obj: &Bound<'_, PyAny>) -> PyResult<Rule> {
    let py = obj.py();
    let t = types(py)?;
    Ok(if obj.is_instance(t.base_model.bind(py))? {
        Rule::Model
    } else if obj.get_type().is(t.uuid.bind(py)) {
        Rule::Uuid
    } else if obj.is_instance(t.enum_.bind(py))? {
        let default_str = t.enum_.bind(py).getattr(pyo3::intern!(py, "__str__"))?;
        let own_str = obj.get_type().getattr(pyo3::intern!(py, "__str__"))?;
        if own_str.is(&default_str) {
            Rule::EnumName
        } else {
            Rule::Str
        }
    } else if obj.is_instance(t.uuid.bind(py))? || obj.is_instance(t.decimal.bind(py))? {
        Rule::Str
    } else if obj.get_type().is(t.datetime.bind(py)) {
        Rule::DateTime
    } else if obj.get_type().is(t.date.bind(py)) {
        Rule::Date
    } else if obj.is_instance(t.date.bind(py))? {
        Rule::IsoFormat
    } else if obj.is_instance_of::<PyBytes>() {
        Rule::Base64
    } else {
        Rule::None
    })
}

/// Apply `rule` (the cache's rule for `obj`'s type) to `obj`.
pub fn convert<'py>(
    obj: &Bound<'py, PyAny>,
    rule: Rule,
    w: &mut JsonWriter<PyOut>,
    cache: &mut RuleCache<'py>,
) -> PyResult<Converted<'py>> {
    let py = obj.py();
    match rule {
        Rule::Model => model(obj, cache).map(Converted::Value),
        Rule::Uuid => {
            let n: u128 = obj.getattr(pyo3::intern!(py, "int"))?.extract()?;
            // Hex digits and dashes: nothing to escape.
            w.str_plain(&uuid_text(n));
            Ok(Converted::Written)
        }
        Rule::Str => Ok(Converted::Value(obj.str()?.into_any())),
        Rule::EnumName => {
            if let Some((_, text, plain)) = cache.members.iter().find(|(m, ..)| m.is(obj)) {
                if *plain {
                    w.str_plain(text);
                } else {
                    w.str(text);
                }
                return Ok(Converted::Written);
            }
            // Enum.__str__ is "%s.%s" % (self.__class__.__name__, self._name_).
            let name = obj.getattr(pyo3::intern!(py, "_name_"))?;
            let name = name.cast::<PyString>()?.to_str()?;
            let ty = cache.type_name(obj)?;
            let mut text = Vec::with_capacity(ty.len() + 1 + name.len());
            text.extend_from_slice(ty.as_bytes());
            text.push(b'.');
            text.extend_from_slice(name.as_bytes());
            w.str(&text);
            // Members are singletons a document repeats (held, so the address is theirs).
            if cache.members.len() < MEMBERS {
                let plain = text
                    .iter()
                    .all(|&b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
                cache.members.push((obj.clone(), text, plain));
            }
            Ok(Converted::Written)
        }
        Rule::IsoFormat => Ok(Converted::Value(
            obj.call_method0(pyo3::intern!(py, "isoformat"))?,
        )),
        rule @ (Rule::Date | Rule::DateTime) => {
            let fields = match Layout::get(py) {
                Some(layout) if rule == Rule::Date => Some(layout.date(obj)),
                Some(layout) => Some(layout.datetime(obj)?),
                None => pickled_fields(obj)?,
            };
            match fields {
                Some(v) => {
                    w.isoformat(&v);
                    Ok(Converted::Written)
                }
                None => Ok(Converted::Value(
                    obj.call_method0(pyo3::intern!(py, "isoformat"))?,
                )),
            }
        }
        Rule::Base64 => {
            w.base64(obj.cast::<PyBytes>()?.as_bytes());
            Ok(Converted::Written)
        }
        Rule::None => Err(not_serializable(obj)),
    }
}

/// The fields of an exact date/datetime where `Layout` is unavailable, from its pickle state (`__reduce__()` gives
/// `(cls, (state,))` or `(cls, (state, tzinfo))`, `state` being CPython's packed bytes: year
/// as two bytes, month, day, then hour, minute, second and three bytes of microseconds), which
/// costs one C call instead of isoformat()'s printf. `None` if the state looks unfamiliar.
fn pickled_fields(obj: &Bound<'_, PyAny>) -> PyResult<Option<DateTime>> {
    let py = obj.py();
    let reduced = obj.call_method0(pyo3::intern!(py, "__reduce__"))?;
    let args = reduced.get_item(1)?;
    let Ok(state) = args.get_item(0)?.cast_into::<PyBytes>() else {
        return Ok(None);
    };
    let b = state.as_bytes();
    let (year, month, day) = match b {
        [y1, y2, m, d, ..] => ((u16::from(*y1) << 8) | u16::from(*y2), m & 0x7f, *d),
        _ => return Ok(None),
    };
    let time = match b.len() {
        4 => None,
        10 => Some((
            b[4],
            b[5],
            b[6],
            (u32::from(b[7]) << 16) | (u32::from(b[8]) << 8) | u32::from(b[9]),
        )),
        _ => return Ok(None),
    };
    let mut offset = None;
    if time.is_some() && args.len()? == 2 {
        let delta = obj.call_method0(pyo3::intern!(py, "utcoffset"))?;
        if !delta.is_none() {
            offset = Some((
                delta.getattr(pyo3::intern!(py, "days"))?.extract()?,
                delta.getattr(pyo3::intern!(py, "seconds"))?.extract()?,
                delta
                    .getattr(pyo3::intern!(py, "microseconds"))?
                    .extract()?,
            ));
        }
    }
    Ok(Some(DateTime {
        year,
        month,
        day,
        time,
        offset,
    }))
}

/// `CrewJSONEncoder._handle_pydantic_model`.
fn model<'py>(obj: &Bound<'py, PyAny>, cache: &mut RuleCache<'py>) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    let dumped = (|| -> PyResult<Bound<'py, PyAny>> {
        let data = obj.call_method0(pyo3::intern!(py, "model_dump"))?;
        let items: Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)> = match data.cast::<PyDict>() {
            Ok(d) if d.is_exact_instance_of::<PyDict>() => d.iter().collect(),
            _ => data
                .call_method0(pyo3::intern!(py, "items"))?
                .try_iter()?
                .map(|i| i?.extract())
                .collect::<PyResult<_>>()?,
        };
        for (key, value) in items {
            // The cached rule is the isinstance(value, BaseModel) answer for value's type.
            if cache.rule(&value)? == Rule::Model {
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
