//! gam: generalized additive models whose fits never start from scratch twice.
