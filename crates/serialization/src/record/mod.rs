//! The versioned, checksummed binary record codec of the memory store (see `FORMAT.md`).
//!
//! The store's log and its compacted snapshots are the same kind of file: a [`FileHeader`]
//! followed by frames, each holding one [`Entry`]. Everything here is plain bytes in, plain
//! values out; the store decides what a torn tail or a bad checksum means.

mod entry;
mod frame;
mod header;

pub use entry::{
    Entry, Record, decode_entry, decode_entry_each, encode_entry, encoded_record_len,
    recycle_embedding,
};
pub use frame::{FRAME_HEADER_LEN, FrameRead, encode_frame, parse_frame_header, read_frame};
pub use header::{FORMAT_VERSION, FileHeader, HEADER_LEN, MAGIC};

/// Why bytes could not be decoded: the message names the field or structure that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("record codec: {0}")]
pub struct CodecError(pub String);

impl CodecError {
    pub(crate) fn new(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }
}
