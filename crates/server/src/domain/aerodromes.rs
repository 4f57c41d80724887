//! Which aerodromes of the bundled list a map view gets: those inside a box (one that crosses
//! the antimeridian when its west edge is east of its east edge), those with an IATA code
//! (scheduled service) first, then by ICAO code, at most a limit.

use deconflict_airspace::regions::Aerodrome;

/// A longitude/latitude box, degrees: `[west, south, east, north]`; `west > east` crosses 180°.
pub type Bbox = [f64; 4];

/// True when the point is inside the box (edges included).
pub fn in_box(b: Bbox, lat_deg: f64, lon_deg: f64) -> bool {
    let [w, s, e, n] = b;
    if !(s..=n).contains(&lat_deg) {
        return false;
    }
    if w <= e {
        (w..=e).contains(&lon_deg)
    } else {
        lon_deg >= w || lon_deg <= e
    }
}

/// The aerodromes of `list` inside `bbox`, IATA-coded ones first, then by ICAO code; at most
/// `limit`, with whether some were left out.
pub fn in_view(list: &[Aerodrome], bbox: Bbox, limit: usize) -> (Vec<&Aerodrome>, bool) {
    let mut found: Vec<&Aerodrome> = list
        .iter()
        .filter(|a| in_box(bbox, a.lat_deg, a.lon_deg))
        .collect();
    found.sort_by(|a, b| {
        a.iata
            .is_none()
            .cmp(&b.iata.is_none())
            .then_with(|| a.icao.cmp(&b.icao))
    });
    let truncated = found.len() > limit;
    found.truncate(limit);
    (found, truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ad(icao: &str, iata: Option<&str>, lat_deg: f64, lon_deg: f64) -> Aerodrome {
        Aerodrome {
            icao: icao.into(),
            iata: iata.map(Into::into),
            name: icao.into(),
            country: "XX".into(),
            elevation_ft: 0.0,
            lat_deg,
            lon_deg,
        }
    }

    #[test]
    fn scheduled_service_comes_first_and_the_limit_says_it_cut() {
        let list = [
            ad("LFPB", Some("LBG"), 48.97, 2.44),
            ad("LFAA", None, 48.9, 2.3),
            ad("LFPG", Some("CDG"), 49.01, 2.55),
            ad("EGLL", Some("LHR"), 51.47, -0.45),
        ];
        let (got, cut) = in_view(&list, [2.0, 48.5, 3.0, 49.5], 10);
        let ids: Vec<&str> = got.iter().map(|a| a.icao.as_str()).collect();
        assert_eq!(ids, ["LFPB", "LFPG", "LFAA"]);
        assert!(!cut);
        let (got, cut) = in_view(&list, [2.0, 48.5, 3.0, 49.5], 2);
        assert_eq!(got.len(), 2);
        assert!(cut);
        assert!(got.iter().all(|a| a.iata.is_some()));
    }

    #[test]
    fn a_box_across_the_antimeridian_wraps() {
        let list = [
            ad("NZAA", Some("AKL"), -37.0, 174.8),
            ad("NSTU", Some("PPG"), -14.3, -170.7),
            ad("YSSY", Some("SYD"), -33.9, 151.2),
        ];
        let (got, _) = in_view(&list, [170.0, -40.0, -165.0, -10.0], 10);
        let ids: Vec<&str> = got.iter().map(|a| a.icao.as_str()).collect();
        assert_eq!(ids, ["NSTU", "NZAA"]);
    }

    #[test]
    fn the_bundled_list_has_paris_charles_de_gaulle() {
        let (got, _) = in_view(
            deconflict_airspace::regions::aerodromes(),
            [2.3, 48.9, 2.8, 49.2],
            50,
        );
        assert!(got.iter().any(|a| a.icao == "LFPG"));
    }
}
