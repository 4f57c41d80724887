//! OpenAir airspace text → zones (hazard or restricted areas) with circles and arcs.
//!
//! Parsing is done by the `openair` crate; this module turns each airspace's
//! geometry into a [`Shape`]: `DC` circles stay circles; polygons built from `DP` points and
//! `DA` (radius and angles) or `DB` (from-to) arcs around `V X=` with direction `V D=+`
//! (clockwise, the default) or `V D=-` become polygons, arcs drawn as great-circle points every
//! [`ARC_STEP_DEG`] degrees (a `DB` arc keeps the radius of its start point and ends exactly on
//! its end point).
//!
//! Altitudes: `GND`/`SFC` lower bounds become [`MIN_ALT_FT`] (from the surface, wherever it is),
//! `UNL` becomes [`MAX_ALT_FT`], flight levels become 100 ft each, and feet AGL are taken as feet
//! MSL (the cell has no terrain model; the original text is kept in the zone). OpenAir has no
//! time window of its own: the caller gives one.
//!
//! An airspace that cannot be used (unparseable record, unknown altitude, invalid shape) is
//! reported in [`OpenAirImport::rejected`] with its reason; the others are still imported.

use deconflict_engine::units::M_PER_NM;
use openair::{Airspace, Altitude, Direction, Geometry, PolygonSegment};

use crate::geom::{bearing_deg, destination, distance_m, LatLon};
use crate::volume::{Shape, Volume, MAX_ALT_FT, MIN_ALT_FT};

/// Angular step between points drawn along an arc, degrees.
pub const ARC_STEP_DEG: f64 = 2.0;
/// Most airspaces read from one text (the rest are ignored and reported as one rejection).
pub const MAX_AIRSPACES: usize = 100_000;

/// One imported zone.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenAirZone {
    /// `AN` name (`<unnamed>` when absent).
    pub name: String,
    /// `AC` class as written (e.g. `R`, `P`, `Q`, `D`).
    pub class: String,
    /// `AY` type, when given.
    pub airspace_type: Option<String>,
    /// `AL` as parsed, for display.
    pub lower_text: String,
    /// `AH` as parsed, for display.
    pub upper_text: String,
    /// The zone as a validated volume over the caller's window.
    pub volume: Volume,
}

/// An airspace that could not be imported.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenAirRejected {
    /// Its position among the airspaces read (0-based).
    pub index: usize,
    /// Its name, when known.
    pub name: Option<String>,
    /// Why.
    pub reason: String,
}

/// Result of an OpenAir import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpenAirImport {
    /// Usable zones, in file order.
    pub zones: Vec<OpenAirZone>,
    /// Airspaces skipped, with the reason.
    pub rejected: Vec<OpenAirRejected>,
}

/// Reads OpenAir text into zones live from `start_time` to `end_time` (UNIX s).
pub fn parse_openair(text: &str, start_time: f64, end_time: f64) -> OpenAirImport {
    let mut out = OpenAirImport::default();
    for (index, item) in ::openair::parse(text.as_bytes()).enumerate() {
        if index >= MAX_AIRSPACES {
            out.rejected.push(OpenAirRejected {
                index,
                name: None,
                reason: format!("more than {MAX_AIRSPACES} airspaces; the rest were ignored"),
            });
            break;
        }
        match item {
            Ok(a) => match zone(&a, start_time, end_time) {
                Ok(z) => out.zones.push(z),
                Err(reason) => out.rejected.push(OpenAirRejected {
                    index,
                    name: a.name.clone(),
                    reason,
                }),
            },
            Err(reason) => out.rejected.push(OpenAirRejected {
                index,
                name: None,
                reason,
            }),
        }
    }
    out
}

