//! Body types (filled in below).
