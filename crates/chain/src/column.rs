//! Columns and the room they grow in.
//!
//! A column is a plain array of fixed-size values. While a graph is built
//! its columns grow: in heap memory by default, or in [`Region`]s given by
//! a [`Space`] — the store's space maps one file per column, so a graph
//! larger than memory is built with the operating system paging the
//! columns to disk (the engine itself does no I/O). Once saved, a column
//! is shared read-only bytes (a memory map).
//!
//! A region that cannot grow (a full disk) does not lose data: its column
//! moves to heap memory and remembers the error, which the builder reports
//! ([`crate::Graph::grow_errors`]); nothing is saved from a failed build.

use bytemuck::Pod;
use std::any::Any;
use std::sync::Arc;

/// Read-only bytes shared by a column (a memory map, typically).
pub type SharedBytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// Bytes a column grows into. `bytes` covers the whole capacity and is
/// aligned to 8 bytes (a file mapping is page-aligned).
pub trait Region: Send + Sync {
    fn bytes(&self) -> &[u8];
    fn bytes_mut(&mut self) -> &mut [u8];
    /// Makes room for at least `bytes` bytes (rounding up as it likes),
    /// keeping the contents.
    fn grow(&mut self, bytes: usize) -> Result<(), String>;
    /// For the store to recognise its own regions.
    fn as_any(&self) -> &dyn Any;
    /// Saved as part of a graph: not to be written again (a column asked
    /// to change moves to the heap first).
    fn frozen(&self) -> bool {
        false
    }
    /// The column is about to be read in order (after ingest, whose
    /// lookups read at random).
    fn will_scan(&self) {}
}

/// Where a builder's columns grow: a fresh, empty region per call, named
/// after its column (several regions may carry one name while a column is
/// rebuilt).
pub trait Space: Send + Sync {
    fn region(&self, column: &str) -> Result<Box<dyn Region>, String>;
}

enum Room<T: Pod> {
    Heap(Vec<T>),
    Region { r: Box<dyn Region>, len: usize },
}

/// A growable column: a `Vec` or a region, with the slice operations the
/// builder uses.
pub struct Grow<T: Pod> {
    room: Room<T>,
    /// Why the region could not grow (the column moved to the heap).
    error: Option<String>,
}

impl<T: Pod> std::fmt::Debug for Grow<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.region().is_some() {
            "region"
        } else {
            "heap"
        };
        write!(f, "Grow[{} in {at}]", self.len())
    }
}

impl<T: Pod> Default for Grow<T> {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl<T: Pod> From<Vec<T>> for Grow<T> {
    fn from(v: Vec<T>) -> Self {
        Grow {
            room: Room::Heap(v),
            error: None,
        }
    }
}

impl<T: Pod> Clone for Grow<T> {
    /// A copy in heap memory.
    fn clone(&self) -> Self {
        self.as_slice().to_vec().into()
    }
}

impl<T: Pod> Grow<T> {
    /// An empty column in `space`, or on the heap without one (or if the
    /// space gives no region: the error is kept, see the module doc).
    pub fn new_in(space: Option<&dyn Space>, column: &str) -> Self {
        match space.map(|s| s.region(column)) {
            None => Grow::default(),
            Some(Ok(r)) => Grow {
                room: Room::Region { r, len: 0 },
                error: None,
            },
            Some(Err(e)) => Grow {
                room: Room::Heap(Vec::new()),
                error: Some(format!("column {column}: {e}")),
            },
        }
    }

    /// `n` zeros in `space` (or on the heap).
    pub fn zeroed_in(space: Option<&dyn Space>, column: &str, n: usize) -> Self {
        let mut g = Grow::new_in(space, column);
        g.resize(n, T::zeroed());
        g
    }

    /// A copy of `v` in `space` (or on the heap).
    pub fn copy_in(space: Option<&dyn Space>, column: &str, v: &[T]) -> Self {
        let mut g = Grow::new_in(space, column);
        g.extend_from_slice(v);
        g
    }

