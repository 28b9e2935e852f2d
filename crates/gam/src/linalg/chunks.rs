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

/// Whether `items` many jobs are better run on the calling thread: one job,
/// or a pool of one thread.
///
/// Handing jobs to rayon's pool and waiting for them costs a thread
/// wake-up each time (tens of microseconds, more when the worker sleeps or
/// the machine is busy), which a small fit paid at every pass over its one
/// block of rows; with a pool of one thread (`RAYON_NUM_THREADS=1`) the
/// calling thread would only wait for the worker.
fn on_this_thread(items: usize) -> bool {
    items <= 1 || rayon::current_num_threads() <= 1
}

/// `f` over `items`, in parallel on rayon's pool when there are several and
/// the pool has more than one thread; otherwise on the calling thread, which
/// saves a thread wake-up per call.
pub fn par_map<I: Send, T: Send>(items: Vec<I>, f: impl Fn(I) -> T + Sync + Send) -> Vec<T> {
    use rayon::prelude::*;
    if on_this_thread(items.len()) {
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
    if on_this_thread(items.len()) {
        items.into_iter().map(f).collect()
    } else {
        items.into_par_iter().map(f).collect()
    }
}

/// The items combined in order, `op(op(op(a, b), c), …)`; `None` for none.
///
/// Sequential on purpose: the combining steps (sums of p x p matrices, QR of
/// two stacked triangular factors) are cheap next to the per-block work
/// [`par_map`] spreads, and a fixed order makes the result the same bits
/// whatever the number of threads and however rayon's work stealing split
/// the items (its parallel reduction groups them by the split).
pub fn combine_in_order<T: Send>(items: Vec<T>, op: impl Fn(T, T) -> T + Sync + Send) -> Option<T> {
    items.into_iter().reduce(op)
}

#[cfg(test)]
mod par_tests {
    use super::*;

    #[test]
    fn one_item_runs_on_the_calling_thread_and_many_give_the_same_answers() {
        // Not in order: op(a, b) = 2a + b tells the grouping and order apart.
        assert_eq!(
            combine_in_order(vec![1, 2, 3, 4], |a, b| 2 * a + b),
            Some(((2 + 2) * 2 + 3) * 2 + 4)
        );
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
        assert_eq!(combine_in_order(Vec::<i32>::new(), |a, b| a + b), None);
        assert_eq!(combine_in_order(vec![7], |a, b| a + b), Some(7));
        assert_eq!(combine_in_order((1..=10).collect(), |a, b| a + b), Some(55));
    }
}
