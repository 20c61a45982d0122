//! The walk over Python objects for `json.dumps`: the type checks of CPython's C encoder
//! (`encoder_listencode_obj`), in its order, feeding the pure crate's writer.

use std::sync::atomic::{AtomicUsize, Ordering};

use pyo3::exceptions::{PyRecursionError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};

use crewai_rust_serialization::{Format, JsonWriter, Units};

use super::crew::{self, Converted, Rule, RuleCache};
use super::dict_entries;
use super::keys::KeyTexts;
use super::output::{PyOut, Target};
use super::plan::{Kind, ModelPlan};
use crate::errors::serialization_error;
use crate::pystr::{StrView, compact_ascii, compact_ascii_ptr};

/// The size of the last output: callers tend to dump similar documents again (a store's
/// records, a flow's state), so the next buffer starts that big instead of growing (and
/// copying) its way there. Capped so one huge dump does not make every later one allocate it.
static LAST_SIZE: AtomicUsize = AtomicUsize::new(0);
const MAX_SIZE_HINT: usize = 16 << 20;
/// The smallest first buffer: with the object's header it stays within CPython's
/// small-object allocator (512 bytes), where a 1 KiB one went to `malloc`'s large-request
/// path (a consolidation of its free lists on each call), a tenth of a small dump's time.
const FIRST_CAPACITY: usize = 400;

/// `int.__repr__(i)`, not `repr(i)`: an int subclass's own `__repr__` is ignored by the
/// stdlib. Only ints beyond i64 get here. The method is looked up once per process (the
/// built-in `int` type cannot be changed), not once per `dumps` call: that lookup was a
/// fifth of the instructions of dumping a small dict.
fn int_digits<'py>(i: &Bound<'py, PyInt>) -> PyResult<Bound<'py, PyAny>> {
    static INT_REPR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = i.py();
    INT_REPR
        .get_or_try_init(py, || {
            py.get_type::<PyInt>()
                .getattr(pyo3::intern!(py, "__repr__"))
                .map(Bound::unbind)
        })?
        .bind(py)
        .call1((i,))
}

/// The encoded text, and whether it holds raw lone surrogates (only without `ensure_ascii`).
pub struct Output {
    pub out: PyOut,
    pub lone_surrogates: bool,
}

pub struct Encoder<'py> {
    w: JsonWriter<PyOut>,
    sort_keys: bool,
    default: Option<Bound<'py, PyAny>>,
    /// Containers (and objects handed to `default`) being encoded, for the stdlib's
    /// "Circular reference detected"; a stack, since nesting is shallow in practice.
    markers: Vec<usize>,
    max_depth: usize,
    lone_surrogates: bool,
    rules: RuleCache<'py>,
    /// Types whose instances reached `other` (no JSON rule): later instances go straight there.
    /// Held, so an address cannot be reused by another type during the call.
    other_types: Vec<Bound<'py, PyType>>,
    /// Exact str keys written before in this call, with their text.
    keys: KeyTexts<'py>,
    /// Whether exact dicts' tables are read in place (`dict_entries`).
    dicts_in_place: bool,
}

/// How many such types are remembered; a document holds few distinct ones.
const OTHER_TYPES: usize = 16;

impl<'py> Encoder<'py> {
    // Inlined so the encoder (about 1 KiB, most of it the remembered keys' texts) is built
    // in the caller's frame: returned through `PyResult` it was copied three times a call.
    #[inline(always)]
    pub fn new(
        py: Python<'py>,
        format: Format,
        target: Target,
        sort_keys: bool,
        default: Option<Bound<'py, PyAny>>,
        max_depth: usize,
    ) -> PyResult<Self> {
        // Some slack over the last size: the escapers reserve their worst case ahead of
        // writing, and doubling a buffer of megabytes near its end (then shrinking it) costs
        // a copy and fresh pages on every call.
        let last = LAST_SIZE.load(Ordering::Relaxed);
        let capacity = (last + last / 8).max(FIRST_CAPACITY);
        Ok(Self {
            w: JsonWriter::with_out(format, PyOut::new(py, target, capacity)?),
            sort_keys,
            default,
            markers: Vec::new(),
            max_depth,
            lone_surrogates: false,
            rules: RuleCache::default(),
            other_types: Vec::new(),
            keys: KeyTexts::new(),
            dicts_in_place: dict_entries::in_place(py),
        })
    }

