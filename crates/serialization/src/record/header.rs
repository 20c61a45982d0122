//! The fixed 24-byte file header: magic, format version, generation, and its own checksum.

use super::CodecError;

/// First bytes of every store file.
pub const MAGIC: [u8; 8] = *b"CRWMEMLG";
/// The format version this code writes. Readers accept every version up to this one.
pub const FORMAT_VERSION: u16 = 1;
/// Size of the encoded header in bytes.
pub const HEADER_LEN: usize = 24;

/// The header of a log/snapshot file.
///
/// `generation` changes every time the file is replaced by a compacted copy, so another
/// process holding the old file can tell it must reload rather than continue at its offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileHeader {
    pub version: u16,
    pub generation: u64,
}

impl FileHeader {
    /// A header for a new file in the current format.
    pub fn new(generation: u64) -> Self {
        Self {
            version: FORMAT_VERSION,
            generation,
        }
    }

    /// Layout: magic (8) | version u16 LE | reserved u16 (0) | generation u64 LE | crc32 u32 LE
    /// of the 20 preceding bytes.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..8].copy_from_slice(&MAGIC);
        out[8..10].copy_from_slice(&self.version.to_le_bytes());
        out[12..20].copy_from_slice(&self.generation.to_le_bytes());
        let crc = crc32fast::hash(&out[..20]);
        out[20..24].copy_from_slice(&crc.to_le_bytes());
        out
    }

    /// Decode and check a header; a newer format version than this build knows is an error
    /// (refusing is safer than misreading).
    pub fn decode(bytes: &[u8]) -> Result<Self, CodecError> {
        if bytes.len() < HEADER_LEN {
            return Err(CodecError::new(format!(
                "file header is {} bytes, expected {HEADER_LEN}",
                bytes.len()
            )));
        }
        if bytes[..8] != MAGIC {
            return Err(CodecError::new(
                "not a crewai-rust memory store file (bad magic)",
            ));
        }
        let stored = u32::from_le_bytes(bytes[20..24].try_into().expect("4 bytes"));
        if crc32fast::hash(&bytes[..20]) != stored {
            return Err(CodecError::new("file header checksum mismatch"));
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if version == 0 || version > FORMAT_VERSION {
            return Err(CodecError::new(format!(
                "file format version {version} is not supported (this build reads 1..={FORMAT_VERSION})"
            )));
        }
        let generation = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
        Ok(Self {
            version,
            generation,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_detects_damage() {
        let h = FileHeader::new(0xDEAD_BEEF_0102);
        let bytes = h.encode();
        assert_eq!(FileHeader::decode(&bytes).unwrap(), h);
        for i in 0..HEADER_LEN {
            let mut bad = bytes;
            bad[i] ^= 0x40;
            assert!(
                FileHeader::decode(&bad).is_err(),
                "flip at byte {i} undetected"
            );
        }
        assert!(FileHeader::decode(&bytes[..10]).is_err());
    }

    #[test]
    fn newer_version_is_refused() {
        let mut h = FileHeader::new(1);
        h.version = FORMAT_VERSION + 1;
        let err = FileHeader::decode(&h.encode()).unwrap_err();
        assert!(err.0.contains("not supported"), "{err}");
    }
}
