//! Deconflict feeds: decoding surveillance feeds, fusing them into one air picture, connecting
//! to live feeds and simulating traffic.
//!
//! # Layers
//! - Decoding, pure functions over `&[u8]` / `&str`: [`sbs`] (BaseStation CSV), [`beast`]
//!   (binary framing), [`avr`] (raw hex), [`modes`] (Mode S via `rs1090`), [`states`]
//!   (OpenSky state vectors CSV, readsb `aircraft.json`, state-vector JSON, party telemetry).
//!   Each produces [`Observation`]s or a [`DecodeError`] with a stable reason string.
//! - [`track::TrackTable`]: the fused picture, pure, with time passed in.
//! - [`source`]: format sniffing and file readers (plain or gzip) for replay.
//! - [`connect`] and [`counters`]: tokio TCP clients and listeners, file feeds, per-feed counters.
//! - [`sim`]: seeded synthetic traffic and scripted scenarios, usable in-process or as a feed;
//!   [`df17`] encodes its ADS-B extended squitters for Beast output.
//!
//! # Example
//! ```
//! use std::sync::Arc;
//! use deconflict_feeds::{sbs, track::{TrackConfig, TrackTable}};
//! let feed: Arc<str> = Arc::from("feed-blue-sbs");
//! let mut table = TrackTable::new(TrackConfig::default());
//! let line = "MSG,3,1,1,484411,1,2016/02/05,04:51:22.903,,,,12525,,,52.58052,5.29031,,,,,,0";
//! table.ingest(sbs::parse_line(line, &feed).unwrap()).unwrap();
//! assert_eq!(table.tracks().count(), 1);
//! ```
#![deny(missing_docs)]

pub mod avr;
pub mod beast;
pub mod connect;
pub mod counters;
pub mod df17;
pub mod error;
pub mod modes;
pub mod observation;
pub mod replay;
pub mod sbs;
pub mod sim;
pub mod source;
pub mod states;
pub mod time;
pub mod track;

pub use error::DecodeError;
pub use observation::Observation;
