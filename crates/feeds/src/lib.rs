//! Deconflict feeds.
