//! `test_stat` against mgcv 1.8-41's `testStat` on a fixed small problem.
//!
//! The reference values come from (R 4.2.2):
//! ```r
//! n <- 40; k <- 5
//! X <- outer(1:n, 1:k, function(i, j) cos(0.37 * i * j + 0.1 * j) + (i / 40)^j)
//! A <- outer(1:k, 1:k, function(i, j) sin(1.3 * i + 0.7 * j^2))
//! V <- A %*% t(A) / 50 + diag(1e-3, k)
//! p <- 0.3 * (1:k) - 0.8          # and p / 6, p / 2.5
//! r <- mgcv:::testStat(p, X, V, rank, res.df = rdf)
//! sprintf("%.17g", c(r$stat, r$pval, r$rank))
//! ```
//!
//! The numbers are R's `%.17g` output verbatim, hence the allowance for excess precision.
#![allow(clippy::excessive_precision)]

use faer::Mat;

use super::test_stat;

/// Statistic and rank: only rounding separates the two implementations.
const STAT_REL_TOL: f64 = 1e-10;
/// p-values: Davies' algorithm is run at mgcv's accuracy (2e-5 absolute), but
/// both implementations take the same steps, so they agree far more closely.
const P_REL_TOL: f64 = 1e-8;
/// p-values this small are compared absolutely (Davies returns exactly 0 beyond the range of Q).
const P_ABS_TOL: f64 = 1e-14;

fn problem(scale_p: f64) -> (Vec<f64>, Mat<f64>, Mat<f64>) {
    let (n, k) = (40, 5);
    let x = Mat::from_fn(n, k, |i, j| {
        let (i, j) = ((i + 1) as f64, (j + 1) as f64);
        (0.37 * i * j + 0.1 * j).cos() + (i / 40.0).powf(j)
    });
    let a = Mat::from_fn(k, k, |i, j| {
        let (i, j) = ((i + 1) as f64, (j + 1) as f64);
        (1.3 * i + 0.7 * j * j).sin()
    });
    let mut v = &a * a.transpose() * (1.0 / 50.0);
    for i in 0..k {
        v[(i, i)] += 1e-3;
    }
    let p = (1..=k).map(|j| (0.3 * j as f64 - 0.8) * scale_p).collect();
    (p, x, v)
}

/// `(rank, res.df, stat, p-value, returned rank)` from R.
type Case = (f64, f64, f64, f64, f64);

fn check(scale_p: f64, cases: &[Case]) {
    let (p, x, v) = problem(scale_p);
    for &(rank, res_df, stat, pval, rank_out) in cases {
        let t = test_stat(&p, &x, &v, rank, res_df);
        let what = format!("p scaled by {scale_p}, rank {rank}, res.df {res_df}");
        assert!(
            (t.stat - stat).abs() <= STAT_REL_TOL * stat,
            "{what}: stat {} vs {stat}",
            t.stat
        );
        assert!(
            (t.rank - rank_out).abs() <= STAT_REL_TOL * rank_out,
            "{what}: rank {}",
            t.rank
        );
        let err = (t.p_value - pval).abs();
        assert!(
            err <= P_REL_TOL * pval || err <= P_ABS_TOL,
            "{what}: p-value {:e} vs {pval:e}",
            t.p_value
        );
    }
}

#[test]
fn matches_mgcv_large_statistics() {
    check(
        1.0,
        &[
            (3.4, 35.3, 83.661852207591323, 0.0, 3.4),
            (3.4, -1.0, 83.661852207591323, 0.0, 3.4),
            (0.6, 35.3, 3.8982685232534666, 0.05626780807517473, 0.6),
            (0.6, -1.0, 3.8982685232534666, 0.048337577848632574, 0.6),
            (4.0, 35.3, 289.52590128651354, 1.6260544509938824e-16, 4.0),
            (4.0, -1.0, 289.52590128651354, 1.967417375665619e-61, 4.0),
            (1.0002, 35.3, 3.8671994110787344, 0.056287803274511661, 1.0002),
            (1.0002, -1.0, 3.8671994110787344, 0.048356884547892443, 1.0002),
            (5.0, 35.3, 354.81358392473533, 2.071793153249432e-17, 5.0),
            (5.0, -1.0, 354.81358392473533, 1.6095155691532583e-74, 5.0),
        ],
    );
}

#[test]
fn matches_mgcv_small_and_moderate_statistics() {
    check(
        1.0 / 6.0,
        &[
            (2.5, 35.3, 0.38947897409233695, 0.92888914681533064, 2.5),
            (2.5, -1.0, 0.38947897409233695, 0.92948405569051873, 2.5),
            (1.3, 35.3, 0.085406000387953221, 0.88389324131244207, 1.3),
            (1.3, -1.0, 0.085406000387953221, 0.88333177166241539, 1.3),
        ],
    );
    check(
        1.0 / 2.5,
        &[
            (3.4, 35.3, 13.38589635321461, 0.006783173110919305, 3.4),
            (3.4, -1.0, 13.38589635321461, 0.0030563923600395171, 3.4),
            (2.02, 35.3, 0.86666238144146979, 0.68860032665345361, 2.02),
            (2.02, -1.0, 0.86666238144146979, 0.68574642892691695, 2.02),
        ],
    );
}

