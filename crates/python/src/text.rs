//! Bindings for the full-text index (`crewai_rust_memory::text`): the standalone `TextIndex`,
//! `tokenize` and `fuse`, with the same interface as `crewai_rust.memory.text` (the reference).

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crewai_rust_memory::text::{self, Bm25Params, Candidate, Language};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyString};

use crate::errors::InvalidInputError;
use crate::runtime::{detached, guarded};

pub(crate) fn language(name: &str) -> PyResult<Language> {
    Language::parse(name).ok_or_else(|| {
        InvalidInputError::new_err(format!(
            "unknown text language {name:?}; accepted: english, en, none"
        ))
    })
}

fn doc_id(obj: &Bound<'_, PyAny>) -> PyResult<u32> {
    if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!(
            "doc id must be an int, got {}",
            obj.get_type().name()?
        )));
    }
    obj.extract::<i64>()
        .ok()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| {
            InvalidInputError::new_err(format!("doc id must be in [0, 2**32), got {obj}"))
        })
}

/// Text as Rust sees it: unpaired surrogates become U+FFFD, a separator, as they are for the
/// reference's tokenizer, so both split such text identically.
pub(crate) fn text_arg(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    let s = obj.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(match obj.get_type().name() {
            Ok(name) => format!("{what} must be a str, got {name}"),
            Err(_) => format!("{what} must be a str"),
        })
    })?;
    Ok(s.to_string_lossy().into_owned())
}

fn limit_arg(limit: i64) -> usize {
    usize::try_from(limit).unwrap_or(0)
}

/// Incremental inverted index keyed by int doc ids (0 <= id < 2**32) with exact BM25 top-k
/// under a filter. Scores of `search` are normalised into [0, 1] by the query's saturation
/// bound; `scores` gives raw BM25 (the input of `fuse`).
#[pyclass(name = "TextIndex", module = "crewai_rust._core", frozen)]
#[derive(Debug)]
pub struct PyTextIndex {
    inner: RwLock<text::TextIndex>,
}

impl PyTextIndex {
    // A panic while holding the lock is turned into RustPanicError by `guarded`; the index is
    // only ever mutated by methods that finish their bookkeeping, so later readers may go on.
    fn read(&self) -> RwLockReadGuard<'_, text::TextIndex> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, text::TextIndex> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }
}

#[pymethods]
impl PyTextIndex {
    #[new]
    #[pyo3(signature = (language = "english", k1 = 0.9, b = 0.4))]
    fn new(language: &str, k1: f64, b: f64) -> PyResult<Self> {
        let lang = self::language(language)?;
        let params = Bm25Params::new(k1, b).ok_or_else(|| {
            InvalidInputError::new_err(format!(
                "BM25 needs a finite k1 >= 0 and b in [0, 1], got k1={k1}, b={b}"
            ))
        })?;
        Ok(Self {
            inner: RwLock::new(text::TextIndex::new(lang, params)),
        })
    }

