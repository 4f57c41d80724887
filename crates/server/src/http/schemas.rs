//! The shapes of the responses the handlers build with `json!`, and of the bodies they read
//! with a domain parser (imports), as types for the OpenAPI document. Each matches what its
//! handler writes or what its parser accepts (docs/api.md describes both); the request and
//! response types that are serde types already document themselves.

#![allow(dead_code)]

use crate::config::AircraftClaims;
use crate::domain::crosscheck::Discrepancy;
use crate::domain::exclusions::Compliance;
use crate::domain::intrusions::IntrusionRecord;
use crate::domain::picture::TrackView;
use crate::domain::requests::RequestDoc;
use crate::domain::reservations::{Overlap, ReservationDoc};
use crate::domain::safety::ExemptionDoc;
use deconflict_airspace::regions::{Aerodrome, SafetyRegion};
use deconflict_airspace::Purpose;
use deconflict_feeds::counters::FeedSnapshot;
use deconflict_feeds::states::Telemetry;
use deconflict_store::{AlertState, AuditEntry, Message, Party, Role, Sharing};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The only value of `?include=`.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Include {
    /// Also the recently cleared ones.
    Cleared,
}

/// An RFC 7807 problem (`application/problem+json`); some carry more members
/// (`current_version`, `overlaps`, `reason`, `rejected`, …).
#[derive(ToSchema)]
pub struct Problem {
    /// `about:blank` unless the status alone is ambiguous (`urn:deconflict:…`).
    r#type: String,
    /// The status's reason phrase.
    title: String,
    /// The HTTP status.
    status: u16,
    /// What happened and what to do about it.
    detail: String,
}

/// `GET /api/v1/health`.
#[derive(ToSchema)]
pub struct Health {
    /// Always `true`.
    ok: bool,
    /// `leader` when this node holds the cell's lease (it runs the alert and strategic
    /// cycles), else `follower`.
    #[schema(pattern = "^(leader|follower)$")]
    role: String,
    /// The lease's epoch as this node last read it (bumped at every change of leader).
    lease_epoch: i64,
    /// This node's name.
    node: String,
    /// The node holding the lease, as last read.
    leader_node: String,
    /// Seconds since this node last read or renewed the lease.
    lease_lag_s: f64,
    /// Every node's console address (`cluster.nodes`), for a client to fail over to.
    nodes: Vec<String>,
}

/// The caller's party.
#[derive(ToSchema)]
pub struct Me {
    /// Party id.
    party: String,
    /// Role.
    role: Role,
    /// Display name.
    name: String,
    /// Its sharing rule.
    sharing: Sharing,
}

/// Visible tracks.
#[derive(ToSchema)]
pub struct TrackList {
    /// Picture time, UNIX seconds.
    time: f64,
    /// The tracks.
    tracks: Vec<TrackView>,
}

/// One telemetry report or an array of them.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum TelemetryBody {
    /// One report.
    One(Telemetry),
    /// Several reports.
    Many(Vec<Telemetry>),
}

/// A report (or zone) not taken, by its position in the request.
#[derive(ToSchema)]
pub struct IndexedReason {
    /// Position in the request, from 0.
    index: usize,
    /// Why.
    reason: String,
}

/// What a telemetry request applied.
#[derive(ToSchema)]
pub struct TelemetryResult {
    /// Reports the track table took.
    accepted: usize,
    /// Reports refused, with the reason.
    rejected: Vec<IndexedReason>,
}

/// `"FeatureCollection"`.
#[derive(ToSchema)]
pub enum FeatureCollectionType {
    /// The only value.
    FeatureCollection,
}

/// `"Feature"`.
#[derive(ToSchema)]
pub enum FeatureType {
    /// The only value.
    Feature,
}

/// `"Point"`.
#[derive(ToSchema)]
pub enum PointType {
    /// The only value.
    Point,
}

