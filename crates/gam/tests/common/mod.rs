//! What the library's behaviour tests share: reading mgcv's reference files
//! ([`json`]), the public benchmark cases ([`cases`]), the tolerances of the
//! fidelity tests against mgcv ([`tol`]), ways to damage a model file
//! ([`damage`]), the extended-family checks against mgcv ([`efam`]), the general-family ones ([`general`]), the synthetic data of the front-door tests ([`front`]) and
//! checks against mgcv's setup of a model ([`setup_ref`]) and matrices
//! compared up to column signs ([`signed`]).

// Each test binary uses only part of this module.
#![allow(dead_code)]

/// One `#[test]` per case id, named by it, each calling `$run("<id>")`, and
/// `CASES`, the list of the ids, for a test that checks the list against
/// `cases.json` (a new case then fails until it is added).
#[allow(unused_macros)]
macro_rules! test_per_case {
    ($run:ident; $($id:ident),* $(,)?) => {
        /// The cases with a test of their own.
        #[allow(dead_code)]
        const CASES: &[&str] = &[$(stringify!($id)),*];
        $(
            #[test]
            fn $id() {
                $run(stringify!($id));
            }
        )*
    };
}

pub mod cases;
pub mod damage;
pub mod efam;
pub mod front;
pub mod general;
pub mod json;
pub mod setup_ref;
pub mod signed;
pub mod tol;
