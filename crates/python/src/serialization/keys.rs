//! Member keys already written in this `dumps` call, remembered by object with their
//! written text, so the same key object in the next dict is one copy.
//!
//! A list of records holds the same key objects in every dict (a class's field names, the
//! literal keys of the code that built them). Writing such a key again took ~100
//! instructions (the exact-`str` and ASCII tests, the test for characters to escape, the
//! quotes and the key separator); a remembered one is a pointer compare and a 32-byte copy.

use std::mem::MaybeUninit;

use pyo3::ffi;
use pyo3::prelude::*;

use crewai_rust_serialization::KEY_TEXT;

/// Direct-mapped slots, by the key object's address: a dict shape has a few keys.
const SLOTS: usize = 16;

/// Each slot keeps the first key that landed in it for the whole call (a colliding key
/// is written the ordinary way each time), and holds a reference to it: the address then
/// cannot be reused by another object while the call runs.
pub struct KeyTexts<'py> {
    objs: [*mut ffi::PyObject; SLOTS],
    lens: [usize; SLOTS],
    /// Initialised where `objs` is not null; left uninitialised otherwise, so a `dumps`
    /// of a scalar does not clear half a kilobyte it never reads.
    texts: [MaybeUninit<[u8; KEY_TEXT]>; SLOTS],
    held: Vec<Bound<'py, PyAny>>,
}

impl<'py> KeyTexts<'py> {
    pub fn new() -> Self {
        Self {
            objs: [std::ptr::null_mut(); SLOTS],
            lens: [0; SLOTS],
            texts: [const { MaybeUninit::uninit() }; SLOTS],
            held: Vec::new(),
        }
    }

    #[inline(always)]
    fn slot(obj: *mut ffi::PyObject) -> usize {
        // Fibonacci hashing of the address (objects are 16-byte aligned): keys made
        // together sit close together, and plain low bits put a dict's keys in one slot.
        ((obj as usize >> 4).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 60) % SLOTS
    }

    /// The text written for the key object at `key` earlier in this call, if it was
    /// remembered (only compared by address: any pointer will do).
    #[inline(always)]
    pub fn get(&self, key: *mut ffi::PyObject) -> Option<(&[u8; KEY_TEXT], usize)> {
        let slot = Self::slot(key);
        if self.objs[slot] != key {
            return None;
        }
        // SAFETY: a slot's text is initialised once its object is set.
        Some((
            unsafe { self.texts[slot].assume_init_ref() },
            self.lens[slot],
        ))
    }

    /// Remember `text` as what `key` (an exact str, which cannot change) is written as,
    /// if it fits and its slot is free.
    pub fn remember(&mut self, key: &Bound<'py, PyAny>, text: &[u8]) {
        let slot = Self::slot(key.as_ptr());
        if !self.objs[slot].is_null() || text.len() > KEY_TEXT {
            return;
        }
        let mut padded = [0; KEY_TEXT];
        padded[..text.len()].copy_from_slice(text);
        self.texts[slot].write(padded);
        self.lens[slot] = text.len();
        self.objs[slot] = key.as_ptr();
        self.held.push(key.clone());
    }
}
