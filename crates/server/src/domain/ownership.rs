//! Which aircraft a party may report as its own. The cell registers, per party, ICAO 24-bit
//! address ranges and track-number prefixes (config `[[parties]] aircraft`, or
//! `PUT /api/v1/parties/{id}/aircraft`, audited); telemetry for anything else is refused, so no
//! party can speak for another's aircraft or claim a civil one it does not fly. Pure: the
//! registry and the track table's owner are arguments.
//!
//! - An id of six hex digits is an ICAO address (DO-260B AA field): it is covered by an
//!   address range. Any other id is a party track number: it is covered by a prefix.
//! - Registrations of two parties may not overlap (an address range or a prefix of one
//!   covering any of the other's), so an aircraft has at most one party that may report it.
//! - The cell may report aircraft no party has registered (its own test or surveillance
//!   traffic), never a party's.

pub use crate::config::AircraftClaims;
use std::collections::BTreeMap;

/// The store collection of the parties' aircraft registrations, by party id.
pub const CLAIMS: &str = "aircraft";

/// Most address ranges plus prefixes one party may register.
pub const MAX_CLAIMS: usize = 1_000;
/// Longest track-number prefix, characters.
pub const MAX_PREFIX_CHARS: usize = 8;

/// An inclusive range of ICAO 24-bit addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcaoRange {
    /// First address.
    pub lo: u32,
    /// Last address.
    pub hi: u32,
}

/// Why a registration is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimsError {
    /// Not an address, a range, or a prefix.
    #[error("{0}")]
    Invalid(String),
    /// It overlaps what another party has registered.
    #[error("{what} overlaps the aircraft registered for {party}")]
    Overlap {
        /// The address range or prefix.
        what: String,
        /// The other party.
        party: String,
    },
}

/// Why a party may not report an aircraft.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The aircraft is not among those registered for the party.
    #[error("{id} is not among the aircraft registered for {party} (the cell registers them: PUT /api/v1/parties/{party}/aircraft)")]
    NotRegistered {
        /// The reporting party.
        party: String,
        /// The aircraft.
        id: String,
    },
    /// The aircraft is another party's.
    #[error("{id} is registered for {owner}; {party} may not report it")]
    OtherParty {
        /// The reporting party.
        party: String,
        /// The aircraft.
        id: String,
        /// Its party.
        owner: String,
    },
}

impl Refusal {
    /// A stable short reason, for counters.
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::NotRegistered { .. } => "not_registered",
            Refusal::OtherParty { .. } => "other_party",
        }
    }
}

fn is_icao(id: &str) -> bool {
    id.len() == 6 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

fn parse_address(s: &str) -> Result<u32, ClaimsError> {
    if !is_icao(s) {
        return Err(ClaimsError::Invalid(format!(
            "{s:?} is not an ICAO address (six hex digits)"
        )));
    }
    u32::from_str_radix(s, 16).map_err(|_| ClaimsError::Invalid(format!("{s:?}: bad address")))
}

/// Parses `"AE1001"` or `"AE1000-AE10FF"`.
pub fn parse_range(s: &str) -> Result<IcaoRange, ClaimsError> {
    let s = s.trim();
    let (lo, hi) = match s.split_once('-') {
        Some((a, b)) => (parse_address(a.trim())?, parse_address(b.trim())?),
        None => {
            let a = parse_address(s)?;
            (a, a)
        }
    };
    if lo > hi {
        return Err(ClaimsError::Invalid(format!(
            "{s:?}: the range's first address is above its last"
        )));
    }
    Ok(IcaoRange { lo, hi })
}

fn check_prefix(p: &str) -> Result<(), ClaimsError> {
    let n = p.chars().count();
    if n == 0
        || n > MAX_PREFIX_CHARS
        || !p
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Err(ClaimsError::Invalid(format!(
            "prefix {p:?}: 1 to {MAX_PREFIX_CHARS} upper-case letters or digits"
        )));
    }
    if is_icao(p) {
        return Err(ClaimsError::Invalid(format!(
            "prefix {p:?} is an ICAO address: register it under icao"
        )));
    }
    Ok(())
}

impl AircraftClaims {
    /// The claims checked: every address and range parses, every prefix is well-formed, at
    /// most [`MAX_CLAIMS`] in all. Normalises to upper case.
    pub fn validated(mut self) -> Result<AircraftClaims, ClaimsError> {
        for s in self.icao.iter_mut().chain(self.prefixes.iter_mut()) {
            *s = s.trim().to_ascii_uppercase();
        }
        if self.icao.len() + self.prefixes.len() > MAX_CLAIMS {
            return Err(ClaimsError::Invalid(format!(
                "at most {MAX_CLAIMS} addresses, ranges and prefixes"
            )));
        }
        for s in &self.icao {
            parse_range(s)?;
        }
        for p in &self.prefixes {
            check_prefix(p)?;
        }
        Ok(self)
    }

    /// The address ranges (entries that do not parse are left out; [`Self::validated`]
    /// refuses them).
    pub fn ranges(&self) -> impl Iterator<Item = IcaoRange> + '_ {
        self.icao.iter().filter_map(|s| parse_range(s).ok())
    }

    /// Whether the claims cover an aircraft id.
    pub fn covers(&self, id: &str) -> bool {
        if is_icao(id) {
            let Ok(a) = u32::from_str_radix(id, 16) else {
                return false;
            };
            self.ranges().any(|r| r.lo <= a && a <= r.hi)
        } else {
            self.prefixes.iter().any(|p| id.starts_with(p.as_str()))
        }
    }

    /// The first of these claims that overlaps `other`'s, as text.
    pub fn overlap_with(&self, other: &AircraftClaims) -> Option<String> {
        for a in self.ranges() {
            if other.ranges().any(|b| a.lo <= b.hi && b.lo <= a.hi) {
                return Some(format!("{:06X}-{:06X}", a.lo, a.hi));
            }
        }
        for p in &self.prefixes {
            if other
                .prefixes
                .iter()
                .any(|q| p.starts_with(q.as_str()) || q.starts_with(p.as_str()))
            {
                return Some(format!("prefix {p}"));
            }
        }
        None
    }
}

