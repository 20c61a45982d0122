//! The byte buffer JSON text is written into: a `Vec<u8>`, or a caller's own growable buffer
//! (the binding writes straight into the Python object it returns, saving a final copy).

use std::mem::MaybeUninit;

/// A growable byte buffer: `len()` bytes of text at `ptr()`, room for `capacity()`.
///
/// # Safety
/// Implementors guarantee that `ptr()..ptr() + capacity()` is writable memory owned by the
/// buffer, that the first `len()` bytes are initialised, that `grow` leaves at least
/// `len() + additional` bytes of capacity (keeping the text, possibly moving it) and that
/// `set_len` only records the new length.
///
/// `grow` may unwind (the binding raises `MemoryError` that way, its appends having no error
/// path), so a writer must leave the buffer consistent (length covering only initialised
/// text, no pointer into it kept) whenever it calls `reserve`.
pub unsafe trait Out {
    fn len(&self) -> usize;
    fn capacity(&self) -> usize;
    fn as_ptr(&self) -> *const u8;
    fn as_mut_ptr(&mut self) -> *mut u8;
    /// Make room for `additional` more bytes (called only when there is not enough).
    fn grow(&mut self, additional: usize);
    /// # Safety
    /// `len <= capacity()` and the first `len` bytes are initialised.
    unsafe fn set_len(&mut self, len: usize);

    #[inline(always)]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline(always)]
    fn reserve(&mut self, additional: usize) {
        if self.capacity() - self.len() < additional {
            self.grow(additional);
        }
    }

    #[inline(always)]
    fn push(&mut self, b: u8) {
        self.reserve(1);
        let len = self.len();
        // SAFETY: reserve left room for one more byte, which is then initialised.
        unsafe {
            self.as_mut_ptr().add(len).write(b);
            self.set_len(len + 1);
        }
    }

    #[inline(always)]
    fn extend_from_slice(&mut self, s: &[u8]) {
        self.reserve(s.len());
        let len = self.len();
        // SAFETY: reserve left room for `s`, which is copied there (a separate allocation).
        unsafe {
            copy_bytes(s, self.as_mut_ptr().add(len));
            self.set_len(len + s.len());
        }
    }

    fn extend_repeat(&mut self, b: u8, n: usize) {
        self.reserve(n);
        for _ in 0..n {
            self.push(b);
        }
    }

    fn truncate(&mut self, len: usize) {
        if len < self.len() {
            // SAFETY: shorter than the initialised text.
            unsafe { self.set_len(len) };
        }
    }

    /// The writable room after the text.
    fn spare_capacity_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        let (len, cap) = (self.len(), self.capacity());
        // SAFETY: `len..cap` is writable memory of the buffer, borrowed mutably with it.
        unsafe { std::slice::from_raw_parts_mut(self.as_mut_ptr().add(len).cast(), cap - len) }
    }

    fn as_slice(&self) -> &[u8] {
        // SAFETY: the first `len` bytes are initialised and borrowed with the buffer.
        unsafe { std::slice::from_raw_parts(self.as_ptr(), self.len()) }
    }
}

/// Copy `s` to `dst`. Most appends are a few bytes (digits, keys, separators) and a
/// variable-length `copy_nonoverlapping` is a call to `memcpy`; up to 16 bytes are moved
/// here with two overlapping fixed-size loads and stores instead, inline.
///
/// # Safety
/// `dst` is valid for `s.len()` bytes of writes and does not overlap `s`.
#[inline(always)]
pub(crate) unsafe fn copy_bytes(s: &[u8], dst: *mut u8) {
    let (n, src) = (s.len(), s.as_ptr());
    // SAFETY: every read is inside `s` and every write inside `dst..dst + n`: the pairs of
    // pieces start at 0 and end at n, each piece no longer than n.
    unsafe {
        if n > 16 {
            std::ptr::copy_nonoverlapping(src, dst, n);
        } else if n >= 8 {
            let (a, b) = (
                src.cast::<u64>().read_unaligned(),
                src.add(n - 8).cast::<u64>().read_unaligned(),
            );
            dst.cast::<u64>().write_unaligned(a);
            dst.add(n - 8).cast::<u64>().write_unaligned(b);
        } else if n >= 4 {
            let (a, b) = (
                src.cast::<u32>().read_unaligned(),
                src.add(n - 4).cast::<u32>().read_unaligned(),
            );
            dst.cast::<u32>().write_unaligned(a);
            dst.add(n - 4).cast::<u32>().write_unaligned(b);
        } else if n > 0 {
            let (a, b, c) = (*src, *src.add(n / 2), *src.add(n - 1));
            *dst = a;
            *dst.add(n / 2) = b;
            *dst.add(n - 1) = c;
        }
    }
}

// SAFETY: delegates to Vec, whose methods have exactly these guarantees.
unsafe impl Out for Vec<u8> {
    #[inline(always)]
    fn len(&self) -> usize {
        Vec::len(self)
    }
    #[inline(always)]
    fn capacity(&self) -> usize {
        Vec::capacity(self)
    }
    #[inline(always)]
    fn as_ptr(&self) -> *const u8 {
        Vec::as_ptr(self)
    }
    #[inline(always)]
    fn as_mut_ptr(&mut self) -> *mut u8 {
        Vec::as_mut_ptr(self)
    }
    fn grow(&mut self, additional: usize) {
        Vec::reserve(self, additional);
    }
    #[inline(always)]
    unsafe fn set_len(&mut self, len: usize) {
        // SAFETY: the caller's contract is Vec::set_len's.
        unsafe { Vec::set_len(self, len) }
    }
}
