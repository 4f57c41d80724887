//! GeoJSON (RFC 7946) import of volumes and export of reservations.
//!
//! Import: a `FeatureCollection` or a single `Feature`. Each feature's geometry gives its
//! volumes' outlines: `Polygon` (exterior ring only; holes are refused), `MultiPolygon` (one
//! volume per polygon) or `Point` with a `radius_m` property (a circle). Its properties give the
//! altitude band (`lower_ft` or `lower_fl`, `upper_ft` or `upper_fl`) and the window
//! (`start_time`, `end_time`: UNIX seconds or RFC 3339 strings). Every property is handed back
//! so the caller can read names, purposes or priorities.
//!
//! Export: one `Feature` per volume; polygons as `Polygon`, circles as `Point` with `radius_m`
//! (so an export imports back unchanged), with the reservation's fields as properties. A
//! polygon crossing the antimeridian is cut there into a `MultiPolygon` of its eastern and
//! western parts, as RFC 7946 §3.1.9 asks (the cut's latitudes on the edges' great circles);
//! it imports back as two volumes.

use serde_json::{json, Map, Value};

use super::{rfc3339_to_unix_s, FormatError};
use crate::geom::LatLon;
use crate::volume::{Reservation, Shape, Volume, FT_PER_FL};

/// One imported feature: its volumes and all its properties.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedFeature {
    /// Position of the feature in the collection.
    pub index: usize,
    /// Its volumes (one, or one per polygon of a `MultiPolygon`), validated.
    pub volumes: Vec<Volume>,
    /// Its `properties` member as given.
    pub properties: Map<String, Value>,
}

/// Reads a GeoJSON `FeatureCollection` or `Feature` into validated volumes.
///
/// # Errors
/// Bad JSON, a missing or ill-typed member, an unsupported geometry, or an invalid volume —
/// with the path of the offending feature.
pub fn parse_geojson(text: &str) -> Result<Vec<ImportedFeature>, FormatError> {
    let value: Value = serde_json::from_str(text)?;
    features_from_value(&value)
}

/// As [`parse_geojson`], from an already parsed JSON value.
///
/// # Errors
/// As [`parse_geojson`].
pub fn features_from_value(value: &Value) -> Result<Vec<ImportedFeature>, FormatError> {
    let out =
        match value.get("type").and_then(Value::as_str) {
            Some("FeatureCollection") => {
                let features = value.get("features").and_then(Value::as_array).ok_or(
                    FormatError::Missing {
                        at: "$".into(),
                        what: "features",
                        expected: "an array",
                    },
                )?;
                features
                    .iter()
                    .enumerate()
                    .map(|(i, f)| feature(&format!("features[{i}]"), i, f))
                    .collect::<Result<Vec<_>, _>>()?
            }
            Some("Feature") => vec![feature("$", 0, value)?],
            Some(other) => {
                return Err(FormatError::Unsupported {
                    at: "$".into(),
                    what: format!("GeoJSON type {other:?}"),
                })
            }
            None => {
                return Err(FormatError::Missing {
                    at: "$".into(),
                    what: "type",
                    expected: "a string",
                })
            }
        };
    if out.is_empty() {
        return Err(FormatError::Empty);
    }
    Ok(out)
}

