//! ASTM F3548-21 `Volume4D` JSON (the USS interoperability data model), in and out.
//!
//! ```json
//! {"volume": {"outline_polygon": {"vertices": [{"lat": 35.5, "lng": 35.8}, ...]},
//!             "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
//!             "altitude_upper": {"value": 1500, "reference": "W84", "units": "M"}},
//!  "time_start": {"value": "2026-11-25T10:00:00Z", "format": "RFC3339"},
//!  "time_end":   {"value": "2026-11-25T12:00:00Z", "format": "RFC3339"}}
//! ```
//! A circle is `"outline_circle": {"center": {"lat", "lng"}, "radius": {"value", "units": "M"}}`.
//! Units may be `M` or `FT` (any case). Altitude references `W84` (WGS-84 ellipsoid) and `MSL`
//! are both stored as feet MSL: the geoid undulation (within ±110 m worldwide) is not applied.
//! Other references (`SFC`, `AGL`) are refused, because the cell has no terrain model.
//! Altitudes and both times are required here, though F3548 makes them optional.

use deconflict_engine::units::{FT_PER_M, M_PER_FT};
use serde_json::{json, Map, Value};

use super::{rfc3339_to_unix_s, unix_s_to_rfc3339, FormatError};
use crate::geom::LatLon;
use crate::volume::{Shape, Volume};

/// Reads one `Volume4D`, an array of them, or an object holding them in `volumes` or `extents`
/// (as an operational intent does). Every volume is validated.
///
/// # Errors
/// Bad JSON, a missing or ill-typed member, an unsupported unit or reference, an unreadable
/// time, or an invalid volume — each with the path of the offending element.
pub fn parse_volume4d_json(text: &str) -> Result<Vec<Volume>, FormatError> {
    let value: Value = serde_json::from_str(text)?;
    volumes_from_value(&value)
}

/// As [`parse_volume4d_json`], from an already parsed JSON value.
///
/// # Errors
/// As [`parse_volume4d_json`].
pub fn volumes_from_value(value: &Value) -> Result<Vec<Volume>, FormatError> {
    let (list, prefix): (&[Value], &str) = match value {
        Value::Array(a) => (a, ""),
        Value::Object(o) => match o.get("volumes").or_else(|| o.get("extents")) {
            Some(Value::Array(a)) => (
                a,
                if o.contains_key("volumes") {
                    "volumes"
                } else {
                    "extents"
                },
            ),
            _ => (std::slice::from_ref(value), ""),
        },
        _ => {
            return Err(FormatError::Missing {
                at: "$".into(),
                what: "Volume4D",
                expected: "an object or array",
            })
        }
    };
    if list.is_empty() {
        return Err(FormatError::Empty);
    }
    list.iter()
        .enumerate()
        .map(|(i, v)| volume4d_from_value(&format!("{prefix}[{i}]"), v))
        .collect()
}

/// Reads one `Volume4D` object; `at` names it in errors.
///
/// # Errors
/// As [`parse_volume4d_json`].
pub fn volume4d_from_value(at: &str, v: &Value) -> Result<Volume, FormatError> {
    let volume = obj(at, v, "volume")?;
    let vat = format!("{at}.volume");
    let shape = match (volume.get("outline_polygon"), volume.get("outline_circle")) {
        (Some(p), None) if !p.is_null() => polygon(&format!("{vat}.outline_polygon"), p)?,
        (None, Some(c)) if !c.is_null() => circle(&format!("{vat}.outline_circle"), c)?,
        (Some(p), Some(c)) if c.is_null() && !p.is_null() => {
            polygon(&format!("{vat}.outline_polygon"), p)?
        }
        (Some(p), Some(c)) if p.is_null() && !c.is_null() => {
            circle(&format!("{vat}.outline_circle"), c)?
        }
        (Some(p), Some(c)) if !p.is_null() && !c.is_null() => {
            return Err(FormatError::Unsupported {
                at: vat,
                what: "both outline_polygon and outline_circle".into(),
            })
        }
        _ => {
            return Err(FormatError::Missing {
                at: vat,
                what: "outline_polygon or outline_circle",
                expected: "an object",
            })
        }
    };
    let out = Volume {
        shape,
        lower_ft: altitude_ft(&vat, volume, "altitude_lower")?,
        upper_ft: altitude_ft(&vat, volume, "altitude_upper")?,
        start_time: time(at, v, "time_start")?,
        end_time: time(at, v, "time_end")?,
    };
    out.validate().map_err(|source| FormatError::Volume {
        at: at.to_string(),
        source,
    })?;
    Ok(out)
}

