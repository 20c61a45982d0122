//! Log entries (upsert batch, delete, touch, clear) and the memory record they carry.

use super::CodecError;

/// One memory record as the store keeps it (the engine record of `engine_contract.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: String,
    pub content: String,
    pub scope: String,
    pub categories: Vec<String>,
    /// JSON text of an object, kept verbatim.
    pub metadata: String,
    pub importance: f64,
    /// `datetime.isoformat()` text, verbatim.
    pub created_at: String,
    /// Microseconds since the Unix epoch, for ordering.
    pub created_us: i64,
    pub last_accessed: String,
    pub source: Option<String>,
    pub private: bool,
    pub embedding: Option<Vec<f32>>,
}

/// One log entry. An upsert batch is one entry, so a batch is durable all-or-nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// Insert or replace each record by id, in order.
    Upsert(Vec<Record>),
    /// Remove these ids (absent ids are ignored).
    Delete(Vec<String>),
    /// Set `last_accessed` on these ids.
    Touch {
        ids: Vec<String>,
        last_accessed: String,
    },
    /// Remove everything and forget the embedding dimension.
    Clear,
}

const KIND_UPSERT: u8 = 1;
const KIND_DELETE: u8 = 2;
const KIND_TOUCH: u8 = 3;
const KIND_CLEAR: u8 = 4;

const FLAG_PRIVATE: u8 = 1;
const FLAG_SOURCE: u8 = 2;
const FLAG_EMBEDDING: u8 = 4;

/// Encode an entry's payload (frame it with `encode_frame`).
pub fn encode_entry(entry: &Entry) -> Vec<u8> {
    let mut out = Vec::new();
    match entry {
        Entry::Upsert(records) => {
            let size: usize = records.iter().map(encoded_record_len).sum();
            out.reserve(5 + size);
            out.push(KIND_UPSERT);
            put_u32(&mut out, records.len());
            for r in records {
                put_record(&mut out, r);
            }
        }
        Entry::Delete(ids) => {
            out.push(KIND_DELETE);
            put_strs(&mut out, ids);
        }
        Entry::Touch { ids, last_accessed } => {
            out.push(KIND_TOUCH);
            put_str(&mut out, last_accessed);
            put_strs(&mut out, ids);
        }
        Entry::Clear => out.push(KIND_CLEAR),
    }
    out
}

/// Bytes one record takes inside an upsert entry (the store uses it to measure garbage).
pub fn encoded_record_len(r: &Record) -> usize {
    let s = |x: &str| 4 + x.len();
    s(&r.id)
        + s(&r.content)
        + s(&r.scope)
        + 4
        + r.categories.iter().map(|c| s(c)).sum::<usize>()
        + s(&r.metadata)
        + 8
        + s(&r.created_at)
        + 8
        + s(&r.last_accessed)
        + 1
        + r.source.as_deref().map_or(0, s)
        + r.embedding.as_ref().map_or(0, |e| 4 + 4 * e.len())
}

/// Decode an entry payload written by any supported format version.
pub fn decode_entry(payload: &[u8]) -> Result<Entry, CodecError> {
    let mut c = Cursor {
        buf: payload,
        at: 0,
    };
    let entry = match c.u8("entry kind")? {
        KIND_UPSERT => {
            let n = c.u32("record count")? as usize;
            let mut records = Vec::with_capacity(n.min(c.remaining() / 40 + 1));
            for _ in 0..n {
                records.push(c.record()?);
            }
            Entry::Upsert(records)
        }
        KIND_DELETE => Entry::Delete(c.strs("deleted ids")?),
        KIND_TOUCH => {
            let last_accessed = c.str("last_accessed")?;
            Entry::Touch {
                ids: c.strs("touched ids")?,
                last_accessed,
            }
        }
        KIND_CLEAR => Entry::Clear,
        other => return Err(CodecError::new(format!("unknown entry kind {other}"))),
    };
    if c.remaining() != 0 {
        return Err(CodecError::new(format!(
            "{} unexpected bytes after entry",
            c.remaining()
        )));
    }
    Ok(entry)
}

