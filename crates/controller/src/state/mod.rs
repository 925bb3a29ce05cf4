//! The replicated controller state and the decisions that change it (filled in by issue 12).
