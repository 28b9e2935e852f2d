//! End-to-end tests of bad inputs to the non-Gaussian families on the command line:
//! `--family`, `--link`, `--weights` and `cbind(successes, failures)` responses in
//! `gam fit`.
//!
//! Bad inputs must fail with one `error: ...` line naming the column and the
//! 1-based data row of the file (rows dropped for missing values earlier do
//! not shift the numbering).

mod common;

use common::fit::FitRun;
use common::{gam_in, write};
use tempfile::TempDir;

#[test]
fn a_negative_count_with_poisson_names_its_column_and_row() {
    let dir = TempDir::new().unwrap();
    // Row 2 is dropped (missing y); the negative count is on data row 4.
    write(
        dir.path(),
        "d.csv",
        "x,y\n1,1\n2,NA\n3,2\n4,-1\n5,3\n6,2\n7,4\n8,1\n9,3\n10,5\n",
    );
    gam_in(dir.path(), ["fit", "d.csv", "y ~ x", "--family", "poisson"]).assert_data_error("y", 4, &["-1"]);
}

#[test]
fn a_binomial_response_outside_0_1_names_its_column_and_row() {
    let dir = TempDir::new().unwrap();
    // Row 1 is dropped (missing x); the 2 is on data row 5.
    write(dir.path(), "d.csv", "x,y\nNA,1\n2,0\n3,1\n4,0\n5,2\n6,1\n7,0\n8,1\n");
    gam_in(dir.path(), ["fit", "d.csv", "y ~ x", "--family", "binomial"]).assert_data_error("y", 5, &["[0, 1]"]);
    // Below 0 too.
    write(dir.path(), "neg.csv", "x,y\n1,1\n2,0\n3,-0.5\n4,0\n5,1\n");
    gam_in(dir.path(), ["fit", "neg.csv", "y ~ x", "--family", "binomial"]).assert_data_error("y", 3, &["[0, 1]"]);
}

#[test]
fn a_zero_or_negative_response_with_gamma_names_its_column_and_row() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "zero.csv", "x,y\n1,1.5\n,2\n3,0\n4,2.5\n5,1\n6,3\n");
    gam_in(dir.path(), ["fit", "zero.csv", "y ~ x", "--family", "Gamma"]).assert_data_error("y", 3, &["Gamma"]);
    write(dir.path(), "neg.csv", "x,y\n1,1.5\n2,NA\n3,2\n4,NA\n5,1\n6,-3\n");
    gam_in(
        dir.path(),
        ["fit", "neg.csv", "y ~ x", "--family", "Gamma", "--link", "log"],
    )
    .assert_data_error("y", 6, &["Gamma"]);
}

#[test]
fn a_negative_weight_names_its_column_and_row() {
    let dir = TempDir::new().unwrap();
    // Row 2 is dropped (missing weight); the negative weight is on data row 3.
    write(dir.path(), "d.csv", "x,y,w\n1,1,1\n2,3,\n3,2,-1\n4,2,1\n5,1,1\n6,3,2\n");
    gam_in(dir.path(), ["fit", "d.csv", "y ~ x", "--weights", "w"]).assert_data_error("w", 3, &["-1"]);
    // The same with a non-Gaussian family.
    write(
        dir.path(),
        "p.csv",
        "x,y,w\n1,1,1\n2,3,1\n3,2,1\n4,2,1\n5,1,-2\n6,3,2\n",
    );
    gam_in(
        dir.path(),
        ["fit", "p.csv", "y ~ x", "--family", "poisson", "--weights", "w"],
    )
    .assert_data_error("w", 5, &["-2"]);
}

#[test]
fn a_negative_count_in_cbind_names_its_column_and_row() {
    let dir = TempDir::new().unwrap();
    // Row 2 is dropped (missing successes); the negative failures are on data row 4.
    write(
        dir.path(),
        "d.csv",
        "x,s,f\n1,1,2\n2,NA,3\n3,2,1\n4,2,-1\n5,1,1\n6,0,3\n",
    );
    gam_in(dir.path(), ["fit", "d.csv", "cbind(s, f) ~ x", "--family", "binomial"]).assert_data_error("f", 4, &["-1"]);
    // In the successes column.
    write(dir.path(), "e.csv", "x,s,f\n1,1,2\n2,1,3\n3,-2,1\n4,2,1\n5,1,1\n");
    gam_in(dir.path(), ["fit", "e.csv", "cbind(s, f) ~ x", "--family", "binomial"]).assert_data_error("s", 3, &["-2"]);
}

#[test]
fn a_cbind_response_needs_the_binomial_family() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "d.csv", "x,s,f\n1,1,2\n2,2,3\n3,2,1\n4,2,1\n5,1,1\n6,0,3\n");
    gam_in(dir.path(), ["fit", "d.csv", "cbind(s, f) ~ x"]).assert_error(&["cbind(s, f)", "binomial", "gaussian"]);
    gam_in(dir.path(), ["fit", "d.csv", "cbind(s, f) ~ x", "--family", "poisson"]).assert_error(&[
        "cbind(s, f)",
        "binomial",
        "poisson",
    ]);
}

#[test]
fn a_weights_column_that_does_not_exist_is_an_unknown_column() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "d.csv", "x,y,w\n1,1,1\n2,3,1\n3,2,1\n4,2,1\n5,1,1\n");
    gam_in(dir.path(), ["fit", "d.csv", "y ~ x", "--weights", "nope"])
        .assert_error(&["unknown column 'nope'", "x, y, w"]);
    gam_in(
        dir.path(),
        ["fit", "d.csv", "y ~ x", "--family", "poisson", "--weights", "nope"],
    )
    .assert_error(&["unknown column 'nope'"]);
}