/// A GeoJSON point.
#[derive(ToSchema)]
pub struct PointGeometry {
    /// `Point`.
    r#type: PointType,
    /// `[lon, lat]`, degrees.
    coordinates: [f64; 2],
}

/// One track as a GeoJSON feature.
#[derive(ToSchema)]
pub struct TrackFeature {
    /// `Feature`.
    r#type: FeatureType,
    /// The track id.
    id: String,
    /// Its position.
    geometry: PointGeometry,
    /// The track.
    properties: TrackView,
}

/// Visible tracks as a GeoJSON `FeatureCollection`.
#[derive(ToSchema)]
pub struct PictureGeoJson {
    /// `FeatureCollection`.
    r#type: FeatureCollectionType,
    /// One point per track.
    features: Vec<TrackFeature>,
    /// Picture time, UNIX seconds.
    time: f64,
}

/// Active (and with `?include=cleared`, recently cleared) conflicts.
#[derive(ToSchema)]
pub struct ConflictList {
    /// Most urgent first.
    conflicts: Vec<Conflict>,
}

/// A conflict alert (`Conflict` in docs/api.md): the record, its geometry at the last alert
/// event, the states at alert time and the guidance the caller may see.
#[derive(ToSchema)]
pub struct Conflict {
    /// `c-<run>-<n>`.
    id: String,
    /// One aircraft.
    a: String,
    /// The other.
    b: String,
    /// Owner of `a` (`null`: civil traffic).
    a_party: Option<String>,
    /// Owner of `b`.
    b_party: Option<String>,
    /// Alert level, from 1.
    #[schema(minimum = 1)]
    level: u8,
    /// Whether `level` is the warning level.
    warning: bool,
    /// The last event.
    state: AlertState,
    /// UNIX s.
    raised_at: f64,
    /// UNIX s.
    updated_at: f64,
    /// UNIX s, when cleared.
    cleared_at: Option<f64>,
    /// Acknowledgement per involved party.
    acks: BTreeMap<String, bool>,
    /// Resolution guidance of the aircraft the caller may see guidance for: a party its own
    /// aircraft only; the cell and observers both.
    guidance: Vec<Guidance>,
    /// Seconds to the closest point of approach, at the last event.
    tcpa_s: Option<f64>,
    /// Horizontal distance there, metres.
    dcpa_m: Option<f64>,
    /// Vertical separation there, feet.
    vsep_cpa_ft: Option<f64>,
    /// Seconds until separation is lost.
    t_in_s: Option<f64>,
    /// Seconds until it is regained.
    t_out_s: Option<f64>,
    /// Whether the two aircraft are of two parties.
    cross_party: Option<bool>,
    /// `a` as captured at the last alert event.
    a_state: Option<Value>,
    /// `b` as captured at the last alert event.
    b_state: Option<Value>,
    /// Where `a` is at the closest point of approach, `{"lat_deg", "lon_deg"}`.
    cpa_a: Option<Value>,
    /// Where `b` is at the closest point of approach.
    cpa_b: Option<Value>,
}

/// How bad a manoeuvre is.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BandLevel {
    /// Clear over the look-ahead.
    None,
    /// Loss of separation at the advisory level.
    Far,
    /// At the caution level.
    Mid,
    /// At the warning level.
    Near,
    /// Nothing is clear; these regain separation soonest.
    Recovery,
}

/// A track band: clockwise from `from_deg` to `to_deg`, degrees true.
#[derive(ToSchema)]
pub struct TrackBand {
    /// From, degrees true.
    from_deg: f64,
    /// To, degrees true.
    to_deg: f64,
    /// Its level.
    level: BandLevel,
}

/// A ground-speed band, knots.
#[derive(ToSchema)]
pub struct GsBand {
    /// From, knots.
    from_kt: f64,
    /// To, knots.
    to_kt: f64,
    /// Its level.
    level: BandLevel,
}

