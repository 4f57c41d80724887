//! Safety-net regions: the *parameter regions* and *inhibition volumes* of the engine's
//! [`SafetyNet`](deconflict_engine::safety::SafetyNet), their formats, and default regions
//! around every scheduled-service aerodrome.
//!
//! EUROCONTROL's Short Term Conflict Alert specification (*EUROCONTROL Specification for Short
//! Term Conflict Alert*, edition 1.0, 2007, and its guidance material) has an STCA judge each
//! pair with the parameters of the airspace it is in — *parameter regions*, e.g. a terminal area
//! with 3 NM / 1,000 ft minima and a short look-ahead, en-route airspace with 5 NM — and raise
//! no alert inside *inhibition areas*, e.g. final-approach and parallel-runway corridors and
//! aerodrome traffic below a height. This module describes such regions ([`SafetyRegion`]),
//! reads them from TOML, GeoJSON or OpenAir ([`load_regions`]), builds them around aerodromes
//! when nothing is configured ([`aerodrome_regions`]), and answers, per aircraft and per cycle,
//! where each aircraft is ([`RegionSet::locate`]) as the engine's
//! [`Placement`] indexing [`RegionSet::params`].
//!
//! # Rules
//! - **Inside** a region: horizontally inside (polygon edges and circle boundary included) and
//!   `lower_ft <= alt_ft <= upper_ft` (both bounds included). Altitudes are feet AMSL. Polygon
//!   edges are great circles, drawn in the region's local plane as chords of at most 50 km
//!   ([`crate::volume::MAX_EDGE_M`]), so a point within metres of a long edge may fall either
//!   side of it.
//! - **Priority**: when several parameter regions contain a point, the first in the set's order
//!   wins. A [`RegionSet`] keeps the explicit regions ([`RegionSource::Config`], `File`, `Api`)
//!   in the order given and then the aerodrome defaults ([`RegionSource::Aerodrome`]), so a
//!   region the cell defines overrides a default one.
//! - **Inhibition**: [`Placement::inhibited`] is true when any inhibition volume contains the
//!   point, whatever the parameter regions.
//! - **Alert levels** of a parameter region ([`RegionParameters::alert_levels`]): 1 = loss of
//!   separation predicted within `lookahead_s`, 2 = within `caution_s`, 3 = within `warning_s`
//!   (or already lost); so `warning_s <= caution_s <= lookahead_s`.
//!
//! # TOML
//! An array of `[[region]]` tables. Each has `id`, optional `name` (default: the id), `kind`
//! (`"parameters"` or `"inhibition"`), `lower_ft` or `lower_fl` and `upper_ft` or `upper_fl`,
//! and a shape: `polygon` (`[lon, lat]` vertices in degrees, open or closed) or `center`
//! (`{ lat_deg, lon_deg }`) with `radius_nm`. A parameter region also has all of `h_sep_nm`,
//! `v_sep_ft`, `lookahead_s`, `caution_s` and `warning_s`; an inhibition volume has none. Unknown
//! keys are refused.
//!
//! ```
//! use deconflict_airspace::regions::{parse_regions_toml, RegionSet};
//!
//! let regions = parse_regions_toml(r#"
//! [[region]]
//! id = "paris-tma"
//! name = "Paris TMA"
//! kind = "parameters"
//! h_sep_nm = 3
//! v_sep_ft = 1000
//! lookahead_s = 120
//! caution_s = 90
//! warning_s = 45
//! lower_ft = 0
//! upper_fl = 195
//! polygon = [[1.6, 48.4], [3.4, 48.4], [3.4, 49.4], [1.6, 49.4]]
//!
//! [[region]]
//! id = "lfpg-final-27r"
//! kind = "inhibition"
//! lower_ft = -2000
//! upper_ft = 3000
//! center = { lat_deg = 49.0128, lon_deg = 2.55 }
//! radius_nm = 8
//! "#).unwrap();
//! let set = RegionSet::new(regions).unwrap();
//!
//! // Inside the TMA at 6,000 ft: region 0 of `set.params()`, not inhibited.
//! let p = set.locate(48.9, 2.2, 6_000.0);
//! assert_eq!((p.region, p.inhibited), (Some(0), false));
//! assert_eq!(set.params()[0].standard.h_sep_nm, 3.0);
//! // Close to the aerodrome at 1,500 ft: inhibited (and still in the TMA).
//! assert!(set.locate(49.02, 2.6, 1_500.0).inhibited);
//! // Above the TMA: default parameters.
//! assert_eq!(set.locate(48.9, 2.2, 35_000.0).region, None);
//!
//! // The engine's safety net takes the parameters; each track's placement indexes them.
//! use deconflict_engine::safety::{SafetyNet, SafetyNetConfig};
//! let mut net = SafetyNet::new(SafetyNetConfig::default(), Default::default(), false).unwrap();
//! net.set_regions(set.params()).unwrap();
//! ```
//!
//! The serde form of a [`SafetyRegion`] (JSON bodies, configuration tables) is the same flat
//! table, plus an optional `source` (default `config`).
//!
//! # GeoJSON
//! A `FeatureCollection` (or one `Feature`) of `Polygon` features (exterior ring only) or `Point`
//! features with a `radius_nm` property (a circle). Properties: `kind`, `lower_ft`/`lower_fl`,
//! `upper_ft`/`upper_fl`, the five parameters of a parameter region, and optionally `id`
//! (default: the feature's `id`, else `feature-<index>`) and `name`. Other properties (styling,
//! remarks) are ignored.
//!
//! # OpenAir
//! Parsed by [`crate::formats::openair`]. Convention: an airspace whose `AN` name contains
//! `INHIBIT` (any case), or whose class (`AC`) or type (`AY`) is `CTR`, becomes an inhibition
//! volume; every other airspace becomes a parameter region with the parameters the caller gives
//! ([`parse_regions_openair`]; [`load_regions`] uses [`RegionParameters::TERMINAL`]). Ids are
//! `openair-<index>`, names the `AN` text. Unlike the zone import, an airspace that cannot be
//! read fails the whole file: a safety-net configuration is used whole or not at all.
//!
//! # Aerodrome defaults
//! [`aerodrome_regions`] builds, for each selected aerodrome of the bundled list
//! ([`aerodromes`], from the MIT-licensed `airportsdata` package, see
//! `crates/airspace/data/LICENSE-airportsdata`), an inhibition cylinder and a terminal parameter
//! region, with the sizes of [`AerodromeDefaults`]. The list has no size class; aerodromes with
//! an IATA code are selected, which approximates those with scheduled service.

use std::str::FromStr;
use std::sync::OnceLock;

use deconflict_engine::safety::{Placement, RegionParams};
use deconflict_engine::{AlertLevels, SeparationStandard};
use geo::Coord;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;

use crate::formats::openair::parse_openair;
use deconflict_engine::units::M_PER_NM;

use crate::formats::geojson::FeatureGeometry;
use crate::formats::FormatError;
use crate::geom::{normalize_lon_deg, LatLon, LocalPlane, EARTH_RADIUS_M};
use crate::intrusion::point_in_ring;
use crate::prepared::LonLatBox;
use crate::volume::{altitude_ft, Shape, Volume, VolumeError, MAX_ALT_FT, MIN_ALT_FT};