fn feature(at: &str, index: usize, f: &Value) -> Result<ImportedFeature, FormatError> {
    let properties = f
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let pat = format!("{at}.properties");
    let lower_ft = altitude(&pat, &properties, "lower")?;
    let upper_ft = altitude(&pat, &properties, "upper")?;
    let start_time = time(&pat, &properties, "start_time")?;
    let end_time = time(&pat, &properties, "end_time")?;
    let geometry = FeatureGeometry::of_feature(at, f)?;
    let shapes =
        match geometry.kind {
            Some("Polygon") => vec![Shape::Polygon {
                coordinates: geometry.ring()?,
            }],
            Some("MultiPolygon") => geometry
                .coordinates
                .and_then(Value::as_array)
                .ok_or(FormatError::Missing {
                    at: geometry.at.clone(),
                    what: "coordinates",
                    expected: "an array",
                })?
                .iter()
                .enumerate()
                .map(|(i, p)| polygon(&format!("{}.coordinates[{i}]", geometry.at), Some(p)))
                .collect::<Result<Vec<_>, _>>()?,
            Some("Point") => {
                let center = geometry.point()?;
                let radius_m = properties.get("radius_m").and_then(Value::as_f64).ok_or(
                    FormatError::Missing {
                        at: pat.clone(),
                        what: "radius_m",
                        expected: "a number (a Point stands for a circle)",
                    },
                )?;
                vec![Shape::Circle { center, radius_m }]
            }
            Some(other) => {
                return Err(FormatError::Unsupported {
                    at: geometry.at,
                    what: format!("geometry type {other:?}"),
                })
            }
            None => return Err(geometry.missing_type()),
        };
    let volumes = shapes
        .into_iter()
        .map(|shape| {
            let v = Volume {
                shape,
                lower_ft,
                upper_ft,
                start_time,
                end_time,
            };
            v.validate()
                .map(|_| v)
                .map_err(|source| FormatError::Volume {
                    at: at.to_string(),
                    source,
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ImportedFeature {
        index,
        volumes,
        properties,
    })
}

/// The `geometry` member of a feature, as the volume and the safety-net region importers read
/// it: its `type`, its `coordinates`, and its path for the errors.
pub(crate) struct FeatureGeometry<'a> {
    /// Path of the member: the feature's path, then `.geometry`.
    pub(crate) at: String,
    /// Its `type`, when that is a string.
    pub(crate) kind: Option<&'a str>,
    /// Its `coordinates`, when present.
    pub(crate) coordinates: Option<&'a Value>,
}

impl<'a> FeatureGeometry<'a> {
    /// The geometry of the feature `f`, found at `at`.
    ///
    /// # Errors
    /// [`FormatError::Missing`] when the feature has no `geometry` object.
    pub(crate) fn of_feature(at: &str, f: &'a Value) -> Result<Self, FormatError> {
        let geometry = f
            .get("geometry")
            .filter(|g| g.is_object())
            .ok_or(FormatError::Missing {
                at: at.to_string(),
                what: "geometry",
                expected: "an object",
            })?;
        Ok(FeatureGeometry {
            at: format!("{at}.geometry"),
            kind: geometry.get("type").and_then(Value::as_str),
            coordinates: geometry.get("coordinates"),
        })
    }

    /// The exterior ring of a `Polygon`, `[lon, lat]` degrees.
    ///
    /// # Errors
    /// As [`polygon`]: no rings, holes, or a bad position.
    pub(crate) fn ring(&self) -> Result<Vec<[f64; 2]>, FormatError> {
        ring(&self.at, self.coordinates)
    }

    /// The position of a `Point`.
    ///
    /// # Errors
    /// [`FormatError::Missing`] when the coordinates are not `[lon, lat]`.
    pub(crate) fn point(&self) -> Result<LatLon, FormatError> {
        let [lon_deg, lat_deg] = position(&format!("{}.coordinates", self.at), self.coordinates)?;
        Ok(LatLon { lat_deg, lon_deg })
    }

    /// The error for a geometry without a string `type`.
    pub(crate) fn missing_type(self) -> FormatError {
        FormatError::Missing {
            at: self.at,
            what: "type",
            expected: "a string",
        }
    }
}

pub(crate) fn position(at: &str, v: Option<&Value>) -> Result<[f64; 2], FormatError> {
    let a = v.and_then(Value::as_array).filter(|a| a.len() >= 2);
    let lon = a.and_then(|a| a[0].as_f64());
    let lat = a.and_then(|a| a[1].as_f64());
    match (lon, lat) {
        (Some(lon), Some(lat)) => Ok([lon, lat]),
        _ => Err(FormatError::Missing {
            at: at.to_string(),
            what: "position",
            expected: "[lon, lat]",
        }),
    }
}

/// A `Polygon`'s coordinates as a volume's outline.
fn polygon(at: &str, coords: Option<&Value>) -> Result<Shape, FormatError> {
    Ok(Shape::Polygon {
        coordinates: ring(at, coords)?,
    })
}

/// The exterior ring of a `Polygon`'s coordinates (a polygon with holes is refused).
fn ring(at: &str, coords: Option<&Value>) -> Result<Vec<[f64; 2]>, FormatError> {
    let rings = coords
        .and_then(Value::as_array)
        .ok_or(FormatError::Missing {
            at: at.to_string(),
            what: "coordinates",
            expected: "an array of rings",
        })?;
    if rings.len() > 1 {
        return Err(FormatError::Unsupported {
            at: at.to_string(),
            what: "a polygon with holes".into(),
        });
    }
    let ring = rings
        .first()
        .and_then(Value::as_array)
        .ok_or(FormatError::Missing {
            at: at.to_string(),
            what: "exterior ring",
            expected: "an array of positions",
        })?;
    ring.iter()
        .enumerate()
        .map(|(i, p)| position(&format!("{at}[0][{i}]"), Some(p)))
        .collect()
}

fn altitude(at: &str, props: &Map<String, Value>, bound: &'static str) -> Result<f64, FormatError> {
    let (ft_key, fl_key) = if bound == "lower" {
        ("lower_ft", "lower_fl")
    } else {
        ("upper_ft", "upper_fl")
    };
    match (
        props.get(ft_key).and_then(Value::as_f64),
        props.get(fl_key).and_then(Value::as_f64),
    ) {
        (Some(ft), None) => Ok(ft),
        (None, Some(fl)) => Ok(fl * FT_PER_FL),
        (Some(_), Some(_)) => Err(FormatError::Unsupported {
            at: at.to_string(),
            what: format!("both {ft_key} and {fl_key}"),
        }),
        (None, None) => Err(FormatError::Missing {
            at: at.to_string(),
            what: ft_key,
            expected: "a number",
        }),
    }
}

fn time(at: &str, props: &Map<String, Value>, key: &'static str) -> Result<f64, FormatError> {
    match props.get(key) {
        Some(Value::Number(n)) => n.as_f64().ok_or(FormatError::Missing {
            at: at.to_string(),
            what: key,
            expected: "a number",
        }),
        Some(Value::String(s)) => rfc3339_to_unix_s(&format!("{at}.{key}"), s),
        _ => Err(FormatError::Missing {
            at: at.to_string(),
            what: key,
            expected: "UNIX seconds or an RFC 3339 string",
        }),
    }
}

/// The GeoJSON geometry of a volume's outline: a closed `Polygon`, or a `Point` for a circle.
pub fn shape_geometry(shape: &Shape) -> Value {
    match shape {
        Shape::Polygon { coordinates } => {
            let mut ring = coordinates.clone();
            if let (Some(first), Some(last)) = (ring.first().copied(), ring.last().copied()) {
                if first == last {
                    ring.pop();
                }
            }
            match split_at_antimeridian(&ring) {
                Some((east, west)) => json!({"type": "MultiPolygon",
                                             "coordinates": [[closed(east)], [closed(west)]]}),
                None => json!({"type": "Polygon", "coordinates": [closed(ring)]}),
            }
        }
        Shape::Circle { center, .. } => {
            json!({"type": "Point", "coordinates": [center.lon_deg, center.lat_deg]})
        }
    }
}

/// A ring of `[lon, lat]` positions, degrees.
pub type Ring = Vec<[f64; 2]>;

fn closed(mut ring: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
    if let Some(first) = ring.first().copied() {
        ring.push(first);
    }
    ring
}

/// Latitude, degrees, where the great circle through `a` and `b` (`[lon, lat]` degrees, `b`'s
/// longitude unwrapped next to `a`'s) crosses longitude `lon_deg`.
fn crossing_lat_deg(a: [f64; 2], b: [f64; 2], lon_deg: f64) -> f64 {
    let (l1, p1) = (a[0].to_radians(), a[1].to_radians());
    let (l2, p2) = (b[0].to_radians(), b[1].to_radians());
    let l = lon_deg.to_radians();
    let den = p1.cos() * p2.cos() * (l1 - l2).sin();
    if den.abs() < 1e-15 {
        return (a[1] + b[1]) / 2.0;
    }
    let num = p1.sin() * p2.cos() * (l - l2).sin() - p2.sin() * p1.cos() * (l - l1).sin();
    (num / den).atan().to_degrees()
}

/// A ring (open, `[lon, lat]` degrees, edges the shorter way round) cut at the antimeridian
/// (RFC 7946 §3.1.9): `None` when it does not cross it, else its parts east of it (longitudes
/// up to 180) and west of it (from -180). Each edge's crossing latitude is on its great
/// circle.
pub fn split_at_antimeridian(ring: &[[f64; 2]]) -> Option<(Ring, Ring)> {
    if ring.len() < 3 {
        return None;
    }
    // Longitudes unwrapped so that each edge is the shorter way round.
    let mut u = Vec::with_capacity(ring.len());
    let mut prev = ring[0][0];
    for p in ring {
        let mut lon = p[0];
        while lon - prev > 180.0 {
            lon -= 360.0;
        }
        while lon - prev < -180.0 {
            lon += 360.0;
        }
        u.push([lon, p[1]]);
        prev = lon;
    }
    let (lo, hi) = u
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p[0]), hi.max(p[0]))
        });
    // The meridian crossed, in unwrapped longitude (180 or -180, or a multiple beyond).
    let cut = if hi > 180.0 {
        180.0
    } else if lo < -180.0 {
        -180.0
    } else {
        return None;
    };
    // Sutherland-Hodgman against the one meridian, each side.
    let clip = |keep_below: bool| -> Vec<[f64; 2]> {
        let inside = |p: &[f64; 2]| if keep_below { p[0] <= cut } else { p[0] >= cut };
        let mut out = Vec::new();
        for i in 0..u.len() {
            let (a, b) = (u[i], u[(i + 1) % u.len()]);
            match (inside(&a), inside(&b)) {
                (true, true) => out.push(b),
                (true, false) => out.push([cut, crossing_lat_deg(a, b, cut)]),
                (false, true) => {
                    out.push([cut, crossing_lat_deg(a, b, cut)]);
                    out.push(b);
                }
                (false, false) => {}
            }
        }
        out
    };
    let shift = |part: Vec<[f64; 2]>| -> Vec<[f64; 2]> {
        part.into_iter()
            .map(|[lon, lat]| {
                let mut l = lon;
                while l > 180.0 {
                    l -= 360.0;
                }
                while l < -180.0 {
                    l += 360.0;
                }
                // The cut itself stays on its side: 180 east of it, -180 west.
                [l, lat]
            })
            .collect()
    };
    let (below, above) = (clip(true), clip(false));
    // Below the cut is the eastern hemisphere side when cutting at 180, the western at -180.
    let (mut east, mut west) = if cut > 0.0 {
        (shift(below), shift(above))
    } else {
        (shift(above), shift(below))
    };
    for p in &mut east {
        if p[0] == -180.0 {
            p[0] = 180.0;
        }
    }
    for p in &mut west {
        if p[0] == 180.0 {
            p[0] = -180.0;
        }
    }
    (east.len() >= 3 && west.len() >= 3).then_some((east, west))
}

