//! Routing: the route tables and their owner.

pub mod table;
