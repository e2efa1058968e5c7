//! Chrome's native-messaging framing: a 4-byte length in native byte order (little
//! endian on every target we ship), then that many bytes of UTF-8 JSON.
//!
//! The length is checked against [`MAX_MESSAGE_BYTES`] before a single byte of the
//! body is allocated, in both directions. A clean end of input (no byte of a new frame)
//! is not an error: it is how Chrome says goodbye. A body cut short is zeroized before
//! the error is returned: it may hold a PIN.

use std::io::{self, Read, Write};

use byteorder::{NativeEndian, ReadBytesExt, WriteBytesExt};
use protocol::MAX_MESSAGE_BYTES;
use zeroize::Zeroizing;

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The input ended inside a frame's length or body.
    #[error("the input ended inside a message ({got} of {expected} bytes)")]
    Truncated {
        /// Bytes read of the part being read.
        got: usize,
        /// Bytes that part should have had.
        expected: usize,
    },
    /// The announced or produced length is over the 1 MiB cap.
    #[error("a message of {len} bytes is over the {MAX_MESSAGE_BYTES}-byte limit")]
    TooLarge {
        /// The length.
        len: u64,
    },
    /// Reading or writing failed.
    #[error("reading or writing a message failed: {0}")]
    Io(#[from] io::Error),
}

/// Reads one frame's body. `Ok(None)` is a clean end of input.
pub fn read_frame(input: &mut impl Read) -> Result<Option<Vec<u8>>, FrameError> {
    let mut len_bytes = [0u8; 4];
    let got = read_full(input, &mut len_bytes)?;
    if got == 0 {
        return Ok(None);
    }
    if got < 4 {
        return Err(FrameError::Truncated { got, expected: 4 });
    }
    let len = (&len_bytes[..]).read_u32::<NativeEndian>()?;
    let len_usize = usize::try_from(len).map_err(|_| FrameError::TooLarge {
        len: u64::from(len),
    })?;
    if len_usize > MAX_MESSAGE_BYTES {
        return Err(FrameError::TooLarge {
            len: u64::from(len),
        });
    }
    let mut body = Zeroizing::new(vec![0u8; len_usize]);
    let got = read_full(input, &mut body)?;
    if got < len_usize {
        return Err(FrameError::Truncated {
            got,
            expected: len_usize,
        });
    }
    Ok(Some(std::mem::take(&mut *body)))
}

/// Writes one frame and flushes it.
pub fn write_frame(output: &mut impl Write, body: &[u8]) -> Result<(), FrameError> {
    if body.len() > MAX_MESSAGE_BYTES {
        return Err(FrameError::TooLarge {
            len: body.len() as u64,
        });
    }
    let len = u32::try_from(body.len()).map_err(|_| FrameError::TooLarge {
        len: body.len() as u64,
    })?;
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.write_u32::<NativeEndian>(len)?;
    frame.extend_from_slice(body);
    output.write_all(&frame)?;
    output.flush()?;
    Ok(())
}

// Reads until `buf` is full or the input ends; returns how many bytes were read.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_frame(&mut out, body).unwrap();
        out
    }

    #[test]
    fn round_trip_and_clean_eof() {
        let mut input = frame(b"{\"a\":1}");
        input.extend(frame(b"[]"));
        let mut cursor = &input[..];
        assert_eq!(read_frame(&mut cursor).unwrap().unwrap(), b"{\"a\":1}");
        assert_eq!(read_frame(&mut cursor).unwrap().unwrap(), b"[]");
        assert!(read_frame(&mut cursor).unwrap().is_none());
    }

    #[test]
    fn truncated_length_and_body() {
        let mut cursor = &[1u8, 0][..];
        assert!(matches!(
            read_frame(&mut cursor),
            Err(FrameError::Truncated {
                got: 2,
                expected: 4
            })
        ));
        let mut input = frame(b"hello");
        input.truncate(6);
        let mut cursor = &input[..];
        assert!(matches!(
            read_frame(&mut cursor),
            Err(FrameError::Truncated {
                got: 2,
                expected: 5
            })
        ));
    }

    #[test]
    fn oversize_is_refused_before_allocating() {
        // Announces 4 GiB - 1 with no body: must fail on the length alone.
        let mut cursor = &[0xff, 0xff, 0xff, 0xff][..];
        assert!(matches!(
            read_frame(&mut cursor),
            Err(FrameError::TooLarge { len: 0xffff_ffff })
        ));
        let just_over = u32::try_from(MAX_MESSAGE_BYTES + 1).unwrap().to_ne_bytes();
        let mut cursor = &just_over[..];
        assert!(matches!(
            read_frame(&mut cursor),
            Err(FrameError::TooLarge { .. })
        ));
        let mut sink = Vec::new();
        assert!(matches!(
            write_frame(&mut sink, &vec![b' '; MAX_MESSAGE_BYTES + 1]),
            Err(FrameError::TooLarge { .. })
        ));
        assert!(sink.is_empty());
    }

    #[test]
    fn exactly_the_limit_is_accepted() {
        let body = vec![b' '; MAX_MESSAGE_BYTES];
        let input = frame(&body);
        let mut cursor = &input[..];
        assert_eq!(
            read_frame(&mut cursor).unwrap().unwrap().len(),
            MAX_MESSAGE_BYTES
        );
    }
}
