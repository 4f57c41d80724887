//! Need-to-know: which aircraft and alerts a viewer may see. Pure functions, used alike by the
//! REST handlers, the WebSocket stream and the GeoJSON export.
//!
//! Rules, by the sharing mode of the aircraft's owner:
//! - the owner itself, the cell and observers see every aircraft;
//! - aircraft without an owner (civil traffic heard by a shared feed) are visible to everyone;
//! - `full`: visible to everyone;
//! - `proximity`: visible to a party only while within `range_nm` horizontally **and** `alt_ft`
//!   vertically of at least one of that party's own aircraft;
//! - `alerts-only`: never in another party's picture; it learns of the aircraft only through a
//!   conflict with one of its own, as the state captured at alert time.
//!
//! An aircraft whose owner is not a registered party is treated as `alerts-only`: an unknown
//! rule never widens what is shown.

use deconflict_store::{AlertRecord, Role, Sharing, SharingMode};

/// Mean Earth radius used for proximity ranges, metres (IUGG mean radius R1).
const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// Metres per nautical mile (exact, by definition).
const M_PER_NM: f64 = 1852.0;

/// Who is looking.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Viewer {
    /// The cell or an observer: sees everything.
    All,
    /// A party: sees what sharing rules allow.
    Party(String),
}

impl Viewer {
    /// The viewer for a party with a role.
    pub fn for_role(party: &str, role: Role) -> Viewer {
        match role {
            Role::Cell | Role::Observer => Viewer::All,
            Role::Party => Viewer::Party(party.to_owned()),
        }
    }
}

/// A position for proximity checks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Altitude, feet.
    pub alt_ft: f64,
}

/// Great-circle distance, nautical miles (haversine).
pub fn distance_nm(a: Position, b: Position) -> f64 {
    let (p1, p2) = (a.lat_deg.to_radians(), b.lat_deg.to_radians());
    let dp = p2 - p1;
    let dl = (b.lon_deg - a.lon_deg).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin() / M_PER_NM
}

/// Whether `viewer` may see an aircraft at `pos` owned by `owner` (whose rule is
/// `owner_sharing`, `None` when the owner is not a registered party), given the viewer's own
/// aircraft positions.
pub fn track_visible(
    viewer: &Viewer,
    owner: Option<&str>,
    owner_sharing: Option<&Sharing>,
    pos: Option<Position>,
    viewer_own: &[Position],
) -> bool {
    let party = match viewer {
        Viewer::All => return true,
        Viewer::Party(p) => p,
    };
    let Some(owner) = owner else { return true };
    if owner == party {
        return true;
    }
    let Some(rule) = owner_sharing else {
        return false;
    };
    match rule.mode {
        SharingMode::Full => true,
        SharingMode::AlertsOnly => false,
        SharingMode::Proximity => match pos {
            None => false,
            Some(p) => viewer_own.iter().any(|o| {
                (p.alt_ft - o.alt_ft).abs() <= rule.alt_ft && distance_nm(p, *o) <= rule.range_nm
            }),
        },
    }
}

/// Whether `viewer` may see an alert: the cell and observers see all; a party sees the alerts
/// in which it owns one of the aircraft.
pub fn alert_visible(viewer: &Viewer, alert: &AlertRecord) -> bool {
    match viewer {
        Viewer::All => true,
        Viewer::Party(p) => alert.involves(p),
    }
}