/// Checks a party's new registration against every other party's.
pub fn check_registration(
    party: &str,
    claims: &AircraftClaims,
    registry: &BTreeMap<String, AircraftClaims>,
) -> Result<(), ClaimsError> {
    for (other, theirs) in registry.iter().filter(|(p, _)| p.as_str() != party) {
        if let Some(what) = claims.overlap_with(theirs) {
            return Err(ClaimsError::Overlap {
                what,
                party: other.clone(),
            });
        }
    }
    Ok(())
}

/// The party an aircraft is registered for, if any.
pub fn registered_party<'a>(
    id: &str,
    registry: &'a BTreeMap<String, AircraftClaims>,
) -> Option<&'a str> {
    registry
        .iter()
        .find(|(_, c)| c.covers(id))
        .map(|(p, _)| p.as_str())
}

/// Whether `party` may report aircraft `id` as its own. `is_cell`: the reporter is the cell,
/// which may report aircraft no party has registered.
pub fn may_report(
    party: &str,
    is_cell: bool,
    id: &str,
    registry: &BTreeMap<String, AircraftClaims>,
) -> Result<(), Refusal> {
    match registered_party(id, registry) {
        Some(p) if p == party => Ok(()),
        Some(p) => Err(Refusal::OtherParty {
            party: party.to_owned(),
            id: id.to_owned(),
            owner: p.to_owned(),
        }),
        None if is_cell => Ok(()),
        None => Err(Refusal::NotRegistered {
            party: party.to_owned(),
            id: id.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(icao: &[&str], prefixes: &[&str]) -> AircraftClaims {
        AircraftClaims {
            icao: icao.iter().map(|s| s.to_string()).collect(),
            prefixes: prefixes.iter().map(|s| s.to_string()).collect(),
        }
        .validated()
        .unwrap()
    }

    fn registry() -> BTreeMap<String, AircraftClaims> {
        BTreeMap::from([
            ("blue".to_string(), claims(&["AE1000-AE10FF"], &["BLU"])),
            (
                "red".to_string(),
                claims(&["150a21", "150A30-150A4F"], &["RED"]),
            ),
        ])
    }

    #[test]
    fn addresses_by_range_track_numbers_by_prefix() {
        let r = registry();
        assert_eq!(may_report("blue", false, "AE1001", &r), Ok(()));
        assert_eq!(may_report("blue", false, "BLU777", &r), Ok(()));
        assert_eq!(
            may_report("red", false, "150A21", &r),
            Ok(()),
            "normalised to upper case"
        );
        assert_eq!(
            may_report("red", false, "150A4F", &r),
            Ok(()),
            "ranges are inclusive"
        );
        assert_eq!(
            may_report("red", false, "150A50", &r).unwrap_err().reason(),
            "not_registered"
        );
    }

    #[test]
    fn no_party_reports_another_partys_aircraft_or_an_unregistered_civil_one() {
        let r = registry();
        let e = may_report("red", false, "AE1001", &r).unwrap_err();
        assert_eq!(e.reason(), "other_party");
        assert!(e.to_string().contains("registered for blue"), "{e}");
        // A civil aircraft (an Air France A320's address) nobody registered.
        let e = may_report("blue", false, "3944F5", &r).unwrap_err();
        assert_eq!(e.reason(), "not_registered");
        // A track number that looks like blue's is still blue's.
        assert_eq!(
            may_report("red", false, "BLU1", &r).unwrap_err().reason(),
            "other_party"
        );
        // The cell: unregistered aircraft yes, a party's no.
        assert_eq!(may_report("cell", true, "F00001", &r), Ok(()));
        assert_eq!(
            may_report("cell", true, "AE1001", &r).unwrap_err().reason(),
            "other_party"
        );
    }

    #[test]
    fn registrations_are_checked_and_may_not_overlap() {
        let r = registry();
        for bad in [
            AircraftClaims {
                icao: vec!["AE10".into()],
                prefixes: vec![],
            },
            AircraftClaims {
                icao: vec!["AE10FF-AE1000".into()],
                prefixes: vec![],
            },
            AircraftClaims {
                icao: vec![],
                prefixes: vec!["bl u".into()],
            },
            AircraftClaims {
                icao: vec![],
                prefixes: vec!["ABCDEF".into()],
            },
            AircraftClaims {
                icao: vec![],
                prefixes: vec!["".into()],
            },
        ] {
            assert!(bad.clone().validated().is_err(), "{bad:?}");
        }
        let green = claims(&["AE10F0-AE2000"], &[]);
        assert_eq!(
            check_registration("green", &green, &r),
            Err(ClaimsError::Overlap {
                what: "AE10F0-AE2000".into(),
                party: "blue".into()
            })
        );
        let green = claims(&[], &["BL"]);
        assert!(
            check_registration("green", &green, &r).is_err(),
            "BL covers blue's BLU"
        );
        let green = claims(&["AE2000-AE20FF"], &["GRN"]);
        assert_eq!(check_registration("green", &green, &r), Ok(()));
        // A party may change its own registration.
        assert_eq!(
            check_registration("blue", &claims(&["AE1000-AE1FFF"], &["BLU"]), &r),
            Ok(())
        );
    }
}
