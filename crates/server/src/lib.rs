//! Deconflict server.
