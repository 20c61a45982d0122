//! Bindings for the tools component: agent-output parsing, tool-input decoding, tool
//! selection, the result cache and the rate limiter. Strings a Rust `str` cannot hold (lone
//! surrogates) are reported as undecided so the Python layer answers exactly.

use std::sync::Arc;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::time::Duration;

use crewai_rust_tools::agent_output::{self, ActionInput, AgentOutput, FormatProblem};
use crewai_rust_tools::cache::{Bounds, ResultCache, cache_key};
use crewai_rust_tools::json_plain::Event;
use crewai_rust_tools::rate_limit::RateLimiter;
use crewai_rust_tools::sanitize::{MAX_TOOL_NAME_LENGTH, sanitize_tool_name as sanitize};
use crewai_rust_tools::tool_input::{self, ToolInput};
use crewai_rust_tools::value::{Int, Value};
use crewai_rust_tools::{Decision, repair, select};
use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyInt, PyList, PyString, PyTuple};

use crate::errors::tools_error;
use crate::runtime::{detached, guarded};

mod agent;
mod input;

/// Inputs longer than this are parsed with the interpreter released.
const DETACH_ABOVE: usize = 64 * 1024;

/// `s` as UTF-8, or None when it holds lone surrogates.
fn utf8<'a>(s: &'a Bound<'_, PyString>) -> Option<&'a str> {
    s.to_str().ok()
}

/// Run `f` on `text`, releasing the interpreter when the text is large.
fn run<'t, T: Send>(
    py: Python<'_>,
    text: &'t str,
    f: impl FnOnce(&'t str) -> T + Send,
) -> PyResult<T> {
    if text.len() > DETACH_ABOVE {
        detached(py, || Ok(f(text)))
    } else {
        guarded(|| Ok(f(text)))
    }
}

/// crewai's `sanitize_tool_name(name)` (64-character limit).
#[pyfunction]
fn sanitize_tool_name(name: &Bound<'_, PyString>) -> PyResult<String> {
    // A lone surrogate is dropped by crewai's `encode("ascii", "ignore")`; the replacement
    // character of a lossy conversion is dropped the same way.
    let name = name.to_string_lossy();
    guarded(|| Ok(sanitize(&name, MAX_TOOL_NAME_LENGTH)))
}

/// The index of the tool `ToolUsage._select_tool` picks for `name` among `tool_names`, or
/// None when it finds none (crewai then raises).
#[pyfunction]
fn select_tool(
    name: &Bound<'_, PyString>,
    tool_names: Vec<Bound<'_, PyString>>,
) -> PyResult<Option<usize>> {
    let name = name.to_string_lossy();
    let names: Vec<_> = tool_names.iter().map(|n| n.to_string_lossy()).collect();
    guarded(|| Ok(select::select_tool(&name, &names)))
}

/// `crewai.agents.parser.parse(text)` as a tuple:
/// `("finish", thought, output)`, `("action", thought, tool, tool_input, needs_repair)`,
/// `("invalid", problem)` with problem one of "missing_action", "missing_action_input",
/// "format_without_tools", or `("undecided",)` for text Rust cannot hold.
#[pyfunction]
fn parse_agent_output<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyTuple>> {
    let Some(s) = utf8(text) else {
        return PyTuple::new(py, ["undecided"]);
    };
    let parsed = run(py, s, agent_output::parse_agent_output)?;
    match parsed {
        AgentOutput::Finish { thought, output } => ("finish", thought, output).into_pyobject(py),
        AgentOutput::Action {
            thought,
            tool,
            tool_input,
        } => {
            let (input, needs_repair) = match tool_input {
                ActionInput::Final(s) => (s, false),
                ActionInput::NeedsRepair(s) => (s, true),
            };
            ("action", thought, tool, input, needs_repair).into_pyobject(py)
        }
        AgentOutput::Invalid(problem) => PyTuple::new(py, ["invalid", problem_name(problem)]),
    }
}

/// The setup a binding reads on every call. Setups are replaced only when the Python module
/// that makes them is imported anew (a fuzz harness re-imports it under instrumentation), so
/// each is leaked rather than freed: a reader may still hold the old one, and a call then costs
/// one atomic load instead of a lock.
fn current<T>(slot: &AtomicPtr<T>) -> Option<&'static T> {
    // SAFETY: the pointer is null or came from `Box::leak` in `install` and is never freed.
    unsafe { slot.load(Ordering::Acquire).as_ref() }
}

