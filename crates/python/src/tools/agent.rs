//! `crewai.agents.parser.parse` answered in one call: the Rust parse, then crewai's own
//! `AgentAction` / `AgentFinish` built here (or its `OutputParserError` raised), with no Python
//! wrapper in between. The classes and the few Python callables the rare paths need are handed
//! over once by `setup_agent_output` (the Python layer checks the classes at import).

use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, Ordering};

use crewai_rust_tools::agent_output::{
    ActionInput, AgentOutput, FormatProblem, parse_agent_output,
};
use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple, PyType};

use super::{current, install, new_str, problem_name, run};

/// What the parser needs from Python, set once per process.
struct Setup {
    action: Py<PyType>,
    finish: Py<PyType>,
    error: Py<PyType>,
    /// `finish_repair(tool_input)`: json_repair's half of `_safe_repair_json`, for inputs the
    /// port hands back.
    finish_repair: Py<PyAny>,
    /// `format_problem_message(name)`: the error text in crewai's configured language.
    problem_message: Py<PyAny>,
    /// The reference parser, for what a Rust `str` cannot hold (non-str, lone surrogates).
    fallback: Py<PyAny>,
    // Interned attribute names: the instance dict is filled with the same key objects
    // crewai's `__init__` would use, and setting them costs a pointer compare per key.
    thought: Py<PyString>,
    tool: Py<PyString>,
    tool_input: Py<PyString>,
    text: Py<PyString>,
    result: Py<PyString>,
    output: Py<PyString>,
}

static SETUP: AtomicPtr<Setup> = AtomicPtr::new(ptr::null_mut());

/// Whether results are built by filling the instance dict (checked equivalent to calling the
/// class) rather than by calling the class.
static FILL_DIRECTLY: AtomicBool = AtomicBool::new(false);

/// The `AgentAction` / `AgentFinish` type version tags when direct filling was verified. CPython
/// gives a type a new tag whenever it or a base is modified (a patched `__init__` or `__new__`,
/// say, by a tracing library instrumenting crewai), so a changed tag sends `build` back to
/// calling the class; 0 (no valid tag) never fills directly.
static ACTION_TAG: AtomicU32 = AtomicU32::new(0);
static FINISH_TAG: AtomicU32 = AtomicU32::new(0);

/// `cls`'s current version tag, assigned first if it has none (a method-cache lookup does it).
fn version_tag(cls: &Bound<'_, PyType>) -> u32 {
    let _ = cls.getattr(pyo3::intern!(cls.py(), "__init__"));
    // SAFETY: `cls` is a live type object; reading a field of its struct has no side effect.
    unsafe { (*cls.as_type_ptr()).tp_version_tag }
}

/// Hand over crewai's `AgentAction`, `AgentFinish`, `OutputParserError` and the Python
/// callables of the rare paths; `fill_directly` builds results without running the classes'
/// `__init__` (only when the caller verified that gives identical objects). Calling it again
/// with the same objects only changes `fill_directly`; with other objects (the module was
/// imported anew) they replace the old ones.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn setup_agent_output(
    py: Python<'_>,
    action: Bound<'_, PyType>,
    finish: Bound<'_, PyType>,
    error: Bound<'_, PyType>,
    finish_repair: Bound<'_, PyAny>,
    problem_message: Bound<'_, PyAny>,
    fallback: Bound<'_, PyAny>,
    fill_directly: bool,
) -> PyResult<()> {
    let same = current(&SETUP).is_some_and(|setup| {
        setup.action.is(&action)
            && setup.finish.is(&finish)
            && setup.error.is(&error)
            && setup.finish_repair.is(&finish_repair)
            && setup.problem_message.is(&problem_message)
            && setup.fallback.is(&fallback)
    });
    if !same {
        install(
            &SETUP,
            Setup {
                action: action.unbind(),
                finish: finish.unbind(),
                error: error.unbind(),
                finish_repair: finish_repair.unbind(),
                problem_message: problem_message.unbind(),
                fallback: fallback.unbind(),
                thought: PyString::intern(py, "thought").unbind(),
                tool: PyString::intern(py, "tool").unbind(),
                tool_input: PyString::intern(py, "tool_input").unbind(),
                text: PyString::intern(py, "text").unbind(),
                result: PyString::intern(py, "result").unbind(),
                output: PyString::intern(py, "output").unbind(),
            },
        );
    }
    if let Some(setup) = current(&SETUP) {
        ACTION_TAG.store(version_tag(setup.action.bind(py)), Ordering::Relaxed);
        FINISH_TAG.store(version_tag(setup.finish.bind(py)), Ordering::Relaxed);
    }
    FILL_DIRECTLY.store(fill_directly, Ordering::Relaxed);
    Ok(())
}