    pub fn run(mut self, obj: &Bound<'py, PyAny>) -> PyResult<Output> {
        self.value(obj)?;
        LAST_SIZE.store(
            self.w.as_bytes().len().min(MAX_SIZE_HINT),
            Ordering::Relaxed,
        );
        Ok(Output {
            out: self.w.into_out(),
            lone_surrogates: self.lone_surrogates,
        })
    }

    fn value(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        // The exact built-in types first, by type pointer: under the stable ABI each
        // `PyUnicode_Check`-style test below is a function call, and these are most values.
        let ty = obj.get_type_ptr();
        let (str_t, int_t, float_t, dict_t) = (
            &raw mut ffi::PyUnicode_Type,
            &raw mut ffi::PyLong_Type,
            &raw mut ffi::PyFloat_Type,
            &raw mut ffi::PyDict_Type,
        );
        if ty == str_t {
            if let Some(ascii) = compact_ascii(obj) {
                self.w.str(ascii);
                return Ok(());
            }
            // SAFETY: the type was just checked.
            return self.text(unsafe { obj.cast_unchecked::<PyString>() }, None);
        } else if ty == dict_t {
            // SAFETY: the type was just checked.
            return self.dict(obj, unsafe { obj.cast_unchecked::<PyDict>() });
        } else if ty == float_t {
            // SAFETY: the type was just checked.
            let x = unsafe { obj.cast_unchecked::<PyFloat>() }.value();
            return self.w.float(x).map_err(|e| serialization_error(e, None));
        } else if ty == int_t
            && let Some(n) = exact_int_i64(obj)
        {
            self.w.int(n);
            return Ok(());
        }
        if self.other_types.iter().any(|t| t.as_type_ptr() == ty) {
            // Seen failing every check below already (they depend on the type alone).
            return self.other(obj);
        }
        if obj.is_none() {
            self.w.null();
        } else if let Ok(b) = obj.cast::<PyBool>() {
            self.w.bool(b.is_true());
        } else if let Ok(s) = obj.cast::<PyString>() {
            self.text(s, None)?;
        } else if let Ok(i) = obj.cast::<PyInt>() {
            match i.extract::<i64>() {
                Ok(n) => self.w.int(n),
                Err(_) => {
                    let digits = int_digits(i)?;
                    self.w.int_digits(digits.cast::<PyString>()?.to_str()?);
                }
            }
        } else if let Ok(f) = obj.cast::<PyFloat>() {
            self.w
                .float(f.value())
                .map_err(|e| serialization_error(e, None))?;
        } else if (obj.is_instance_of::<PyList>() && !obj.is_exact_instance_of::<PyList>())
            || (obj.is_instance_of::<PyTuple>() && !obj.is_exact_instance_of::<PyTuple>())
        {
            self.iterated(obj)?;
        } else if let Ok(l) = obj.cast::<PyList>() {
            self.items(obj, l.iter(), l.is_empty())?;
        } else if let Ok(t) = obj.cast::<PyTuple>() {
            self.items(obj, t.iter(), t.is_empty())?;
        } else if let Ok(d) = obj.cast::<PyDict>() {
            self.dict(obj, d)?;
        } else {
            self.other(obj)?;
        }
        Ok(())
    }