    pub fn len(&self) -> usize {
        match &self.room {
            Room::Heap(v) => v.len(),
            Room::Region { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn capacity(&self) -> usize {
        match &self.room {
            Room::Heap(v) => v.capacity(),
            Room::Region { r, .. } => r.bytes().len() / size_of::<T>().max(1),
        }
    }

    pub fn as_slice(&self) -> &[T] {
        match &self.room {
            Room::Heap(v) => v,
            // An empty region may have no aligned address.
            Room::Region { len: 0, .. } => &[],
            Room::Region { r, len } => bytemuck::cast_slice(&r.bytes()[..len * size_of::<T>()]),
        }
    }

    pub fn as_mut_slice(&mut self) -> &mut [T] {
        match &mut self.room {
            Room::Heap(v) => v,
            Room::Region { len: 0, .. } => &mut [],
            Room::Region { r, len } => {
                bytemuck::cast_slice_mut(&mut r.bytes_mut()[..*len * size_of::<T>()])
            }
        }
    }

    /// Room for `additional` more values.
    pub fn reserve(&mut self, additional: usize) {
        let want = self.len().saturating_add(additional);
        if want <= self.capacity() {
            return;
        }
        let failed = match &mut self.room {
            Room::Heap(v) => {
                v.reserve(additional);
                None
            }
            Room::Region { r, .. } => {
                r.grow(want.saturating_mul(size_of::<T>()))
                    .err()
                    .or_else(|| {
                        (r.bytes().len() < want * size_of::<T>())
                            .then(|| "the region did not grow as asked".to_string())
                    })
            }
        };
        if let Some(e) = failed {
            let mut v = Vec::with_capacity(want);
            v.extend_from_slice(self.as_slice());
            self.room = Room::Heap(v);
            self.error.get_or_insert(e);
        }
    }

    pub fn push(&mut self, x: T) {
        self.extend_from_slice(std::slice::from_ref(&x));
    }

    pub fn extend_from_slice(&mut self, xs: &[T]) {
        if let Room::Heap(v) = &mut self.room {
            v.extend_from_slice(xs);
            return;
        }
        // Amortised growth: at least double, as a `Vec` does.
        if self.len() + xs.len() > self.capacity() {
            let more = xs
                .len()
                .max(self.capacity())
                .max(4096 / size_of::<T>().max(1));
            self.reserve(more);
        }
        let n = self.len();
        match &mut self.room {
            Room::Heap(v) => v.extend_from_slice(xs),
            Room::Region { r, len } => {
                let s = size_of::<T>();
                r.bytes_mut()[n * s..(n + xs.len()) * s].copy_from_slice(bytemuck::cast_slice(xs));
                *len += xs.len();
            }
        }
    }

    /// Sets the length to `n`, filling new places with `x`.
    pub fn resize(&mut self, n: usize, x: T) {
        if n <= self.len() {
            self.truncate(n);
            return;
        }
        self.reserve(n - self.len());
        let old = self.len();
        match &mut self.room {
            Room::Heap(v) => v.resize(n, x),
            Room::Region { len, .. } => *len = n,
        }
        self.as_mut_slice()[old..].fill(x);
    }

    pub fn truncate(&mut self, n: usize) {
        match &mut self.room {
            Room::Heap(v) => v.truncate(n),
            Room::Region { len, .. } => *len = (*len).min(n),
        }
    }

    /// The region holding the column, if it grows in one.
    pub fn region(&self) -> Option<&dyn Region> {
        match &self.room {
            Room::Heap(_) => None,
            Room::Region { r, .. } => Some(r.as_ref()),
        }
    }

    /// Why the column had to leave its region, if it did.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}

impl<T: Pod> std::ops::Deref for Grow<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Pod> std::ops::DerefMut for Grow<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.as_mut_slice()
    }
}

/// One column: growable while it is built, shared bytes once opened from
/// disk.
#[derive(Clone)]
pub enum Column<T: Pod> {
    Owned(Grow<T>),
    Shared(SharedBytes),
}

impl<T: Pod> std::fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Column[{}]", self.as_slice().len())
    }
}

impl<T: Pod> Default for Column<T> {
    fn default() -> Self {
        Column::Owned(Grow::default())
    }
}

impl<T: Pod> From<Vec<T>> for Column<T> {
    fn from(v: Vec<T>) -> Self {
        Column::Owned(v.into())
    }
}

impl<T: Pod> From<Grow<T>> for Column<T> {
    fn from(v: Grow<T>) -> Self {
        Column::Owned(v)
    }
}

impl<T: Pod> Column<T> {
    /// Shared bytes as a column; refused if their length or alignment do
    /// not fit `T`.
    pub fn from_shared(bytes: SharedBytes) -> Result<Self, String> {
        if (*bytes).as_ref().is_empty() {
            return Ok(Column::default());
        }
        bytemuck::try_cast_slice::<u8, T>((*bytes).as_ref()).map_err(|e| format!("{e:?}"))?;
        Ok(Column::Shared(bytes))
    }

