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

/// `f` over `items`, in parallel on rayon's pool when there are several.
///
/// One item runs on the calling thread: handing a single job to the pool
/// and waiting for it costs a thread wake-up (tens of microseconds, more
/// when the worker sleeps), which a small fit paid at every pass over its
/// one block of rows, a large share of a fit of a few hundred rows.
pub fn par_map<I: Send, T: Send>(items: Vec<I>, f: impl Fn(I) -> T + Sync + Send) -> Vec<T> {
    use rayon::prelude::*;
    if items.len() <= 1 {
        items.into_iter().map(f).collect()
    } else {
        items.into_par_iter().map(f).collect()
    }
}

/// [`par_map`] of a fallible `f`: the first error (of any item, when in parallel).
pub fn try_par_map<I: Send, T: Send, E: Send>(
    items: Vec<I>,
    f: impl Fn(I) -> Result<T, E> + Sync + Send,
) -> Result<Vec<T>, E> {
    use rayon::prelude::*;
    if items.len() <= 1 {
        items.into_iter().map(f).collect()
    } else {
        items.into_par_iter().map(f).collect()
    }
}

/// The items combined pairwise by `op` (in parallel when there are several);
/// `None` for none, the item itself for one.
pub fn par_reduce<T: Send>(items: Vec<T>, op: impl Fn(T, T) -> T + Sync + Send) -> Option<T> {
    use rayon::prelude::*;
    if items.len() <= 1 {
        items.into_iter().next()
    } else {
        items.into_par_iter().reduce_with(op)
    }
}

#[cfg(test)]
mod par_tests {
    use super::*;

    #[test]
    fn one_item_runs_on_the_calling_thread_and_many_give_the_same_answers() {
        let caller = std::thread::current().id();
        let ran_on = par_map(vec![1], |_| std::thread::current().id());
        assert_eq!(ran_on, vec![caller]);
        assert_eq!(
            par_map((0..100).collect(), |i: i32| i * 2),
            (0..100).map(|i| i * 2).collect::<Vec<_>>()
        );
        let failed: Result<Vec<i32>, String> =
            try_par_map(vec![1, 2, 3], |i| if i == 2 { Err("two".into()) } else { Ok(i) });
        assert_eq!(failed, Err("two".to_string()));
        assert_eq!(par_reduce(Vec::<i32>::new(), |a, b| a + b), None);
        assert_eq!(par_reduce(vec![7], |a, b| a + b), Some(7));
        assert_eq!(par_reduce((1..=10).collect(), |a, b| a + b), Some(55));
    }
}