fn obj<'a>(
    at: &str,
    v: &'a Value,
    key: &'static str,
) -> Result<&'a Map<String, Value>, FormatError> {
    v.get(key)
        .and_then(Value::as_object)
        .ok_or(FormatError::Missing {
            at: at.to_string(),
            what: key,
            expected: "an object",
        })
}

fn num(at: &str, v: &Value, key: &'static str) -> Result<f64, FormatError> {
    v.get(key)
        .and_then(Value::as_f64)
        .ok_or(FormatError::Missing {
            at: at.to_string(),
            what: key,
            expected: "a number",
        })
}

fn latlng(at: &str, v: &Value) -> Result<LatLon, FormatError> {
    Ok(LatLon {
        lat_deg: num(at, v, "lat")?,
        lon_deg: num(at, v, "lng")?,
    })
}

fn polygon(at: &str, p: &Value) -> Result<Shape, FormatError> {
    let vertices = p
        .get("vertices")
        .and_then(Value::as_array)
        .ok_or(FormatError::Missing {
            at: at.to_string(),
            what: "vertices",
            expected: "an array",
        })?;
    let coordinates = vertices
        .iter()
        .enumerate()
        .map(|(i, v)| latlng(&format!("{at}.vertices[{i}]"), v).map(|p| [p.lon_deg, p.lat_deg]))
        .collect::<Result<_, _>>()?;
    Ok(Shape::Polygon { coordinates })
}

fn circle(at: &str, c: &Value) -> Result<Shape, FormatError> {
    let center = c.get("center").ok_or(FormatError::Missing {
        at: at.to_string(),
        what: "center",
        expected: "an object",
    })?;
    let center = latlng(&format!("{at}.center"), center)?;
    let radius = c.get("radius").ok_or(FormatError::Missing {
        at: at.to_string(),
        what: "radius",
        expected: "an object",
    })?;
    let rat = format!("{at}.radius");
    let value = num(&rat, radius, "value")?;
    let radius_m = value * metres_per_unit(&rat, radius)?;
    Ok(Shape::Circle { center, radius_m })
}

fn metres_per_unit(at: &str, v: &Value) -> Result<f64, FormatError> {
    match v
        .get("units")
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("M") => Ok(1.0),
        Some("FT") => Ok(M_PER_FT),
        Some(other) => Err(FormatError::Unsupported {
            at: at.to_string(),
            what: format!("units {other:?}"),
        }),
        None => Err(FormatError::Missing {
            at: at.to_string(),
            what: "units",
            expected: "\"M\" or \"FT\"",
        }),
    }
}

fn altitude_ft(
    at: &str,
    volume: &Map<String, Value>,
    key: &'static str,
) -> Result<f64, FormatError> {
    let a = volume
        .get(key)
        .filter(|v| v.is_object())
        .ok_or(FormatError::Missing {
            at: at.to_string(),
            what: key,
            expected: "an object",
        })?;
    let aat = format!("{at}.{key}");
    match a
        .get("reference")
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("W84") | Some("MSL") | None => {}
        Some(other) => {
            return Err(FormatError::Unsupported {
                at: aat,
                what: format!("altitude reference {other:?}"),
            })
        }
    }
    let value = num(&aat, a, "value")?;
    let m_per_unit = metres_per_unit(&aat, a)?;
    Ok(if m_per_unit == 1.0 {
        value * FT_PER_M
    } else {
        value
    })
}

fn time(at: &str, v: &Value, key: &'static str) -> Result<f64, FormatError> {
    let t = v.get(key).ok_or(FormatError::Missing {
        at: at.to_string(),
        what: key,
        expected: "an object",
    })?;
    let value = t
        .get("value")
        .and_then(Value::as_str)
        .ok_or(FormatError::Missing {
            at: format!("{at}.{key}"),
            what: "value",
            expected: "an RFC 3339 string",
        })?;
    rfc3339_to_unix_s(&format!("{at}.{key}.value"), value)
}

