//! Length-prefixed, checksummed frames, and the rule that tells a torn tail from corruption
//! (the only copy of it: the memory store reads its log through [`read_frame`]).

/// Bytes before each payload: length u32 LE | crc32 of the length u32 LE | crc32 of payload u32 LE.
pub const FRAME_HEADER_LEN: usize = 12;

/// Frame one payload. Written with a single `write_all`, so a crash leaves at worst a prefix.
pub fn encode_frame(payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).expect("frame payload over 4 GiB");
    let mut out = Vec::with_capacity(FRAME_HEADER_LEN + payload.len());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&len.to_le_bytes()).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The payload length and payload checksum a frame header declares, or `None` when the
/// header's own checksum fails (for readers that stream frames instead of holding the file).
pub fn parse_frame_header(header: &[u8; FRAME_HEADER_LEN]) -> Option<(usize, u32)> {
    let len_bytes: [u8; 4] = header[0..4].try_into().expect("4 bytes");
    let len_crc = u32::from_le_bytes(header[4..8].try_into().expect("4 bytes"));
    if crc32fast::hash(&len_bytes) != len_crc {
        return None;
    }
    let payload_crc = u32::from_le_bytes(header[8..12].try_into().expect("4 bytes"));
    Some((u32::from_le_bytes(len_bytes) as usize, payload_crc))
}

/// What sits at an offset of a file's bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum FrameRead<'a> {
    /// A whole, verified frame; the next one starts at `next`.
    Frame { payload: &'a [u8], next: usize },
    /// Exactly at the end: nothing more to read.
    End,
    /// The last frame is incomplete or fails its checksum with nothing after it: what a crash
    /// (or a write still in progress in another process) leaves. Safe to discard.
    Torn,
    /// A damaged frame with data after it: never produced by a crash, so not discarded. Says
    /// what failed; the caller, who knows the file and offset, names where.
    Corrupt(&'static str),
}

/// Read the frame at `at` in `buf` (the file's bytes from offset 0 or from any frame boundary).
pub fn read_frame(buf: &[u8], at: usize) -> FrameRead<'_> {
    let rest = &buf[at.min(buf.len())..];
    if rest.is_empty() {
        return FrameRead::End;
    }
    if rest.len() < FRAME_HEADER_LEN {
        return FrameRead::Torn;
    }
    let header: &[u8; FRAME_HEADER_LEN] = rest[..FRAME_HEADER_LEN].try_into().expect("12 bytes");
    let Some((len, payload_crc)) = parse_frame_header(header) else {
        // A power loss can extend a file with zeros; anything else here is damage.
        return if rest.iter().all(|&b| b == 0) {
            FrameRead::Torn
        } else {
            FrameRead::Corrupt("frame header checksum mismatch")
        };
    };
    let end = FRAME_HEADER_LEN + len;
    if rest.len() < end {
        return FrameRead::Torn;
    }
    let payload = &rest[FRAME_HEADER_LEN..end];
    if crc32fast::hash(payload) != payload_crc {
        return if rest.len() == end {
            FrameRead::Torn
        } else {
            FrameRead::Corrupt("frame payload checksum mismatch")
        };
    }
    FrameRead::Frame {
        payload,
        next: at + end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_frames() -> (Vec<u8>, usize) {
        let mut buf = encode_frame(b"first payload");
        let second = buf.len();
        buf.extend(encode_frame(b"second"));
        (buf, second)
    }

    #[test]
    fn reads_frames_in_order() {
        let (buf, second) = two_frames();
        match read_frame(&buf, 0) {
            FrameRead::Frame { payload, next } => {
                assert_eq!(payload, b"first payload");
                assert_eq!(next, second);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            read_frame(&buf, second),
            FrameRead::Frame {
                payload: b"second",
                ..
            }
        ));
        assert_eq!(read_frame(&buf, buf.len()), FrameRead::End);
    }

    #[test]
    fn every_prefix_of_the_last_frame_is_torn() {
        let (buf, second) = two_frames();
        for cut in second + 1..buf.len() {
            assert_eq!(
                read_frame(&buf[..cut], second),
                FrameRead::Torn,
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn damage_before_the_tail_is_corruption() {
        let (buf, _) = two_frames();
        let mut bad = buf.clone();
        bad[FRAME_HEADER_LEN + 2] ^= 1;
        assert!(matches!(read_frame(&bad, 0), FrameRead::Corrupt(_)));
        let mut bad = buf;
        bad[1] ^= 1;
        assert!(matches!(read_frame(&bad, 0), FrameRead::Corrupt(_)));
    }

    #[test]
    fn damaged_last_frame_and_zero_fill_are_torn() {
        let (mut buf, second) = two_frames();
        let last = buf.len() - 1;
        buf[last] ^= 1;
        assert_eq!(read_frame(&buf, second), FrameRead::Torn);
        let zeros = vec![0u8; 64];
        assert_eq!(read_frame(&zeros, 0), FrameRead::Torn);
    }
}