/// One volume as a `Feature`; `properties` are added to the volume's own
/// (`lower_ft`, `upper_ft`, `start_time`, `end_time`, and `radius_m` for a circle).
pub fn volume_to_feature(v: &Volume, mut properties: Map<String, Value>) -> Value {
    properties.insert("lower_ft".into(), json!(v.lower_ft));
    properties.insert("upper_ft".into(), json!(v.upper_ft));
    properties.insert("start_time".into(), json!(v.start_time));
    properties.insert("end_time".into(), json!(v.end_time));
    if let Shape::Circle { radius_m, .. } = v.shape {
        properties.insert("radius_m".into(), json!(radius_m));
    }
    json!({"type": "Feature", "geometry": shape_geometry(&v.shape), "properties": properties})
}

/// A reservation as features, one per volume, with `reservation_id`, `party`, `purpose`,
/// `priority`, `state` and `volume_index` properties.
pub fn reservation_to_features(r: &Reservation) -> Vec<Value> {
    r.volumes
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut p = Map::new();
            p.insert("reservation_id".into(), json!(r.id));
            p.insert("party".into(), json!(r.party));
            p.insert("purpose".into(), json!(r.purpose));
            p.insert("priority".into(), json!(r.priority));
            p.insert("state".into(), json!(r.state));
            p.insert("volume_index".into(), json!(i));
            volume_to_feature(v, p)
        })
        .collect()
}

