//! Positions in the formula text.

use serde::{Deserialize, Serialize};

/// A range of character positions in the formula text: `start` inclusive,
/// `end` exclusive, both 0-based and counted in characters (not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    /// First character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
}

impl Span {
    /// The span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}