/// Which side(s) of an alert `party` may acknowledge: its own. `requested` is an explicit side
/// asked for by the cell.
///
/// # Errors
/// A message saying why not.
pub fn ack_side(
    party: &str,
    role: Role,
    alert: &AlertRecord,
    requested: Option<&str>,
) -> Result<String, String> {
    match role {
        Role::Observer => Err("observers cannot acknowledge alerts".into()),
        Role::Cell => {
            let side = requested
                .ok_or("the cell must name the side to acknowledge: {\"party\": \"…\"}")?;
            if alert.involves(side) {
                Ok(side.to_owned())
            } else {
                Err(format!(
                    "party {side:?} is not involved in alert {}",
                    alert.id
                ))
            }
        }
        Role::Party => {
            if let Some(r) = requested {
                if r != party {
                    return Err(format!(
                        "{party} can acknowledge only its own side, not {r}'s"
                    ));
                }
            }
            if alert.involves(party) {
                Ok(party.to_owned())
            } else {
                Err(format!(
                    "{party} owns neither aircraft of alert {}",
                    alert.id
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn pos(lat: f64, lon: f64, alt: f64) -> Position {
        Position {
            lat_deg: lat,
            lon_deg: lon,
            alt_ft: alt,
        }
    }

    fn blue() -> Viewer {
        Viewer::Party("blue".into())
    }

    #[test]
    fn distance_one_degree_of_latitude_is_sixty_nm() {
        let d = distance_nm(pos(36.0, 37.0, 0.0), pos(37.0, 37.0, 0.0));
        assert!((d - 60.04).abs() < 0.1, "{d}");
    }

    #[test]
    fn cell_and_own_and_unowned_and_full() {
        let p = Some(pos(36.0, 37.0, 20_000.0));
        assert!(track_visible(
            &Viewer::All,
            Some("red"),
            Some(&Sharing::alerts_only()),
            p,
            &[]
        ));
        assert!(track_visible(
            &blue(),
            Some("blue"),
            Some(&Sharing::alerts_only()),
            p,
            &[]
        ));
        assert!(track_visible(&blue(), None, None, p, &[]));
        assert!(track_visible(
            &blue(),
            Some("red"),
            Some(&Sharing::full()),
            p,
            &[]
        ));
    }

    #[test]
    fn alerts_only_and_unknown_owner_are_hidden() {
        let p = Some(pos(36.0, 37.0, 20_000.0));
        let own = [pos(36.0, 37.0, 20_000.0)];
        assert!(!track_visible(
            &blue(),
            Some("red"),
            Some(&Sharing::alerts_only()),
            p,
            &own
        ));
        assert!(!track_visible(&blue(), Some("ghost"), None, p, &own));
    }

    #[test]
    fn proximity_needs_both_ranges() {
        let rule = Sharing::proximity(20.0, 5000.0);
        let own = [pos(36.0, 37.0, 20_000.0)];
        // 10 NM north, 2000 ft above: visible.
        assert!(track_visible(
            &blue(),
            Some("red"),
            Some(&rule),
            Some(pos(36.1667, 37.0, 22_000.0)),
            &own
        ));
        // 30 NM north: hidden.
        assert!(!track_visible(
            &blue(),
            Some("red"),
            Some(&rule),
            Some(pos(36.5, 37.0, 20_000.0)),
            &own
        ));
        // Close horizontally but 6000 ft above: hidden.
        assert!(!track_visible(
            &blue(),
            Some("red"),
            Some(&rule),
            Some(pos(36.0, 37.0, 26_000.0)),
            &own
        ));
        // No own aircraft: hidden.
        assert!(!track_visible(
            &blue(),
            Some("red"),
            Some(&rule),
            Some(pos(36.0, 37.0, 20_000.0)),
            &[]
        ));
        // No position: hidden.
        assert!(!track_visible(
            &blue(),
            Some("red"),
            Some(&rule),
            None,
            &own
        ));
    }

    fn alert() -> AlertRecord {
        AlertRecord {
            id: "c-1".into(),
            a: "A".into(),
            b: "B".into(),
            a_party: Some("red".into()),
            b_party: Some("blue".into()),
            level: 3,
            state: "raised".into(),
            raised_at: 0.0,
            updated_at: 0.0,
            cleared_at: None,
            acks: BTreeMap::new(),
            detail: serde_json::json!({}),
        }
    }

    #[test]
    fn alerts_are_visible_to_involved_parties_only() {
        assert!(alert_visible(&blue(), &alert()));
        assert!(alert_visible(&Viewer::All, &alert()));
        assert!(!alert_visible(&Viewer::Party("green".into()), &alert()));
    }

    #[test]
    fn acks_only_own_side() {
        let a = alert();
        assert_eq!(ack_side("blue", Role::Party, &a, None), Ok("blue".into()));
        assert!(ack_side("blue", Role::Party, &a, Some("red")).is_err());
        assert!(ack_side("green", Role::Party, &a, None).is_err());
        assert!(ack_side("mon", Role::Observer, &a, None).is_err());
        assert_eq!(
            ack_side("cell", Role::Cell, &a, Some("red")),
            Ok("red".into())
        );
        assert!(ack_side("cell", Role::Cell, &a, None).is_err());
        assert!(ack_side("cell", Role::Cell, &a, Some("green")).is_err());
    }
}
