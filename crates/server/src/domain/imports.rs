//! Reservations and zones imported in bulk: GeoJSON features, ASTM F3548 `Volume4D` JSON and
//! OpenAir airspace text become validated [`Candidate`]s, each with a note of where it came
//! from. The filing rules then apply to each as to a single filing (`domain::reservations`);
//! an import is all or nothing.
//!
//! - GeoJSON: one reservation per feature; `name`, `purpose`, `priority`, `justification`
//!   from its properties.
//! - `Volume4D`: one reservation (a `Volume4D`, an array of them, or an object with
//!   `volumes`/`extents` and optional `name`, `purpose`, `priority`, `justification`).
//! - OpenAir: one zone per airspace, `hazard` or `closure`, priority 10 by default; zones are
//!   facts, not claims, so they are filed over others without a justification. Airspaces that
//!   cannot be used are reported, not fatal.

use crate::domain::reservations::{
    Candidate, InvalidFiling, DEFAULT_PRIORITY, DEFAULT_ZONE_PRIORITY, MAX_IMPORT,
};
use crate::domain::text::{self, TextError};
use deconflict_airspace::formats::openair::OpenAirRejected;
use deconflict_airspace::formats::{astm, geojson, openair};
use deconflict_airspace::volume::MAX_PRIORITY;
use deconflict_airspace::Purpose;
use serde_json::{json, Map, Value};

/// Why an import is refused (nothing is filed).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    /// Not readable as the format.
    #[error("{0}")]
    Format(String),
    /// More than [`MAX_IMPORT`] items.
    #[error("{count} {what}; at most {MAX_IMPORT} per import")]
    TooMany {
        /// How many.
        count: usize,
        /// Of what.
        what: &'static str,
    },
    /// A property has the wrong type or value.
    #[error("{at}: {what}")]
    Property {
        /// Where (`features[2].properties`, `$`).
        at: String,
        /// What is wrong.
        what: String,
    },
    /// An item is not a valid filing.
    #[error("{at}: {error}")]
    Filing {
        /// Which item (`features[2]`, `zone 0 (NAME)`); empty for a single `Volume4D`.
        at: String,
        /// Why.
        error: InvalidFiling,
    },
    /// An OpenAir airspace's class, type or bound text holds a control or bidi character.
    #[error("{at}: {error}")]
    Text {
        /// Which zone.
        at: String,
        /// Why.
        error: TextError,
    },
    /// A zone's purpose other than hazard or closure.
    #[error("purpose of an OpenAir zone must be hazard or closure")]
    ZonePurpose,
    /// No usable airspace in the OpenAir text.
    #[error("{}", no_zone_text(.0))]
    NoZone(Vec<OpenAirRejected>),
}

fn no_zone_text(rejected: &[OpenAirRejected]) -> String {
    match rejected.first() {
        None => "no airspace found in the OpenAir text".to_owned(),
        Some(r) => format!("no usable airspace: {}", r.reason),
    }
}

/// A candidate and where it came from (the reservation's `source`).
pub type Imported = (Candidate, Value);

fn prop_str(p: &Map<String, Value>, k: &str) -> Option<String> {
    p.get(k).and_then(Value::as_str).map(str::to_owned)
}

fn prop_purpose(at: &str, v: Option<&Value>) -> Result<Option<Purpose>, ImportError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone())
            .map(Some)
            .map_err(|_| ImportError::Property {
                at: at.to_owned(),
                what: "purpose must be operation, training, hazard or closure".into(),
            }),
    }
}

fn prop_priority(at: &str, v: Option<&Value>) -> Result<Option<u8>, ImportError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|p| *p <= u64::from(MAX_PRIORITY))
            .map(|p| Some(p as u8))
            .ok_or_else(|| ImportError::Property {
                at: at.to_owned(),
                what: format!("priority must be an integer in [0, {MAX_PRIORITY}]"),
            }),
    }
}

