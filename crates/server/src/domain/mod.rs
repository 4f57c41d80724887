//! The cell's rules, pure: no HTTP, no store, no clock calls (`now` is an argument). Each
//! module's unit tests are beside its code.

pub mod aerodromes;
pub mod alerts;
pub mod crosscheck;
pub mod exclusions;
pub mod guidance;
pub mod handover;
pub mod ids;
pub mod imports;
pub mod intrusions;
pub mod notices;
pub mod ownership;
pub mod parties;
pub mod picture;
pub mod policy;
pub mod requests;
pub mod reservations;
pub mod safety;
pub mod text;
