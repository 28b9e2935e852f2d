//! The engine's pieces, one module per stage of the data flow, for the
//! `gam` command, tests and benchmarks. No stability promise: use the crate
//! root's items where they suffice.
//!
//! The files stay where the data flow puts them (`src/fit/`, `src/data/`,
//! ...); this module only gathers them under one name, and the crate uses
//! them through `crate::fit`, `crate::data`, ....

#[path = "../basis/mod.rs"]
pub mod basis;
#[path = "../cache/mod.rs"]
pub mod cache;
#[path = "../cv/mod.rs"]
pub mod cv;
#[path = "../data/mod.rs"]
pub mod data;
#[path = "../design/mod.rs"]
pub mod design;
#[path = "../family/mod.rs"]
pub mod family;
#[path = "../files.rs"]
pub mod files;
#[path = "../fit/mod.rs"]
pub mod fit;
#[path = "../formula/mod.rs"]
pub mod formula;
#[path = "../linalg/mod.rs"]
pub mod linalg;
#[path = "../model/mod.rs"]
pub mod model;
#[path = "../predict.rs"]
pub mod predict;
#[path = "../report/mod.rs"]
pub mod report;

/// The warm-start store the cache glue is built on.
pub use warmstart;
