//! Bindings for the memory store: `crewai_rust._core.MemoryStore` (see `engine_contract.md`).
//! Converts arguments, runs every store call with the interpreter detached, maps errors.

mod args;
mod convert;
mod fields;
mod isodate;
mod model;
mod objects;

use std::path::PathBuf;

use crewai_rust_memory::{
    DeleteCriteria, Durability, HybridQuery, MemoryError, Record, SearchQuery, Store,
    TextSearchQuery, normalise_prefix, parse_filter,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyType};

use crate::errors::{InvalidInputError, memory_err};
use crate::runtime::detached;

fn opt_str_list(v: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Vec<String>> {
    match v {
        Some(x) if !x.is_none() => convert::str_list(x, what),
        _ => Ok(Vec::new()),
    }
}

/// Records as the caller asked for them: engine dicts, or (`fields`) crewai's field values,
/// or (`model`) finished crewai records.
enum Output<'py> {
    Engine(Python<'py>),
    Crewai(fields::RecordBuilder<'py>),
}

impl<'py> Output<'py> {
    fn new(py: Python<'py>, fields: bool, model: Option<&Bound<'py, PyType>>) -> PyResult<Self> {
        Ok(if fields || model.is_some() {
            Output::Crewai(fields::RecordBuilder::new(py, model)?)
        } else {
            Output::Engine(py)
        })
    }

    fn all(&mut self, recs: Vec<Record>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        match self {
            Output::Engine(py) => recs
                .into_iter()
                .map(|r| Ok(convert::to_dict(*py, r)?.into_any()))
                .collect(),
            Output::Crewai(b) => b.build_all(recs),
        }
    }

    fn scored<S: Into<f64>>(
        &mut self,
        hits: Vec<(Record, S)>,
    ) -> PyResult<Vec<(Bound<'py, PyAny>, f64)>> {
        let (recs, scores): (Vec<Record>, Vec<S>) = hits.into_iter().unzip();
        let built = self.all(recs)?;
        Ok(built
            .into_iter()
            .zip(scores.into_iter().map(Into::into))
            .collect())
    }
}

fn run<T: Send>(py: Python<'_>, f: impl FnOnce() -> Result<T, MemoryError> + Send) -> PyResult<T> {
    detached(py, || f().map_err(memory_err))
}

/// The Rust memory engine: an embedded, durable, multi-process vector + metadata store.
///
/// `path=None` keeps everything in memory. `durability="flush"` makes an upsert survive the
/// process being killed once it returns; `"fsync"` also survives power loss (one disk flush per
/// write). Every call first catches up with writes other handles or processes made.
#[pyclass(name = "MemoryStore", module = "crewai_rust._core", frozen)]
#[derive(Debug)]
pub struct PyMemoryStore {
    store: Store,
    path: Option<String>,
}

#[pymethods]
impl PyMemoryStore {
    #[new]
    #[pyo3(signature = (path = None, vector_dim = None, *, durability = "flush", text_language = "english"))]
    fn new(
        py: Python<'_>,
        #[pyo3(from_py_with = args::path)] path: Option<PathBuf>,
        #[pyo3(from_py_with = args::vector_dim)] vector_dim: Option<i64>,
        #[pyo3(from_py_with = args::durability)] durability: &str,
        #[pyo3(from_py_with = args::text_language)] text_language: &str,
    ) -> PyResult<Self> {
        let language = crate::text::language(text_language)?;
        let durability = Durability::parse(durability).map_err(memory_err)?;
        let dim = match vector_dim {
            None => None,
            Some(d) if d > 0 => Some(d as usize),
            Some(d) => {
                return Err(InvalidInputError::new_err(format!(
                    "vector_dim must be a positive int, got {d}"
                )));
            }
        };
        if path.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
            // An empty path would put the store's files in the working directory (and fail
            // half-way, syncing a directory named ""): almost always an unset setting.
            return Err(InvalidInputError::new_err(
                "path must not be empty (None keeps the store in memory)",
            ));
        }
        let path_str = path.as_ref().map(|p| p.to_string_lossy().into_owned());
        let store = run(py, || {
            Store::open_with_language(path.as_deref(), dim, durability, language)
        })?;
        Ok(Self {
            store,
            path: path_str,
        })
    }

    /// The embedding dimension, fixed by the first stored embedding or the constructor.
    #[getter]
    fn vector_dim(&self, py: Python<'_>) -> PyResult<Option<usize>> {
        run(py, || self.store.vector_dim())
    }

    /// The store's directory, or None in memory.
    #[getter]
    fn path(&self) -> Option<String> {
        self.path.clone()
    }

    /// Insert or replace records by id; the batch is atomic.
    fn upsert(&self, py: Python<'_>, records: &Bound<'_, PyAny>) -> PyResult<()> {
        let list = records
            .cast::<PyList>()
            .map_err(|_| InvalidInputError::new_err("records must be a list of dicts"))?;
        let recs = list
            .iter()
            .map(|r| convert::record(&r))
            .collect::<PyResult<Vec<_>>>()?;
        run(py, || self.store.upsert(recs))
    }

    /// The record with this id, or None. `fields=True` returns crewai `MemoryRecord` field
    /// values (embedding a list of floats, metadata a dict, datetimes) instead of the engine dict;
    /// `model=MemoryRecord` returns the record itself, made as `model_construct` would with every
    /// field (the other reads take the same two keywords).
    #[pyo3(signature = (record_id, *, fields = false, model = None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::record_id)] record_id: &str,
        #[pyo3(from_py_with = args::fields)] fields: bool,
        model: Option<&Bound<'py, PyType>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let mut out = Output::new(py, fields, model)?;
        let rec = run(py, || self.store.get(record_id))?;
        Ok(match rec {
            Some(r) => out.all(vec![r])?.pop(),
            None => None,
        })
    }

    /// Exact top-`limit` records by cosine similarity among those matching every filter.
    #[pyo3(signature = (query, scope_prefix = None, categories = None, metadata_filter = None, limit = 10, min_score = 0.0, *, fields = false, model = None))]
    #[allow(clippy::too_many_arguments)] // the Python signature of the engine contract
    fn search<'py>(
        &self,
        py: Python<'py>,
        query: &Bound<'py, PyAny>,
        #[pyo3(from_py_with = args::scope_prefix)] scope_prefix: Option<&str>,
        categories: Option<&Bound<'py, PyAny>>,
        #[pyo3(from_py_with = args::metadata_filter)] metadata_filter: Option<&str>,
        #[pyo3(from_py_with = args::limit)] limit: i64,
        #[pyo3(from_py_with = args::min_score)] min_score: f64,
        #[pyo3(from_py_with = args::fields)] fields: bool,
        model: Option<&Bound<'py, PyType>>,
    ) -> PyResult<Vec<(Bound<'py, PyAny>, f64)>> {
        let q = SearchQuery {
            vector: convert::vector(query, "query")?,
            scope_prefix: normalise_prefix(scope_prefix),
            categories: opt_str_list(categories, "categories")?,
            metadata_filter: parse_filter(metadata_filter).map_err(memory_err)?,
            limit: limit.max(0) as usize,
            min_score,
        };
        let mut out = Output::new(py, fields, model)?;
        let hits = run(py, || self.store.search(&q))?;
        out.scored(hits)
    }

    /// Exact top-`limit` records by BM25 over `content` among those matching every filter;
    /// scores in [0, 1]. Any string is a valid query (plain text, never a query language).
    #[pyo3(signature = (query, scope_prefix = None, categories = None, metadata_filter = None, limit = 10, min_score = 0.0, *, fields = false, model = None))]
    #[allow(clippy::too_many_arguments)] // the Python signature of the engine contract
    fn search_text<'py>(
        &self,
        py: Python<'py>,
        query: &Bound<'py, PyAny>,
        #[pyo3(from_py_with = args::scope_prefix)] scope_prefix: Option<&str>,
        categories: Option<&Bound<'py, PyAny>>,
        #[pyo3(from_py_with = args::metadata_filter)] metadata_filter: Option<&str>,
        #[pyo3(from_py_with = args::limit)] limit: i64,
        #[pyo3(from_py_with = args::min_score)] min_score: f64,
        #[pyo3(from_py_with = args::fields)] fields: bool,
        model: Option<&Bound<'py, PyType>>,
    ) -> PyResult<Vec<(Bound<'py, PyAny>, f64)>> {
        let q = TextSearchQuery {
            text: crate::text::text_arg(query, "query")?,
            scope_prefix: normalise_prefix(scope_prefix),
            categories: opt_str_list(categories, "categories")?,
            metadata_filter: parse_filter(metadata_filter).map_err(memory_err)?,
            limit: limit.max(0) as usize,
            min_score,
        };
        let mut out = Output::new(py, fields, model)?;
        let hits = run(py, || self.store.search_text(&q))?;
        out.scored(hits)
    }

    /// Hybrid search: BM25 of `query_text` and cosine of `query_embedding`, fused as
    /// `weight * bm25/max_bm25 + (1 - weight) * cos/max_cos` over both rankings' candidates;
    /// exact filters, scores in [0, 1].
    #[pyo3(signature = (query_text, query_embedding, scope_prefix = None, categories = None, metadata_filter = None, limit = 10, min_score = 0.0, weight = 0.7, *, fields = false, model = None))]
    #[allow(clippy::too_many_arguments)] // the Python signature of the engine contract
    fn search_hybrid<'py>(
        &self,
        py: Python<'py>,
        query_text: &Bound<'py, PyAny>,
        query_embedding: &Bound<'py, PyAny>,
        #[pyo3(from_py_with = args::scope_prefix)] scope_prefix: Option<&str>,
        categories: Option<&Bound<'py, PyAny>>,
        #[pyo3(from_py_with = args::metadata_filter)] metadata_filter: Option<&str>,
        #[pyo3(from_py_with = args::limit)] limit: i64,
        #[pyo3(from_py_with = args::min_score)] min_score: f64,
        #[pyo3(from_py_with = args::weight)] weight: f64,
        #[pyo3(from_py_with = args::fields)] fields: bool,
        model: Option<&Bound<'py, PyType>>,
    ) -> PyResult<Vec<(Bound<'py, PyAny>, f64)>> {
        let q = HybridQuery {
            text: crate::text::text_arg(query_text, "query_text")?,
            vector: convert::vector(query_embedding, "query_embedding")?,
            scope_prefix: normalise_prefix(scope_prefix),
            categories: opt_str_list(categories, "categories")?,
            metadata_filter: parse_filter(metadata_filter).map_err(memory_err)?,
            limit: limit.max(0) as usize,
            min_score,
            weight,
        };
        let mut out = Output::new(py, fields, model)?;
        let hits = run(py, || self.store.search_hybrid(&q))?;
        out.scored(hits)
    }

    /// Delete records matching every given criterion; none given deletes nothing.
    #[pyo3(signature = (scope_prefix = None, categories = None, record_ids = None, older_than_us = None, metadata_filter = None))]
    fn delete(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = args::scope_prefix)] scope_prefix: Option<&str>,
        categories: Option<&Bound<'_, PyAny>>,
        record_ids: Option<&Bound<'_, PyAny>>,
        #[pyo3(from_py_with = args::older_than_us)] older_than_us: Option<i64>,
        #[pyo3(from_py_with = args::metadata_filter)] metadata_filter: Option<&str>,
    ) -> PyResult<usize> {
        let criteria = DeleteCriteria {
            scope_prefix: normalise_prefix(scope_prefix),
            categories: opt_str_list(categories, "categories")?,
            record_ids: match record_ids {
                Some(x) if !x.is_none() => Some(convert::str_list(x, "record_ids")?),
                _ => None,
            },
            older_than_us,
            metadata_filter: parse_filter(metadata_filter).map_err(memory_err)?,
        };
        run(py, || self.store.delete(&criteria))
    }

    /// Replace the record with the same id; False (nothing stored) if there is none.
    fn update(&self, py: Python<'_>, record: &Bound<'_, PyAny>) -> PyResult<bool> {
        let rec = convert::record(record)?;
        run(py, || self.store.update(rec))
    }

    /// Records newest first (ties by id), optionally within a scope.
    #[pyo3(signature = (scope_prefix = None, limit = 200, offset = 0, *, fields = false, model = None))]
    fn list_records<'py>(
        &self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::scope_prefix)] scope_prefix: Option<&str>,
        #[pyo3(from_py_with = args::limit)] limit: i64,
        #[pyo3(from_py_with = args::offset)] offset: i64,
        #[pyo3(from_py_with = args::fields)] fields: bool,
        model: Option<&Bound<'py, PyType>>,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        if offset < 0 {
            return Err(InvalidInputError::new_err(format!(
                "offset must not be negative, got {offset}"
            )));
        }
        let scope = normalise_prefix(scope_prefix);
        let (limit, offset) = (limit.max(0) as usize, offset as usize);
        let mut out = Output::new(py, fields, model)?;
        let recs = run(py, || {
            self.store.list_records(scope.as_deref(), limit, offset)
        })?;
        out.all(recs)
    }

    /// Counts, categories, time range and child scopes of a scope and its subscopes.
    fn scope_info<'py>(
        &self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::scope)] scope: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let canon = normalise_prefix(Some(scope));
        let info = run(py, || self.store.scope_info(scope, canon.as_deref()))?;
        let d = PyDict::new(py);
        d.set_item("path", info.path)?;
        d.set_item("record_count", info.record_count)?;
        d.set_item("categories", info.categories)?;
        d.set_item("oldest_created_at", info.oldest_created_at)?;
        d.set_item("newest_created_at", info.newest_created_at)?;
        d.set_item("child_scopes", info.child_scopes)?;
        Ok(d)
    }

    /// Immediate child scope paths of `parent`, sorted.
    #[pyo3(signature = (parent = "/"))]
    fn list_scopes(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = args::parent)] parent: &str,
    ) -> PyResult<Vec<String>> {
        let canon = normalise_prefix(Some(parent));
        run(py, || self.store.list_scopes(canon.as_deref()))
    }

    /// Category -> number of records having it, optionally within a scope.
    #[pyo3(signature = (scope_prefix = None))]
    fn list_categories<'py>(
        &self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::scope_prefix)] scope_prefix: Option<&str>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let canon = normalise_prefix(scope_prefix);
        let cats = run(py, || self.store.list_categories(canon.as_deref()))?;
        let d = PyDict::new(py);
        for (k, v) in cats {
            d.set_item(k, v)?;
        }
        Ok(d)
    }

    /// Number of records, optionally within a scope.
    #[pyo3(signature = (scope_prefix = None))]
    fn count(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = args::scope_prefix)] scope_prefix: Option<&str>,
    ) -> PyResult<usize> {
        let canon = normalise_prefix(scope_prefix);
        run(py, || self.store.count(canon.as_deref()))
    }

    /// Delete a scope's records; None or "/" deletes everything and forgets the dimension.
    #[pyo3(signature = (scope_prefix = None))]
    fn reset(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = args::scope_prefix)] scope_prefix: Option<&str>,
    ) -> PyResult<()> {
        let canon = normalise_prefix(scope_prefix);
        run(py, || self.store.reset(canon.as_deref()))
    }

    /// Set `last_accessed` on existing records; returns how many were touched.
    fn touch(
        &self,
        py: Python<'_>,
        record_ids: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = args::last_accessed)] last_accessed: &str,
    ) -> PyResult<usize> {
        let ids = convert::str_list(record_ids, "record_ids")?;
        run(py, || self.store.touch(&ids, last_accessed))
    }

    /// Catch up with other handles' and processes' writes now.
    fn refresh(&self, py: Python<'_>) -> PyResult<()> {
        run(py, || self.store.refresh())
    }

    /// Release the files; idempotent. Later calls raise StorageError("store is closed").
    fn close(&self, py: Python<'_>) {
        py.detach(|| self.store.close());
    }

    /// Wait for a background ANN index build to finish (benchmarks, tests). Returns whether
    /// searches of large collections now use the index.
    fn wait_for_index(&self, py: Python<'_>) -> PyResult<bool> {
        run(py, || Ok(self.store.wait_for_index()))
    }

    /// Sizes in bytes: `vectors` and `index` held in memory, `file` on disk.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let (v, i, f) = run(py, || {
            Ok((
                self.store.vector_heap_bytes(),
                self.store.index_heap_bytes(),
                self.store.file_bytes(),
            ))
        })?;
        let d = PyDict::new(py);
        d.set_item("vectors", v)?;
        d.set_item("index", i)?;
        d.set_item("file", f)?;
        Ok(d)
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        run(py, || self.store.len())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyMemoryStore>()
}