/// Most vertices accepted in one region polygon (each point-in-polygon test is linear in them).
pub const MAX_REGION_VERTICES: usize = 5_000;
/// Most regions accepted in one [`RegionSet`].
pub const MAX_REGIONS: usize = 200_000;
/// Scale of the altitude axis in the R-tree: feet per unit.
const ALT_UNIT_FT: f64 = 1_000.0;
/// The bundled aerodrome list: `icao,iata,name,country,elevation_ft,lat,lon`, gzip.
const AERODROMES_CSV_GZ: &[u8] = include_bytes!("../data/aerodromes.csv.gz");
/// Where the bundled aerodrome list comes from.
pub const AERODROMES_SOURCE: &str =
    "airportsdata 20260905 (MIT), https://github.com/mborsetti/airportsdata";

// ---------------------------------------------------------------------------------------------
// Types

/// Separation minima, look-ahead and alert thresholds of a parameter region.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionParameters {
    /// Horizontal minimum, nautical miles, > 0.
    pub h_sep_nm: f64,
    /// Vertical minimum, feet, > 0.
    pub v_sep_ft: f64,
    /// Look-ahead, seconds, > 0: a loss of separation predicted within it is alert level 1.
    pub lookahead_s: f64,
    /// Level 2 (caution) when the loss is predicted within this many seconds, > 0, at most
    /// `lookahead_s`.
    pub caution_s: f64,
    /// Level 3 (warning) when the loss is predicted within this many seconds (or has
    /// happened), > 0, at most `caution_s`.
    pub warning_s: f64,
}

impl RegionParameters {
    /// Terminal-area parameters: 3 NM, 1,000 ft, 120 s look-ahead, caution 90 s, warning 45 s.
    pub const TERMINAL: Self = RegionParameters {
        h_sep_nm: 3.0,
        v_sep_ft: 1_000.0,
        lookahead_s: 120.0,
        caution_s: 90.0,
        warning_s: 45.0,
    };

    /// Checks every value is finite and > 0 and `warning_s <= caution_s <= lookahead_s`.
    ///
    /// # Errors
    /// [`RegionError::NotPositive`] naming the first bad field, or
    /// [`RegionError::ThresholdOrder`].
    pub fn validate(&self) -> Result<(), RegionError> {
        for (field, value) in [
            ("h_sep_nm", self.h_sep_nm),
            ("v_sep_ft", self.v_sep_ft),
            ("lookahead_s", self.lookahead_s),
            ("caution_s", self.caution_s),
            ("warning_s", self.warning_s),
        ] {
            positive(field, value)?;
        }
        if !(self.warning_s <= self.caution_s && self.caution_s <= self.lookahead_s) {
            return Err(RegionError::ThresholdOrder {
                warning_s: self.warning_s,
                caution_s: self.caution_s,
                lookahead_s: self.lookahead_s,
            });
        }
        Ok(())
    }

    /// The engine's separation standard (minima and look-ahead).
    pub fn standard(&self) -> SeparationStandard {
        SeparationStandard {
            h_sep_nm: self.h_sep_nm,
            v_sep_ft: self.v_sep_ft,
            lookahead_s: self.lookahead_s,
        }
    }

    /// The engine's alert levels: 1 within the look-ahead, 2 within `caution_s`, 3 within
    /// `warning_s`.
    pub fn alert_levels(&self) -> AlertLevels {
        AlertLevels::advisory_caution_warning(self.caution_s, self.warning_s)
    }

    /// The engine's region parameters under `name`.
    pub fn region_params(&self, name: &str) -> RegionParams {
        RegionParams {
            name: name.to_string(),
            standard: self.standard(),
            levels: self.alert_levels(),
        }
    }
}

impl Default for RegionParameters {
    /// [`RegionParameters::TERMINAL`].
    fn default() -> Self {
        Self::TERMINAL
    }
}

/// What a region does.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum RegionKind {
    /// Pairs inside are judged with these parameters.
    Parameters(RegionParameters),
    /// No conflict alert for an aircraft inside.
    Inhibition,
}

/// The horizontal outline of a region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum RegionShape {
    /// A simple polygon (great-circle edges); vertices `[lon_deg, lat_deg]`, open or closed,
    /// either winding, at most [`MAX_REGION_VERTICES`].
    Polygon {
        /// The vertices, `[lon, lat]` in degrees.
        coordinates: Vec<[f64; 2]>,
    },
    /// A circle on the Earth's surface.
    Circle {
        /// Its centre.
        center: LatLon,
        /// Its radius, nautical miles, > 0.
        radius_nm: f64,
    },
}

impl RegionShape {
    /// The crate's volume [`Shape`] for the same outline.
    pub fn to_shape(&self) -> Shape {
        match self {
            RegionShape::Polygon { coordinates } => Shape::Polygon {
                coordinates: coordinates.clone(),
            },
            RegionShape::Circle { center, radius_nm } => Shape::Circle {
                center: *center,
                radius_m: radius_nm * M_PER_NM,
            },
        }
    }
}

/// Where a region was defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RegionSource {
    /// The cell's configuration.
    Config,
    /// A regions file ([`load_regions`]).
    File,
    /// The cell's API.
    Api,
    /// A default around an aerodrome ([`aerodrome_regions`]).
    Aerodrome,
}

/// One parameter region or inhibition volume. Serialised as the flat table described in the
/// module documentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RegionInput", into = "RegionInput")]
pub struct SafetyRegion {
    /// Identifier, unique in a set, not blank.
    pub id: String,
    /// Name for reports (it becomes [`RegionParams::name`]).
    pub name: String,
    /// Parameters or inhibition.
    pub kind: RegionKind,
    /// Horizontal outline.
    pub shape: RegionShape,
    /// Bottom, feet AMSL (inclusive).
    pub lower_ft: f64,
    /// Top, feet AMSL (inclusive).
    pub upper_ft: f64,
    /// Where it was defined.
    pub source: RegionSource,
}

impl SafetyRegion {
    /// Checks the region: id, parameters, shape (ranges, vertices, self-intersection, size)
    /// and altitude band.
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(&self) -> Result<(), RegionError> {
        self.prepare().map(|_| ())
    }

    fn prepare(&self) -> Result<Prepared, RegionError> {
        if self.id.trim().is_empty() {
            return Err(RegionError::EmptyId);
        }
        if let RegionKind::Parameters(p) = &self.kind {
            p.validate()?;
        }
        match &self.shape {
            RegionShape::Polygon { coordinates } => {
                let closed = coordinates.len() > 1 && coordinates.first() == coordinates.last();
                let count = coordinates.len() - usize::from(closed);
                if count > MAX_REGION_VERTICES {
                    return Err(RegionError::TooManyVertices {
                        count,
                        max: MAX_REGION_VERTICES,
                    });
                }
            }
            RegionShape::Circle { radius_nm, .. } => positive("radius_nm", *radius_nm)?,
        }
        let volume = Volume {
            shape: self.shape.to_shape(),
            lower_ft: self.lower_ft,
            upper_ft: self.upper_ft,
            start_time: 0.0,
            end_time: 1.0,
        };
        let pv = volume.prepare()?;
        let geom = match pv.circle_radius_m {
            Some(r) => {
                let half = r / EARTH_RADIUS_M / 2.0;
                Geom::Circle {
                    lat_rad: pv.center.lat_deg.to_radians(),
                    lon_rad: pv.center.lon_deg.to_radians(),
                    cos_lat: pv.center.lat_deg.to_radians().cos(),
                    hav_max: half.sin().powi(2),
                }
            }
            None => Geom::Polygon {
                plane: pv.plane,
                ring: pv.local_ring().to_vec(),
            },
        };
        Ok(Prepared {
            lower_ft: self.lower_ft,
            upper_ft: self.upper_ft,
            geom,
            boxes: pv.boxes,
        })
    }
}

