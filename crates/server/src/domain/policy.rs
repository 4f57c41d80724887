//! Need-to-know: which aircraft, alerts, intrusions, messages, requests and exemptions a viewer
//! may see, and which side of an alert or intrusion a party may acknowledge. Every visibility
//! rule of the cell is here, used alike by the REST handlers, the WebSocket stream and the
//! exports.
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

//!
//! Messages and requests: a party sees those it sent, those addressed to it and those to
//! everyone. Exemptions: the declaring party. Alerts and intrusions: the parties involved.
//! The cell and observers see everything.

use crate::domain::parties::Caller;
use deconflict_engine::geodesy::{horizontal_distance_m, M_PER_NM};
use deconflict_store::{AlertRecord, Message, Role, Sharing, SharingMode};

/// Who is looking.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Viewer {
    /// The cell or an observer: sees everything.
    All,
    /// A party: sees what sharing rules allow.
    Party(String),
}

impl Viewer {
    /// The viewer a caller is.
    pub fn of(c: &Caller) -> Viewer {
        Viewer::for_role(&c.party, c.role)
    }

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

/// Distance on the WGS-84 ellipsoid, nautical miles (the engine's geodesy).
pub fn distance_nm(a: Position, b: Position) -> f64 {
    horizontal_distance_m(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg) / M_PER_NM
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

/// Whether `v` may see the resolution guidance of an aircraft of `owner`: the cell and
/// observers see all; a party only its own aircraft's (not an intruder's, not civil
/// traffic's).
pub fn guidance_visible(v: &Viewer, owner: Option<&str>) -> bool {
    match v {
        Viewer::All => true,
        Viewer::Party(p) => owner == Some(p.as_str()),
    }
}

/// Whether a party (with `role`) may see hotline message `m`.
pub fn message_visible(m: &Message, party: &str, role: Role) -> bool {
    role != Role::Party || m.from == party || m.to.is_none() || m.to.as_deref() == Some(party)
}

/// Message `m` as the stream shows it to `party`: `read` is that party's own (the sender has
/// read it, an acknowledging party has too), not the copy's of whoever triggered the frame.
pub fn message_for(m: &Message, party: &str) -> Message {
    let mut out = m.clone();
    out.read = m.from == party
        || m.acks.iter().any(|p| p == party)
        || m.read_by.iter().any(|p| p == party);
    out
}

/// Why a party may not mark a message read or acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkError {
    /// The sender marking its own message.
    #[error("the sender cannot mark its own message read or acknowledged")]
    OwnMessage,
    /// The cell marking a message addressed to another party.
    #[error("message {id} is addressed to {to}, not to the cell")]
    NotTheCells {
        /// The message.
        id: i64,
        /// Its addressee.
        to: String,
    },
}

/// Whether `party` (with `role`) may mark message `m` read or acknowledged: an addressee
/// (or, for a message to all, anyone but its sender) may; the cell only its own messages.
///
/// # Errors
/// [`MarkError`].
pub fn may_mark(m: &Message, party: &str, role: Role) -> Result<(), MarkError> {
    if m.from == party && m.to.as_deref() != Some(party) {
        return Err(MarkError::OwnMessage);
    }
    if role == Role::Cell {
        if let Some(to) = m.to.as_deref().filter(|t| *t != party) {
            return Err(MarkError::NotTheCells {
                id: m.id,
                to: to.to_owned(),
            });
        }
    }
    Ok(())
}

/// Whether a party (with `role`) may see something sent `from` → `to` (`None`: to every
/// party), such as a request.
pub fn addressed_visible(from: &str, to: Option<&str>, party: &str, role: Role) -> bool {
    role != Role::Party || from == party || to.is_none() || to == Some(party)
}

/// Whether a party (with `role`) may see something declared by `owner` (an exemption).
pub fn own_visible(owner: &str, party: &str, role: Role) -> bool {
    role != Role::Party || owner == party
}

/// Something with sides that the parties involved acknowledge, each its own: a conflict
/// (the two aircraft's owners) or an intrusion (the aircraft's owner and the volume's).
pub trait Sides {
    /// What it is called in messages: `alert`, `intrusion`.
    const NOUN: &'static str;
    /// What a party not involved owns none of: `neither aircraft`.
    const NEITHER: &'static str;
    /// Its id.
    fn id(&self) -> &str;
    /// Whether `party` is one of its sides.
    fn involves(&self, party: &str) -> bool;
}

impl Sides for AlertRecord {
    const NOUN: &'static str = "alert";
    const NEITHER: &'static str = "neither aircraft";
    fn id(&self) -> &str {
        &self.id
    }
    fn involves(&self, party: &str) -> bool {
        AlertRecord::involves(self, party)
    }
}

/// Why a side may not be acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AckError {
    /// Observers only watch.
    #[error("observers cannot acknowledge {0}s")]
    Observer(&'static str),
    /// The cell acknowledges on behalf of a party and must say which.
    #[error("the cell must name the side to acknowledge: {{\"party\": \"…\"}}")]
    CellMustName,
    /// The side named by the cell is not involved.
    #[error("party {side:?} is not involved in {noun} {id}")]
    NotInvolved {
        /// The side named.
        side: String,
        /// What.
        noun: &'static str,
        /// Its id.
        id: String,
    },
    /// A party named another party's side.
    #[error("{party} can acknowledge only its own side, not {requested}'s")]
    NotOwnSide {
        /// The caller.
        party: String,
        /// The side it named.
        requested: String,
    },
    /// The party is not involved.
    #[error("{party} owns {neither} of {noun} {id}")]
    NotInvolvedParty {
        /// The caller.
        party: String,
        /// What it owns none of.
        neither: &'static str,
        /// What.
        noun: &'static str,
        /// Its id.
        id: String,
    },
}

/// Which side of `item` `party` (with `role`) acknowledges: its own; the cell names one with
/// `requested`; observers none.
///
/// # Errors
/// [`AckError`] saying why not.
pub fn ack_side<T: Sides>(
    party: &str,
    role: Role,
    item: &T,
    requested: Option<&str>,
) -> Result<String, AckError> {
    match role {
        Role::Observer => Err(AckError::Observer(T::NOUN)),
        Role::Cell => {
            let side = requested.ok_or(AckError::CellMustName)?;
            if item.involves(side) {
                Ok(side.to_owned())
            } else {
                Err(AckError::NotInvolved {
                    side: side.to_owned(),
                    noun: T::NOUN,
                    id: item.id().to_owned(),
                })
            }
        }
        Role::Party => {
            if let Some(r) = requested {
                if r != party {
                    return Err(AckError::NotOwnSide {
                        party: party.to_owned(),
                        requested: r.to_owned(),
                    });
                }
            }
            if item.involves(party) {
                Ok(party.to_owned())
            } else {
                Err(AckError::NotInvolvedParty {
                    party: party.to_owned(),
                    neither: T::NEITHER,
                    noun: T::NOUN,
                    id: item.id().to_owned(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deconflict_store::AlertState;
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
        // One degree of latitude at 36.5°N on WGS-84 is 110.96 km = 59.91 NM.
        let d = distance_nm(pos(36.0, 37.0, 0.0), pos(37.0, 37.0, 0.0));
        assert!((d - 59.91).abs() < 0.02, "{d}");
    }

    #[test]
    fn messages_and_requests_to_sender_addressee_or_all() {
        for (from, to, who, role, seen) in [
            ("red", Some("blue"), "blue", Role::Party, true),
            ("red", Some("blue"), "red", Role::Party, true),
            ("red", Some("blue"), "green", Role::Party, false),
            ("red", None, "green", Role::Party, true),
            ("red", Some("blue"), "mon", Role::Observer, true),
            ("red", Some("blue"), "cell", Role::Cell, true),
        ] {
            assert_eq!(
                addressed_visible(from, to, who, role),
                seen,
                "{from}->{to:?} {who}"
            );
            let m = Message {
                id: 1,
                from: from.into(),
                to: to.map(str::to_owned),
                subject: String::new(),
                body: "b".into(),
                sent_at: 0.0,
                read: false,
                acks: Vec::new(),
                read_by: Vec::new(),
            };
            assert_eq!(message_visible(&m, who, role), seen);
        }
        let to_blue = Message {
            id: 4,
            from: "red".into(),
            to: Some("blue".into()),
            subject: String::new(),
            body: "b".into(),
            sent_at: 0.0,
            read: false,
            acks: Vec::new(),
            read_by: Vec::new(),
        };
        assert_eq!(may_mark(&to_blue, "blue", Role::Party), Ok(()));
        assert_eq!(
            may_mark(&to_blue, "red", Role::Party),
            Err(MarkError::OwnMessage)
        );
        assert_eq!(
            may_mark(&to_blue, "cell", Role::Cell)
                .unwrap_err()
                .to_string(),
            "message 4 is addressed to blue, not to the cell"
        );
        // The sender's copy says read; the addressee's stream copy must not.
        let sent = Message {
            read: true,
            ..to_blue.clone()
        };
        assert!(
            !message_for(&sent, "blue").read,
            "blue has not read red's new message"
        );
        assert!(message_for(&to_blue, "red").read, "the sender has");
        let acked = Message {
            acks: vec!["blue".into()],
            ..to_blue.clone()
        };
        assert!(message_for(&acked, "blue").read);
        // Another party's acknowledgement is republished to everyone: a party that read the
        // message (without acknowledging it) still sees it read, one that did not, unread.
        let to_all_read = Message {
            to: None,
            acks: vec!["cell".into()],
            read_by: vec!["blue".into(), "cell".into()],
            ..to_blue.clone()
        };
        assert!(message_for(&to_all_read, "blue").read);
        assert!(!message_for(&to_all_read, "green").read);
        let to_all = Message {
            to: None,
            ..to_blue
        };
        assert_eq!(may_mark(&to_all, "cell", Role::Cell), Ok(()));
        assert!(own_visible("blue", "blue", Role::Party));
        assert!(!own_visible("blue", "red", Role::Party));
        assert!(own_visible("blue", "mon", Role::Observer));
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
            state: AlertState::Raised,
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
        assert_eq!(
            ack_side("blue", Role::Party, &a, Some("red"))
                .unwrap_err()
                .to_string(),
            "blue can acknowledge only its own side, not red's"
        );
        assert_eq!(
            ack_side("green", Role::Party, &a, None)
                .unwrap_err()
                .to_string(),
            "green owns neither aircraft of alert c-1"
        );
        assert_eq!(
            ack_side("mon", Role::Observer, &a, None).unwrap_err(),
            AckError::Observer("alert")
        );
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