/// A vertical-speed band, feet per minute.
#[derive(ToSchema)]
pub struct VsBand {
    /// From, feet per minute.
    from_fpm: f64,
    /// To, feet per minute.
    to_fpm: f64,
    /// Its level.
    level: BandLevel,
}

/// An altitude band, feet.
#[derive(ToSchema)]
pub struct AltBand {
    /// From, feet.
    from_ft: f64,
    /// To, feet.
    to_ft: f64,
    /// Its level.
    level: BandLevel,
}

/// Why a sense is preferred.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// Coordinated with the other party's aircraft.
    Coordinated,
    /// The nearest clear manoeuvre.
    Nearest,
}

/// Left or right.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LeftRight {
    /// Left.
    Left,
    /// Right.
    Right,
}

/// Down or up.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DownUp {
    /// Down (slower, descend).
    Down,
    /// Up (faster, climb).
    Up,
}

/// Track advice: the nearest clear heading each way.
#[derive(ToSchema)]
pub struct TrackAdvice {
    /// Degrees true.
    left_deg: Option<f64>,
    /// Degrees true.
    right_deg: Option<f64>,
    /// The sense to turn.
    preferred: Option<LeftRight>,
    /// Why.
    basis: Option<Basis>,
    /// Nothing is clear: the values regain separation soonest.
    #[serde(default)]
    recovery: bool,
    /// Seconds to regain separation.
    time_to_recovery_s: Option<f64>,
}

/// Ground-speed advice.
#[derive(ToSchema)]
pub struct GsAdvice {
    /// Knots.
    slower_kt: Option<f64>,
    /// Knots.
    faster_kt: Option<f64>,
    /// The sense.
    preferred: Option<DownUp>,
    /// Why.
    basis: Option<Basis>,
    /// Nothing is clear.
    #[serde(default)]
    recovery: bool,
    /// Seconds to regain separation.
    time_to_recovery_s: Option<f64>,
}

/// Vertical-speed advice.
#[derive(ToSchema)]
pub struct VsAdvice {
    /// Feet per minute.
    down_fpm: Option<f64>,
    /// Feet per minute.
    up_fpm: Option<f64>,
    /// The sense.
    preferred: Option<DownUp>,
    /// Why.
    basis: Option<Basis>,
    /// Nothing is clear.
    #[serde(default)]
    recovery: bool,
    /// Seconds to regain separation.
    time_to_recovery_s: Option<f64>,
}

/// Altitude advice.
#[derive(ToSchema)]
pub struct AltAdvice {
    /// Feet.
    down_ft: Option<f64>,
    /// Feet.
    up_ft: Option<f64>,
    /// The sense.
    preferred: Option<DownUp>,
    /// Why.
    basis: Option<Basis>,
    /// Nothing is clear.
    #[serde(default)]
    recovery: bool,
    /// Seconds to regain separation.
    time_to_recovery_s: Option<f64>,
}

/// The manoeuvre model's aircraft category.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Airliner.
    Airliner,
    /// Fighter.
    Fighter,
    /// Helicopter.
    Helicopter,
    /// Drone.
    Drone,
    /// The engine's default.
    Default,
}

/// The manoeuvre model's kinematics.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kinematics {
    /// Rates and accelerations of the category.
    Default,
    /// Instant manoeuvres.
    Instant,
}

/// Resolution advice.
#[derive(ToSchema)]
pub struct Advice {
    /// Whether the aircraft is in conflict.
    conflict: bool,
    /// The worst level ahead.
    level: BandLevel,
    /// The most urgent intruder.
    most_urgent: Option<String>,
    /// Track advice.
    track: TrackAdvice,
    /// Ground-speed advice.
    gs: GsAdvice,
    /// Vertical-speed advice.
    vs: VsAdvice,
    /// Altitude advice.
    alt: AltAdvice,
    /// The advice in words.
    text: String,
    /// The manoeuvre model's category.
    category: Category,
    /// Its kinematics.
    kinematics: Kinematics,
}