/// Why a region (or aerodrome defaults) was rejected.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum RegionError {
    /// The id is empty or blank.
    #[error("id must not be empty")]
    EmptyId,
    /// A value must be finite and > 0.
    #[error("{field} = {value} must be finite and > 0")]
    NotPositive {
        /// The field.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// A value must be finite and >= 0.
    #[error("{field} = {value} must be finite and >= 0")]
    Negative {
        /// The field.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// Alert thresholds out of order.
    #[error(
        "alert thresholds must satisfy warning_s <= caution_s <= lookahead_s, \
         got warning_s = {warning_s}, caution_s = {caution_s}, lookahead_s = {lookahead_s}"
    )]
    ThresholdOrder {
        /// Warning threshold given.
        warning_s: f64,
        /// Caution threshold given.
        caution_s: f64,
        /// Look-ahead given.
        lookahead_s: f64,
    },
    /// Too many polygon vertices.
    #[error("polygon has {count} vertices, at most {max} are accepted in a region")]
    TooManyVertices {
        /// Vertices given.
        count: usize,
        /// Limit.
        max: usize,
    },
    /// A field the region's kind needs is missing.
    #[error("{field} is required in a {kind} region")]
    MissingField {
        /// The field.
        field: &'static str,
        /// `parameters` or `inhibition`.
        kind: &'static str,
    },
    /// A field that does not apply.
    #[error("{field} does not apply here: {why}")]
    UnexpectedField {
        /// The field.
        field: &'static str,
        /// Why.
        why: &'static str,
    },
    /// No shape, or two.
    #[error("give exactly one shape: `polygon`, or `center` with `radius_nm`")]
    Shape,
    /// The shape or altitude band is invalid (the crate's volume validation).
    #[error("{0}")]
    Volume(#[from] VolumeError),
    /// An aerodrome named in [`AerodromeDefaults`] is not in the bundled list.
    #[error("{field}: aerodrome {icao:?} is not in the bundled aerodrome list")]
    UnknownAerodrome {
        /// `include_icao` or `exclude_icao`.
        field: &'static str,
        /// The code given.
        icao: String,
    },
}

fn positive(field: &'static str, value: f64) -> Result<(), RegionError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(RegionError::NotPositive { field, value })
    }
}

fn non_negative(field: &'static str, value: f64) -> Result<(), RegionError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(RegionError::Negative { field, value })
    }
}

/// The flat wire form of a [`SafetyRegion`] (TOML tables, JSON bodies).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Region)]
struct RegionInput {
    /// Identifier, unique in the set, not blank.
    id: String,
    /// Name for reports (default: the id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// `parameters` (separation parameters) or `inhibition` (no alerts inside).
    kind: KindTag,
    /// Horizontal separation, NM (parameters only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    h_sep_nm: Option<f64>,
    /// Vertical separation, feet (parameters only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    v_sep_ft: Option<f64>,
    /// Look-ahead, seconds (parameters only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lookahead_s: Option<f64>,
    /// Caution time, seconds (parameters only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    caution_s: Option<f64>,
    /// Warning time, seconds (parameters only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    warning_s: Option<f64>,
    /// Bottom, feet AMSL (or `lower_fl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lower_ft: Option<f64>,
    /// Bottom as a flight level (instead of `lower_ft`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lower_fl: Option<f64>,
    /// Top, feet AMSL (or `upper_fl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    upper_ft: Option<f64>,
    /// Top as a flight level (instead of `upper_ft`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    upper_fl: Option<f64>,
    /// Outline, `[lon, lat]` vertices in degrees (or `center` and `radius_nm`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    polygon: Option<Vec<[f64; 2]>>,
    /// Centre of a circular region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    center: Option<LatLon>,
    /// Radius of a circular region, NM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    radius_nm: Option<f64>,
    /// Where it was defined (set by the server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<RegionSource>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = RegionKind)]
enum KindTag {
    #[default]
    Parameters,
    Inhibition,
}

impl RegionInput {
    fn into_region(self, default_source: RegionSource) -> Result<SafetyRegion, RegionError> {
        let params = [
            ("h_sep_nm", self.h_sep_nm),
            ("v_sep_ft", self.v_sep_ft),
            ("lookahead_s", self.lookahead_s),
            ("caution_s", self.caution_s),
            ("warning_s", self.warning_s),
        ];
        let kind = match self.kind {
            KindTag::Parameters => {
                let mut v = [0.0; 5];
                for (slot, (field, value)) in v.iter_mut().zip(params) {
                    *slot = value.ok_or(RegionError::MissingField {
                        field,
                        kind: "parameters",
                    })?;
                }
                RegionKind::Parameters(RegionParameters {
                    h_sep_nm: v[0],
                    v_sep_ft: v[1],
                    lookahead_s: v[2],
                    caution_s: v[3],
                    warning_s: v[4],
                })
            }
            KindTag::Inhibition => {
                if let Some((field, _)) = params.iter().find(|(_, v)| v.is_some()) {
                    return Err(RegionError::UnexpectedField {
                        field,
                        why: "an inhibition region has no separation parameters",
                    });
                }
                RegionKind::Inhibition
            }
        };
        let lower_ft = altitude_ft("lower", self.lower_ft, self.lower_fl)?;
        let upper_ft = altitude_ft("upper", self.upper_ft, self.upper_fl)?;
        let shape = match (self.polygon, self.center, self.radius_nm) {
            (Some(coordinates), None, None) => RegionShape::Polygon { coordinates },
            (None, Some(center), Some(radius_nm)) => RegionShape::Circle { center, radius_nm },
            (None, Some(_), None) => {
                return Err(RegionError::MissingField {
                    field: "radius_nm",
                    kind: "circle",
                })
            }
            (None, None, Some(_)) => {
                return Err(RegionError::UnexpectedField {
                    field: "radius_nm",
                    why: "a circle needs a `center` too",
                })
            }
            _ => return Err(RegionError::Shape),
        };
        Ok(SafetyRegion {
            name: self.name.unwrap_or_else(|| self.id.clone()),
            id: self.id,
            kind,
            shape,
            lower_ft,
            upper_ft,
            source: self.source.unwrap_or(default_source),
        })
    }
}

/// A region is documented by its flat wire form ([`RegionInput`]), which it reads and writes.
impl utoipa::PartialSchema for SafetyRegion {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <RegionInput as utoipa::PartialSchema>::schema()
    }
}

impl utoipa::ToSchema for SafetyRegion {
    fn name() -> std::borrow::Cow<'static, str> {
        <RegionInput as utoipa::ToSchema>::name()
    }
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <RegionInput as utoipa::ToSchema>::schemas(schemas);
    }
}

impl TryFrom<RegionInput> for SafetyRegion {
    type Error = RegionError;

    fn try_from(input: RegionInput) -> Result<Self, RegionError> {
        input.into_region(RegionSource::Config)
    }
}

