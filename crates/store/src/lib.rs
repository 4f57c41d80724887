//! Deconflict store.