/// Kinematic bands and resolution advice of one aircraft (docs/guidance.md).
#[derive(ToSchema)]
pub struct Guidance {
    /// The aircraft.
    id: String,
    /// Computed at, seconds since the epoch.
    time: f64,
    /// Track bands, together covering the circle.
    track_bands: Vec<TrackBand>,
    /// Ground-speed bands.
    gs_bands: Vec<GsBand>,
    /// Vertical-speed bands.
    vs_bands: Vec<VsBand>,
    /// Altitude bands.
    alt_bands: Vec<AltBand>,
    /// The advice.
    advice: Advice,
}

/// Hotline messages.
#[derive(ToSchema)]
pub struct MessageList {
    /// To the caller, to all, or sent by it (all for the cell and observers).
    messages: Vec<Message>,
}

/// Parties.
#[derive(ToSchema)]
pub struct PartyList {
    /// Every party.
    parties: Vec<Party>,
}

/// The aircraft a party may report.
#[derive(ToSchema)]
pub struct PartyAircraft {
    /// Party id.
    party: String,
    /// Its registration.
    aircraft: AircraftClaims,
}

/// A token, shown once.
#[derive(ToSchema)]
pub struct IssuedToken {
    /// Its id (to revoke it).
    token_id: String,
    /// Its party.
    party: String,
    /// The bearer token, `dc_<token_id>_<secret>`.
    token: String,
}

/// Feeds.
#[derive(ToSchema)]
pub struct FeedList {
    /// The caller's (all for the cell and observers).
    feeds: Vec<FeedSnapshot>,
}

/// A page of the audit log.
#[derive(ToSchema)]
pub struct AuditPage {
    /// In sequence order.
    entries: Vec<AuditEntry>,
}

/// Whether the log extends a kept checkpoint.
#[derive(ToSchema)]
pub struct Consistency {
    /// The log is intact and holds entry `seq` with that hash.
    consistent: bool,
    /// The checkpoint's sequence number.
    seq: i64,
    /// The log's head now.
    head_seq: i64,
    /// Why not, when not.
    problem: Option<String>,
}

/// Position discrepancies.
#[derive(ToSchema)]
pub struct DiscrepancyList {
    /// Newest first.
    discrepancies: Vec<Discrepancy>,
}

/// Overlaps with other parties' reservations.
#[derive(ToSchema)]
pub struct OverlapList {
    /// Each with who gives way.
    overlaps: Vec<Overlap>,
    /// Advance notices the volumes cross (advisories; they refuse nothing).
    notices: Vec<crate::domain::notices::NoticeAdvisory>,
}

/// Reservations and zones.
#[derive(ToSchema)]
pub struct ReservationList {
    /// Every one.
    reservations: Vec<ReservationDoc>,
}

/// A reservation filed or changed, and what it overlaps.
#[derive(ToSchema)]
pub struct Filed {
    /// The reservation.
    reservation: ReservationDoc,
    /// Its overlaps, each with who gives way.
    overlaps: Vec<Overlap>,
    /// Advance notices its volumes cross (advisories; they refuse nothing).
    notices: Vec<crate::domain::notices::NoticeAdvisory>,
}

/// An overlap of an imported reservation or zone.
#[derive(ToSchema)]
pub struct ImportOverlap {
    /// The overlap.
    #[serde(flatten)]
    overlap: Overlap,
    /// Which item of the import.
    import_index: usize,
}

/// Reservations imported.
#[derive(ToSchema)]
pub struct Imported {
    /// Filed, in the import's order.
    reservations: Vec<ReservationDoc>,
    /// Their overlaps.
    overlaps: Vec<ImportOverlap>,
}

/// An OpenAir airspace not imported.
#[derive(ToSchema)]
pub struct RejectedZone {
    /// Its position among the airspaces read, from 0.
    index: usize,
    /// Its name, when known.
    name: Option<String>,
    /// Why.
    reason: String,
}