fn zone(a: &Airspace, start_time: f64, end_time: f64) -> Result<OpenAirZone, String> {
    let lower_ft = altitude_ft(&a.lower_bound, true)?;
    let upper_ft = altitude_ft(&a.upper_bound, false)?;
    let shape = shape(&a.geom)?;
    let volume = Volume {
        shape,
        lower_ft,
        upper_ft,
        start_time,
        end_time,
    };
    volume.validate().map_err(|e| e.to_string())?;
    Ok(OpenAirZone {
        name: a.name.clone().unwrap_or_else(|| "<unnamed>".into()),
        class: a.class.as_str().to_string(),
        airspace_type: a.type_.as_ref().map(|t| t.as_str().to_string()),
        lower_text: a.lower_bound.to_string(),
        upper_text: a.upper_bound.to_string(),
        volume,
    })
}

fn altitude_ft(a: &Altitude, lower: bool) -> Result<f64, String> {
    match a {
        Altitude::Gnd => Ok(if lower { MIN_ALT_FT } else { 0.0 }),
        Altitude::FeetAmsl(ft) | Altitude::FeetAgl(ft) => Ok(f64::from(*ft)),
        Altitude::FlightLevel(fl) => Ok(f64::from(*fl) * 100.0),
        Altitude::Unlimited => Ok(MAX_ALT_FT),
        Altitude::Other(s) => Err(format!("altitude {s:?} not understood")),
        #[allow(unreachable_patterns)]
        _ => Err(format!("altitude {a} not supported")),
    }
}

fn ll(c: &::openair::Coord) -> LatLon {
    LatLon {
        lat_deg: c.lat,
        lon_deg: c.lng,
    }
}

fn shape(g: &Geometry) -> Result<Shape, String> {
    match g {
        Geometry::Circle {
            centerpoint,
            radius,
        } => Ok(Shape::Circle {
            center: ll(centerpoint),
            radius_m: f64::from(*radius) * M_PER_NM,
        }),
        Geometry::Polygon { segments } => {
            let mut points: Vec<LatLon> = Vec::new();
            for s in segments {
                match s {
                    PolygonSegment::Point(c) => points.push(ll(c)),
                    PolygonSegment::ArcSegment(a) => {
                        let radius_m = f64::from(a.radius) * M_PER_NM;
                        arc(
                            &mut points,
                            ll(&a.centerpoint),
                            radius_m,
                            f64::from(a.angle_start),
                            f64::from(a.angle_end),
                            a.direction,
                            None,
                        );
                    }
                    PolygonSegment::Arc(a) => {
                        let c = ll(&a.centerpoint);
                        let (from, to) = (ll(&a.start), ll(&a.end));
                        let radius_m = distance_m(c, from);
                        arc(
                            &mut points,
                            c,
                            radius_m,
                            bearing_deg(c, from),
                            bearing_deg(c, to),
                            a.direction,
                            Some(to),
                        );
                    }
                    #[allow(unreachable_patterns)]
                    _ => return Err("unsupported polygon segment".into()),
                }
            }
            Ok(Shape::Polygon {
                coordinates: points.iter().map(|p| [p.lon_deg, p.lat_deg]).collect(),
            })
        }
        #[allow(unreachable_patterns)]
        _ => Err("unsupported geometry".into()),
    }
}