/// Writes a volume as a `Volume4D` (altitudes in feet, reference `W84` standing for MSL).
pub fn volume_to_volume4d(v: &Volume) -> Value {
    let outline = match &v.shape {
        Shape::Polygon { coordinates } => json!({"outline_polygon": {
            "vertices": coordinates.iter().map(|c| json!({"lat": c[1], "lng": c[0]})).collect::<Vec<_>>()
        }}),
        Shape::Circle { center, radius_m } => json!({"outline_circle": {
            "center": {"lat": center.lat_deg, "lng": center.lon_deg},
            "radius": {"value": radius_m, "units": "M"}
        }}),
    };
    let mut volume = outline.as_object().cloned().unwrap_or_default();
    volume.insert(
        "altitude_lower".into(),
        json!({"value": v.lower_ft, "reference": "W84", "units": "FT"}),
    );
    volume.insert(
        "altitude_upper".into(),
        json!({"value": v.upper_ft, "reference": "W84", "units": "FT"}),
    );
    json!({
        "volume": volume,
        "time_start": {"value": unix_s_to_rfc3339(v.start_time), "format": "RFC3339"},
        "time_end": {"value": unix_s_to_rfc3339(v.end_time), "format": "RFC3339"},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn reads_polygon_and_circle_volumes() {
        let text = r#"[
          {"volume": {"outline_polygon": {"vertices": [
              {"lat": 35.0, "lng": 36.0}, {"lat": 35.0, "lng": 36.5}, {"lat": 35.5, "lng": 36.5}]},
            "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": 3048, "reference": "W84", "units": "M"}},
           "time_start": {"value": "2026-11-25T10:00:00Z", "format": "RFC3339"},
           "time_end": {"value": "2026-11-25T13:00:00.5+02:00", "format": "RFC3339"}},
          {"volume": {"outline_circle": {"center": {"lat": 35.5, "lng": 35.8}, "radius": {"value": 5, "units": "M"}},
            "altitude_lower": {"value": 1000, "units": "FT"},
            "altitude_upper": {"value": 2000, "units": "ft"}},
           "time_start": {"value": "2026-11-25T10:00:00Z"}, "time_end": {"value": "2026-11-25T11:00:00Z"}}
        ]"#;
        let v = parse_volume4d_json(text).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].start_time, 1_795_600_800.0);
        assert_eq!(v[0].end_time, 1_795_600_800.0 + 3_600.0 + 0.5);
        assert_abs_diff_eq!(v[0].upper_ft, 10_000.0, epsilon = 1e-9);
        assert_eq!(
            v[0].shape,
            Shape::Polygon {
                coordinates: vec![[36.0, 35.0], [36.5, 35.0], [36.5, 35.5]]
            }
        );
        assert_eq!(
            v[1].shape,
            Shape::Circle {
                center: LatLon {
                    lat_deg: 35.5,
                    lon_deg: 35.8
                },
                radius_m: 5.0
            }
        );
        assert_eq!((v[1].lower_ft, v[1].upper_ft), (1_000.0, 2_000.0));
        // Round trip through the writer.
        let back =
            volumes_from_value(&Value::Array(v.iter().map(volume_to_volume4d).collect())).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[1], v[1]);
        assert_eq!(back[0].start_time, v[0].start_time);
        assert_eq!(back[0].end_time, v[0].end_time);
    }

    #[test]
    fn reports_where_it_went_wrong() {
        let bad_time = r#"{"volumes": [{"volume": {"outline_circle": {"center": {"lat": 1, "lng": 2}, "radius": {"value": 5, "units": "M"}},
            "altitude_lower": {"value": 0, "units": "M"}, "altitude_upper": {"value": 10, "units": "M"}},
            "time_start": {"value": "yesterday"}, "time_end": {"value": "2026-11-25T11:00:00Z"}}]}"#;
        let e = parse_volume4d_json(bad_time).unwrap_err();
        assert_eq!(
            e.to_string(),
            "volumes[0].time_start.value: \"yesterday\" is not an RFC 3339 timestamp"
        );
        let agl = bad_time
            .replace("\"yesterday\"", "\"2026-11-25T10:00:00Z\"")
            .replace(
                "\"altitude_lower\": {\"value\": 0, \"units\": \"M\"}",
                "\"altitude_lower\": {\"value\": 0, \"reference\": \"SFC\", \"units\": \"M\"}",
            );
        assert!(matches!(
            parse_volume4d_json(&agl),
            Err(FormatError::Unsupported { .. })
        ));
        let zero = bad_time
            .replace("\"yesterday\"", "\"2026-11-25T10:00:00Z\"")
            .replace("\"value\": 5", "\"value\": 0");
        assert!(matches!(
            parse_volume4d_json(&zero),
            Err(FormatError::Volume { .. })
        ));
        assert!(matches!(
            parse_volume4d_json("{"),
            Err(FormatError::Json { .. })
        ));
        assert_eq!(parse_volume4d_json("[]"), Err(FormatError::Empty));
    }
}
