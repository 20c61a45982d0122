//! Checks a record must pass before it is written: nothing invalid ever reaches the log.

use crewai_rust_serialization::record::Record;
use serde_json::Value;

use crate::error::{MemoryError, Result};

fn bad(id: &str, field: &str, problem: &str) -> MemoryError {
    if id.is_empty() {
        MemoryError::InvalidInput(format!("record: field '{field}' {problem}"))
    } else {
        MemoryError::InvalidInput(format!("record '{id}': field '{field}' {problem}"))
    }
}

/// Field checks of one record (types were checked by whoever built the `Record`).
pub fn check_record(r: &Record) -> Result<()> {
    if r.id.is_empty() {
        return Err(bad("", "id", "must not be empty"));
    }
    if !r.importance.is_finite() {
        return Err(bad(&r.id, "importance", "must be finite"));
    }
    match serde_json::from_str::<Value>(&r.metadata) {
        Ok(Value::Object(_)) => {}
        Ok(_) => return Err(bad(&r.id, "metadata", "must be the JSON text of an object")),
        Err(e) => return Err(bad(&r.id, "metadata", &format!("is not valid JSON ({e})"))),
    }
    if let Some(e) = &r.embedding {
        check_vector(e).map_err(|p| bad(&r.id, "embedding", p))?;
    }
    Ok(())
}

/// A vector must be non-empty and finite.
pub fn check_vector(v: &[f32]) -> std::result::Result<(), &'static str> {
    if v.is_empty() {
        return Err("must not be empty");
    }
    if !v.iter().all(|x| x.is_finite()) {
        return Err("contains NaN or infinity");
    }
    Ok(())
}

/// Every embedding of a batch agrees with the store's dimension, or with the first one in
/// the batch when the store has none yet.
pub fn check_dims(records: &[Record], store_dim: Option<usize>) -> Result<()> {
    let mut dim = store_dim;
    for e in records.iter().filter_map(|r| r.embedding.as_ref()) {
        match dim {
            None => dim = Some(e.len()),
            Some(d) if d != e.len() => {
                return Err(MemoryError::DimensionMismatch {
                    stored: d,
                    got: e.len(),
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}
