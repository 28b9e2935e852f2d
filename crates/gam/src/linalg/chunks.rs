//! Cutting rows into chunks: the unit in which the model matrix is built,
//! reduced and multiplied when it is not held whole.

use std::ops::Range;

/// Rows per chunk: large enough that per-chunk overhead is negligible,
/// small enough that a chunk's model matrix stays in cache-sized memory
/// (16384 x 40 doubles = 5 MiB).
pub const CHUNK_ROWS: usize = 16_384;

/// The row ranges of `n` rows in chunks of `chunk` (the last may be shorter).
pub fn row_chunks(n: usize, chunk: usize) -> Vec<Range<usize>> {
    let chunk = chunk.max(1);
    (0..n.div_ceil(chunk))
        .map(|c| c * chunk..((c + 1) * chunk).min(n))
        .collect()
}

/// Rows per block when the matrix is held: a block of 4096 x 40 doubles
/// (1.3 MB) stays in cache while its products are formed.
pub const BLOCK_ROWS: usize = 4096;
