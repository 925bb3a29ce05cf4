//! Request handlers, one function per request code, grouped by family.

pub mod broker;
pub mod config;
pub mod kv;
pub mod route;
pub mod topic;