impl From<SafetyRegion> for RegionInput {
    fn from(r: SafetyRegion) -> Self {
        let mut out = RegionInput {
            id: r.id,
            name: Some(r.name),
            lower_ft: Some(r.lower_ft),
            upper_ft: Some(r.upper_ft),
            source: Some(r.source),
            ..RegionInput::default()
        };
        match r.kind {
            RegionKind::Parameters(p) => {
                out.kind = KindTag::Parameters;
                out.h_sep_nm = Some(p.h_sep_nm);
                out.v_sep_ft = Some(p.v_sep_ft);
                out.lookahead_s = Some(p.lookahead_s);
                out.caution_s = Some(p.caution_s);
                out.warning_s = Some(p.warning_s);
            }
            RegionKind::Inhibition => out.kind = KindTag::Inhibition,
        }
        match r.shape {
            RegionShape::Polygon { coordinates } => out.polygon = Some(coordinates),
            RegionShape::Circle { center, radius_nm } => {
                out.center = Some(center);
                out.radius_nm = Some(radius_nm);
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Location

/// A region's geometry, ready for point tests.
#[derive(Debug, Clone)]
struct Prepared {
    lower_ft: f64,
    upper_ft: f64,
    geom: Geom,
    boxes: Vec<LonLatBox>,
}

#[derive(Debug, Clone)]
enum Geom {
    /// Inside when the haversine of the central angle to the centre is at most `hav_max`.
    Circle {
        lat_rad: f64,
        lon_rad: f64,
        cos_lat: f64,
        hav_max: f64,
    },
    /// Inside the ring in the region's own azimuthal equidistant plane (metres).
    Polygon { plane: LocalPlane, ring: Vec<Coord> },
}

/// A validated query point.
struct Query {
    lat_deg: f64,
    lon_deg: f64,
    alt_ft: f64,
    lat_rad: f64,
    lon_rad: f64,
    cos_lat: f64,
}

impl Query {
    fn new(lat_deg: f64, lon_deg: f64, alt_ft: f64) -> Option<Self> {
        if !(lat_deg.is_finite() && lon_deg.is_finite() && alt_ft.is_finite())
            || lat_deg.abs() > 90.0
        {
            return None;
        }
        let lon_deg = normalize_lon_deg(lon_deg);
        Some(Query {
            lat_deg,
            lon_deg,
            alt_ft,
            lat_rad: lat_deg.to_radians(),
            lon_rad: lon_deg.to_radians(),
            cos_lat: lat_deg.to_radians().cos(),
        })
    }
}

impl Prepared {
    fn contains(&self, q: &Query) -> bool {
        if q.alt_ft < self.lower_ft || q.alt_ft > self.upper_ft {
            return false;
        }
        match &self.geom {
            Geom::Circle {
                lat_rad,
                lon_rad,
                cos_lat,
                hav_max,
            } => {
                let s_lat = ((q.lat_rad - lat_rad) / 2.0).sin();
                let s_lon = ((q.lon_rad - lon_rad) / 2.0).sin();
                s_lat * s_lat + cos_lat * q.cos_lat * s_lon * s_lon <= *hav_max
            }
            Geom::Polygon { plane, ring } => {
                let (x, y) = plane.forward(q.lat_deg, q.lon_deg);
                point_in_ring(ring, Coord { x, y })
            }
        }
    }
}

/// Why a [`RegionSet`] could not be built.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum RegionSetError {
    /// One region is invalid.
    #[error("region {index} ({id:?}): {source}")]
    Region {
        /// Its position in the list given.
        index: usize,
        /// Its id.
        id: String,
        /// Why.
        #[source]
        source: RegionError,
    },
    /// Two regions share an id.
    #[error("two regions have the id {id:?}")]
    DuplicateId {
        /// The id.
        id: String,
    },
    /// Too many regions.
    #[error("{count} regions given, at most {max} are accepted")]
    TooMany {
        /// Regions given.
        count: usize,
        /// Limit.
        max: usize,
    },
    /// The aerodrome defaults are invalid.
    #[error("aerodrome defaults: {0}")]
    AerodromeDefaults(#[source] RegionError),
}

type Entry = GeomWithData<Rectangle<[f64; 3]>, u32>;

/// Validated regions in priority order, indexed for per-cycle location of every aircraft.
///
/// Regions are held in an `rstar` R-tree of (longitude, latitude, altitude) boxes (for
/// [`RegionSet::containing`]) and in a 0.5° grid for [`RegionSet::locate`]: a lookup scans the
/// point's cell, whose regions are listed in priority order, and runs the exact test
/// (altitude band, then distance to a circle's centre or point-in-polygon in the region's
/// local plane) only on those, skipping the horizontal test for circles that cover the cell.
/// [`RegionSet::locate`] answers exactly what [`RegionSet::locate_brute_force`] answers.
#[derive(Clone, Default)]
pub struct RegionSet {
    regions: Vec<SafetyRegion>,
    prepared: Vec<Prepared>,
    /// Index in `params` of each region; `None` for an inhibition volume.
    param_of: Vec<Option<u32>>,
    /// Region index of each parameter region.
    param_regions: Vec<usize>,
    tree: RTree<Entry>,
    grid: Grid,
}

/// Cell size of the location grid, degrees (latitude and longitude).
const GRID_CELL_DEG: f64 = 0.5;
const GRID_ROWS: usize = (180.0 / GRID_CELL_DEG) as usize;
const GRID_COLS: usize = (360.0 / GRID_CELL_DEG) as usize;
/// A circle counts as covering a cell when the cell's corners are this far inside it, metres
/// (more than the few tens of metres by which a parallel between two corners can bow out of
/// a spherical cap).
const FULL_CELL_MARGIN_M: f64 = 1_000.0;

/// A uniform latitude/longitude grid over the regions' boxes, for [`RegionSet::locate`]:
/// each cell lists, in priority order, the regions whose box meets it and whether the region
/// covers the whole cell horizontally (then only its altitude band is tested). Point lookups
/// are an index computation and a short scan, with no tree walk.
#[derive(Clone, Default)]
struct Grid {
    /// `(start, len)` into `entries` per cell, row-major from (-90°, -180°).
    cells: Vec<(u32, u32)>,
    /// `(region index, covers the cell)`.
    entries: Vec<(u32, bool)>,
}

fn grid_cell(lat_deg: f64, lon_deg: f64) -> usize {
    let r = (((lat_deg + 90.0) / GRID_CELL_DEG) as usize).min(GRID_ROWS - 1);
    let c = (((lon_deg + 180.0) / GRID_CELL_DEG) as usize).min(GRID_COLS - 1);
    r * GRID_COLS + c
}

impl Grid {
    fn build(prepared: &[Prepared], boxes: &[(u32, [f64; 4])]) -> Grid {
        let mut per_cell: Vec<Vec<(u32, bool)>> = Vec::new();
        per_cell.resize_with(GRID_ROWS * GRID_COLS, Vec::new);
        for &(i, [lon0, lat0, lon1, lat1]) in boxes {
            let r0 = (((lat0 + 90.0) / GRID_CELL_DEG).floor().max(0.0) as usize).min(GRID_ROWS - 1);
            let r1 = (((lat1 + 90.0) / GRID_CELL_DEG).floor().max(0.0) as usize).min(GRID_ROWS - 1);
            let c0 =
                (((lon0 + 180.0) / GRID_CELL_DEG).floor().max(0.0) as usize).min(GRID_COLS - 1);
            let c1 =
                (((lon1 + 180.0) / GRID_CELL_DEG).floor().max(0.0) as usize).min(GRID_COLS - 1);
            for r in r0..=r1 {
                for c in c0..=c1 {
                    let full = covers_cell(&prepared[i as usize], r, c);
                    let list = &mut per_cell[r * GRID_COLS + c];
                    match list.iter_mut().find(|(k, _)| *k == i) {
                        Some(e) => e.1 |= full,
                        None => list.push((i, full)),
                    }
                }
            }
        }
        let mut grid = Grid {
            cells: Vec::with_capacity(per_cell.len()),
            entries: Vec::new(),
        };
        for mut list in per_cell {
            list.sort_unstable_by_key(|e| e.0);
            grid.cells
                .push((grid.entries.len() as u32, list.len() as u32));
            grid.entries.extend(list);
        }
        grid
    }

    fn at(&self, lat_deg: f64, lon_deg: f64) -> &[(u32, bool)] {
        let (start, len) = self.cells[grid_cell(lat_deg, lon_deg)];
        &self.entries[start as usize..(start + len) as usize]
    }
}

/// Whether a circle region horizontally contains the whole grid cell (row `r`, column `c`):
/// its four corners lie [`FULL_CELL_MARGIN_M`] inside the circle. Polygons never count as
/// covering (they are always tested exactly).
fn covers_cell(p: &Prepared, r: usize, c: usize) -> bool {
    let Geom::Circle {
        lat_rad,
        lon_rad,
        cos_lat,
        hav_max,
    } = &p.geom
    else {
        return false;
    };
    let radius_m = 2.0 * hav_max.sqrt().asin() * EARTH_RADIUS_M;
    if radius_m <= FULL_CELL_MARGIN_M {
        return false;
    }
    let inner = ((radius_m - FULL_CELL_MARGIN_M) / EARTH_RADIUS_M / 2.0)
        .sin()
        .powi(2);
    let lat0 = -90.0 + r as f64 * GRID_CELL_DEG;
    let lon0 = -180.0 + c as f64 * GRID_CELL_DEG;
    [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)]
        .iter()
        .all(|&(dr, dc)| {
            let (la, lo) = (
                (lat0 + dr * GRID_CELL_DEG).to_radians(),
                (lon0 + dc * GRID_CELL_DEG).to_radians(),
            );
            let s_lat = ((la - lat_rad) / 2.0).sin();
            let s_lon = ((lo - lon_rad) / 2.0).sin();
            s_lat * s_lat + cos_lat * la.cos() * s_lon * s_lon <= inner
        })
}

impl std::fmt::Debug for RegionSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegionSet")
            .field("regions", &self.regions.len())
            .field("parameter_regions", &self.param_regions.len())
            .finish_non_exhaustive()
    }
}

impl RegionSet {
    /// Validates `regions` and orders them: explicit ones (config, file, API) first, in the
    /// order given, then aerodrome defaults, in the order given.
    ///
    /// # Errors
    /// The first invalid region (with its position in `regions`), a duplicate id, or more than
    /// [`MAX_REGIONS`].
    pub fn new(regions: Vec<SafetyRegion>) -> Result<Self, RegionSetError> {
        if regions.len() > MAX_REGIONS {
            return Err(RegionSetError::TooMany {
                count: regions.len(),
                max: MAX_REGIONS,
            });
        }
        let mut items = Vec::with_capacity(regions.len());
        for (index, r) in regions.into_iter().enumerate() {
            let p = r.prepare().map_err(|source| RegionSetError::Region {
                index,
                id: r.id.clone(),
                source,
            })?;
            items.push((r, p));
        }
        // Stable: explicit regions keep their order, and so do the defaults after them.
        items.sort_by_key(|(r, _)| r.source == RegionSource::Aerodrome);
        let mut seen = std::collections::HashSet::with_capacity(items.len());
        for (r, _) in &items {
            if !seen.insert(r.id.as_str()) {
                return Err(RegionSetError::DuplicateId { id: r.id.clone() });
            }
        }
        let mut set = RegionSet::default();
        let mut entries = Vec::with_capacity(items.len());
        let mut grid_boxes = Vec::with_capacity(items.len());
        for (i, (r, p)) in items.into_iter().enumerate() {
            let param = match r.kind {
                RegionKind::Parameters(_) => {
                    set.param_regions.push(i);
                    Some((set.param_regions.len() - 1) as u32)
                }
                RegionKind::Inhibition => None,
            };
            for b in &p.boxes {
                grid_boxes.push((
                    i as u32,
                    [b.min_lon_deg, b.min_lat_deg, b.max_lon_deg, b.max_lat_deg],
                ));
                entries.push(GeomWithData::new(
                    Rectangle::from_aabb(AABB::from_corners(
                        [b.min_lon_deg, b.min_lat_deg, p.lower_ft / ALT_UNIT_FT],
                        [b.max_lon_deg, b.max_lat_deg, p.upper_ft / ALT_UNIT_FT],
                    )),
                    i as u32,
                ));
            }
            set.param_of.push(param);
            set.regions.push(r);
            set.prepared.push(p);
        }
        set.tree = RTree::bulk_load(entries);
        set.grid = Grid::build(&set.prepared, &grid_boxes);
        Ok(set)
    }

