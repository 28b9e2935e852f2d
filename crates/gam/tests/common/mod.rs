//! What the library's behaviour tests share.

pub mod damage;
