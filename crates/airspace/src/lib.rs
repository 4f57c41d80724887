//! Deconflict airspace.
