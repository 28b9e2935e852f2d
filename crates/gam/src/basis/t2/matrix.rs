//! mgcv's `t2.model.matrix` (mgcv 1.8-41 `smooth.r` lines 1027-1147): the
//! model matrix of a `t2()` term from its reparameterised margins, as a
//! sequence of blocks each penalised by its own ridge.
//!
//! Each margin `i` splits into its penalised columns `Z_i` (the first
//! `rank_i`) and its null columns `N_i`. Starting from the blocks `[Z₁, N₁]`
//! of the first margin, each further margin turns every block `B` into
//! `B ⊙ Z_i` (row-wise Kronecker product, `B`'s columns slowest) and, if the
//! margin has a null space, `B ⊙ N_i`. A block's label records its factors
//! (`r` range, `n` null), its order how many range factors it has. The last
//! block, a product of null spaces only, is unpenalised; every other block
//! gets an identity penalty. With `full = TRUE` each column of an
//! unpenalised block is kept apart: its products with ranges become
//! separate blocks (labelled by column numbers), so the result is invariant
//! to the scaling of the null columns. `ord` keeps only the blocks of the
//! given orders.

use faer::Mat;

/// One block of columns of a `t2()` model matrix.
struct Block {
    x: Mat<f64>,
    /// Penalised (tracked only with `full = TRUE`, as mgcv).
    pen: bool,
    label: String,
    /// Number of range-space factors.
    order: usize,
    /// Column names of an unpenalised block (`full = TRUE` only).
    names: Vec<String>,
}

/// The model matrix with its layout.
pub(crate) struct T2Matrix {
    /// The columns (`n x p`).
    pub x: Mat<f64>,
    /// Number of columns of each penalised block, in order; any columns
    /// after them are unpenalised.
    pub sub_cols: Vec<usize>,
    /// mgcv's label of each penalised block (`rr`, `nr`, ...).
    pub labels: Vec<String>,
}

/// Row-wise product: each column of `a` (slowest) times each column of `b`.
fn product(a: &Mat<f64>, b: &Mat<f64>) -> Mat<f64> {
    let pb = b.ncols();
    Mat::from_fn(a.nrows(), a.ncols() * pb, |i, j| a[(i, j / pb)] * b[(i, j % pb)])
}

fn columns(x: &Mat<f64>, from: usize, to: usize) -> Mat<f64> {
    Mat::from_fn(x.nrows(), to - from, |i, j| x[(i, from + j)])
}

fn numbered(count: usize) -> Vec<String> {
    (1..=count).map(|j| j.to_string()).collect()
}