/// [`decode_entry`], handing the entry to `each` piece by piece: an upsert batch arrives as one
/// single-record `Upsert` per record, in order (applying them in turn is applying the batch).
/// Replaying a log this way keeps one record's embedding alive at a time instead of a whole
/// batch's (a 1,000-record batch at dim 1,536 is 6 MB of fresh memory to fault in and free).
/// The outer error is a decoding failure, the inner one the first error `each` returned (which
/// stops the walk).
pub fn decode_entry_each<E>(
    payload: &[u8],
    mut each: impl FnMut(Entry) -> Result<(), E>,
) -> Result<Result<(), E>, CodecError> {
    let mut c = Cursor {
        buf: payload,
        at: 0,
    };
    if payload.first() != Some(&KIND_UPSERT) {
        return decode_entry(payload).map(each);
    }
    c.at = 1;
    let n = c.u32("record count")?;
    for _ in 0..n {
        let rec = c.record()?;
        if let Err(e) = each(Entry::Upsert(vec![rec])) {
            return Ok(Err(e));
        }
    }
    if c.remaining() != 0 {
        return Err(CodecError::new(format!(
            "{} unexpected bytes after entry",
            c.remaining()
        )));
    }
    Ok(Ok(()))
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    let n = u32::try_from(n).expect("length over u32");
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_strs(out: &mut Vec<u8>, items: &[String]) {
    put_u32(out, items.len());
    for s in items {
        put_str(out, s);
    }
}

fn put_record(out: &mut Vec<u8>, r: &Record) {
    put_str(out, &r.id);
    put_str(out, &r.content);
    put_str(out, &r.scope);
    put_strs(out, &r.categories);
    put_str(out, &r.metadata);
    out.extend_from_slice(&r.importance.to_le_bytes());
    put_str(out, &r.created_at);
    out.extend_from_slice(&r.created_us.to_le_bytes());
    put_str(out, &r.last_accessed);
    let mut flags = 0;
    if r.private {
        flags |= FLAG_PRIVATE;
    }
    if r.source.is_some() {
        flags |= FLAG_SOURCE;
    }
    if r.embedding.is_some() {
        flags |= FLAG_EMBEDDING;
    }
    out.push(flags);
    if let Some(src) = &r.source {
        put_str(out, src);
    }
    if let Some(e) = &r.embedding {
        put_u32(out, e.len());
        for x in e {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
}

thread_local! {
    /// One spare embedding buffer on this thread (see [`recycle_embedding`]).
    static SPARE: std::cell::Cell<Option<Vec<f32>>> = const { std::cell::Cell::new(None) };
}

/// Hand back a decoded embedding the caller has finished with: the next embedding decoded on
/// this thread reuses its buffer. Replaying a log copies every embedding into the store's own
/// vector memory and drops it; without this, each record cost a multi-kilobyte allocation and
/// free, which also made glibc consolidate its small-chunk bins every record.
pub fn recycle_embedding(v: Vec<f32>) {
    SPARE.with(|s| s.set(Some(v)));
}

/// Little-endian f32s from `raw` (a multiple of 4 bytes long). Replaying a store decodes every
/// stored float, so on little-endian targets this is one copy instead of a per-float loop the
/// compiler did not vectorise (measured: 10% of reopening 10k x 1536).
fn le_floats(raw: &[u8]) -> Vec<f32> {
    let n = raw.len() / 4;
    // A spare buffer much larger than needed would be held by the record for nothing.
    let spare = SPARE
        .with(std::cell::Cell::take)
        .filter(|v| (n..=2 * n).contains(&v.capacity()));
    let mut v = spare.unwrap_or_else(|| Vec::with_capacity(n));
    v.clear();
    #[cfg(target_endian = "little")]
    {
        // SAFETY: `v` is empty with capacity for at least `n` floats = `4 n` bytes, the source
        // holds `4 n` bytes, the two cannot overlap (`v` owns its buffer, `raw` borrows the
        // payload), and every bit pattern is a valid f32; on a little-endian target the bytes
        // are exactly the floats' in-memory form.
        unsafe {
            std::ptr::copy_nonoverlapping(raw.as_ptr(), v.as_mut_ptr().cast::<u8>(), 4 * n);
            v.set_len(n);
        }
        v
    }
    #[cfg(not(target_endian = "little"))]
    {
        v.extend(
            raw.chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().expect("4"))),
        );
        v
    }
}

struct Cursor<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn remaining(&self) -> usize {
        self.buf.len() - self.at
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], CodecError> {
        if self.remaining() < n {
            return Err(CodecError::new(format!(
                "truncated entry: {what} needs {n} bytes, {} left",
                self.remaining()
            )));
        }
        let s = &self.buf[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    fn u8(&mut self, what: &str) -> Result<u8, CodecError> {
        Ok(self.take(1, what)?[0])
    }

    fn u32(&mut self, what: &str) -> Result<u32, CodecError> {
        Ok(u32::from_le_bytes(
            self.take(4, what)?.try_into().expect("4"),
        ))
    }

    fn u64(&mut self, what: &str) -> Result<u64, CodecError> {
        Ok(u64::from_le_bytes(
            self.take(8, what)?.try_into().expect("8"),
        ))
    }

    fn str(&mut self, what: &str) -> Result<String, CodecError> {
        let n = self.u32(what)? as usize;
        let bytes = self.take(n, what)?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| CodecError::new(format!("{what} is not valid UTF-8")))
    }

    fn strs(&mut self, what: &str) -> Result<Vec<String>, CodecError> {
        let n = self.u32(what)? as usize;
        let mut v = Vec::with_capacity(n.min(self.remaining() / 4));
        for _ in 0..n {
            v.push(self.str(what)?);
        }
        Ok(v)
    }

    fn record(&mut self) -> Result<Record, CodecError> {
        let id = self.str("id")?;
        let content = self.str("content")?;
        let scope = self.str("scope")?;
        let categories = self.strs("categories")?;
        let metadata = self.str("metadata")?;
        let importance = f64::from_bits(self.u64("importance")?);
        let created_at = self.str("created_at")?;
        let created_us = self.u64("created_us")? as i64;
        let last_accessed = self.str("last_accessed")?;
        let flags = self.u8("flags")?;
        if flags & !(FLAG_PRIVATE | FLAG_SOURCE | FLAG_EMBEDDING) != 0 {
            return Err(CodecError::new(format!("unknown record flags {flags:#x}")));
        }
        let source = if flags & FLAG_SOURCE != 0 {
            Some(self.str("source")?)
        } else {
            None
        };
        let embedding = if flags & FLAG_EMBEDDING != 0 {
            let dim = self.u32("embedding dimension")? as usize;
            let raw = self.take(dim.saturating_mul(4), "embedding")?;
            Some(le_floats(raw))
        } else {
            None
        };
        Ok(Record {
            id,
            content,
            scope,
            categories,
            metadata,
            importance,
            created_at,
            created_us,
            last_accessed,
            source,
            private: flags & FLAG_PRIVATE != 0,
            embedding,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample(id: &str, embedding: Option<Vec<f32>>) -> Record {
        Record {
            id: id.into(),
            content: "héllo ✓".into(),
            scope: "/crew/a".into(),
            categories: vec!["x".into(), "y".into()],
            metadata: r#"{"k":[1,2.5,null]}"#.into(),
            importance: 0.75,
            created_at: "2026-01-02T03:04:05.123456+00:00".into(),
            created_us: -5,
            last_accessed: "2026-01-02T03:04:05".into(),
            source: Some("agent".into()),
            private: true,
            embedding,
        }
    }

    #[test]
    fn entries_round_trip() {
        let mut plain = sample("b", None);
        plain.source = None;
        plain.private = false;
        plain.categories.clear();
        let entries = [
            Entry::Upsert(vec![sample("a", Some(vec![1.0, -0.5, 3.25])), plain]),
            Entry::Upsert(vec![]),
            Entry::Delete(vec!["a".into(), String::new()]),
            Entry::Touch {
                ids: vec!["b".into()],
                last_accessed: "t".into(),
            },
            Entry::Clear,
        ];
        for e in &entries {
            let bytes = encode_entry(e);
            assert_eq!(&decode_entry(&bytes).unwrap(), e);
        }
    }

    #[test]
    fn streamed_decode_yields_each_record_in_order() {
        let a = sample("a", Some(vec![1.0, -0.5]));
        let b = sample("b", None);
        let batch = encode_entry(&Entry::Upsert(vec![a.clone(), b.clone()]));
        let mut seen = Vec::new();
        decode_entry_each(&batch, |e| {
            seen.push(e);
            Ok::<(), ()>(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(seen, [Entry::Upsert(vec![a]), Entry::Upsert(vec![b])]);
        // Other kinds arrive whole.
        let del = Entry::Delete(vec!["a".into()]);
        let mut seen = Vec::new();
        decode_entry_each(&encode_entry(&del), |e| {
            seen.push(e);
            Ok::<(), ()>(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(seen, [del]);
        // The visitor's error stops the walk; damage is a codec error.
        let mut calls = 0;
        let stopped = decode_entry_each(&batch, |_| {
            calls += 1;
            Err("stop")
        });
        assert_eq!((stopped, calls), (Ok(Err("stop")), 1));
        assert!(decode_entry_each(&batch[..batch.len() - 1], |_| Ok::<(), ()>(())).is_err());
        let mut extra = batch.clone();
        extra.push(0);
        assert!(decode_entry_each(&extra, |_| Ok::<(), ()>(())).is_err());
    }

    #[test]
    fn a_recycled_buffer_never_leaks_its_old_values() {
        let decode = |e: Vec<f32>| {
            let bytes = encode_entry(&Entry::Upsert(vec![sample("a", Some(e))]));
            match decode_entry(&bytes).unwrap() {
                Entry::Upsert(mut rs) => rs.remove(0).embedding.unwrap(),
                other => panic!("decoded {other:?}"),
            }
        };
        let first = decode(vec![1.0, 2.0, 3.0, 4.0]);
        recycle_embedding(first);
        // Same size (reused), shorter and much longer (fresh or reused): exact values each time.
        assert_eq!(decode(vec![5.0, 6.0, 7.0, 8.0]), [5.0, 6.0, 7.0, 8.0]);
        recycle_embedding(vec![9.0; 64]);
        assert_eq!(decode(vec![-1.0, 0.5]), [-1.0, 0.5]);
        recycle_embedding(vec![9.0; 2]);
        assert_eq!(decode(vec![0.25; 40]), vec![0.25; 40]);
        recycle_embedding(vec![9.0; 8]);
        assert_eq!(decode(vec![]), Vec::<f32>::new());
    }

    #[test]
    fn record_len_matches_encoding() {
        let r = sample("abc", Some(vec![0.0; 7]));
        let bytes = encode_entry(&Entry::Upsert(vec![r.clone()]));
        assert_eq!(bytes.len(), 1 + 4 + encoded_record_len(&r));
    }

    #[test]
    fn truncated_or_padded_payloads_are_errors() {
        let bytes = encode_entry(&Entry::Upsert(vec![sample("a", Some(vec![1.0; 4]))]));
        for cut in 0..bytes.len() {
            assert!(decode_entry(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut padded = bytes;
        padded.push(0);
        assert!(decode_entry(&padded).is_err());
        assert!(decode_entry(&[9]).is_err());
    }
}