    /// The analysis language ("english" or "none").
    #[getter]
    fn language(&self) -> &'static str {
        self.read().tokenizer().language().name()
    }

    fn __len__(&self) -> usize {
        self.read().len()
    }

    fn __contains__(&self, doc: &Bound<'_, PyAny>) -> bool {
        doc_id(doc).is_ok_and(|d| self.read().contains(d))
    }

    /// Number of distinct terms indexed.
    fn term_count(&self) -> usize {
        self.read().term_count()
    }

    /// Number of documents containing an (already analysed) term.
    fn df(&self, term: &str) -> usize {
        self.read().df(term)
    }

    /// Number of terms of a document, or None if it is not indexed.
    fn doc_len(&self, doc: &Bound<'_, PyAny>) -> Option<u32> {
        doc_id(doc).ok().and_then(|d| self.read().doc_len(d))
    }

    /// Mean number of terms per document (0.0 when empty).
    fn avg_doc_len(&self) -> f64 {
        self.read().avg_doc_len()
    }

    /// Index `text` as document `doc`, replacing what `doc` held before.
    fn add(&self, py: Python<'_>, doc: &Bound<'_, PyAny>, text: &Bound<'_, PyAny>) -> PyResult<()> {
        let doc = doc_id(doc)?;
        let text = text_arg(text, "text")?;
        detached(py, || {
            self.write().add(doc, &text);
            Ok(())
        })
    }

    /// `add` each (doc, text) pair; every pair is checked before any is indexed.
    fn add_many(&self, py: Python<'_>, docs: &Bound<'_, PyAny>) -> PyResult<()> {
        let mut items = Vec::new();
        for item in docs.try_iter()? {
            let item = item?;
            let (doc, text): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            items.push((doc_id(&doc)?, text_arg(&text, "text")?));
        }
        detached(py, || {
            let mut index = self.write();
            for (doc, text) in &items {
                index.add(*doc, text);
            }
            Ok(())
        })
    }

    /// Remove a document; returns whether it was indexed.
    fn remove(&self, doc: &Bound<'_, PyAny>) -> PyResult<bool> {
        let doc = doc_id(doc)?;
        guarded(|| Ok(self.write().remove(doc)))
    }

    /// Forget every document.
    fn clear(&self) -> PyResult<()> {
        guarded(|| {
            self.write().clear();
            Ok(())
        })
    }

    /// Top `limit` (doc, score in [0, 1]) for `query` among `allowed` docs (None = all), best
    /// first, ties by doc id, scored with the statistics of the allowed docs alone. Any string
    /// is a valid query; one without known terms finds nothing.
    #[pyo3(signature = (query, limit = 10, allowed = None))]
    fn search(
        &self,
        py: Python<'_>,
        query: &Bound<'_, PyAny>,
        limit: i64,
        allowed: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<(u32, f64)>> {
        let query = text_arg(query, "query")?;
        let allowed: Option<text::DocSet> = match allowed {
            None => None,
            Some(obj) => {
                let mut set = text::DocSet::default();
                for item in obj.try_iter()? {
                    // Ids that cannot be docs cannot match; they are not an error.
                    if let Ok(d) = doc_id(&item?) {
                        set.insert(d);
                    }
                }
                Some(set)
            }
        };
        let limit = limit_arg(limit);
        detached(py, || {
            let index = self.read();
            let q = index.query_in(&query, allowed.as_ref());
            let hits = index.search(&q, limit, |d| {
                allowed.as_ref().is_none_or(|s| s.contains(&d))
            });
            Ok(hits.into_iter().map(|(d, s)| (d, q.normalize(s))).collect())
        })
    }

    /// Raw BM25 of each of `docs` for `query` (0.0 for docs without a query term).
    fn scores(
        &self,
        py: Python<'_>,
        query: &Bound<'_, PyAny>,
        docs: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<f64>> {
        let query = text_arg(query, "query")?;
        let mut ids = Vec::new();
        for item in docs.try_iter()? {
            ids.push(doc_id(&item?)?);
        }
        detached(py, || {
            let index = self.read();
            let q = index.query(&query);
            Ok(ids.iter().map(|&d| index.score(&q, d)).collect())
        })
    }
}

/// The index terms of `text`, in order, duplicates included.
#[pyfunction]
#[pyo3(signature = (text, language = "english"))]
fn tokenize(py: Python<'_>, text: &Bound<'_, PyAny>, language: &str) -> PyResult<Vec<String>> {
    let text = text_arg(text, "text")?;
    let tokenizer = text::Tokenizer::new(self::language(language)?);
    detached(py, || Ok(tokenizer.terms(&text)))
}

// The signatures below spell the default weight as a literal, so Python's signature shows the
// value; this keeps the literal in step with the crate's default.
const _: () = assert!(text::DEFAULT_TEXT_WEIGHT == 0.7);

/// Fuse (doc, raw bm25, cosine) candidates into (doc, score in [0, 1]), best first, ties by doc
/// id: `weight * bm25 / max_bm25 + (1 - weight) * max(cos, 0) / max_cos`.
#[pyfunction]
#[pyo3(signature = (candidates, weight = 0.7, limit = 10))]
fn fuse(
    candidates: Vec<(Bound<'_, PyAny>, f64, f64)>,
    weight: f64,
    limit: i64,
) -> PyResult<Vec<(u32, f64)>> {
    if !text::valid_weight(weight) {
        return Err(InvalidInputError::new_err(format!(
            "weight must be between 0 and 1, got {weight}"
        )));
    }
    let mut cands = Vec::with_capacity(candidates.len());
    for (doc, t, v) in &candidates {
        if !(t.is_finite() && v.is_finite()) {
            return Err(InvalidInputError::new_err(
                "fusion scores must be finite numbers",
            ));
        }
        cands.push(Candidate {
            doc: doc_id(doc)?,
            text: *t,
            vector: *v,
        });
    }
    guarded(|| Ok(text::fuse(&cands, weight, limit_arg(limit))))
}

/// How many candidates each ranking contributes for a hybrid top-`limit`.
#[pyfunction]
fn candidate_pool(limit: i64) -> usize {
    text::candidate_pool(limit_arg(limit))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyTextIndex>()?;
    m.add_function(wrap_pyfunction!(tokenize, m)?)?;
    m.add_function(wrap_pyfunction!(fuse, m)?)?;
    m.add_function(wrap_pyfunction!(candidate_pool, m)?)?;
    m.add("TEXT_UNICODE_VERSION", text::tables::UNICODE_VERSION)?;
    m.add("DEFAULT_TEXT_WEIGHT", text::DEFAULT_TEXT_WEIGHT)?;
    m.add(
        "ENGLISH_STOP_WORDS",
        text::stopwords::english_stop_words().to_vec(),
    )?;
    Ok(())
}