    pub fn as_slice(&self) -> &[T] {
        match self {
            Column::Owned(v) => v,
            // Checked in `from_shared`.
            Column::Shared(b) => bytemuck::try_cast_slice((**b).as_ref()).unwrap_or(&[]),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        bytemuck::cast_slice(self.as_slice())
    }

    /// The column to change (shared or saved bytes are copied once, onto
    /// the heap).
    pub fn vec_mut(&mut self) -> &mut Grow<T> {
        if matches!(self, Column::Shared(_)) || self.region().is_some_and(|r| r.frozen()) {
            *self = Column::Owned(self.as_slice().to_vec().into());
        }
        match self {
            Column::Owned(v) => v,
            Column::Shared(_) => unreachable!("converted above"),
        }
    }

    /// Moves the column into a region of `space` (copying its values).
    pub fn move_into(&mut self, space: &dyn Space, column: &str) {
        let g = Grow::copy_in(Some(space), column, self.as_slice());
        *self = Column::Owned(g);
    }

    /// The region the column grows in, if any.
    pub fn region(&self) -> Option<&dyn Region> {
        match self {
            Column::Owned(g) => g.region(),
            Column::Shared(_) => None,
        }
    }

    /// Why the column left its region, if it did.
    pub fn grow_error(&self) -> Option<&str> {
        match self {
            Column::Owned(g) => g.error(),
            Column::Shared(_) => None,
        }
    }

    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A region on the heap, for tests of the region path: 8-byte aligned,
/// failing to grow past `limit` bytes.
#[doc(hidden)]
#[derive(Debug)]
pub struct HeapRegion {
    words: Vec<u64>,
    pub limit: usize,
}

impl HeapRegion {
    pub fn new(limit: usize) -> Self {
        HeapRegion {
            words: Vec::new(),
            limit,
        }
    }
}

impl Region for HeapRegion {
    fn bytes(&self) -> &[u8] {
        bytemuck::cast_slice(&self.words)
    }
    fn bytes_mut(&mut self) -> &mut [u8] {
        bytemuck::cast_slice_mut(&mut self.words)
    }
    fn grow(&mut self, bytes: usize) -> Result<(), String> {
        if bytes > self.limit {
            return Err(format!("no room for {bytes} bytes (limit {})", self.limit));
        }
        self.words.resize(bytes.div_ceil(8), 0);
        Ok(())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A [`Space`] of [`HeapRegion`]s, each failing past `limit` bytes.
#[doc(hidden)]
#[derive(Debug)]
pub struct HeapSpace(pub usize);

impl Space for HeapSpace {
    fn region(&self, _column: &str) -> Result<Box<dyn Region>, String> {
        Ok(Box::new(HeapRegion::new(self.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_in_a_region_reads_like_a_vec_and_survives_a_failed_growth() {
        let space = HeapSpace(64);
        let mut g: Grow<u32> = Grow::new_in(Some(&space), "x");
        let mut v: Vec<u32> = Vec::new();
        for i in 0..40u32 {
            g.push(i * 3);
            v.push(i * 3);
            assert_eq!(g.as_slice(), &v[..]);
        }
        // 40 values of 4 bytes do not fit in 64: the column moved to the
        // heap with everything in it, and says why.
        assert!(g.region().is_none());
        assert!(g.error().unwrap().contains("limit 64"));
        g[5] = 7;
        v[5] = 7;
        g.resize(50, 1);
        v.resize(50, 1);
        g.truncate(45);
        v.truncate(45);
        assert_eq!(g.as_slice(), &v[..]);
        let big = HeapSpace(1 << 20);
        let z: Grow<u64> = Grow::zeroed_in(Some(&big), "z", 1000);
        assert!(z.region().is_some() && z.error().is_none());
        assert_eq!(z.len(), 1000);
        assert!(z.iter().all(|x| *x == 0));
    }
}