fn install<T>(slot: &AtomicPtr<T>, value: T) {
    slot.store(Box::leak(Box::new(value)), Ordering::Release);
}

/// The name the Python layer knows a format problem by.
fn problem_name(problem: FormatProblem) -> &'static str {
    match problem {
        FormatProblem::MissingAction => "missing_action",
        FormatProblem::MissingActionInput => "missing_action_input",
        FormatProblem::FormatWithoutTools => "format_without_tools",
    }
}

/// `ToolUsage._validate_tool_input(text)` where Rust can decide it: the dict it returns, False
/// where crewai raises its "valid dictionary" error, None when crewai's chain must run.
#[pyfunction]
fn parse_tool_input<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyAny>> {
    let Some(s) = utf8(text) else {
        return Ok(py.None().into_bound(py));
    };
    match run(py, s, tool_input::parse_tool_input)? {
        ToolInput::Dict(items) => dict_to_py(py, &items),
        ToolInput::Events(events) => events_to_py(py, &events),
        ToolInput::Blank => Ok(false.into_pyobject(py)?.to_owned().into_any()),
        ToolInput::Undecided => Ok(py.None().into_bound(py)),
    }
}

/// `json_repair.repair_json(text)`: valid JSON normalised, broken JSON repaired by the port of
/// json_repair's parser; None where the port cannot be sure (json_repair must run).
#[pyfunction]
fn repair_json(py: Python<'_>, text: &Bound<'_, PyString>) -> PyResult<Option<String>> {
    let Some(s) = utf8(text) else {
        return Ok(None);
    };
    Ok(match run(py, s, repair::repair_json)? {
        Decision::Decided(out) => Some(out),
        Decision::Undecided => None,
    })
}

fn dict_to_py<'py>(py: Python<'py>, items: &[(String, Value)]) -> PyResult<Bound<'py, PyAny>> {
    let dict = PyDict::new(py);
    for (k, v) in items {
        dict.set_item(new_str(py, k)?, value_to_py(py, v)?)?;
    }
    Ok(dict.into_any())
}

/// A `str` holding `s`. ASCII text (most keys, values and every repaired JSON string) is copied
/// into a new compact str of its final width, which skips CPython's UTF-8 decoder and its
/// per-call setup; other text is decoded as usual.
fn new_str<'py>(py: Python<'py>, s: &str) -> PyResult<Bound<'py, PyAny>> {
    if !s.is_ascii() {
        return Ok(PyString::new(py, s).into_any());
    }
    // SAFETY: PyUnicode_New(n, 127) returns a new compact ASCII str whose data buffer holds
    // exactly `n` one-byte units (or NULL with an exception set); `s` is `n` ASCII bytes, and
    // nothing else sees the object before it is returned. For n = 0 it is the shared empty
    // str, and nothing is written.
    unsafe {
        let op = ffi::PyUnicode_New(s.len() as ffi::Py_ssize_t, 127);
        if op.is_null() {
            return Err(PyErr::fetch(py));
        }
        std::ptr::copy_nonoverlapping(s.as_ptr(), ffi::PyUnicode_DATA(op).cast::<u8>(), s.len());
        Ok(Bound::from_owned_ptr(py, op))
    }
}

