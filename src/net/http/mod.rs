//! HTTP for scripts (feature `http`): filled in next.