fn from_properties(
    at: &str,
    p: &Map<String, Value>,
    volumes: Vec<deconflict_airspace::Volume>,
    now: f64,
) -> Result<Result<Candidate, InvalidFiling>, ImportError> {
    Ok(Candidate::new(
        prop_str(p, "name"),
        prop_purpose(at, p.get("purpose"))?.unwrap_or(Purpose::Operation),
        prop_priority(at, p.get("priority"))?.unwrap_or(DEFAULT_PRIORITY),
        volumes,
        prop_str(p, "justification"),
        now,
    ))
}

/// The candidates of a GeoJSON `FeatureCollection` / `Feature` or of `Volume4D` JSON, at
/// `now`.
///
/// # Errors
/// [`ImportError`] naming the item and what is wrong.
pub fn from_json(body: &Value, now: f64) -> Result<Vec<Imported>, ImportError> {
    let kind = body.get("type").and_then(Value::as_str);
    if matches!(kind, Some("FeatureCollection") | Some("Feature")) {
        let features =
            geojson::features_from_value(body).map_err(|e| ImportError::Format(e.to_string()))?;
        if features.len() > MAX_IMPORT {
            return Err(ImportError::TooMany {
                count: features.len(),
                what: "features",
            });
        }
        let mut out = Vec::with_capacity(features.len());
        for f in features {
            let at = format!("features[{}].properties", f.index);
            let cand = from_properties(&at, &f.properties, f.volumes, now)?.map_err(|error| {
                ImportError::Filing {
                    at: format!("features[{}]", f.index),
                    error,
                }
            })?;
            out.push((cand, json!({ "format": "geojson", "feature": f.index })));
        }
        Ok(out)
    } else {
        let volumes =
            astm::volumes_from_value(body).map_err(|e| ImportError::Format(e.to_string()))?;
        let empty = Map::new();
        let p = body.as_object().unwrap_or(&empty);
        let cand = from_properties("$", p, volumes, now)?.map_err(|error| ImportError::Filing {
            at: String::new(),
            error,
        })?;
        Ok(vec![(cand, json!({ "format": "volume4d" }))])
    }
}

/// How OpenAir zones are filed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZoneOptions {
    /// Start of the zones' window, UNIX s (default now).
    pub start_time: Option<f64>,
    /// End of the window, UNIX s (default start + `default_s`).
    pub end_time: Option<f64>,
    /// `hazard` (default) or `closure`.
    pub purpose: Option<Purpose>,
    /// Default [`DEFAULT_ZONE_PRIORITY`].
    pub priority: Option<u8>,
    /// `strategic.zone_default_s`.
    pub default_s: f64,
}