/// The value a list of events describes (see `json_plain::events_embedded`), built with an
/// explicit stack: each open container and, for a dict, the key waiting for its value.
fn events_to_py<'py>(py: Python<'py>, events: &[Event<'_>]) -> PyResult<Bound<'py, PyAny>> {
    enum Open<'py> {
        Dict(Bound<'py, PyDict>, Option<Bound<'py, PyAny>>),
        List(Vec<Bound<'py, PyAny>>),
    }
    let mut stack: Vec<Open<'py>> = Vec::with_capacity(8);
    for event in events {
        let value = match event {
            Event::Object => {
                stack.push(Open::Dict(PyDict::new(py), None));
                continue;
            }
            Event::Array => {
                stack.push(Open::List(Vec::new()));
                continue;
            }
            Event::Key(k) => {
                if let Some(Open::Dict(_, key)) = stack.last_mut() {
                    *key = Some(new_str(py, k)?);
                }
                continue;
            }
            Event::End => match stack.pop() {
                Some(Open::Dict(d, _)) => d.into_any(),
                Some(Open::List(items)) => PyList::new(py, items)?.into_any(),
                None => break,
            },
            Event::Str(s) => new_str(py, s)?,
            Event::Int(i) => int_to_py(py, i)?,
            Event::Float(f) => f.into_pyobject(py)?.into_any(),
            Event::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
            Event::Null => py.None().into_bound(py),
        };
        match stack.last_mut() {
            Some(Open::Dict(d, key)) => {
                if let Some(k) = key.take() {
                    d.set_item(k, value)?;
                }
            }
            Some(Open::List(items)) => items.push(value),
            None => return Ok(value),
        }
    }
    Err(PyRuntimeError::new_err(
        "internal error: unbalanced tool-input events",
    ))
}

fn int_to_py<'py>(py: Python<'py>, i: &Int) -> PyResult<Bound<'py, PyAny>> {
    Ok(match i {
        Int::Small(i) => i.into_pyobject(py)?.into_any(),
        Int::Big(s) => py.get_type::<PyInt>().call1((s.as_str(),))?,
    })
}

/// Depth is bounded by the parsers (crewai_rust_tools::MAX_DEPTH), so recursion is safe.
fn value_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::None => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Int(i) => int_to_py(py, i)?,
        Value::Float(f) => f.into_pyobject(py)?.into_any(),
        Value::Str(s) => new_str(py, s)?,
        Value::List(items) => PyList::new(py, values_to_py(py, items)?)?.into_any(),
        Value::Tuple(items) => PyTuple::new(py, values_to_py(py, items)?)?.into_any(),
        Value::Dict(items) => dict_to_py(py, items)?,
    })
}

fn values_to_py<'py>(py: Python<'py>, items: &[Value]) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let mut out = Vec::with_capacity(items.len());
    for v in items {
        out.push(value_to_py(py, v)?);
    }
    Ok(out)
}

/// A key byte string for any Python str (lone surrogates passed through, so keys stay distinct).
fn key_part(s: &Bound<'_, PyString>) -> PyResult<Vec<u8>> {
    match s.to_str() {
        Ok(text) => Ok(text.as_bytes().to_vec()),
        Err(_) => {
            let encoded = s.call_method1("encode", ("utf-8", "surrogatepass"))?;
            Ok(encoded.cast::<PyBytes>()?.as_bytes().to_vec())
        }
    }
}

/// `value` seconds as a `Duration`, or a configuration error naming `name`. A finite value too
/// large for `Duration` (2**64 s and above) is refused here: `Duration::from_secs_f64` would
/// panic on it.
fn seconds(name: &str, value: f64) -> PyResult<Duration> {
    let invalid = |why: String| tools_error(crewai_rust_tools::ToolsError::InvalidConfig(why));
    if !(value.is_finite() && value > 0.0) {
        return Err(invalid(format!(
            "{name} must be a positive number of seconds, got {value}"
        )));
    }
    Duration::try_from_secs_f64(value)
        .map_err(|_| invalid(format!("{name} must be below 2**64 seconds, got {value:e}")))
}

/// The tool-result store behind `CacheHandler`: crewai's `"{tool}-{input}"` key, concurrent
/// reads, optional bounds (max_entries, max_weight as the caller's size estimate, ttl seconds).
#[pyclass(frozen, module = "crewai_rust._core")]
struct ResultStore {
    inner: ResultCache<Arc<Py<PyAny>>>,
}

#[pymethods]
impl ResultStore {
    #[new]
    #[pyo3(signature = (max_entries = None, max_weight = None, ttl = None))]
    fn new(
        max_entries: Option<usize>,
        max_weight: Option<usize>,
        ttl: Option<f64>,
    ) -> PyResult<Self> {
        let ttl = ttl.map(|t| seconds("ttl", t)).transpose()?;
        let bounds = Bounds {
            max_entries,
            max_weight,
            ttl,
        };
        Ok(Self {
            inner: ResultCache::new(bounds).map_err(tools_error)?,
        })
    }

