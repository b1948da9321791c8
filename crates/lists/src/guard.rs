//! Defences against hostile or broken inputs that a format parser alone
//! would not stop: a gigabyte without a line break (which a CSV or XML
//! reader would buffer whole), and files in an encoding other than UTF-8.

use crate::{ListError, Location};
use std::io::{self, BufRead, Read};

/// Longest run of bytes accepted without a delimiter byte (16 MiB): far
/// beyond any real record, far below what would exhaust memory.
pub const MAX_RUN: usize = 16 << 20;

/// A reader that fails once more than `max` bytes pass without one of the
/// `delims` bytes, so that downstream buffers stay bounded.
#[derive(Debug)]
pub struct RunGuard<R> {
    inner: R,
    delims: &'static [u8],
    max: usize,
    run: usize,
    offset: u64,
}

impl<R> RunGuard<R> {
    pub fn new(inner: R, delims: &'static [u8], max: usize) -> Self {
        RunGuard {
            inner,
            delims,
            max,
            run: 0,
            offset: 0,
        }
    }

    fn account(&mut self, buf: &[u8]) -> io::Result<()> {
        for (i, b) in buf.iter().enumerate() {
            if self.delims.contains(b) {
                self.run = 0;
            } else {
                self.run += 1;
                if self.run > self.max {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "more than {} MiB without a line break near byte {}: refused",
                            self.max >> 20,
                            self.offset + i as u64
                        ),
                    ));
                }
            }
        }
        self.offset += buf.len() as u64;
        Ok(())
    }
}

impl<R: Read> Read for RunGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.account(&buf[..n])?;
        Ok(n)
    }
}

/// Refuses inputs that are clearly not UTF-8 text before any parsing:
/// UTF-16/32 byte-order marks, and NUL bytes near the start (binary data).
/// Skips a UTF-8 byte-order mark.
pub fn check_text_start<R: BufRead>(file: &str, r: &mut R) -> Result<(), ListError> {
    let buf = r.fill_buf().map_err(|e| ListError::io(file, e))?;
    if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
        r.consume(3);
        return Ok(());
    }
    if buf.starts_with(&[0xFF, 0xFE]) || buf.starts_with(&[0xFE, 0xFF]) {
        return Err(ListError::invalid(
            file,
            Location::Byte(0),
            "the file is UTF-16 encoded; expected UTF-8 (convert it, e.g. with iconv -f UTF-16 -t UTF-8)",
        ));
    }
    let head = &buf[..buf.len().min(4096)];
    if let Some(pos) = head.iter().position(|b| *b == 0) {
        return Err(ListError::invalid(
            file,
            Location::Byte(pos as u64),
            "a NUL byte: this is binary data, not a text list",
        ));
    }
    Ok(())
}

/// Whether the first line ends in CRLF (OFAC's files do). The csv crate
/// reports line numbers one short after a CRLF record end; callers add it.
pub fn first_line_is_crlf<R: BufRead>(r: &mut R) -> bool {
    match r.fill_buf() {
        Ok(buf) => buf
            .iter()
            .position(|b| *b == b'\n')
            .is_some_and(|i| i > 0 && buf[i - 1] == b'\r'),
        Err(_) => false,
    }
}

/// Calls `f` with each line's number and trimmed text (blank lines
/// skipped), refusing lines longer than `max_run` bytes and invalid UTF-8.
pub fn for_each_line<R: BufRead>(
    file: &str,
    reader: R,
    max_run: usize,
    mut f: impl FnMut(u64, &str) -> Result<(), ListError>,
) -> Result<(), ListError> {
    let mut r = std::io::BufReader::new(RunGuard::new(reader, b"\n", max_run));
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        let n = r
            .read_until(b'\n', &mut buf)
            .map_err(|e| ListError::io(file, e))?;
        if n == 0 {
            return Ok(());
        }
        line += 1;
        let text = utf8(file, line, &buf)?.trim();
        if !text.is_empty() {
            f(line, text)?;
        }
    }
}

/// Converts bytes to text, naming the line of the first invalid sequence.
pub fn utf8<'a>(file: &str, line: u64, bytes: &'a [u8]) -> Result<&'a str, ListError> {
    std::str::from_utf8(bytes).map_err(|e| {
        ListError::invalid(
            file,
            Location::Line(line),
            format!(
                "invalid UTF-8 at byte {} of the line (is the file in another encoding, such as Latin-1 or Shift_JIS? convert it to UTF-8)",
                e.valid_up_to()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_runs_are_refused_and_short_ones_pass() {
        let data = [b'a'; 100];
        let mut g = RunGuard::new(&data[..], b"\n", 50);
        let mut out = Vec::new();
        let err = g.read_to_end(&mut out).unwrap_err();
        assert!(err.to_string().contains("without a line break"), "{err}");
        let ok = b"aaaa\nbbbb\n".repeat(100);
        let mut g = RunGuard::new(&ok[..], b"\n", 50);
        assert!(g.read_to_end(&mut out).is_ok());
    }

    #[test]
    fn utf16_and_binary_are_refused() {
        let mut r: &[u8] = &[0xFF, 0xFE, b'a', 0];
        assert!(check_text_start("x", &mut r)
            .unwrap_err()
            .to_string()
            .contains("UTF-16"));
        let mut r: &[u8] = b"abc\0def";
        assert!(check_text_start("x", &mut r)
            .unwrap_err()
            .to_string()
            .contains("NUL"));
        let mut r: &[u8] = b"\xEF\xBB\xBFabc";
        check_text_start("x", &mut r).unwrap();
        assert_eq!(r, b"abc");
    }
}