/// mgcv's `t2.model.matrix(xm, rank, full, ord)`; `ord` empty keeps all orders.
pub(crate) fn t2_model_matrix(xm: &[Mat<f64>], rank: &[usize], full: bool, ord: &[usize]) -> T2Matrix {
    let n = xm[0].nrows();
    let first = &xm[0];
    let mut blocks = vec![Block {
        x: columns(first, 0, rank[0]),
        pen: true,
        label: "r".into(),
        order: 1,
        names: Vec::new(),
    }];
    let mut no_null = false;
    if rank[0] < first.ncols() {
        let xi = columns(first, rank[0], first.ncols());
        blocks.push(Block {
            names: if full { numbered(xi.ncols()) } else { Vec::new() },
            x: xi,
            pen: !full,
            label: "n".into(),
            order: 0,
        });
    } else {
        no_null = true;
    }
    for (margin, &r) in xm.iter().zip(rank).skip(1) {
        let zi = columns(margin, 0, r);
        let null = (r < margin.ncols()).then(|| columns(margin, r, margin.ncols()));
        if null.is_none() {
            no_null = true;
        }
        let previous = std::mem::take(&mut blocks);
        for b in &previous {
            if !full || b.pen {
                blocks.push(Block {
                    x: product(&b.x, &zi),
                    pen: true,
                    label: format!("{}r", b.label),
                    order: b.order + 1,
                    names: Vec::new(),
                });
            } else {
                // Each column of an unpenalised block on its own.
                for (j, name) in b.names.iter().enumerate() {
                    blocks.push(Block {
                        x: product(&columns(&b.x, j, j + 1), &zi),
                        pen: true,
                        label: format!("{name}r"),
                        order: b.order + 1,
                        names: Vec::new(),
                    });
                }
            }
        }
        if let Some(xi) = &null {
            let xi_names = numbered(xi.ncols());
            for b in &previous {
                if !full || !b.pen {
                    let names = if full {
                        b.names
                            .iter()
                            .flat_map(|a| xi_names.iter().map(move |c| format!("{a}{c}")))
                            .collect()
                    } else {
                        Vec::new()
                    };
                    blocks.push(Block {
                        x: product(&b.x, xi),
                        pen: !full,
                        label: format!("{}n", b.label),
                        order: b.order,
                        names,
                    });
                } else {
                    for (j, name) in xi_names.iter().enumerate() {
                        blocks.push(Block {
                            x: product(&b.x, &columns(xi, j, j + 1)),
                            pen: true,
                            label: format!("{}{name}", b.label),
                            order: b.order,
                            names: Vec::new(),
                        });
                    }
                }
            }
        }
    }
    if !ord.is_empty() {
        blocks.retain(|b| ord.contains(&b.order));
        if !ord.contains(&0) {
            no_null = true;
        }
    }
    let p: usize = blocks.iter().map(|b| b.x.ncols()).sum();
    let mut x = Mat::<f64>::zeros(n, p);
    let mut at = 0;
    for b in &blocks {
        for j in 0..b.x.ncols() {
            x.col_mut(at + j).copy_from(b.x.col(j));
        }
        at += b.x.ncols();
    }
    let penalised = if no_null {
        blocks.len()
    } else {
        blocks.len().saturating_sub(1)
    };
    T2Matrix {
        x,
        sub_cols: blocks[..penalised].iter().map(|b| b.x.ncols()).collect(),
        labels: blocks[..penalised].iter().map(|b| b.label.clone()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn margin(n: usize, k: usize, seed: f64) -> Mat<f64> {
        Mat::from_fn(n, k, |i, j| ((i as f64 + 1.0) * seed + j as f64).sin())
    }

    #[test]
    fn two_margins_give_mgcvs_blocks() {
        let (a, b) = (margin(7, 5, 0.3), margin(7, 4, 0.7));
        let m = t2_model_matrix(&[a.clone(), b.clone()], &[3, 2], false, &[]);
        // rr (3*2), nr (2*2), rn (3*2), nn (2*2) unpenalised.
        assert_eq!(m.labels, ["rr", "nr", "rn"]);
        assert_eq!(m.sub_cols, [6, 4, 6]);
        assert_eq!(m.x.ncols(), 20);
        // Column 7 of `nr` (the 2nd block's second column): null column 0 of a times range column 1 of b.
        assert_eq!(m.x[(2, 7)], a[(2, 3)] * b[(2, 1)]);
        // Last column: null 1 of a times null 1 of b.
        assert_eq!(m.x[(4, 19)], a[(4, 4)] * b[(4, 3)]);
    }

    #[test]
    fn full_keeps_null_columns_apart_and_ord_drops_orders() {
        let (a, b) = (margin(6, 4, 0.2), margin(6, 4, 0.9));
        let m = t2_model_matrix(&[a.clone(), b.clone()], &[2, 2], true, &[]);
        assert_eq!(m.labels, ["rr", "1r", "2r", "r1", "r2"]);
        assert_eq!(m.sub_cols, [4, 2, 2, 2, 2]);
        assert_eq!(m.x.ncols(), 16);
        let main = t2_model_matrix(&[a, b], &[2, 2], false, &[1]);
        assert_eq!(main.labels, ["nr", "rn"]);
        assert_eq!(main.x.ncols(), 8);
    }
}
