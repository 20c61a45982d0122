//! Vector storage in fixed-size blocks (no doubling reallocation: resident memory stays close to
//! the raw bytes) and the dot product every score comes from.

/// Slots per block: big enough for long contiguous scans, small enough that the last,
/// partly filled block wastes little.
const BLOCK: usize = 1024;

/// Dot product written as 8 independent lanes so the compiler emits SIMD without `unsafe`.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [0.0f32; 8];
    let (ca, ra) = a.as_chunks::<8>();
    let (cb, rb) = b.as_chunks::<8>();
    for (x, y) in ca.iter().zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    let s = (acc[0] + acc[4]) + (acc[1] + acc[5]) + (acc[2] + acc[6]) + (acc[3] + acc[7]);
    s + tail
}

/// 1/|v|, or 0 for a zero vector so that it scores 0 against everything.
pub fn inverse_norm(v: &[f32]) -> f32 {
    let n = dot(v, v).sqrt();
    if n > 0.0 && n.is_finite() {
        1.0 / n
    } else {
        0.0
    }
}

/// Raw (unnormalised) vectors by slot, plus each one's inverse norm.
#[derive(Debug, Default)]
pub struct Vectors {
    dim: usize,
    blocks: Vec<Vec<f32>>,
    inv_norms: Vec<f32>,
}

impl Vectors {
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            blocks: Vec::new(),
            inv_norms: Vec::new(),
        }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Make room for slots `0..n` (new slots hold zero vectors).
    pub fn ensure_slots(&mut self, n: usize) {
        if self.dim == 0 {
            return;
        }
        while self.blocks.len() * BLOCK < n {
            self.blocks.push(vec![0.0; BLOCK * self.dim]);
        }
        if self.inv_norms.len() < n {
            self.inv_norms.resize(n, 0.0);
        }
    }

    pub fn set(&mut self, slot: usize, v: &[f32]) {
        self.ensure_slots(slot + 1);
        let d = self.dim;
        let off = (slot % BLOCK) * d;
        self.blocks[slot / BLOCK][off..off + d].copy_from_slice(v);
        self.inv_norms[slot] = inverse_norm(v);
    }

    pub fn clear_slot(&mut self, slot: usize) {
        if slot < self.inv_norms.len() {
            let d = self.dim;
            let off = (slot % BLOCK) * d;
            self.blocks[slot / BLOCK][off..off + d].fill(0.0);
            self.inv_norms[slot] = 0.0;
        }
    }

    #[inline]
    pub fn get(&self, slot: usize) -> &[f32] {
        let d = self.dim;
        let off = (slot % BLOCK) * d;
        &self.blocks[slot / BLOCK][off..off + d]
    }

    /// Cosine similarity of slot's vector with a query already scaled to unit length.
    #[inline]
    pub fn cosine(&self, slot: usize, unit_query: &[f32]) -> f32 {
        dot(self.get(slot), unit_query) * self.inv_norms[slot]
    }

    /// Bytes held (for the memory figure in benchmarks).
    pub fn heap_bytes(&self) -> usize {
        self.blocks.iter().map(|b| b.capacity() * 4).sum::<usize>() + self.inv_norms.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_naive() {
        for n in [0, 1, 7, 8, 9, 33, 1536] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let naive: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| f64::from(*x) * f64::from(*y))
                .sum();
            assert!((f64::from(dot(&a, &b)) - naive).abs() < 1e-3, "n={n}");
        }
    }

    #[test]
    fn slots_across_blocks() {
        let mut v = Vectors::new(3);
        v.set(0, &[3.0, 4.0, 0.0]);
        v.set(BLOCK + 5, &[0.0, 0.0, 2.0]);
        assert_eq!(v.get(BLOCK + 5), &[0.0, 0.0, 2.0]);
        assert!((v.cosine(0, &[0.6, 0.8, 0.0]) - 1.0).abs() < 1e-6);
        assert_eq!(v.cosine(3, &[1.0, 0.0, 0.0]), 0.0);
        v.clear_slot(0);
        assert_eq!(v.get(0), &[0.0, 0.0, 0.0]);
    }
}