/// `crewai.agents.parser.parse(text)`: crewai's `AgentAction` or `AgentFinish`, or its
/// `OutputParserError` with crewai's message.
#[pyfunction]
pub fn agent_output<'py>(py: Python<'py>, text: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let Some(setup) = current(&SETUP) else {
        return Err(PyRuntimeError::new_err(
            "agent_output needs setup_agent_output first (crewai_rust.tools.native does it)",
        ));
    };
    let Some(s) = text.cast::<PyString>().ok().and_then(|s| s.to_str().ok()) else {
        return setup.fallback.bind(py).call1((text,));
    };
    let direct = FILL_DIRECTLY.load(Ordering::Relaxed);
    match run(py, s, parse_agent_output)? {
        AgentOutput::Finish { thought, output } => {
            let fields = [
                (&setup.thought, new_str(py, &thought)?),
                (&setup.output, new_str(py, &output)?),
                (&setup.text, text.clone()),
            ];
            build(py, setup.finish.bind(py), &fields, 3, direct, &FINISH_TAG)
        }
        AgentOutput::Action {
            thought,
            tool,
            tool_input,
        } => {
            let tool_input = match tool_input {
                ActionInput::Final(s) => new_str(py, &s)?,
                ActionInput::NeedsRepair(s) => setup.finish_repair.bind(py).call1((s,))?,
            };
            let fields = [
                (&setup.thought, new_str(py, &thought)?),
                (&setup.tool, new_str(py, &tool)?),
                (&setup.tool_input, tool_input),
                (&setup.text, text.clone()),
                (&setup.result, py.None().into_bound(py)),
            ];
            // `result` keeps its default when the class is called.
            build(py, setup.action.bind(py), &fields, 4, direct, &ACTION_TAG)
        }
        AgentOutput::Invalid(problem) => Err(parser_error(py, setup, problem)),
    }
}

fn parser_error(py: Python<'_>, setup: &Setup, problem: FormatProblem) -> PyErr {
    let raised = setup
        .problem_message
        .bind(py)
        .call1((problem_name(problem),))
        .and_then(|message| setup.error.bind(py).call1((message,)));
    match raised {
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
    }
}

/// An instance of `cls` holding `fields` (in the class's field order): `cls(*values[..positional])`,
/// or, in direct mode, `cls.__new__(cls)` with the fields stored by `object.__setattr__` in the
/// order the dataclass `__init__` stores them. Running that generated `__init__` is a Python
/// frame and five attribute stores, the largest part of a small parse.
fn build<'py>(
    py: Python<'py>,
    cls: &Bound<'py, PyType>,
    fields: &[(&Py<PyString>, Bound<'py, PyAny>)],
    positional: usize,
    direct: bool,
    verified_tag: &AtomicU32,
) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: `cls` is a live type object; reading a field of its struct has no side effect.
    let tag = unsafe { (*cls.as_type_ptr()).tp_version_tag };
    let verified = verified_tag.load(Ordering::Relaxed);
    if !direct || tag == 0 || tag != verified {
        let args = PyTuple::new(py, fields[..positional].iter().map(|(_, v)| v))?;
        return cls.call1(args);
    }
    // SAFETY: `cls` is a live type object; its `tp_new` is `object.__new__` (checked by the
    // Python layer before enabling direct mode), which accepts an empty argument tuple, and
    // returns a new reference or NULL with an exception set. `PyObject_GenericSetAttr` takes
    // borrowed references to live objects and returns -1 with an exception set on failure.
    unsafe {
        let tp = cls.as_type_ptr();
        let Some(new) = (*tp).tp_new else {
            return cls.call1(PyTuple::new(
                py,
                fields[..positional].iter().map(|(_, v)| v),
            )?);
        };
        let empty = PyTuple::empty(py);
        let obj = Bound::from_owned_ptr_or_err(py, new(tp, empty.as_ptr(), ptr::null_mut()))?;
        // `object.__setattr__` (the Python layer checked the class does not override it) is
        // what the generated `__init__` runs: on CPython 3.11+ it stores into the instance's
        // inline values, where filling a materialised `__dict__` cost twice as much.
        for (key, value) in fields {
            if ffi::PyObject_GenericSetAttr(obj.as_ptr(), key.as_ptr(), value.as_ptr()) < 0 {
                return Err(PyErr::fetch(py));
            }
        }
        Ok(obj)
    }
}