    /// A list or tuple subclass: the items its iteration yields, as the stdlib's encoders
    /// write it (C: `PySequence_Fast` copies a subclass through its `__iter__`; Python: a `for`
    /// loop), not the items it stores, which an overridden `__iter__` may hide. The stdlib's
    /// Python encoder (the one `indent` selects) first writes a falsy sequence as `[]` without
    /// iterating it.
    #[inline(never)]
    fn iterated(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        let items = if self.w.format().indent.is_some() && !obj.is_truthy()? {
            PyList::empty(obj.py())
        } else {
            obj.py()
                .get_type::<PyList>()
                .call1((obj,))?
                .cast_into::<PyList>()?
        };
        self.items(obj, items.iter(), items.is_empty())
    }

    /// `obj` written as a JSON array of `items` (`empty`: there are none).
    #[inline(always)]
    fn items(
        &mut self,
        obj: &Bound<'py, PyAny>,
        items: impl Iterator<Item = Bound<'py, PyAny>>,
        empty: bool,
    ) -> PyResult<()> {
        self.enter(obj, "encoding a JSON array")?;
        self.w.begin_array();
        for (n, item) in items.enumerate() {
            self.w.array_item(n == 0);
            self.value(&item)?;
        }
        self.w.end_array(empty);
        self.markers.pop();
        Ok(())
    }

    /// A value of the most common exact leaf types (a compact ASCII `str`, an `int` that
    /// fits `i64`) written inline, with no call and no reference taken; `false` for any
    /// other value, which the caller sends to `value`. Runs no Python code.
    ///
    /// # Safety
    /// `v` is a live object that stays alive for the call.
    #[inline(always)]
    unsafe fn leaf(&mut self, v: *mut ffi::PyObject) -> bool {
        // SAFETY: `v` is live (the caller's contract); each read follows its type check.
        unsafe {
            let ty = ffi::Py_TYPE(v);
            if ty == &raw mut ffi::PyUnicode_Type {
                if let Some(ascii) = compact_ascii_ptr(v) {
                    self.w.str(ascii);
                    return true;
                }
            } else if ty == &raw mut ffi::PyLong_Type {
                // An exact int runs no `__index__`; the only failure is overflow.
                let mut overflow = 0;
                let n = ffi::PyLong_AsLongLongAndOverflow(v, &mut overflow);
                if overflow == 0 {
                    self.w.int(n);
                    return true;
                }
            }
        }
        false
    }

