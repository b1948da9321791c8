//! Where tests find the shared reference data: `../shared/data` beside the
//! repository. Tests read it there; it is never copied in.

use std::path::PathBuf;

/// `../shared/data/<rel>`, or `None` (and a note on stderr, so the test
/// can skip) when it is absent.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: {} is absent", p.display());
        None
    }
}
