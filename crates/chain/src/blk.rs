//! The `blk*.dat` framing of Bitcoin Core: each block is preceded by the
//! network magic and its length (little-endian u32). Core pre-allocates
//! files, so a run of zero bytes at the end is padding, not an error.

use thiserror::Error;

pub const MAINNET_MAGIC: [u8; 4] = [0xf9, 0xbe, 0xb4, 0xd9];

/// Largest block accepted (the consensus limit is 4,000,000 weight units,
/// so no serialised block exceeds 4 MB).
pub const MAX_BLOCK_BYTES: usize = 4_000_000;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BlkError {
    #[error("byte {offset}: expected the network magic f9beb4d9, found {found}")]
    Magic { offset: usize, found: String },
    #[error("byte {offset}: a block length of {len} bytes (no block exceeds {MAX_BLOCK_BYTES})")]
    Length { offset: usize, len: u64 },
    #[error("byte {offset}: the file ends inside a block ({missing} bytes missing): truncated")]
    Truncated { offset: usize, missing: usize },
}

/// Splits framed bytes into (offset, block bytes) records.
pub fn split_blk(bytes: &[u8]) -> Result<Vec<(usize, &[u8])>, BlkError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].iter().all(|b| *b == 0) {
            break; // pre-allocated padding
        }
        if bytes.len() - i < 8 {
            return Err(BlkError::Truncated {
                offset: i,
                missing: 8 - (bytes.len() - i),
            });
        }
        if bytes[i..i + 4] != MAINNET_MAGIC {
            let found = bytes[i..i + 4].iter().map(|b| format!("{b:02x}")).collect();
            return Err(BlkError::Magic { offset: i, found });
        }
        let len =
            u32::from_le_bytes([bytes[i + 4], bytes[i + 5], bytes[i + 6], bytes[i + 7]]) as usize;
        if !(80..=MAX_BLOCK_BYTES).contains(&len) {
            return Err(BlkError::Length {
                offset: i + 4,
                len: len as u64,
            });
        }
        let start = i + 8;
        if bytes.len() - start < len {
            return Err(BlkError::Truncated {
                offset: start,
                missing: len - (bytes.len() - start),
            });
        }
        out.push((start, &bytes[start..start + len]));
        i = start + len;
    }
    Ok(out)
}

/// Undoes the XOR obfuscation of Bitcoin Core ≥ 28 block files: every byte
/// at file position `i` was XORed with `key[i % 8]`, the key being the
/// 8 bytes of the directory's `xor.dat` (all zero: no obfuscation).
pub fn unxor(bytes: &mut [u8], key: &[u8; 8]) {
    if key == &[0; 8] {
        return;
    }
    for (i, b) in bytes.iter_mut().enumerate() {
        *b ^= key[i % 8];
    }
}

/// Reads a `xor.dat`: exactly 8 bytes.
pub fn xor_key(bytes: &[u8]) -> Result<[u8; 8], String> {
    bytes
        .try_into()
        .map_err(|_| format!("xor.dat holds {} bytes; Bitcoin Core writes 8", bytes.len()))
}

/// What kind of block file these bytes are: framed (`blk`), a raw block, or
/// framed but obfuscated with `key` (tried when given).
pub fn looks_framed(bytes: &[u8]) -> bool {
    bytes.len() >= 8 && bytes[..4] == MAINNET_MAGIC
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xor_round_trip() {
        let key = [1, 2, 3, 4, 5, 6, 7, 0xff];
        let mut b = frame(100, &[9; 100]);
        let orig = b.clone();
        unxor(&mut b, &key);
        assert!(!looks_framed(&b));
        unxor(&mut b, &key);
        assert_eq!(b, orig);
        assert!(xor_key(&[0; 7]).unwrap_err().contains("7 bytes"));
    }

    fn frame(len: u32, body: &[u8]) -> Vec<u8> {
        let mut v = MAINNET_MAGIC.to_vec();
        v.extend(len.to_le_bytes());
        v.extend(body);
        v
    }

    #[test]
    fn framing_errors_name_the_byte() {
        assert_eq!(split_blk(&frame(100, &[1; 100])).unwrap().len(), 1);
        let mut padded = frame(100, &[1; 100]);
        padded.extend([0; 64]);
        assert_eq!(split_blk(&padded).unwrap().len(), 1);
        assert!(matches!(
            split_blk(&frame(100, &[1; 50])),
            Err(BlkError::Truncated {
                offset: 8,
                missing: 50
            })
        ));
        assert!(matches!(
            split_blk(&frame(u32::MAX, &[1; 50])),
            Err(BlkError::Length { offset: 4, .. })
        ));
        let mut bad = frame(100, &[1; 100]);
        bad[0] = 0xfa;
        assert!(matches!(
            split_blk(&bad),
            Err(BlkError::Magic { offset: 0, .. })
        ));
    }
}