#[test]
fn rank_above_the_numerical_rank_is_cut() {
    // A rank-2 design: the eigenvalue cut sets the rank to 2 whatever is asked.
    let x = Mat::from_fn(20, 3, |i, j| match j {
        0 => 1.0,
        1 => i as f64,
        _ => 2.0 + 3.0 * i as f64,
    });
    let v = Mat::from_fn(3, 3, |i, j| if i == j { 0.5 } else { 0.1 });
    let t = test_stat(&[0.2, 0.1, -0.3], &x, &v, 2.7, 10.0);
    assert_eq!(t.rank, 2.0);
    assert!(t.p_value.is_finite() && (0.0..=1.0).contains(&t.p_value));
}

/// The fixture written by `tests/data/summary/make_summary_refs.R`: two mgcv fits of
/// `y ~ s(x0, bs = "cc", k = 6) + s(g1, bs = "re") + s(g2, bs = "re") + s(x1, bs = "cr", k = 5)`
/// (scale estimated, scale known), with their R factor, Vp, coefficients, penalties, smoothing
/// parameters and `summary` smooth table.
const RE_FIXTURE: &str = include_str!("../../../tests/data/summary/re_test_fixture.json");

/// Same inputs as mgcv, so statistics agree to rounding ...
const FIXTURE_STAT_REL_TOL: f64 = 1e-9;
/// ... and Davies' algorithm takes the same steps.
const FIXTURE_P_REL_TOL: f64 = 1e-7;

fn json_mat(v: &serde_json::Value) -> Mat<f64> {
    let rows = v.as_array().expect("matrix rows");
    let cols = rows.first().and_then(|r| r.as_array()).map_or(0, Vec::len);
    Mat::from_fn(rows.len(), cols, |i, j| rows[i][j].as_f64().expect("matrix entry"))
}

fn json_f64s(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

/// Runs the smooth-term tests on one fit of the fixture as `summary.gam` does and compares each row.
fn check_fixture_fit(fit: &serde_json::Value) {
    use super::{ReTestInputs, SmoothBlock, re_test};
    let r = json_mat(&fit["R"]);
    let vp = json_mat(&fit["Vp"]);
    let beta = json_f64s(&fit["coefficients"]);
    let edf1 = json_f64s(&fit["edf1"]);
    let scale_estimated = fit["scale_estimated"].as_bool().expect("scale_estimated");
    let residual_df = fit["residual_df"].as_f64().expect("residual_df");
    let raw = fit["blocks"].as_array().expect("blocks");
    let blocks: Vec<SmoothBlock> = raw
        .iter()
        .map(|b| {
            let k = b["n_coef"].as_u64().expect("n_coef") as usize;
            let mut penalty = Mat::<f64>::zeros(k, k);
            for (s, sp) in b["S"].as_array().expect("S").iter().zip(json_f64s(&b["sp"])) {
                penalty += json_mat(s) * sp;
            }
            SmoothBlock {
                first: b["first"].as_u64().expect("first") as usize,
                n_coef: k,
                penalty,
                random: b["random"].as_bool().expect("random"),
            }
        })
        .collect();
    let inputs = ReTestInputs {
        r: &r,
        vp: &vp,
        beta: &beta,
        scale: fit["scale"].as_f64().expect("scale"),
        scale_estimated,
        residual_df,
        blocks: &blocks,
    };
    let rows = fit["s_table"].as_array().expect("s_table");
    for (m, ((b, raw_b), row)) in blocks.iter().zip(raw).zip(rows).enumerate() {
        let idx: Vec<usize> = (b.first..b.first + b.n_coef).collect();
        let t = if raw_b["null_space_dim"].as_u64() == Some(0) {
            re_test(&inputs, m)
        } else {
            let xt = Mat::from_fn(r.nrows(), idx.len(), |i, c| r[(i, idx[c])]);
            let v = Mat::from_fn(idx.len(), idx.len(), |a, c| vp[(idx[a], idx[c])]);
            let p: Vec<f64> = idx.iter().map(|&i| beta[i]).collect();
            let rank = idx.iter().map(|&i| edf1[i]).sum::<f64>().min(idx.len() as f64);
            test_stat(&p, &xt, &v, rank, if scale_estimated { residual_df } else { -1.0 })
        };
        let label = row["label"].as_str().expect("label");
        let (ref_df, stat, pval) = (
            row["ref_df"].as_f64().expect("ref_df"),
            row["stat"].as_f64().expect("stat"),
            row["p_value"].as_f64().expect("p_value"),
        );
        let ours_stat = if scale_estimated { t.stat / t.rank } else { t.stat };
        let what = format!("{label} (scale estimated: {scale_estimated})");
        assert!(
            (t.rank - ref_df).abs() <= FIXTURE_STAT_REL_TOL * ref_df,
            "{what}: Ref.df {} vs {ref_df}",
            t.rank
        );
        assert!(
            (ours_stat - stat).abs() <= FIXTURE_STAT_REL_TOL * stat,
            "{what}: stat {ours_stat} vs {stat}"
        );
        assert!(
            (t.p_value - pval).abs() <= FIXTURE_P_REL_TOL * pval,
            "{what}: p {:e} vs {pval:e}",
            t.p_value
        );
    }
}

#[test]
fn re_test_and_test_stat_match_mgcv_on_fixture() {
    let fixture: serde_json::Value = serde_json::from_str(RE_FIXTURE).expect("fixture parses");
    check_fixture_fit(&fixture["scale_estimated_fit"]);
    check_fixture_fit(&fixture["scale_known_fit"]);
}