/// Zones imported from OpenAir.
#[derive(ToSchema)]
pub struct ZonesImported {
    /// Filed.
    zones: Vec<ReservationDoc>,
    /// Airspaces that could not be used.
    rejected: Vec<RejectedZone>,
    /// The zones' overlaps.
    overlaps: Vec<ImportOverlap>,
}

/// A GeoJSON feature of an import: `Polygon`, `MultiPolygon`, or `Point` with `radius_m`.
#[derive(ToSchema)]
pub struct ImportFeature {
    /// `Feature`.
    r#type: FeatureType,
    /// A GeoJSON geometry.
    geometry: Value,
    /// `lower_ft|lower_fl`, `upper_ft|upper_fl`, `start_time`, `end_time` (UNIX s or RFC
    /// 3339), `radius_m` for a point; optional `name`, `purpose`, `priority`,
    /// `justification`.
    properties: Value,
}

/// A GeoJSON `FeatureCollection` of an import: one reservation per feature.
#[derive(ToSchema)]
pub struct ImportFeatureCollection {
    /// `FeatureCollection`.
    r#type: FeatureCollectionType,
    /// The features.
    features: Vec<ImportFeature>,
}

/// An ASTM F3548 position.
#[derive(ToSchema)]
pub struct AstmLatLng {
    /// Degrees north.
    lat: f64,
    /// Degrees east.
    lng: f64,
}

/// An ASTM F3548 polygon.
#[derive(ToSchema)]
pub struct AstmPolygon {
    /// Its vertices.
    vertices: Vec<AstmLatLng>,
}

/// An ASTM F3548 distance.
#[derive(ToSchema)]
pub struct AstmRadius {
    /// The value.
    value: f64,
    /// `M` or `FT`.
    units: String,
}

/// An ASTM F3548 circle.
#[derive(ToSchema)]
pub struct AstmCircle {
    /// Its centre.
    center: AstmLatLng,
    /// Its radius.
    radius: AstmRadius,
}

/// An ASTM F3548 altitude.
#[derive(ToSchema)]
pub struct AstmAltitude {
    /// The value.
    value: f64,
    /// `W84` or `MSL` (both taken as MSL).
    reference: Option<String>,
    /// `M` or `FT`.
    units: String,
}

/// An ASTM F3548 time.
#[derive(ToSchema)]
pub struct AstmTime {
    /// RFC 3339.
    value: String,
    /// `RFC3339`.
    format: Option<String>,
}

/// An ASTM F3548 `Volume3D`: `outline_polygon` or `outline_circle`, and a band.
#[derive(ToSchema)]
pub struct AstmVolume3D {
    /// A polygon outline.
    outline_polygon: Option<AstmPolygon>,
    /// A circular outline.
    outline_circle: Option<AstmCircle>,
    /// The bottom.
    altitude_lower: AstmAltitude,
    /// The top.
    altitude_upper: AstmAltitude,
}

/// An ASTM F3548 `Volume4D`.
#[derive(ToSchema)]
pub struct Volume4D {
    /// The volume.
    volume: AstmVolume3D,
    /// Its start.
    time_start: AstmTime,
    /// Its end.
    time_end: AstmTime,
}

/// One reservation of `Volume4D`s (`volumes`, or `extents` as in an operational intent).
#[derive(ToSchema)]
pub struct Volume4DReservation {
    /// The volumes.
    volumes: Option<Vec<Volume4D>>,
    /// The volumes, as an operational intent names them.
    extents: Option<Vec<Volume4D>>,
    /// Display name.
    name: Option<String>,
    /// What it is for.
    purpose: Option<Purpose>,
    /// 0 to 10.
    #[schema(maximum = 10)]
    priority: Option<u8>,
    /// Why it is filed over other reservations.
    justification: Option<String>,
}