/// Appends points along an arc of `radius_m` around `c`, from bearing `from_deg` to `to_deg`,
/// clockwise (bearing increasing) or counter-clockwise; `end` replaces the last point.
fn arc(
    points: &mut Vec<LatLon>,
    c: LatLon,
    radius_m: f64,
    from_deg: f64,
    to_deg: f64,
    direction: Direction,
    end: Option<LatLon>,
) {
    let sweep = match direction {
        Direction::Cw => (to_deg - from_deg).rem_euclid(360.0),
        Direction::Ccw => -(from_deg - to_deg).rem_euclid(360.0),
    };
    let steps = ((sweep.abs() / ARC_STEP_DEG).ceil() as usize).max(1);
    for k in 0..=steps {
        let b = from_deg + sweep * k as f64 / steps as f64;
        points.push(destination(c, b, radius_m));
    }
    if let (Some(end), Some(last)) = (end, points.last_mut()) {
        *last = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    const TEXT: &str = "\
* Test airspace
AC R
AN LATAKIA MEZ
AL GND
AH FL250
V X=35:31:00 N 035:47:00 E
DC 10

AC Q
AN HALF DISC
AL 2000ft AMSL
AH UNL
V X=35:00:00 N 036:00:00 E
V D=+
DP 35:10:00 N 036:00:00 E
DB 35:10:00 N 036:00:00 E, 34:50:00 N 036:00:00 E

AC P
AN SECTOR
AL 0
AH 10000 ft
V X=34:00:00 N 036:00:00 E
V D=-
DP 34:00:00 N 036:00:00 E
DA 5,90,0

AC R
AN BROKEN
AL GND
AH FL100
DP 34:00:00 N 036:00:00 E
DP 34:00:00 N 036:10:00 E
";

    #[test]
    fn circles_and_arcs_become_volumes() {
        let imp = parse_openair(TEXT, 0.0, 3_600.0);
        assert_eq!(imp.zones.len(), 3, "rejected: {:?}", imp.rejected);
        let mez = &imp.zones[0];
        assert_eq!(
            (mez.name.as_str(), mez.class.as_str()),
            ("LATAKIA MEZ", "R")
        );
        assert_eq!(
            (mez.volume.lower_ft, mez.volume.upper_ft),
            (MIN_ALT_FT, 25_000.0)
        );
        let Shape::Circle { center, radius_m } = &mez.volume.shape else {
            panic!("circle")
        };
        assert_relative_eq!(*radius_m, 18_520.0);
        assert_relative_eq!(center.lat_deg, 35.0 + 31.0 / 60.0, epsilon = 1e-9);

        // A clockwise DB half circle from north to south through the east, closed by the
        // diameter: area ≈ π r² / 2 with r = 10' of latitude.
        let half = &imp.zones[1];
        assert_eq!(half.volume.upper_ft, MAX_ALT_FT);
        let Shape::Polygon { coordinates } = &half.volume.shape else {
            panic!("polygon")
        };
        assert!(
            coordinates.iter().all(|c| c[0] >= 36.0 - 1e-9),
            "arc goes east"
        );
        let r = distance_m(
            LatLon {
                lat_deg: 35.0,
                lon_deg: 36.0,
            },
            LatLon {
                lat_deg: 35.0 + 10.0 / 60.0,
                lon_deg: 36.0,
            },
        );
        let disc = Volume {
            shape: Shape::Circle {
                center: LatLon {
                    lat_deg: 35.0,
                    lon_deg: 36.0,
                },
                radius_m: r,
            },
            ..half.volume.clone()
        };
        let o = crate::overlaps(std::slice::from_ref(&half.volume), &[disc]).unwrap();
        assert_relative_eq!(
            o[0].area_m2,
            std::f64::consts::PI * r * r / 2.0,
            max_relative = 2e-3
        );

        // DA 5,90,0 counter-clockwise from east to north, from the centre: a quarter disc NE.
        let sector = &imp.zones[2];
        let Shape::Polygon { coordinates } = &sector.volume.shape else {
            panic!("polygon")
        };
        // (A great circle leaving eastwards bends slightly south of the parallel.)
        assert!(coordinates
            .iter()
            .all(|c| c[0] >= 36.0 - 1e-9 && c[1] >= 34.0 - 1e-3));
        let r = 5.0 * M_PER_NM;
        let disc = Volume {
            shape: Shape::Circle {
                center: LatLon {
                    lat_deg: 34.0,
                    lon_deg: 36.0,
                },
                radius_m: r,
            },
            ..sector.volume.clone()
        };
        let o = crate::overlaps(std::slice::from_ref(&sector.volume), &[disc]).unwrap();
        assert_relative_eq!(
            o[0].area_m2,
            std::f64::consts::PI * r * r / 4.0,
            max_relative = 2e-3
        );

        // Two points are no polygon: rejected with its reason, the rest still imported.
        assert_eq!(imp.rejected.len(), 1);
        assert_eq!(imp.rejected[0].name.as_deref(), Some("BROKEN"));
        assert!(
            imp.rejected[0].reason.contains("distinct vertices"),
            "{}",
            imp.rejected[0].reason
        );
    }
}
