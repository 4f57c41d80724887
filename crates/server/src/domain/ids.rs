//! Identifiers the cell hands out and accepts: alert ids, the numbered ids of reservations and
//! requests (`r-12`, `q-3`), and the rule for party ids (track ids in telemetry are the feeds
//! crate's decoder's).

pub use deconflict_store::validate_party_id;

/// Alert ids: `c-<run>-<n>`, where `run` is the server's start time, so ids never repeat
/// across restarts.
pub fn alert_id(run: u64, n: u64) -> String {
    format!("c-{run}-{n}")
}

/// Intrusion ids: `i-<run>-<n>` from the detector's `i-<n>`, like [`alert_id`].
pub fn intrusion_id(run: u64, detector_id: &str) -> String {
    format!("i-{run}-{}", detector_id.trim_start_matches("i-"))
}

/// The numeric part of `r-12` / `q-3` (for ordering), 0 when absent.
pub fn id_number(id: &str) -> u64 {
    id.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_ids_are_plain_lowercase_starting_with_a_letter() {
        for ok in ["blue", "red-2", "a_b", &"x".repeat(32)] {
            assert!(validate_party_id(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Blue",
            "2red",
            "blue team",
            "blue/../x",
            &"x".repeat(33),
        ] {
            let e = validate_party_id(bad).unwrap_err();
            assert!(e.to_string().contains("1-32 characters"), "{bad}: {e}");
        }
    }

    #[test]
    fn numbered_ids_order_by_number_not_text() {
        let mut ids = vec!["r-10", "r-2", "r-1", "x"];
        ids.sort_by_key(|i| id_number(i));
        assert_eq!(ids, ["x", "r-1", "r-2", "r-10"]);
    }

    #[test]
    fn alert_and_intrusion_ids_carry_the_run() {
        assert_eq!(alert_id(1_700_000_000, 7), "c-1700000000-7");
        assert_eq!(intrusion_id(5, "i-12"), "i-5-12");
        assert_ne!(alert_id(1, 7), alert_id(2, 7));
    }
}