    /// `explicit` regions followed by the aerodrome defaults of `cfg`
    /// ([`aerodrome_regions`]).
    ///
    /// # Errors
    /// Invalid aerodrome defaults ([`AerodromeDefaults::validate`]) or as [`RegionSet::new`].
    pub fn with_aerodrome_defaults(
        mut explicit: Vec<SafetyRegion>,
        cfg: &AerodromeDefaults,
    ) -> Result<Self, RegionSetError> {
        cfg.validate().map_err(RegionSetError::AerodromeDefaults)?;
        explicit.extend(aerodrome_regions(cfg));
        RegionSet::new(explicit)
    }

    /// Number of regions.
    pub fn len(&self) -> usize {
        self.regions.len()
    }

    /// Whether the set has no region.
    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// The regions, in priority order.
    pub fn regions(&self) -> &[SafetyRegion] {
        &self.regions
    }

    /// The engine's parameters of every parameter region, in priority order:
    /// [`Placement::region`] from [`RegionSet::locate`] indexes this list (give it to
    /// [`SafetyNet::set_regions`](deconflict_engine::safety::SafetyNet::set_regions)).
    pub fn params(&self) -> Vec<RegionParams> {
        self.param_regions
            .iter()
            .map(|&i| {
                let r = &self.regions[i];
                match &r.kind {
                    RegionKind::Parameters(p) => p.region_params(&r.name),
                    RegionKind::Inhibition => unreachable!("parameter regions only"),
                }
            })
            .collect()
    }

    /// The parameter region a [`Placement::region`] index stands for.
    pub fn parameter_region(&self, index: u32) -> Option<&SafetyRegion> {
        self.param_regions
            .get(index as usize)
            .map(|&i| &self.regions[i])
    }

    /// Where a point is: the first parameter region containing it (index into
    /// [`RegionSet::params`]), and whether any inhibition volume contains it. A non-finite
    /// position or a latitude beyond ±90° is in no region.
    pub fn locate(&self, lat_deg: f64, lon_deg: f64, alt_ft: f64) -> Placement {
        let Some(q) = Query::new(lat_deg, lon_deg, alt_ft) else {
            return Placement::default();
        };
        let mut region: Option<u32> = None;
        let mut inhibited = false;
        // The cell's regions come in priority order: the first parameter region found wins.
        for &(i, full) in self.grid.at(q.lat_deg, q.lon_deg) {
            let param = self.param_of[i as usize];
            let needed = match param {
                Some(_) => region.is_none(),
                None => !inhibited,
            };
            if !needed {
                continue;
            }
            let p = &self.prepared[i as usize];
            let inside = if full {
                q.alt_ft >= p.lower_ft && q.alt_ft <= p.upper_ft
            } else {
                p.contains(&q)
            };
            if inside {
                match param {
                    Some(k) => region = Some(k),
                    None => inhibited = true,
                }
            }
            if region.is_some() && inhibited {
                break;
            }
        }
        Placement { region, inhibited }
    }