/// The body of an import: GeoJSON (one reservation per feature) or ASTM F3548 `Volume4D`
/// JSON (one reservation).
#[derive(ToSchema)]
#[serde(untagged)]
pub enum ReservationImport {
    /// A `FeatureCollection`.
    Collection(ImportFeatureCollection),
    /// One `Feature`.
    Feature(ImportFeature),
    /// `Volume4D`s with the reservation's members.
    Reservation(Volume4DReservation),
    /// One `Volume4D`.
    One(Volume4D),
    /// Several `Volume4D`s.
    Many(Vec<Volume4D>),
}

/// One volume of a live reservation or zone as a GeoJSON feature (circles as `Point` with
/// `radius_m`).
#[derive(ToSchema)]
pub struct ReservationFeature {
    /// `Feature`.
    r#type: FeatureType,
    /// A GeoJSON geometry.
    geometry: Value,
    /// `reservation_id`, `party`, `name`, `purpose`, `priority`, `state`, `version`,
    /// `volume_index` and the volume's band and window.
    properties: BTreeMap<String, Value>,
}

/// Live reservations and zones as GeoJSON.
#[derive(ToSchema)]
pub struct ReservationsGeoJson {
    /// `FeatureCollection`.
    r#type: FeatureCollectionType,
    /// One per volume.
    features: Vec<ReservationFeature>,
}

/// Intrusion alerts.
#[derive(ToSchema)]
pub struct IntrusionList {
    /// Most urgent first.
    intrusions: Vec<IntrusionRecord>,
}

/// Vacate requests and notices.
#[derive(ToSchema)]
pub struct RequestList {
    /// Newest first.
    requests: Vec<RequestView>,
}

/// A request as listed: an accepted vacate request also carries its exclusion's compliance.
#[derive(serde::Serialize, ToSchema)]
pub struct RequestView {
    #[serde(flatten)]
    request: RequestDoc,
    /// An accepted vacate request's compliance status.
    compliance: Option<Compliance>,
}

/// Aerodromes in a box.
#[derive(ToSchema)]
pub struct AerodromeList {
    /// IATA-coded first, then by ICAO code.
    aerodromes: Vec<Aerodrome>,
    /// Some were left out (`limit`).
    truncated: bool,
}

/// The default aerodrome regions.
#[derive(ToSchema)]
pub struct AerodromeDefaults {
    /// `safety_net.aerodromes.enabled`.
    enabled: bool,
    /// How many there are.
    regions: usize,
}

/// Safety-net regions.
#[derive(ToSchema)]
pub struct RegionList {
    /// Configured, from files, added over the API, and with `bbox` the defaults meeting it.
    regions: Vec<SafetyRegion>,
    /// The default aerodrome regions.
    aerodrome_defaults: AerodromeDefaults,
    /// More defaults met the box than listed (2,000).
    truncated: bool,
}

/// A region removed.
#[derive(ToSchema)]
pub struct RegionRemoved {
    /// Its id.
    id: String,
    /// `true`.
    removed: bool,
}

/// Where an exemption is in its life.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExemptionState {
    /// Not started.
    Scheduled,
    /// In force.
    Active,
    /// Over.
    Ended,
    /// Withdrawn.
    Withdrawn,
}

/// A declared exemption, with its state and version.
#[derive(ToSchema)]
pub struct Exemption {
    /// The declaration.
    #[serde(flatten)]
    doc: ExemptionDoc,
    /// Its state now.
    state: ExemptionState,
    /// Its version.
    version: i64,
}

/// Exemptions.
#[derive(ToSchema)]
pub struct ExemptionList {
    /// The caller's (all for the cell and observers).
    exemptions: Vec<Exemption>,
}

/// An OpenAPI 3.1 document.
#[derive(ToSchema)]
pub struct OpenApiDocument {
    /// `3.1.0`.
    openapi: String,
    /// Title, version, description.
    info: Value,
    /// The operations.
    paths: BTreeMap<String, Value>,
    /// The schemas and the security scheme.
    components: Value,
}