    /// Circular-reference and depth checks on entering a container or a `default` result.
    /// Always inlined (once per dict and list); the errors are made out of line.
    #[inline(always)]
    fn enter(&mut self, obj: &Bound<'py, PyAny>, what: &'static str) -> PyResult<()> {
        let id = obj.as_ptr() as usize;
        if self.markers.contains(&id) || self.markers.len() >= self.max_depth {
            return Err(self.enter_error(id, what));
        }
        self.markers.push(id);
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn enter_error(&self, id: usize, what: &'static str) -> PyErr {
        if self.markers.contains(&id) {
            return PyValueError::new_err("Circular reference detected");
        }
        PyRecursionError::new_err(format!("maximum recursion depth exceeded while {what}"))
    }

    /// Write a str as a value (`key` = None) or as a member's key (`Some(first)`). The text is
    /// read in place; non-ASCII text is escaped from its code units under `ensure_ascii`,
    /// otherwise taken as UTF-8 (which CPython caches on the str, so a second dump of the
    /// same str is a copy), a str holding lone surrogates through its generalized UTF-8.
    #[inline]
    fn text(&mut self, s: &Bound<'py, PyString>, key: Option<bool>) -> PyResult<()> {
        let view = StrView::of(s)?;
        let units = match view {
            StrView::Ascii(ascii) => {
                match key {
                    None => self.w.str(ascii),
                    Some(first) => self.w.key(first, ascii),
                }
                return Ok(());
            }
            _ if !self.w.format().ensure_ascii => None,
            StrView::Latin1(u) => Some(Units::Latin1(u)),
            StrView::Ucs2(u) => Some(Units::Ucs2(u)),
            StrView::Ucs4(u) => Some(Units::Ucs4(u)),
        };
        if let Some(units) = units {
            match key {
                None => self.w.str_units(units),
                Some(first) => self.w.key_units(first, units),
            }
            return Ok(());
        }
        let owned;
        let bytes = match s.to_str() {
            Ok(t) => t.as_bytes(),
            Err(_) => {
                let fmt = self.w.format();
                self.lone_surrogates |= !fmt.ensure_ascii && !fmt.escape_surrogates;
                owned =
                    s.call_method1(pyo3::intern!(s.py(), "encode"), ("utf-8", "surrogatepass"))?;
                owned.cast::<PyBytes>()?.as_bytes()
            }
        };
        match key {
            None => self.w.str(bytes),
            Some(first) => self.w.key(first, bytes),
        }
        Ok(())
    }

    fn dict(&mut self, obj: &Bound<'py, PyAny>, d: &Bound<'py, PyDict>) -> PyResult<()> {
        if d.is_empty() {
            self.w.begin_object();
            self.w.end_object(true);
            return Ok(());
        }
        self.enter(obj, "encoding a JSON object")?;
        self.w.begin_object();
        let mut first = true;
        if !self.sort_keys && obj.is_exact_instance_of::<PyDict>() {
            let (size, mut pos) = (d.len(), 0);
            while let Some((kp, vp)) =
                // SAFETY: `d` is a live exact dict and `pos` only ever comes from `next`.
                unsafe { dict_entries::next(self.dicts_in_place, d.as_ptr(), &mut pos) }
            {
                // What pyo3's dict iterator (used before) reported; the walk stays in bounds.
                if d.len() != size {
                    return Err(PyRuntimeError::new_err(
                        "dictionary changed size during iteration",
                    ));
                }
                // A remembered key (nearly every key after the first dict of a list) and a
                // leaf value are written from the dict's own borrowed references: no Python
                // code runs in between, so the dict keeps both alive. Anything else takes
                // references of its own first, as code run by `value` may change the dict.
                if let Some((text, len)) = self.keys.get(kp) {
                    self.w.key_again(first, text, len);
                    // SAFETY: `vp` is a live entry of `d`, nothing has run since it was read.
                    if !unsafe { self.leaf(vp) } {
                        // SAFETY: as above; the new reference keeps it alive from here on.
                        self.value(&unsafe { Bound::from_borrowed_ptr(d.py(), vp) })?;
                    }
                    first = false;
                    continue;
                }
                // SAFETY: live entries of `d`, now with references of their own.
                let (k, v) = unsafe {
                    (
                        Bound::from_borrowed_ptr(d.py(), kp),
                        Bound::from_borrowed_ptr(d.py(), vp),
                    )
                };
                // An exact, compact ASCII str key (nearly every key) is written here, without
                // the key coercion's type tests and the general text path.
                if k.get_type_ptr() == &raw mut ffi::PyUnicode_Type
                    && let Some(ascii) = compact_ascii(&k)
                {
                    let at = self.w.key_at(first, ascii);
                    self.keys.remember(&k, &self.w.as_bytes()[at..]);
                    self.value(&v)?;
                } else {
                    self.member(first, &k, &v)?;
                }
                first = false;
            }
        } else {
            // What the stdlib does: the mapping's own items(), sorted as Python tuples sort
            // (so incomparable keys raise the same TypeError).
            let items = obj.call_method0(pyo3::intern!(obj.py(), "items"))?;
            let items = PyList::new(obj.py(), items.try_iter()?.collect::<PyResult<Vec<_>>>()?)?;
            if self.sort_keys {
                items.sort()?;
            }
            for item in items.iter() {
                let pair = item
                    .cast::<PyTuple>()
                    .ok()
                    .filter(|t| t.len() == 2)
                    .ok_or_else(|| PyValueError::new_err("items must return 2-tuples"))?;
                self.member(first, &pair.get_item(0)?, &pair.get_item(1)?)?;
                first = false;
            }
        }
        self.w.end_object(false);
        self.markers.pop();
        Ok(())
    }

    /// One member, with the stdlib's key coercion (str, float, True/False/None, int).
    #[inline]
    fn member(
        &mut self,
        first: bool,
        k: &Bound<'py, PyAny>,
        v: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        if let Ok(s) = k.cast::<PyString>() {
            self.text(s, Some(first))?;
        } else if let Ok(f) = k.cast::<PyFloat>() {
            self.w
                .key_float(first, f.value())
                .map_err(|e| serialization_error(e, None))?;
        } else if let Ok(b) = k.cast::<PyBool>() {
            self.w
                .key_text(first, if b.is_true() { "true" } else { "false" });
        } else if k.is_none() {
            self.w.key_text(first, "null");
        } else if let Ok(i) = k.cast::<PyInt>() {
            match i.extract::<i64>() {
                Ok(n) => self.w.key_int(first, n),
                Err(_) => {
                    let digits = int_digits(i)?;
                    self.w.key_text(first, digits.cast::<PyString>()?.to_str()?);
                }
            }
        } else {
            return Err(PyTypeError::new_err(format!(
                "keys must be str, int, float, bool or None, not {}",
                k.get_type().name()?
            )));
        }
        self.value(v)
    }

    /// No JSON rule for `obj`: the `default` hook, or crewai's encoder rules without one.
    fn other(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        let ty = obj.get_type_ptr();
        if self.other_types.len() < OTHER_TYPES
            && !self.other_types.iter().any(|t| t.as_type_ptr() == ty)
        {
            self.other_types.push(obj.get_type());
        }
        // Classified once here (a short scan of the types seen) and handed to `convert`.
        let rule = match self.default {
            None => Some(self.rules.rule(obj)?),
            Some(_) => None,
        };
        // sort_keys sorts model_dump()'s dict; the plan writes fields in their own order.
        if rule == Some(Rule::Model)
            && !self.sort_keys
            && let Some(plan) = self.rules.plan(obj)?
        {
            // The plan vouches for the common case; anything it cannot (including any
            // error, whose exact form model_dump() decides) is written again the slow way.
            let (at, markers, surrogates) = (
                self.w.checkpoint(),
                self.markers.len(),
                self.lone_surrogates,
            );
            if let Ok(true) = self.model_fields(obj, &plan) {
                return Ok(());
            }
            self.w.rewind(at);
            self.markers.truncate(markers);
            self.lone_surrogates = surrogates;
        }
        self.enter(obj, "encoding a JSON object")?;
        let converted = match (&self.default, rule) {
            (Some(f), _) => Converted::Value(f.call1((obj,))?),
            (None, Some(rule)) => crew::convert(obj, rule, &mut self.w, &mut self.rules)?,
            (None, None) => unreachable!("a rule is looked up whenever there is no default"),
        };
        if let Converted::Value(new) = converted {
            self.value(&new)?;
        }
        self.markers.pop();
        Ok(())
    }

    /// `enter` for the plan's walk: a cycle or too deep a nesting is for model_dump() to report.
    fn try_enter(&mut self, obj: &Bound<'py, PyAny>) -> bool {
        let id = obj.as_ptr() as usize;
        if self.markers.len() >= self.max_depth || self.markers.contains(&id) {
            return false;
        }
        self.markers.push(id);
        true
    }

    /// A model written from its `__dict__` as `model_dump()` would have produced it; `false`
    /// (with partial output the caller rewinds) when a value does not fit the plan, or the
    /// dict does not hold exactly the plan's fields in its order (pydantic writes dict order).
    fn model_fields(&mut self, obj: &Bound<'py, PyAny>, plan: &ModelPlan) -> PyResult<bool> {
        let py = obj.py();
        let attrs = obj.getattr(pyo3::intern!(py, "__dict__"))?;
        let Ok(attrs) = attrs.cast_exact::<PyDict>() else {
            return Ok(false);
        };
        if attrs.len() != plan.fields.len() {
            return Ok(false);
        }
        if !self.try_enter(obj) {
            return Ok(false);
        }
        self.w.begin_object();
        let mut first = true;
        let mut pos: ffi::Py_ssize_t = 0;
        for field in &plan.fields {
            let name = field.name.bind(py);
            let Some(value) = next_entry(self.dicts_in_place, attrs, &mut pos, name)? else {
                return Ok(false);
            };
            if field.excluded {
                continue;
            }
            match &field.plain_key {
                Some(key) => self.w.key_text(first, key),
                None => self.text(name, Some(first))?,
            }
            first = false;
            if !self.planned(&value, &field.kind)? {
                return Ok(false);
            }
        }
        self.w.end_object(first);
        self.markers.pop();
        Ok(true)
    }

    /// A field value of a known kind; `false` if the value is not what the kind vouches for.
    fn planned(&mut self, v: &Bound<'py, PyAny>, kind: &Kind) -> PyResult<bool> {
        match kind {
            Kind::Any => self.inferred(v),
            Kind::Exact(ty) => {
                if v.get_type_ptr() != ty.as_ptr().cast() {
                    return Ok(false);
                }
                self.value(v)?;
                Ok(true)
            }
            Kind::Nullable(inner) => {
                if v.is_none() {
                    self.w.null();
                    return Ok(true);
                }
                self.planned(v, inner)
            }
            Kind::List(item) => match v.cast_exact::<PyList>() {
                Ok(l) => self.array(v, l.iter(), l.is_empty(), |me, x| me.planned(x, item)),
                Err(_) => Ok(false),
            },
            Kind::Dict(value) => match v.cast_exact::<PyDict>() {
                Ok(d) => self.str_dict(v, d, |me, x| me.planned(x, value)),
                Err(_) => Ok(false),
            },
            Kind::Model(plan) => {
                if v.get_type_ptr() != plan.cls.as_ptr().cast() {
                    return Ok(false);
                }
                self.model_fields(v, plan)
            }
            Kind::Opaque => Ok(false),
        }
    }

    /// A value pydantic serializes by inference (`Any`): plain JSON values and crewai's
    /// leaf types are kept as they are, plain containers rebuilt, models dumped by their own
    /// class's schema.
    fn inferred(&mut self, v: &Bound<'py, PyAny>) -> PyResult<bool> {
        // Exact types by type pointer (a failed `cast_exact` builds an error value).
        let ty = v.get_type_ptr();
        if v.is_none()
            || ty == &raw mut ffi::PyUnicode_Type
            || ty == &raw mut ffi::PyLong_Type
            || ty == &raw mut ffi::PyFloat_Type
            || ty == &raw mut ffi::PyBool_Type
        {
            self.value(v)?;
            return Ok(true);
        }
        if ty == &raw mut ffi::PyList_Type {
            // SAFETY: the type was just checked.
            let l = unsafe { v.cast_unchecked::<PyList>() };
            return self.array(v, l.iter(), l.is_empty(), Self::inferred);
        }
        if ty == &raw mut ffi::PyTuple_Type {
            // SAFETY: the type was just checked.
            let t = unsafe { v.cast_unchecked::<PyTuple>() };
            return self.array(v, t.iter(), t.is_empty(), Self::inferred);
        }
        if ty == &raw mut ffi::PyDict_Type {
            // SAFETY: the type was just checked.
            return self.str_dict(v, unsafe { v.cast_unchecked::<PyDict>() }, Self::inferred);
        }
        match self.rules.rule(v)? {
            Rule::Model => match self.rules.plan(v)? {
                Some(plan) => self.model_fields(v, &plan),
                None => Ok(false),
            },
            // Kept as is by pydantic; then converted by crewai's rules like any other value.
            Rule::Uuid
            | Rule::Str
            | Rule::EnumName
            | Rule::IsoFormat
            | Rule::Date
            | Rule::DateTime
            | Rule::Base64 => {
                self.value(v)?;
                Ok(true)
            }
            Rule::None => Ok(false),
        }
    }

    /// An array whose items `item` writes (or refuses).
    fn array<I>(
        &mut self,
        obj: &Bound<'py, PyAny>,
        items: I,
        empty: bool,
        mut item: impl FnMut(&mut Self, &Bound<'py, PyAny>) -> PyResult<bool>,
    ) -> PyResult<bool>
    where
        I: Iterator<Item = Bound<'py, PyAny>>,
    {
        if !self.try_enter(obj) {
            return Ok(false);
        }
        self.w.begin_array();
        for (n, x) in items.enumerate() {
            self.w.array_item(n == 0);
            if !item(self, &x)? {
                return Ok(false);
            }
        }
        self.w.end_array(empty);
        self.markers.pop();
        Ok(true)
    }

    /// A dict with exact `str` keys (anything else is left to model_dump()), in its order.
    fn str_dict(
        &mut self,
        obj: &Bound<'py, PyAny>,
        d: &Bound<'py, PyDict>,
        mut value: impl FnMut(&mut Self, &Bound<'py, PyAny>) -> PyResult<bool>,
    ) -> PyResult<bool> {
        if d.is_empty() {
            self.w.begin_object();
            self.w.end_object(true);
            return Ok(true);
        }
        if !self.try_enter(obj) {
            return Ok(false);
        }
        self.w.begin_object();
        let (size, mut pos, mut first) = (d.len(), 0, true);
        while let Some((k, x)) = dict_next(self.dicts_in_place, d, &mut pos) {
            // A dict changed by code run meanwhile is left to model_dump().
            if d.len() != size || k.get_type_ptr() != &raw mut ffi::PyUnicode_Type {
                return Ok(false);
            }
            // SAFETY: the type was just checked.
            self.text(unsafe { k.cast_unchecked::<PyString>() }, Some(first))?;
            first = false;
            if !value(self, &x)? {
                return Ok(false);
            }
        }
        self.w.end_object(false);
        self.markers.pop();
        Ok(true)
    }
}

/// The value of an exact `int` if it fits `i64`; `None` for a bigger one (its digits are
/// then asked of `int.__repr__`). One C call, without pyo3's extraction wrapper.
#[inline]
fn exact_int_i64(obj: &Bound<'_, PyAny>) -> Option<i64> {
    let mut overflow = 0;
    // SAFETY: `obj` is a live exact int (the caller checked the type), so no `__index__`
    // runs and the only failure is overflow, which is reported through `overflow`.
    let n = unsafe { ffi::PyLong_AsLongLongAndOverflow(obj.as_ptr(), &mut overflow) };
    (overflow == 0).then_some(n)
}

/// The entry of `d` after `pos` (advancing it), without the checks of pyo3's dict iterator
/// (its callers check what they need); the table read in place if `in_place`
/// (`dict_entries`).
#[inline]
fn dict_next<'py>(
    in_place: bool,
    d: &Bound<'py, PyDict>,
    pos: &mut ffi::Py_ssize_t,
) -> Option<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    // SAFETY: `d` is a live dict and `pos` only ever comes from this walk; the borrowed
    // references are turned into owned ones at once.
    unsafe {
        let (key, value) = dict_entries::next(in_place, d.as_ptr(), pos)?;
        Some((
            Bound::from_borrowed_ptr(d.py(), key),
            Bound::from_borrowed_ptr(d.py(), value),
        ))
    }
}

/// The value of `d`'s next entry after `pos` if its key is `name` (advancing `pos`). pydantic
/// fills `__dict__` with the schema's interned names, so the key is usually `name` itself and
/// no hash lookup is needed.
fn next_entry<'py>(
    in_place: bool,
    d: &Bound<'py, PyDict>,
    pos: &mut ffi::Py_ssize_t,
    name: &Bound<'py, PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let Some((key, value)) = dict_next(in_place, d, pos) else {
        return Ok(None);
    };
    if key.is(name) || (key.is_exact_instance_of::<PyString>() && key.eq(name)?) {
        return Ok(Some(value));
    }
    Ok(None)
}