    /// As [`RegionSet::locate`], by testing every region in order (the reference the index
    /// is tested against).
    pub fn locate_brute_force(&self, lat_deg: f64, lon_deg: f64, alt_ft: f64) -> Placement {
        let Some(q) = Query::new(lat_deg, lon_deg, alt_ft) else {
            return Placement::default();
        };
        let mut out = Placement::default();
        for (p, param) in self.prepared.iter().zip(&self.param_of) {
            match param {
                Some(_) if out.region.is_some() => {}
                None if out.inhibited => {}
                Some(k) if p.contains(&q) => out.region = Some(*k),
                None if p.contains(&q) => out.inhibited = true,
                _ => {}
            }
        }
        out
    }

    /// Every region containing the point, in priority order (to explain a placement).
    pub fn containing(&self, lat_deg: f64, lon_deg: f64, alt_ft: f64) -> Vec<&SafetyRegion> {
        let Some(q) = Query::new(lat_deg, lon_deg, alt_ft) else {
            return Vec::new();
        };
        let point = [q.lon_deg, q.lat_deg, q.alt_ft / ALT_UNIT_FT];
        let mut found: Vec<usize> = self
            .tree
            .locate_all_at_point(&point)
            .map(|e| e.data as usize)
            .filter(|&i| self.prepared[i].contains(&q))
            .collect();
        found.sort_unstable();
        found.dedup();
        found.into_iter().map(|i| &self.regions[i]).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Aerodromes

/// One aerodrome of the bundled list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Aerodrome {
    /// ICAO location indicator (or the list's 4-character local identifier where there is
    /// none), e.g. `LFPG`.
    pub icao: String,
    /// IATA code, e.g. `CDG`, when it has one.
    pub iata: Option<String>,
    /// Name.
    pub name: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// Elevation, feet AMSL.
    pub elevation_ft: f64,
    /// Latitude, degrees north.
    pub lat_deg: f64,
    /// Longitude, degrees east.
    pub lon_deg: f64,
}

#[derive(Deserialize)]
struct AerodromeRow {
    icao: String,
    iata: String,
    name: String,
    country: String,
    elevation_ft: f64,
    lat: f64,
    lon: f64,
}

/// Every aerodrome of the bundled list (see [`AERODROMES_SOURCE`]), sorted by ICAO code,
/// decoded on first use.
pub fn aerodromes() -> &'static [Aerodrome] {
    static LIST: OnceLock<Vec<Aerodrome>> = OnceLock::new();
    LIST.get_or_init(|| {
        let csv = flate2::read::GzDecoder::new(AERODROMES_CSV_GZ);
        let mut list: Vec<Aerodrome> = csv::Reader::from_reader(csv)
            .deserialize::<AerodromeRow>()
            .map(|row| {
                let row = row.expect("the bundled aerodrome list is well-formed");
                Aerodrome {
                    icao: row.icao,
                    iata: (!row.iata.trim().is_empty()).then_some(row.iata),
                    name: row.name,
                    country: row.country,
                    elevation_ft: row.elevation_ft,
                    lat_deg: row.lat,
                    lon_deg: row.lon,
                }
            })
            .collect();
        list.sort_by(|a, b| a.icao.cmp(&b.icao));
        list
    })
}

/// The bundled aerodrome with this ICAO code (any case).
pub fn aerodrome(icao: &str) -> Option<&'static Aerodrome> {
    let list = aerodromes();
    let key = icao.trim().to_ascii_uppercase();
    list.binary_search_by(|a| a.icao.as_str().cmp(&key))
        .ok()
        .map(|i| &list[i])
}

/// Default regions around aerodromes, used with no region configuration at all.
///
/// For each selected aerodrome: an **inhibition** cylinder of `inhibit_radius_nm` from
/// −2,000 ft (the lowest altitude the engine accepts) to `inhibit_height_ft` above the
/// aerodrome's elevation, and a **terminal** parameter region of `terminal_radius_nm` from
/// −2,000 ft to `terminal_ceiling_ft` above the elevation, judged with the `terminal_*`
/// parameters. Selected: every aerodrome with an IATA code (the list has no size class; an
/// IATA code approximates scheduled service), plus `include_icao`, minus `exclude_icao`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AerodromeDefaults {
    /// Build the default regions. Default true.
    pub enabled: bool,
    /// ICAO codes of aerodromes to add to the IATA-coded ones. Default none.
    pub include_icao: Vec<String>,
    /// ICAO codes of aerodromes to leave out. Default none.
    pub exclude_icao: Vec<String>,
    /// Radius of the inhibition cylinder, nautical miles; 0 = no inhibition cylinders.
    /// Default 10.
    pub inhibit_radius_nm: f64,
    /// Top of the inhibition cylinder, feet above the aerodrome's elevation. Default 3,000.
    pub inhibit_height_ft: f64,
    /// Radius of the terminal region, nautical miles; 0 = no terminal regions. Default 40.
    pub terminal_radius_nm: f64,
    /// Top of the terminal region, feet above the aerodrome's elevation. Default 19,500
    /// (about FL195, the top of European lower airspace, where terminal areas such as the
    /// Paris TMA end; above it the en-route default applies).
    pub terminal_ceiling_ft: f64,
    /// Horizontal minimum in the terminal region, nautical miles. Default 3.
    pub terminal_h_sep_nm: f64,
    /// Vertical minimum in the terminal region, feet. Default 1,000.
    pub terminal_v_sep_ft: f64,
    /// Look-ahead in the terminal region (alert level 1), seconds. Default 120.
    pub terminal_lookahead_s: f64,
    /// Caution threshold (alert level 2) in the terminal region, seconds. Default 90.
    pub terminal_caution_s: f64,
    /// Warning threshold (alert level 3) in the terminal region, seconds. Default 45.
    pub terminal_warning_s: f64,
}

impl Default for AerodromeDefaults {
    fn default() -> Self {
        let t = RegionParameters::TERMINAL;
        AerodromeDefaults {
            enabled: true,
            include_icao: Vec::new(),
            exclude_icao: Vec::new(),
            inhibit_radius_nm: 10.0,
            inhibit_height_ft: 3_000.0,
            terminal_radius_nm: 40.0,
            terminal_ceiling_ft: 19_500.0,
            terminal_h_sep_nm: t.h_sep_nm,
            terminal_v_sep_ft: t.v_sep_ft,
            terminal_lookahead_s: t.lookahead_s,
            terminal_caution_s: t.caution_s,
            terminal_warning_s: t.warning_s,
        }
    }
}

impl AerodromeDefaults {
    /// The terminal region's parameters.
    pub fn terminal_parameters(&self) -> RegionParameters {
        RegionParameters {
            h_sep_nm: self.terminal_h_sep_nm,
            v_sep_ft: self.terminal_v_sep_ft,
            lookahead_s: self.terminal_lookahead_s,
            caution_s: self.terminal_caution_s,
            warning_s: self.terminal_warning_s,
        }
    }

    /// Checks sizes (radii >= 0, heights > 0), the terminal parameters, and that every
    /// aerodrome named is in the bundled list.
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(&self) -> Result<(), RegionError> {
        non_negative("inhibit_radius_nm", self.inhibit_radius_nm)?;
        positive("inhibit_height_ft", self.inhibit_height_ft)?;
        non_negative("terminal_radius_nm", self.terminal_radius_nm)?;
        positive("terminal_ceiling_ft", self.terminal_ceiling_ft)?;
        self.terminal_parameters().validate()?;
        for (field, list) in [
            ("include_icao", &self.include_icao),
            ("exclude_icao", &self.exclude_icao),
        ] {
            if let Some(icao) = list.iter().find(|c| aerodrome(c).is_none()) {
                return Err(RegionError::UnknownAerodrome {
                    field,
                    icao: icao.clone(),
                });
            }
        }
        Ok(())
    }