/// The zone candidates of OpenAir `text` at `now`, and the airspaces that could not be used.
///
/// # Errors
/// [`ImportError`]: a purpose that is not a zone's, no usable airspace, too many, or an
/// airspace that is not a valid filing.
pub fn zones_from_openair(
    text: &str,
    o: ZoneOptions,
    now: f64,
) -> Result<(Vec<Imported>, Vec<OpenAirRejected>), ImportError> {
    let start = o.start_time.unwrap_or(now);
    let end = o.end_time.unwrap_or(start.max(now) + o.default_s);
    let purpose = o.purpose.unwrap_or(Purpose::Hazard);
    if !matches!(purpose, Purpose::Hazard | Purpose::Closure) {
        return Err(ImportError::ZonePurpose);
    }
    let priority = o.priority.unwrap_or(DEFAULT_ZONE_PRIORITY);
    let parsed = openair::parse_openair(text, start, end);
    if parsed.zones.is_empty() {
        return Err(ImportError::NoZone(parsed.rejected));
    }
    if parsed.zones.len() > MAX_IMPORT {
        return Err(ImportError::TooMany {
            count: parsed.zones.len(),
            what: "airspaces",
        });
    }
    let mut out = Vec::with_capacity(parsed.zones.len());
    for (i, z) in parsed.zones.into_iter().enumerate() {
        let cand = Candidate::new(
            Some(z.name.clone()),
            purpose,
            priority,
            vec![z.volume],
            None,
            now,
        )
        .map_err(|error| ImportError::Filing {
            at: format!("zone {i} ({})", z.name),
            error,
        })?;
        for (field, s) in [
            ("class", Some(z.class.as_str())),
            ("type", z.airspace_type.as_deref()),
            ("lower", Some(z.lower_text.as_str())),
            ("upper", Some(z.upper_text.as_str())),
        ] {
            text::check_opt(field, s, text::Kind::Line).map_err(|error| ImportError::Text {
                at: format!("zone {i} ({})", z.name),
                error,
            })?;
        }
        let source = json!({ "format": "openair", "class": z.class, "type": z.airspace_type,
                             "lower": z.lower_text, "upper": z.upper_text });
        out.push((cand, source));
    }
    Ok((out, parsed.rejected))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature(mut props: Value, t0: f64, t1: f64) -> Value {
        props["lower_ft"] = json!(0.0);
        props["upper_ft"] = json!(5000.0);
        props["start_time"] = json!(t0);
        props["end_time"] = json!(t1);
        json!({ "type": "Feature", "properties": props,
                "geometry": { "type": "Polygon", "coordinates": [[[0.0, 0.0], [0.1, 0.0], [0.1, 0.1], [0.0, 0.1], [0.0, 0.0]]] } })
    }

    #[test]
    fn geojson_properties_become_the_filing() {
        let fc = json!({ "type": "FeatureCollection", "features": [
            feature(json!({ "name": "A", "purpose": "training", "priority": 7 }), 100.0, 200.0),
            feature(json!({}), 100.0, 200.0),
        ]});
        let got = from_json(&fc, 50.0).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].0.name.as_str(), got[0].0.priority), ("A", 7));
        assert_eq!(got[0].0.purpose, Purpose::Training);
        assert_eq!(got[1].0.priority, DEFAULT_PRIORITY);
        assert_eq!(got[1].1, json!({ "format": "geojson", "feature": 1 }));
    }

    #[test]
    fn a_bad_property_or_filing_names_its_feature() {
        let fc = json!({ "type": "FeatureCollection", "features": [
            feature(json!({ "priority": 11 }), 100.0, 200.0)]});
        assert_eq!(
            from_json(&fc, 50.0).unwrap_err().to_string(),
            "features[0].properties: priority must be an integer in [0, 10]"
        );
        let past =
            json!({ "type": "FeatureCollection", "features": [feature(json!({}), 10.0, 20.0)]});
        assert!(from_json(&past, 50.0)
            .unwrap_err()
            .to_string()
            .starts_with("features[0]: the reservation ends at 20"));
    }

    #[test]
    fn openair_zones_are_hazards_and_unusable_text_is_refused() {
        let text = "AC R\nAN TEST ZONE\nAL GND\nAH FL100\nDP 36:00:00 N 037:00:00 E\nDP 36:10:00 N 037:00:00 E\nDP 36:10:00 N 037:10:00 E\n";
        let o = ZoneOptions {
            start_time: None,
            end_time: None,
            purpose: None,
            priority: None,
            default_s: 3_600.0,
        };
        let (zones, rejected) = zones_from_openair(text, o, 1_000.0).unwrap();
        assert_eq!((zones.len(), rejected.len()), (1, 0));
        assert_eq!(zones[0].0.purpose, Purpose::Hazard);
        assert_eq!(zones[0].0.priority, DEFAULT_ZONE_PRIORITY);
        assert_eq!(zones[0].0.volumes[0].end_time, 4_600.0);
        let training = ZoneOptions {
            purpose: Some(Purpose::Training),
            ..o
        };
        assert_eq!(
            zones_from_openair(text, training, 1_000.0).unwrap_err(),
            ImportError::ZonePurpose
        );
        assert_eq!(
            zones_from_openair("", o, 1_000.0).unwrap_err().to_string(),
            "no airspace found in the OpenAir text"
        );
        let bad = zones_from_openair("nothing here", o, 1_000.0).unwrap_err();
        assert!(
            matches!(&bad, ImportError::NoZone(r) if r.len() == 1),
            "{bad}"
        );
        assert!(bad.to_string().starts_with("no usable airspace: "), "{bad}");
    }
}