/// Wraps features in a `FeatureCollection`.
pub fn feature_collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

/// Every reservation's volumes as one `FeatureCollection`.
pub fn reservations_to_geojson<'a>(
    reservations: impl IntoIterator<Item = &'a Reservation>,
) -> Value {
    feature_collection(
        reservations
            .into_iter()
            .flat_map(reservation_to_features)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::{Purpose, ReservationState};

    #[test]
    fn a_polygon_across_the_antimeridian_is_exported_in_two_parts() {
        // 179E to 179W, 10N to 12N: two parts that meet at 180 and -180.
        let ring = [[179.0, 10.0], [-179.0, 10.0], [-179.0, 12.0], [179.0, 12.0]];
        let shape = Shape::Polygon {
            coordinates: ring.to_vec(),
        };
        let g = shape_geometry(&shape);
        assert_eq!(g["type"], "MultiPolygon", "{g}");
        let parts = g["coordinates"].as_array().unwrap();
        assert_eq!(parts.len(), 2);
        for (part, side) in parts.iter().zip([1.0, -1.0]) {
            let r = part[0].as_array().unwrap();
            assert_eq!(r.first(), r.last(), "closed ring");
            for p in r {
                let lon = p[0].as_f64().unwrap();
                assert!(lon * side >= 179.0 - 1e-9 && lon.abs() <= 180.0, "{g}");
            }
        }
        // The cut follows the edges' great circles: the 10N edge bulges poleward of 10N at 180
        // (a great circle between 179E and 179W at 10N reaches slightly above 10N).
        let east = parts[0][0].as_array().unwrap();
        let on_cut: Vec<f64> = east[..east.len() - 1]
            .iter()
            .filter(|p| p[0].as_f64() == Some(180.0))
            .map(|p| p[1].as_f64().unwrap())
            .collect();
        assert_eq!(on_cut.len(), 2, "{g}");
        let low = on_cut.iter().cloned().fold(f64::INFINITY, f64::min);
        assert!(low > 10.0 && low < 10.01, "{low}");
        // It imports back as two volumes, none crossing.
        let text = json!({"type": "Feature", "geometry": g,
                          "properties": {"lower_ft": 0, "upper_ft": 1000, "start_time": 0, "end_time": 60}})
            .to_string();
        assert_eq!(parse_geojson(&text).unwrap()[0].volumes.len(), 2);
        // A polygon that does not cross stays one Polygon.
        let plain = Shape::Polygon {
            coordinates: vec![[10.0, 10.0], [11.0, 10.0], [11.0, 11.0]],
        };
        assert_eq!(shape_geometry(&plain)["type"], "Polygon");
        assert!(split_at_antimeridian(&[[-179.5, 0.0], [-178.0, 0.0], [-178.0, 1.0]]).is_none());
    }

    const FC: &str = r#"{"type": "FeatureCollection", "features": [
      {"type": "Feature", "properties": {"name": "north", "lower_ft": 0, "upper_fl": 100,
         "start_time": 1000, "end_time": "1970-01-01T01:00:00Z"},
       "geometry": {"type": "Polygon", "coordinates": [[[36, 36], [37, 36], [37, 36.5], [36, 36]]]}},
      {"type": "Feature", "properties": {"lower_ft": 1000, "upper_ft": 5000, "start_time": 0, "end_time": 60},
       "geometry": {"type": "MultiPolygon", "coordinates": [
          [[[0, 0], [0.1, 0], [0.1, 0.1], [0, 0]]], [[[1, 1], [1.1, 1], [1.1, 1.1], [1, 1]]]]}},
      {"type": "Feature", "properties": {"lower_ft": 0, "upper_ft": 5000, "start_time": 0, "end_time": 60, "radius_m": 2500},
       "geometry": {"type": "Point", "coordinates": [35.8, 35.5, 12]}}
    ]}"#;

    #[test]
    fn reads_polygons_multipolygons_and_circles() {
        let f = parse_geojson(FC).unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!(f[0].properties["name"], "north");
        assert_eq!(
            (f[0].volumes[0].upper_ft, f[0].volumes[0].end_time),
            (10_000.0, 3_600.0)
        );
        assert_eq!(f[1].volumes.len(), 2);
        assert_eq!(
            f[2].volumes[0].shape,
            Shape::Circle {
                center: LatLon {
                    lat_deg: 35.5,
                    lon_deg: 35.8
                },
                radius_m: 2_500.0
            }
        );
    }

    #[test]
    fn export_imports_back_unchanged() {
        let volumes: Vec<Volume> = parse_geojson(FC)
            .unwrap()
            .into_iter()
            .flat_map(|f| f.volumes)
            .collect();
        let r = Reservation {
            id: "r-1".into(),
            party: "red".into(),
            purpose: Purpose::Hazard,
            priority: 7,
            state: ReservationState::Active,
            volumes: volumes.clone(),
        };
        let out = reservations_to_geojson([&r]);
        assert_eq!(out["features"].as_array().unwrap().len(), 4);
        assert_eq!(out["features"][3]["properties"]["purpose"], "hazard");
        let back: Vec<Volume> = features_from_value(&out)
            .unwrap()
            .into_iter()
            .flat_map(|f| f.volumes)
            .collect();
        assert_eq!(back.len(), volumes.len());
        for (a, b) in back.iter().zip(&volumes) {
            assert_eq!(
                (a.lower_ft, a.upper_ft, a.start_time, a.end_time),
                (b.lower_ft, b.upper_ft, b.start_time, b.end_time)
            );
            assert_eq!(
                crate::overlaps(std::slice::from_ref(a), std::slice::from_ref(b))
                    .unwrap()
                    .len(),
                1
            );
        }
    }

    #[test]
    fn refuses_what_it_cannot_use() {
        let holes = r#"{"type": "Feature", "properties": {"lower_ft": 0, "upper_ft": 10, "start_time": 0, "end_time": 1},
           "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]], [[0.1,0.1],[0.2,0.1],[0.2,0.2],[0.1,0.1]]]}}"#;
        assert_eq!(
            parse_geojson(holes).unwrap_err().to_string(),
            "$.geometry: a polygon with holes is not supported"
        );
        let no_alt = holes.replace("\"lower_ft\": 0, ", "");
        assert_eq!(
            parse_geojson(&no_alt).unwrap_err().to_string(),
            "$.properties: lower_ft is missing or not a number"
        );
        let line = r#"{"type": "Feature", "properties": {"lower_ft": 0, "upper_ft": 10, "start_time": 0, "end_time": 1},
           "geometry": {"type": "LineString", "coordinates": [[0,0],[1,0]]}}"#;
        assert!(matches!(
            parse_geojson(line),
            Err(FormatError::Unsupported { .. })
        ));
        let point = line
            .replace("LineString", "Point")
            .replace("[[0,0],[1,0]]", "[0,0]");
        assert!(matches!(
            parse_geojson(&point),
            Err(FormatError::Missing {
                what: "radius_m",
                ..
            })
        ));
        let bowtie = holes.replace(
            "[[[0,0],[1,0],[1,1],[0,0]], [[0.1,0.1],[0.2,0.1],[0.2,0.2],[0.1,0.1]]]",
            "[[[0,0],[1,1],[1,0],[0,1],[0,0]]]",
        );
        assert!(matches!(
            parse_geojson(&bowtie),
            Err(FormatError::Volume {
                source: crate::VolumeError::SelfIntersecting,
                ..
            })
        ));
    }
}