    /// The aerodromes these defaults select, in ICAO order (none when disabled).
    pub fn selected(&self) -> Vec<&'static Aerodrome> {
        if !self.enabled {
            return Vec::new();
        }
        let listed = |list: &[String], a: &Aerodrome| {
            list.iter().any(|c| c.trim().eq_ignore_ascii_case(&a.icao))
        };
        aerodromes()
            .iter()
            .filter(|a| a.iata.is_some() || listed(&self.include_icao, a))
            .filter(|a| !listed(&self.exclude_icao, a))
            .collect()
    }
}

/// The default regions of `cfg` (see [`AerodromeDefaults`]): for each selected aerodrome in
/// ICAO order, its inhibition cylinder (`<ICAO>-inhibit`) then its terminal region
/// (`<ICAO>-terminal`), all with [`RegionSource::Aerodrome`]. Empty when disabled. Invalid
/// sizes are reported when the regions are validated ([`RegionSet::new`]), or beforehand by
/// [`AerodromeDefaults::validate`].
pub fn aerodrome_regions(cfg: &AerodromeDefaults) -> Vec<SafetyRegion> {
    let terminal = cfg.terminal_parameters();
    let mut out = Vec::new();
    for a in cfg.selected() {
        let center = LatLon {
            lat_deg: a.lat_deg,
            lon_deg: a.lon_deg,
        };
        if cfg.inhibit_radius_nm != 0.0 {
            out.push(SafetyRegion {
                id: format!("{}-inhibit", a.icao),
                name: format!("{} {} inhibition", a.icao, a.name),
                kind: RegionKind::Inhibition,
                shape: RegionShape::Circle {
                    center,
                    radius_nm: cfg.inhibit_radius_nm,
                },
                lower_ft: MIN_ALT_FT,
                upper_ft: (a.elevation_ft + cfg.inhibit_height_ft).min(MAX_ALT_FT),
                source: RegionSource::Aerodrome,
            });
        }
        if cfg.terminal_radius_nm != 0.0 {
            out.push(SafetyRegion {
                id: format!("{}-terminal", a.icao),
                name: format!("{} {} terminal", a.icao, a.name),
                kind: RegionKind::Parameters(terminal),
                shape: RegionShape::Circle {
                    center,
                    radius_nm: cfg.terminal_radius_nm,
                },
                lower_ft: MIN_ALT_FT,
                upper_ft: (a.elevation_ft + cfg.terminal_ceiling_ft).min(MAX_ALT_FT),
                source: RegionSource::Aerodrome,
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Loading

/// A regions file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegionFormat {
    /// `[[region]]` tables.
    Toml,
    /// A GeoJSON `FeatureCollection`.
    GeoJson,
    /// OpenAir airspace text.
    OpenAir,
}

impl FromStr for RegionFormat {
    type Err = RegionLoadError;

    /// A format name or file extension, any case: `toml`; `geojson` or `json`; `openair`,
    /// `air` or `txt`.
    fn from_str(s: &str) -> Result<Self, RegionLoadError> {
        match s
            .trim()
            .trim_start_matches('.')
            .to_ascii_lowercase()
            .as_str()
        {
            "toml" => Ok(RegionFormat::Toml),
            "geojson" | "json" => Ok(RegionFormat::GeoJson),
            "openair" | "air" | "txt" => Ok(RegionFormat::OpenAir),
            _ => Err(RegionLoadError::UnknownFormat {
                hint: Some(s.to_string()),
            }),
        }
    }
}

/// First words of OpenAir records.
const OPENAIR_RECORDS: &[&str] = &[
    "AC", "AN", "AY", "AF", "AG", "AH", "AL", "AI", "AT", "AX", "SP", "SB", "V", "DP", "DA", "DB",
    "DC", "DY",
];

impl RegionFormat {
    /// Guesses the format from the first significant line (blank lines and `#` or `*`
    /// comments skipped): `{` = GeoJSON, an OpenAir record (`AC`, `AN`, `DP`, `V`, ...) =
    /// OpenAir, `[` or `key = value` = TOML.
    pub fn sniff(text: &str) -> Option<Self> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !(l.is_empty() || l.starts_with('#') || l.starts_with('*')))?;
        let line = line.trim_start_matches('\u{feff}');
        if line.starts_with('{') {
            return Some(RegionFormat::GeoJson);
        }
        let word = line
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        if OPENAIR_RECORDS.contains(&word.as_str()) {
            return Some(RegionFormat::OpenAir);
        }
        if line.starts_with('[') || line.contains('=') {
            return Some(RegionFormat::Toml);
        }
        None
    }
}

/// Why a regions document could not be loaded.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum RegionLoadError {
    /// Not valid TOML, or not the expected tables.
    #[error("invalid TOML{}: {message}", line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    Toml {
        /// 1-based line, when known.
        line: Option<usize>,
        /// What the TOML reader said.
        message: String,
    },
    /// Bad JSON or GeoJSON structure.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// An OpenAir airspace could not be read.
    #[error("OpenAir airspace {index} ({name}): {reason}")]
    OpenAir {
        /// Its position among the airspaces (0-based).
        index: usize,
        /// Its name, `<unnamed>` when unknown.
        name: String,
        /// Why.
        reason: String,
    },
    /// A region was read but is invalid.
    #[error("{at}: {source}")]
    Region {
        /// Where (e.g. `region[2] "lfpg-final"` or `features[0]`).
        at: String,
        /// Why.
        #[source]
        source: RegionError,
    },
    /// The format could not be told or is not known.
    #[error("{}", match hint { Some(h) => format!("unknown regions format {h:?} (toml, geojson, openair)"), None => "cannot tell the regions format: expected TOML [[region]] tables, a GeoJSON FeatureCollection or OpenAir text".to_string() })]
    UnknownFormat {
        /// The format name given, `None` when sniffing failed.
        hint: Option<String>,
    },
    /// The document has no region.
    #[error("no regions found")]
    Empty,
}

