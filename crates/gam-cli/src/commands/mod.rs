//! The subcommands of `gam`, one module each: they parse nothing themselves
//! (clap does), call the `gam` library, and print what it returns
//! ([`gam::expert::report`], [`gam::expert::cv`]), so that every front end prints the same
//! bytes. What they share is in [`crate::plumbing`].

pub mod anova;
pub mod cache;
pub mod check;
pub mod compare;
pub mod concurvity;
pub mod cv;
pub mod fit;
pub mod general;
pub mod plot;
pub mod predict;
pub mod sample;
pub mod summary;