    /// Store `output` for (tool, input) with a size estimate `weight`.
    #[pyo3(signature = (tool, input, output, weight = 0))]
    fn add(
        &self,
        tool: &Bound<'_, PyString>,
        input: &Bound<'_, PyString>,
        output: Py<PyAny>,
        weight: usize,
    ) -> PyResult<()> {
        let key = cache_key(&key_part(tool)?, &key_part(input)?);
        let displaced = guarded(|| Ok(self.inner.insert(key, Arc::new(output), weight)))?;
        drop(displaced); // outside the lock: a finalizer may run
        Ok(())
    }

    /// The stored output for (tool, input), or None.
    fn read<'py>(
        &self,
        py: Python<'py>,
        tool: &Bound<'py, PyString>,
        input: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let key = cache_key(&key_part(tool)?, &key_part(input)?);
        match self.inner.get(&key) {
            Some(v) => Ok(v.clone_ref(py).into_bound(py)),
            None => Ok(py.None().into_bound(py)),
        }
    }

    fn remove(&self, tool: &Bound<'_, PyString>, input: &Bound<'_, PyString>) -> PyResult<bool> {
        let key = cache_key(&key_part(tool)?, &key_part(input)?);
        let old = self.inner.remove(&key);
        Ok(old.is_some())
    }

    fn clear(&self) {
        drop(self.inner.clear());
    }

    fn __len__(&self) -> usize {
        self.inner.stats().entries
    }

    /// {"entries", "weight", "hits", "misses"}.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.stats();
        let d = PyDict::new(py);
        d.set_item("entries", s.entries)?;
        d.set_item("weight", s.weight)?;
        d.set_item("hits", s.hits)?;
        d.set_item("misses", s.misses)?;
        Ok(d)
    }
}

/// A fixed-window request limiter (RPMController's behaviour without a timer thread).
#[pyclass(frozen, module = "crewai_rust._core")]
struct RateLimit {
    inner: RateLimiter,
}

#[pymethods]
impl RateLimit {
    #[new]
    #[pyo3(signature = (max_requests, period = 60.0))]
    fn new(max_requests: u64, period: f64) -> PyResult<Self> {
        let inner =
            RateLimiter::new(max_requests, seconds("period", period)?).map_err(tools_error)?;
        Ok(Self { inner })
    }

    /// Count a request if the window has room; False means the caller must wait.
    fn try_acquire(&self, py: Python<'_>) -> PyResult<bool> {
        // Detached: another thread may hold the lock for a whole period while waiting.
        detached(py, || Ok(self.inner.try_acquire()))
    }

    /// Wait one full period (other callers queue), then count this request in a new window.
    fn wait_and_acquire(&self, py: Python<'_>) -> PyResult<()> {
        detached(py, || {
            self.inner.wait_and_acquire();
            Ok(())
        })
    }

    /// Requests counted in the current window.
    fn current(&self, py: Python<'_>) -> PyResult<u64> {
        detached(py, || Ok(self.inner.current()))
    }

    /// Stop the automatic reset (crewai's stop_rpm_counter).
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        detached(py, || {
            self.inner.stop();
            Ok(())
        })
    }

    #[getter]
    fn max_requests(&self) -> u64 {
        self.inner.max_requests()
    }

    #[getter]
    fn period(&self) -> f64 {
        self.inner.period().as_secs_f64()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sanitize_tool_name, m)?)?;
    m.add_function(wrap_pyfunction!(select_tool, m)?)?;
    m.add_function(wrap_pyfunction!(parse_agent_output, m)?)?;
    m.add_function(wrap_pyfunction!(agent::setup_agent_output, m)?)?;
    m.add_function(wrap_pyfunction!(agent::agent_output, m)?)?;
    m.add_function(wrap_pyfunction!(parse_tool_input, m)?)?;
    m.add_function(wrap_pyfunction!(input::setup_tool_input, m)?)?;
    m.add_function(wrap_pyfunction!(input::tool_input, m)?)?;
    m.add_function(wrap_pyfunction!(repair_json, m)?)?;
    m.add_class::<ResultStore>()?;
    m.add_class::<RateLimit>()?;
    Ok(())
}