/// Reads regions in `format`, or in the format [`RegionFormat::sniff`] finds. OpenAir areas
/// get [`RegionParameters::TERMINAL`]. Every region is validated; those without a `source` get
/// [`RegionSource::File`].
///
/// # Errors
/// An unknown format, a document that does not parse, an invalid region (with where it is),
/// or no region at all.
pub fn load_regions(
    text: &str,
    format: Option<RegionFormat>,
) -> Result<Vec<SafetyRegion>, RegionLoadError> {
    let format = match format {
        Some(f) => f,
        None => RegionFormat::sniff(text).ok_or(RegionLoadError::UnknownFormat { hint: None })?,
    };
    match format {
        RegionFormat::Toml => parse_regions_toml(text),
        RegionFormat::GeoJson => parse_regions_geojson(text),
        RegionFormat::OpenAir => parse_regions_openair(text, &RegionParameters::TERMINAL),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionsDocument {
    #[serde(default)]
    region: Vec<RegionInput>,
}

fn checked(
    at: String,
    r: Result<SafetyRegion, RegionError>,
) -> Result<SafetyRegion, RegionLoadError> {
    r.and_then(|r| r.validate().map(|()| r))
        .map_err(|source| RegionLoadError::Region { at, source })
}

/// Reads `[[region]]` tables (see the module documentation).
///
/// # Errors
/// As [`load_regions`].
pub fn parse_regions_toml(text: &str) -> Result<Vec<SafetyRegion>, RegionLoadError> {
    let doc: RegionsDocument = toml::from_str(text).map_err(|e| RegionLoadError::Toml {
        line: e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1),
        message: e.message().to_string(),
    })?;
    if doc.region.is_empty() {
        return Err(RegionLoadError::Empty);
    }
    doc.region
        .into_iter()
        .enumerate()
        .map(|(i, input)| {
            let at = format!("region[{i}] {:?}", input.id);
            checked(at, input.into_region(RegionSource::File))
        })
        .collect()
}

/// Reads a GeoJSON `FeatureCollection` (or one `Feature`) of regions (see the module
/// documentation).
///
/// # Errors
/// As [`load_regions`]; structural problems as [`FormatError`] with the feature's path.
pub fn parse_regions_geojson(text: &str) -> Result<Vec<SafetyRegion>, RegionLoadError> {
    let value: Value = serde_json::from_str(text).map_err(FormatError::from)?;
    let features: Vec<(String, &Value)> = match value.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => value
            .get("features")
            .and_then(Value::as_array)
            .ok_or(FormatError::Missing {
                at: "$".into(),
                what: "features",
                expected: "an array",
            })?
            .iter()
            .enumerate()
            .map(|(i, f)| (format!("features[{i}]"), f))
            .collect(),
        Some("Feature") => vec![("$".to_string(), &value)],
        Some(other) => {
            return Err(FormatError::Unsupported {
                at: "$".into(),
                what: format!("GeoJSON type {other:?}"),
            }
            .into())
        }
        None => {
            return Err(FormatError::Missing {
                at: "$".into(),
                what: "type",
                expected: "a string",
            }
            .into())
        }
    };
    if features.is_empty() {
        return Err(RegionLoadError::Empty);
    }
    features
        .iter()
        .enumerate()
        .map(|(i, (at, f))| geojson_region(at, i, f))
        .collect()
}

fn geojson_region(at: &str, index: usize, f: &Value) -> Result<SafetyRegion, RegionLoadError> {
    let empty = Map::new();
    let props = f
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let pat = format!("{at}.properties");
    let num = |key: &'static str| -> Result<Option<f64>, FormatError> {
        match props.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_f64().map(Some).ok_or(FormatError::Missing {
                at: pat.clone(),
                what: key,
                expected: "a number",
            }),
        }
    };
    let text = |key: &'static str| -> Result<Option<String>, FormatError> {
        match props.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(FormatError::Missing {
                at: pat.clone(),
                what: key,
                expected: "a string",
            }),
        }
    };
    let kind = match text("kind")?.as_deref() {
        Some("parameters") => KindTag::Parameters,
        Some("inhibition") => KindTag::Inhibition,
        Some(other) => {
            return Err(FormatError::Unsupported {
                at: pat.clone(),
                what: format!("kind {other:?} (expected \"parameters\" or \"inhibition\")"),
            }
            .into())
        }
        None => {
            return Err(FormatError::Missing {
                at: pat.clone(),
                what: "kind",
                expected: "\"parameters\" or \"inhibition\"",
            }
            .into())
        }
    };
    let id = match (text("id")?, f.get("id")) {
        (Some(id), _) => id,
        (None, Some(Value::String(s))) => s.clone(),
        (None, Some(Value::Number(n))) => n.to_string(),
        _ => format!("feature-{index}"),
    };
    let geometry = FeatureGeometry::of_feature(at, f)?;
    let mut input = RegionInput {
        id,
        name: text("name")?,
        kind,
        h_sep_nm: num("h_sep_nm")?,
        v_sep_ft: num("v_sep_ft")?,
        lookahead_s: num("lookahead_s")?,
        caution_s: num("caution_s")?,
        warning_s: num("warning_s")?,
        lower_ft: num("lower_ft")?,
        lower_fl: num("lower_fl")?,
        upper_ft: num("upper_ft")?,
        upper_fl: num("upper_fl")?,
        source: Some(RegionSource::File),
        ..RegionInput::default()
    };
    match geometry.kind {
        Some("Polygon") => input.polygon = Some(geometry.ring()?),
        Some("Point") => {
            input.center = Some(geometry.point()?);
            input.radius_nm = Some(num("radius_nm")?.ok_or(FormatError::Missing {
                at: pat.clone(),
                what: "radius_nm",
                expected: "a number (a Point stands for a circle)",
            })?);
        }
        Some(other) => {
            return Err(FormatError::Unsupported {
                at: geometry.at,
                what: format!("geometry type {other:?} (Polygon or Point)"),
            }
            .into())
        }
        None => return Err(geometry.missing_type().into()),
    }
    let at = format!("{at} {:?}", input.id);
    checked(at, input.into_region(RegionSource::File))
}

/// Whether an OpenAir airspace is an inhibition volume under this module's convention.
fn openair_inhibition(name: &str, class: &str, airspace_type: Option<&str>) -> bool {
    name.to_ascii_uppercase().contains("INHIBIT")
        || class.eq_ignore_ascii_case("CTR")
        || airspace_type.is_some_and(|t| t.eq_ignore_ascii_case("CTR"))
}

/// Reads OpenAir text (see the module documentation for the convention); areas that are not
/// inhibition volumes get `params`.
///
/// # Errors
/// As [`load_regions`]; the first airspace that cannot be read fails the whole text.
pub fn parse_regions_openair(
    text: &str,
    params: &RegionParameters,
) -> Result<Vec<SafetyRegion>, RegionLoadError> {
    params
        .validate()
        .map_err(|source| RegionLoadError::Region {
            at: "OpenAir parameters".into(),
            source,
        })?;
    let import = parse_openair(text, 0.0, 1.0);
    if let Some(r) = import.rejected.first() {
        return Err(RegionLoadError::OpenAir {
            index: r.index,
            name: r.name.clone().unwrap_or_else(|| "<unnamed>".into()),
            reason: r.reason.clone(),
        });
    }
    if import.zones.is_empty() {
        return Err(RegionLoadError::Empty);
    }
    import
        .zones
        .into_iter()
        .enumerate()
        .map(|(i, z)| {
            let kind = if openair_inhibition(&z.name, &z.class, z.airspace_type.as_deref()) {
                RegionKind::Inhibition
            } else {
                RegionKind::Parameters(*params)
            };
            let shape = match z.volume.shape {
                Shape::Polygon { coordinates } => RegionShape::Polygon { coordinates },
                Shape::Circle { center, radius_m } => RegionShape::Circle {
                    center,
                    radius_nm: radius_m / M_PER_NM,
                },
            };
            let region = SafetyRegion {
                id: format!("openair-{i}"),
                name: z.name,
                kind,
                shape,
                lower_ft: z.volume.lower_ft,
                upper_ft: z.volume.upper_ft,
                source: RegionSource::File,
            };
            checked(format!("airspace {i} {:?}", region.name), Ok(region))
        })
        .collect()
}

impl deconflict_engine::safety::Locator for RegionSet {
    fn locate(&self, lat_deg: f64, lon_deg: f64, alt_ft: f64) -> Placement {
        RegionSet::locate(self, lat_deg, lon_deg, alt_ft)
    }

    fn params(&self) -> Vec<RegionParams> {
        RegionSet::params(self)
    }
}
