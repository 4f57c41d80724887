//! Safety-net regions: locating aircraft, priorities, the bundled aerodrome defaults (checked at
//! Paris), the three file formats with their error messages, and the index against a linear
//! scan.

use deconflict_airspace::geom::{destination, normalize_lon_deg};
use deconflict_airspace::regions::{AERODROMES_SOURCE, MAX_REGION_VERTICES};
use deconflict_airspace::{
    aerodrome, aerodrome_regions, aerodromes, load_regions, parse_regions_geojson,
    parse_regions_openair, parse_regions_toml, AerodromeDefaults, LatLon, RegionError,
    RegionFormat, RegionKind, RegionLoadError, RegionParameters, RegionSet, RegionSetError,
    RegionShape, RegionSource, SafetyRegion,
};
use deconflict_engine::safety::Placement;
use proptest::prelude::*;

const NM: f64 = 1_852.0;

fn ll(lat_deg: f64, lon_deg: f64) -> LatLon {
    LatLon { lat_deg, lon_deg }
}

fn params(h_sep_nm: f64) -> RegionKind {
    RegionKind::Parameters(RegionParameters {
        h_sep_nm,
        ..RegionParameters::TERMINAL
    })
}

fn square(id: &str, kind: RegionKind, lon0: f64, lat0: f64, side_deg: f64) -> SafetyRegion {
    SafetyRegion {
        id: id.into(),
        name: id.to_uppercase(),
        kind,
        shape: RegionShape::Polygon {
            coordinates: vec![
                [lon0, lat0],
                [lon0 + side_deg, lat0],
                [lon0 + side_deg, lat0 + side_deg],
                [lon0, lat0 + side_deg],
            ],
        },
        lower_ft: 0.0,
        upper_ft: 20_000.0,
        source: RegionSource::Config,
    }
}

fn circle(id: &str, kind: RegionKind, center: LatLon, radius_nm: f64) -> SafetyRegion {
    SafetyRegion {
        id: id.into(),
        name: id.into(),
        kind,
        shape: RegionShape::Circle { center, radius_nm },
        lower_ft: 1_000.0,
        upper_ft: 5_000.0,
        source: RegionSource::Config,
    }
}

fn at(region: Option<u32>, inhibited: bool) -> Placement {
    Placement { region, inhibited }
}

#[test]
fn polygon_contains_points_inside_and_on_its_edge_only() {
    let set = RegionSet::new(vec![square("tma", params(3.0), 2.0, 48.0, 1.0)]).unwrap();
    assert_eq!(set.locate(48.5, 2.5, 5_000.0), at(Some(0), false));
    assert_eq!(
        set.locate(48.5, 1.99, 5_000.0),
        at(None, false),
        "west of it"
    );
    assert_eq!(
        set.locate(49.05, 2.5, 5_000.0),
        at(None, false),
        "north of it"
    );
    // A vertex is inside; 150 m either side of the (meridian) western edge is in and out.
    assert_eq!(set.locate(48.0, 2.0, 5_000.0).region, Some(0));
    assert_eq!(set.locate(48.5, 2.002, 5_000.0).region, Some(0));
    assert_eq!(set.locate(48.5, 1.998, 5_000.0).region, None);
}

#[test]
fn circle_contains_points_within_its_radius() {
    let c = ll(35.5, 35.8);
    let set = RegionSet::new(vec![circle("c", RegionKind::Inhibition, c, 10.0)]).unwrap();
    for bearing in [0.0, 77.0, 180.0, 300.0] {
        let inside = destination(c, bearing, 9.95 * NM);
        let outside = destination(c, bearing, 10.05 * NM);
        assert!(
            set.locate(inside.lat_deg, inside.lon_deg, 3_000.0)
                .inhibited
        );
        assert!(
            !set.locate(outside.lat_deg, outside.lon_deg, 3_000.0)
                .inhibited
        );
    }
    assert!(set.locate(c.lat_deg, c.lon_deg, 3_000.0).inhibited);
}

#[test]
fn altitude_band_includes_both_bounds() {
    let c = ll(35.5, 35.8);
    let set = RegionSet::new(vec![circle("c", params(3.0), c, 10.0)]).unwrap();
    let r = |alt| set.locate(c.lat_deg, c.lon_deg, alt).region;
    assert_eq!(r(999.0), None);
    assert_eq!(r(1_000.0), Some(0));
    assert_eq!(r(5_000.0), Some(0));
    assert_eq!(r(5_000.5), None);
}

#[test]
fn regions_across_the_antimeridian_and_bad_positions() {
    let r = SafetyRegion {
        shape: RegionShape::Polygon {
            coordinates: vec![[179.5, 10.0], [-179.5, 10.0], [-179.5, 11.0], [179.5, 11.0]],
        },
        ..square("dateline", RegionKind::Inhibition, 0.0, 0.0, 1.0)
    };
    let set = RegionSet::new(vec![r]).unwrap();
    assert!(set.locate(10.5, 179.9, 1_000.0).inhibited);
    assert!(set.locate(10.5, -179.9, 1_000.0).inhibited);
    assert!(
        set.locate(10.5, 180.1, 1_000.0).inhibited,
        "longitudes are wrapped"
    );
    assert!(!set.locate(10.5, 179.0, 1_000.0).inhibited);
    assert_eq!(set.locate(f64::NAN, 179.9, 1_000.0), Placement::default());
    assert_eq!(set.locate(10.5, 179.9, f64::INFINITY), Placement::default());
    assert_eq!(set.locate(91.0, 0.0, 1_000.0), Placement::default());
}

#[test]
fn first_parameter_region_wins_and_explicit_regions_come_before_defaults() {
    let c = ll(48.5, 2.5);
    let default_like = SafetyRegion {
        source: RegionSource::Aerodrome,
        ..circle("default", params(3.0), c, 30.0)
    };
    let wide = square("wide", params(5.0), 2.0, 48.0, 1.0);
    let inner = SafetyRegion {
        source: RegionSource::Api,
        ..circle("inner", params(2.5), c, 5.0)
    };
    // The aerodrome default is given first but is ordered after both explicit regions.
    let set = RegionSet::new(vec![default_like, wide, inner]).unwrap();
    let ids: Vec<&str> = set.regions().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["wide", "inner", "default"]);
    let names: Vec<String> = set.params().into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["WIDE", "inner", "default"]);

    // Inside all three: the first explicit one.
    assert_eq!(set.locate(48.5, 2.5, 3_000.0).region, Some(0));
    assert_eq!(set.params()[0].standard.h_sep_nm, 5.0);
    // Inside the default only (outside the square): the default.
    let p = destination(c, 270.0, 25.0 * NM);
    assert_eq!(set.locate(p.lat_deg, p.lon_deg, 3_000.0).region, Some(2));
    assert_eq!(set.parameter_region(2).unwrap().id, "default");
    // Above the circles, still in the square.
    assert_eq!(set.locate(48.5, 2.5, 10_000.0).region, Some(0));
    let all: Vec<&str> = set
        .containing(48.5, 2.5, 3_000.0)
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(all, ["wide", "inner", "default"]);
}

#[test]
fn inhibition_is_reported_whatever_the_parameter_region() {
    let c = ll(48.5, 2.5);
    let set = RegionSet::new(vec![
        circle("final", RegionKind::Inhibition, c, 3.0),
        square("tma", params(3.0), 2.0, 48.0, 1.0),
    ])
    .unwrap();
    // Inhibition volumes take no parameter index: the TMA is params()[0].
    assert_eq!(set.params().len(), 1);
    assert_eq!(set.locate(48.5, 2.5, 3_000.0), at(Some(0), true));
    assert_eq!(set.locate(48.5, 2.5, 6_000.0), at(Some(0), false));
    assert_eq!(set.locate(48.2, 2.2, 3_000.0), at(Some(0), false));
}

#[test]
fn parameters_become_the_engines_standard_and_alert_levels() {
    let set = RegionSet::new(vec![square("tma", params(3.0), 2.0, 48.0, 1.0)]).unwrap();
    let p = &set.params()[0];
    assert_eq!(
        (
            p.standard.h_sep_nm,
            p.standard.v_sep_ft,
            p.standard.lookahead_s
        ),
        (3.0, 1_000.0, 120.0)
    );
    assert_eq!(p.levels.level_for(0.0), 3);
    assert_eq!(p.levels.level_for(45.0), 3);
    assert_eq!(p.levels.level_for(46.0), 2);
    assert_eq!(p.levels.level_for(90.0), 2);
    assert_eq!(p.levels.level_for(100.0), 1);
    // The engine accepts them.
    let mut net =
        deconflict_engine::safety::SafetyNet::new(Default::default(), Default::default(), false)
            .unwrap();
    net.set_regions(set.params()).unwrap();
}

#[test]
fn invalid_regions_are_refused_with_the_reason() {
    let base = square("r", params(3.0), 2.0, 48.0, 1.0);
    let err = |r: SafetyRegion| r.validate().unwrap_err().to_string();

    let mut r = base.clone();
    r.kind = RegionKind::Parameters(RegionParameters {
        caution_s: 130.0,
        ..RegionParameters::TERMINAL
    });
    assert_eq!(
        err(r),
        "alert thresholds must satisfy warning_s <= caution_s <= lookahead_s, got warning_s = 45, caution_s = 130, lookahead_s = 120"
    );
    let mut r = base.clone();
    r.kind = RegionKind::Parameters(RegionParameters {
        h_sep_nm: 0.0,
        ..RegionParameters::TERMINAL
    });
    assert_eq!(err(r), "h_sep_nm = 0 must be finite and > 0");
    let mut r = base.clone();
    r.kind = RegionKind::Parameters(RegionParameters {
        v_sep_ft: f64::NAN,
        ..RegionParameters::TERMINAL
    });
    assert_eq!(err(r), "v_sep_ft = NaN must be finite and > 0");
    let mut r = base.clone();
    r.lower_ft = 20_000.0;
    assert_eq!(
        err(r),
        "lower altitude 20000 ft must be below upper altitude 20000 ft"
    );
    let mut r = base.clone();
    r.upper_ft = f64::INFINITY;
    assert_eq!(err(r), "upper_ft is not a finite number");
    let mut r = base.clone();
    r.id = "  ".into();
    assert_eq!(err(r), "id must not be empty");
    let r = circle("c", RegionKind::Inhibition, ll(48.0, 2.0), 0.0);
    assert_eq!(err(r), "radius_nm = 0 must be finite and > 0");
    let mut r = base.clone();
    r.shape = RegionShape::Polygon {
        coordinates: vec![[2.0, 48.0], [3.0, 49.0], [3.0, 48.0], [2.0, 49.0]],
    };
    assert_eq!(
        err(r),
        "polygon is self-intersecting (its edges cross or touch)"
    );
    let mut r = base.clone();
    r.shape = RegionShape::Polygon {
        coordinates: vec![[2.0, 48.0], [3.0, 49.0], [2.0, 48.0]],
    };
    assert_eq!(
        err(r),
        "polygon has 2 distinct vertices, at least 3 are needed"
    );
    let mut r = base.clone();
    r.shape = RegionShape::Polygon {
        coordinates: (0..=MAX_REGION_VERTICES)
            .map(|k| {
                let a = std::f64::consts::TAU * k as f64 / (MAX_REGION_VERTICES + 1) as f64;
                [2.0 + a.cos(), 48.0 + a.sin()]
            })
            .collect(),
    };
    assert_eq!(
        err(r),
        format!(
            "polygon has 5001 vertices, at most {MAX_REGION_VERTICES} are accepted in a region"
        )
    );

    // In a set: which one, and duplicates.
    let e = RegionSet::new(vec![
        base.clone(),
        circle("c", RegionKind::Inhibition, ll(48.0, 2.0), -1.0),
    ])
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "region 1 (\"c\"): radius_nm = -1 must be finite and > 0"
    );
    let e = RegionSet::new(vec![base.clone(), base]).unwrap_err();
    assert_eq!(e, RegionSetError::DuplicateId { id: "r".into() });
}

// ---------------------------------------------------------------------------------------------
// Aerodrome defaults

/// CDG's position in the bundled list.
fn cdg() -> LatLon {
    let a = aerodrome("LFPG").expect("CDG is in the list");
    ll(a.lat_deg, a.lon_deg)
}

#[test]
fn bundled_aerodrome_list() {
    let list = aerodromes();
    assert_eq!(list.len(), 28_298, "{AERODROMES_SOURCE}");
    assert_eq!(list.iter().filter(|a| a.iata.is_some()).count(), 7_884);
    let cdg = aerodrome("lfpg").unwrap();
    assert_eq!(cdg.iata.as_deref(), Some("CDG"));
    assert_eq!(cdg.country, "FR");
    assert!((cdg.lat_deg - 49.0097).abs() < 0.01 && (cdg.lon_deg - 2.5479).abs() < 0.01);
    assert!((cdg.elevation_ft - 392.0).abs() < 50.0);
    let orly = aerodrome("LFPO").unwrap();
    assert_eq!(orly.iata.as_deref(), Some("ORY"));
    assert!(aerodrome("ZZZZ").is_none());
}

#[test]
fn paris_under_the_default_aerodrome_regions() {
    let cfg = AerodromeDefaults::default();
    let regions = aerodrome_regions(&cfg);
    assert_eq!(regions.len(), 2 * 7_884);
    assert!(regions.iter().any(|r| r.id == "LFPO-terminal"));
    let set = RegionSet::with_aerodrome_defaults(vec![], &cfg).unwrap();

    // 5 NM from CDG at 1,500 ft: inhibited, judged with terminal parameters.
    for bearing in [0.0, 90.0, 200.0] {
        let p = destination(cdg(), bearing, 5.0 * NM);
        let placement = set.locate(p.lat_deg, p.lon_deg, 1_500.0);
        assert!(placement.inhibited, "bearing {bearing}");
        let region = set.parameter_region(placement.region.unwrap()).unwrap();
        assert!(region.id.ends_with("-terminal"), "{}", region.id);
    }
    // 20 NM from CDG at 6,000 ft: in a terminal region (3 NM, 120 s), not inhibited.
    let p = destination(cdg(), 45.0, 20.0 * NM);
    let placement = set.locate(p.lat_deg, p.lon_deg, 6_000.0);
    assert!(!placement.inhibited);
    let terminal = &set.params()[placement.region.unwrap() as usize];
    assert_eq!(terminal.standard.h_sep_nm, 3.0);
    assert_eq!(terminal.standard.lookahead_s, 120.0);
    // Above 3,000 ft over the aerodrome elevation, no longer inhibited.
    let p = destination(cdg(), 0.0, 5.0 * NM);
    assert!(!set.locate(p.lat_deg, p.lon_deg, 3_500.0).inhibited);
    // FL350 over Paris: in nothing.
    assert_eq!(set.locate(48.8566, 2.3522, 35_000.0), Placement::default());
    // A cell-defined region overrides the defaults.
    let tma = square("paris-tma", params(2.5), 1.5, 48.3, 1.5);
    let set = RegionSet::with_aerodrome_defaults(vec![tma], &cfg).unwrap();
    let placement = set.locate(48.8566, 2.3522, 6_000.0);
    assert_eq!(placement.region, Some(0));
    assert_eq!(set.params()[0].name, "PARIS-TMA");
}

#[test]
fn aerodrome_defaults_are_configurable() {
    let cfg: AerodromeDefaults = toml::from_str(
        "include_icao = [\"00AA\"]\nexclude_icao = [\"lfpg\"]\ninhibit_radius_nm = 0\n",
    )
    .unwrap();
    assert_eq!(
        cfg.terminal_radius_nm, 40.0,
        "unset keys keep their defaults"
    );
    let regions = aerodrome_regions(&cfg);
    assert_eq!(
        regions.len(),
        7_884,
        "terminal regions only, one added, one removed"
    );
    assert!(regions.iter().any(|r| r.id == "00AA-terminal"));
    assert!(!regions.iter().any(|r| r.id.starts_with("LFPG")));
    assert!(regions
        .iter()
        .all(|r| matches!(r.kind, RegionKind::Parameters(_))));

    // The terminal region's top is its ceiling above the aerodrome's elevation.
    let cfg = AerodromeDefaults::default();
    let regions = aerodrome_regions(&cfg);
    let lfpg = regions.iter().find(|r| r.id == "LFPG-terminal").unwrap();
    assert_eq!(
        lfpg.upper_ft,
        aerodrome("LFPG").unwrap().elevation_ft + 19_500.0
    );
    assert_eq!(lfpg.source, RegionSource::Aerodrome);

    let off = AerodromeDefaults {
        enabled: false,
        ..AerodromeDefaults::default()
    };
    assert!(aerodrome_regions(&off).is_empty());

    let bad = AerodromeDefaults {
        include_icao: vec!["XXXX".into()],
        ..AerodromeDefaults::default()
    };
    assert_eq!(
        RegionSet::with_aerodrome_defaults(vec![], &bad)
            .unwrap_err()
            .to_string(),
        "aerodrome defaults: include_icao: aerodrome \"XXXX\" is not in the bundled aerodrome list"
    );
    let bad = AerodromeDefaults {
        terminal_warning_s: 100.0,
        ..AerodromeDefaults::default()
    };
    assert!(matches!(
        bad.validate(),
        Err(RegionError::ThresholdOrder { .. })
    ));
    let e = toml::from_str::<AerodromeDefaults>("inhibit_radius = 5").unwrap_err();
    assert!(
        e.to_string().contains("unknown field `inhibit_radius`"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------------------
// Formats

const TOML: &str = r#"
# Paris
[[region]]
id = "paris-tma"
name = "Paris TMA"
kind = "parameters"
h_sep_nm = 3
v_sep_ft = 1000
lookahead_s = 120
caution_s = 90
warning_s = 45
lower_ft = 0
upper_fl = 195
polygon = [[1.6, 48.4], [3.4, 48.4], [3.4, 49.4], [1.6, 49.4]]

[[region]]
id = "lfpg-final"
kind = "inhibition"
lower_ft = -2000
upper_ft = 3000
center = { lat_deg = 49.0128, lon_deg = 2.55 }
radius_nm = 8
"#;

#[test]
fn reads_toml_regions() {
    let regions = parse_regions_toml(TOML).unwrap();
    assert_eq!(regions.len(), 2);
    let tma = &regions[0];
    assert_eq!(
        (tma.id.as_str(), tma.name.as_str()),
        ("paris-tma", "Paris TMA")
    );
    assert_eq!(tma.kind, RegionKind::Parameters(RegionParameters::TERMINAL));
    assert_eq!((tma.lower_ft, tma.upper_ft), (0.0, 19_500.0));
    assert_eq!(tma.source, RegionSource::File);
    let fin = &regions[1];
    assert_eq!(fin.name, "lfpg-final", "name defaults to the id");
    assert_eq!(fin.kind, RegionKind::Inhibition);
    assert_eq!(
        fin.shape,
        RegionShape::Circle {
            center: ll(49.0128, 2.55),
            radius_nm: 8.0
        }
    );
    assert_eq!(load_regions(TOML, None).unwrap(), regions);
    assert_eq!(
        load_regions(TOML, Some(RegionFormat::Toml)).unwrap(),
        regions
    );
}

#[test]
fn toml_errors_say_what_and_where() {
    let err = |text: &str| parse_regions_toml(text).unwrap_err().to_string();
    let one = |extra: &str| {
        format!(
            "[[region]]\nid = \"x\"\nkind = \"parameters\"\nh_sep_nm = 3\nv_sep_ft = 1000\n\
             lookahead_s = 120\ncaution_s = 90\nwarning_s = 45\nlower_ft = 0\nupper_ft = 5000\n{extra}"
        )
    };
    assert_eq!(
        err(&one("polygon = [[0, 0], [1, 0], [1, 1]]\nradius_nm = 5\n")),
        "region[0] \"x\": give exactly one shape: `polygon`, or `center` with `radius_nm`"
    );
    assert_eq!(
        err(&one("center = { lat_deg = 1, lon_deg = 2 }\n")),
        "region[0] \"x\": radius_nm is required in a circle region"
    );
    assert_eq!(
        err(&one(
            "center = { lat_deg = 1, lon_deg = 2 }\nradius_nm = 5\nlower_fl = 10\n"
        )),
        "region[0] \"x\": lower altitude given twice: give lower_ft or lower_fl, not both"
    );
    assert_eq!(
        err(&one("polygon = [[0, 0], [1, 1], [1, 0], [0, 1]]\n")),
        "region[0] \"x\": polygon is self-intersecting (its edges cross or touch)"
    );
    assert_eq!(
        err(&one("center = { lat_deg = 1, lon_deg = 2 }\nradius_nm = 5\nhsep = 3\n")),
        "invalid TOML at line 13: unknown field `hsep`, expected one of `id`, `name`, `kind`, `h_sep_nm`, `v_sep_ft`, `lookahead_s`, `caution_s`, `warning_s`, `lower_ft`, `lower_fl`, `upper_ft`, `upper_fl`, `polygon`, `center`, `radius_nm`, `source`"
    );
    assert_eq!(
        err("[[region]]\nid = \"y\"\nkind = \"parameters\"\nh_sep_nm = 3\nlower_ft = 0\nupper_ft = 1\ncenter = { lat_deg = 1, lon_deg = 2 }\nradius_nm = 5\n"),
        "region[0] \"y\": v_sep_ft is required in a parameters region"
    );
    assert_eq!(
        err("[[region]]\nid = \"z\"\nkind = \"inhibition\"\nh_sep_nm = 3\nlower_ft = 0\nupper_ft = 1\ncenter = { lat_deg = 1, lon_deg = 2 }\nradius_nm = 5\n"),
        "region[0] \"z\": h_sep_nm does not apply here: an inhibition region has no separation parameters"
    );
    assert_eq!(
        err("[[region]]\nid = \"w\"\nkind = \"inhibit\"\n"),
        "invalid TOML at line 3: unknown variant `inhibit`, expected `parameters` or `inhibition`"
    );
    assert_eq!(
        err("[[region]]\nid = \n"),
        "invalid TOML at line 2: invalid string\nexpected `\"`, `'`"
    );
    assert_eq!(err("# nothing\n"), "no regions found");
}

#[test]
fn safety_region_serde_is_the_flat_table() {
    let r = circle("c", RegionKind::Inhibition, ll(48.0, 2.0), 5.0);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "id": "c", "name": "c", "kind": "inhibition", "lower_ft": 1000.0, "upper_ft": 5000.0,
            "center": {"lat_deg": 48.0, "lon_deg": 2.0}, "radius_nm": 5.0, "source": "config"
        })
    );
    assert_eq!(serde_json::from_value::<SafetyRegion>(json).unwrap(), r);
    let p = square("p", params(3.0), 2.0, 48.0, 1.0);
    let back: SafetyRegion = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
    // Without a source: config.
    let api: SafetyRegion = serde_json::from_str(
        r#"{"id": "a", "kind": "inhibition", "lower_ft": 0, "upper_ft": 100,
            "polygon": [[0, 0], [1, 0], [1, 1]]}"#,
    )
    .unwrap();
    assert_eq!(api.source, RegionSource::Config);
}

const GEOJSON: &str = r##"{
  "type": "FeatureCollection",
  "features": [
    {"type": "Feature", "id": "tma",
     "properties": {"kind": "parameters", "name": "TMA", "h_sep_nm": 3, "v_sep_ft": 1000,
                    "lookahead_s": 120, "caution_s": 90, "warning_s": 45,
                    "lower_ft": 0, "upper_fl": 195, "stroke": "#ff0000"},
     "geometry": {"type": "Polygon",
                  "coordinates": [[[1.6, 48.4], [3.4, 48.4], [3.4, 49.4], [1.6, 49.4], [1.6, 48.4]]]}},
    {"type": "Feature",
     "properties": {"kind": "inhibition", "lower_ft": -2000, "upper_ft": 3000, "radius_nm": 8},
     "geometry": {"type": "Point", "coordinates": [2.55, 49.0128]}}
  ]
}"##;

#[test]
fn reads_geojson_regions() {
    let regions = parse_regions_geojson(GEOJSON).unwrap();
    assert_eq!(regions.len(), 2);
    assert_eq!(
        (regions[0].id.as_str(), regions[0].name.as_str()),
        ("tma", "TMA")
    );
    assert_eq!(regions[0].upper_ft, 19_500.0);
    assert_eq!(
        regions[0].kind,
        RegionKind::Parameters(RegionParameters::TERMINAL)
    );
    assert_eq!(regions[1].id, "feature-1");
    assert_eq!(regions[1].kind, RegionKind::Inhibition);
    assert_eq!(
        regions[1].shape,
        RegionShape::Circle {
            center: ll(49.0128, 2.55),
            radius_nm: 8.0
        }
    );
    assert_eq!(load_regions(GEOJSON, None).unwrap(), regions);
    let set = RegionSet::new(regions).unwrap();
    assert_eq!(set.locate(49.02, 2.6, 1_500.0), at(Some(0), true));
}

#[test]
fn geojson_errors_say_what_and_where() {
    let err = |text: &str| parse_regions_geojson(text).unwrap_err().to_string();
    let point = |props: &str| {
        format!(
            r#"{{"type": "FeatureCollection", "features": [{{"type": "Feature",
               "properties": {props}, "geometry": {{"type": "Point", "coordinates": [2, 48]}}}}]}}"#
        )
    };
    assert_eq!(
        err(&point(r#"{"lower_ft": 0, "upper_ft": 10, "radius_nm": 1}"#)),
        "features[0].properties: kind is missing or not \"parameters\" or \"inhibition\""
    );
    assert_eq!(
        err(&point(r#"{"kind": "stca", "lower_ft": 0, "upper_ft": 10, "radius_nm": 1}"#)),
        "features[0].properties: kind \"stca\" (expected \"parameters\" or \"inhibition\") is not supported"
    );
    assert_eq!(
        err(&point(r#"{"kind": "inhibition", "lower_ft": 0, "upper_ft": 10}"#)),
        "features[0].properties: radius_nm is missing or not a number (a Point stands for a circle)"
    );
    assert_eq!(
        err(&point(
            r#"{"kind": "inhibition", "lower_ft": "low", "upper_ft": 10, "radius_nm": 1}"#
        )),
        "features[0].properties: lower_ft is missing or not a number"
    );
    assert_eq!(
        err(&point(
            r#"{"kind": "inhibition", "lower_ft": 10, "upper_ft": 10, "radius_nm": 1}"#
        )),
        "features[0] \"feature-0\": lower altitude 10 ft must be below upper altitude 10 ft"
    );
    assert_eq!(
        err(&point(
            r#"{"kind": "parameters", "lower_ft": 0, "upper_ft": 10, "radius_nm": 1}"#
        )),
        "features[0] \"feature-0\": h_sep_nm is required in a parameters region"
    );
    assert_eq!(
        err(
            r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"kind": "inhibition"},
            "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}]}"#
        ),
        "features[0].geometry: geometry type \"LineString\" (Polygon or Point) is not supported"
    );
    assert_eq!(
        err(r#"{"type": "FeatureCollection", "features": []}"#),
        "no regions found"
    );
    assert!(err("{\"type\": ").starts_with("invalid JSON at line 1"));
}

const OPENAIR: &str = "\
* Paris
AC CTR
AN CHARLES DE GAULLE CTR
AL GND
AH 2500ft AMSL
V X=49:00:35 N 002:32:52 E
DC 8

AC D
AN LFPG FINAL 27R INHIBIT
AL GND
AH 3000ft AMSL
DP 49:00:00 N 002:40:00 E
DP 49:01:00 N 002:40:00 E
DP 49:01:00 N 002:55:00 E
DP 49:00:00 N 002:55:00 E

AC A
AN PARIS TMA 1
AL 1500ft AMSL
AH FL195
DP 48:24:00 N 001:36:00 E
DP 48:24:00 N 003:24:00 E
DP 49:24:00 N 003:24:00 E
DP 49:24:00 N 001:36:00 E
";

#[test]
fn reads_openair_regions_by_convention() {
    let regions = load_regions(OPENAIR, None).unwrap();
    assert_eq!(regions.len(), 3);
    let ctr = &regions[0];
    assert_eq!(
        (ctr.id.as_str(), ctr.name.as_str()),
        ("openair-0", "CHARLES DE GAULLE CTR")
    );
    assert_eq!(ctr.kind, RegionKind::Inhibition, "CTR = inhibition");
    let RegionShape::Circle { radius_nm, .. } = ctr.shape else {
        panic!("circle")
    };
    assert!((radius_nm - 8.0).abs() < 1e-9);
    assert_eq!((ctr.lower_ft, ctr.upper_ft), (-2_000.0, 2_500.0));
    assert_eq!(
        regions[1].kind,
        RegionKind::Inhibition,
        "INHIBIT in the name"
    );
    assert_eq!(
        regions[2].kind,
        RegionKind::Parameters(RegionParameters::TERMINAL)
    );
    assert_eq!(regions[2].upper_ft, 19_500.0);

    // Other parameters on request.
    let enroute = RegionParameters {
        h_sep_nm: 5.0,
        lookahead_s: 300.0,
        caution_s: 120.0,
        warning_s: 60.0,
        ..RegionParameters::TERMINAL
    };
    let regions = parse_regions_openair(OPENAIR, &enroute).unwrap();
    assert_eq!(regions[2].kind, RegionKind::Parameters(enroute));
    assert_eq!(
        load_regions(OPENAIR, Some(RegionFormat::OpenAir))
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn openair_errors_fail_the_whole_text() {
    let broken = format!("{OPENAIR}\nAC R\nAN BROKEN\nAL GND\nAH FL100\nDP 48:00:00 N 002:00:00 E\nDP 48:00:00 N 002:10:00 E\n");
    let e = load_regions(&broken, None).unwrap_err();
    assert!(
        matches!(e, RegionLoadError::OpenAir { index: 3, .. }),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "OpenAir airspace 3 (BROKEN): polygon has 2 distinct vertices, at least 3 are needed"
    );
    let bad = RegionParameters {
        warning_s: 0.0,
        ..RegionParameters::TERMINAL
    };
    assert_eq!(
        parse_regions_openair(OPENAIR, &bad)
            .unwrap_err()
            .to_string(),
        "OpenAir parameters: warning_s = 0 must be finite and > 0"
    );
}

#[test]
fn formats_are_told_apart() {
    assert_eq!(RegionFormat::sniff(TOML), Some(RegionFormat::Toml));
    assert_eq!(RegionFormat::sniff(GEOJSON), Some(RegionFormat::GeoJson));
    assert_eq!(RegionFormat::sniff(OPENAIR), Some(RegionFormat::OpenAir));
    assert_eq!(
        RegionFormat::sniff("AN X\nAC R\n"),
        Some(RegionFormat::OpenAir)
    );
    assert_eq!(RegionFormat::sniff("\n\n"), None);
    assert_eq!(
        load_regions("hello world", None).unwrap_err().to_string(),
        "cannot tell the regions format: expected TOML [[region]] tables, a GeoJSON FeatureCollection or OpenAir text"
    );
    assert_eq!(
        "GeoJSON".parse::<RegionFormat>().unwrap(),
        RegionFormat::GeoJson
    );
    assert_eq!(
        ".json".parse::<RegionFormat>().unwrap(),
        RegionFormat::GeoJson
    );
    assert_eq!(
        "txt".parse::<RegionFormat>().unwrap(),
        RegionFormat::OpenAir
    );
    assert_eq!("toml".parse::<RegionFormat>().unwrap(), RegionFormat::Toml);
    assert_eq!(
        "kml".parse::<RegionFormat>().unwrap_err().to_string(),
        "unknown regions format \"kml\" (toml, geojson, openair)"
    );
    // A hint wins over the content.
    assert!(matches!(
        load_regions(TOML, Some(RegionFormat::GeoJson)),
        Err(RegionLoadError::Format(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// The index against a linear scan

/// A random region and a point inside it (its centre).
fn region_strategy() -> impl Strategy<Value = (SafetyRegion, LatLon)> {
    (
        (any::<bool>(), -1.0f64..1.0, -1.0f64..1.0),
        1.0f64..40.0,
        3usize..9,
        (0.0f64..360.0, any::<bool>(), 0u8..3),
        (0.0f64..30_000.0, 500.0f64..20_000.0),
    )
        .prop_map(
            |((dateline, a, b), radius_nm, n, (rot, is_circle, kind), (lower, depth))| {
                let c = if dateline {
                    ll(10.0 + a, normalize_lon_deg(180.0 + b))
                } else {
                    ll(49.0 + a, 2.5 + b)
                };
                let shape = if is_circle {
                    RegionShape::Circle {
                        center: c,
                        radius_nm,
                    }
                } else {
                    // A star-shaped (so simple) polygon around the centre.
                    RegionShape::Polygon {
                        coordinates: (0..n)
                            .map(|k| {
                                let r = radius_nm * NM * if k % 2 == 0 { 1.0 } else { 0.6 };
                                let p = destination(c, rot + 360.0 * k as f64 / n as f64, r);
                                [p.lon_deg, p.lat_deg]
                            })
                            .collect(),
                    }
                };
                let region = SafetyRegion {
                    id: String::new(),
                    name: String::new(),
                    kind: if kind == 0 {
                        RegionKind::Inhibition
                    } else {
                        params(radius_nm / 10.0)
                    },
                    shape,
                    lower_ft: lower,
                    upper_ft: lower + depth,
                    source: if kind == 2 {
                        RegionSource::Aerodrome
                    } else {
                        RegionSource::File
                    },
                };
                (region, c)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn locate_equals_a_linear_scan(
        regions in prop::collection::vec(region_strategy(), 1..40),
        points in prop::collection::vec(
            (any::<bool>(), -1.6f64..1.6, -1.6f64..1.6, -1_000.0f64..52_000.0), 50),
    ) {
        // Every region's own centre, mid-band, is inside it: the test is never vacuous.
        let centres: Vec<(f64, f64, f64)> = regions
            .iter()
            .map(|(r, c)| (c.lat_deg, c.lon_deg, (r.lower_ft + r.upper_ft) / 2.0))
            .collect();
        let regions: Vec<SafetyRegion> = regions
            .into_iter()
            .enumerate()
            .map(|(i, (r, _))| SafetyRegion { id: format!("r{i}"), name: format!("r{i}"), ..r })
            .collect();
        let set = RegionSet::new(regions).unwrap();
        let random = points.into_iter().map(|(dateline, a, b, alt)| {
            if dateline {
                (10.0 + a, normalize_lon_deg(180.0 + b), alt)
            } else {
                (49.0 + a, 2.5 + b, alt)
            }
        });
        let mut hits = 0;
        for (lat, lon, alt) in centres.into_iter().chain(random) {
            let fast = set.locate(lat, lon, alt);
            prop_assert_eq!(fast, set.locate_brute_force(lat, lon, alt), "at {} {} {}", lat, lon, alt);
            // And the placement agrees with the regions found containing the point.
            let all = set.containing(lat, lon, alt);
            prop_assert_eq!(
                fast.inhibited,
                all.iter().any(|r| r.kind == RegionKind::Inhibition)
            );
            let first = all.iter().find(|r| r.kind != RegionKind::Inhibition).map(|r| r.id.clone());
            prop_assert_eq!(
                fast.region.map(|k| set.parameter_region(k).unwrap().id.clone()),
                first
            );
            hits += usize::from(!all.is_empty());
        }
        prop_assert!(hits > 0);
    }
}

/// The default aerodrome regions (the grid's covered cells, boundary cells and overlaps of
/// many circles) give exactly the linear scan's answer, at points spread over Europe and
/// points placed just inside and outside the inhibition and terminal circles of aerodromes.
#[test]
fn default_regions_locate_equals_a_linear_scan() {
    let set =
        RegionSet::with_aerodrome_defaults(Vec::new(), &AerodromeDefaults::default()).unwrap();
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut checked = 0;
    for _ in 0..20_000 {
        let (lat, lon, alt) = (
            35.0 + 36.0 * next(),
            -11.0 + 51.0 * next(),
            25_000.0 * next(),
        );
        assert_eq!(
            set.locate(lat, lon, alt),
            set.locate_brute_force(lat, lon, alt),
            "{lat} {lon} {alt}"
        );
        checked += 1;
    }
    let ads = aerodromes();
    for a in ads.iter().filter(|a| a.iata.is_some()).step_by(7) {
        for radius_nm in [10.0, 40.0] {
            for dr in [-0.02, 0.02] {
                let bearing = 360.0 * next();
                let p = destination(
                    LatLon {
                        lat_deg: a.lat_deg,
                        lon_deg: a.lon_deg,
                    },
                    bearing,
                    (radius_nm + dr) * 1852.0,
                );
                let alt = a.elevation_ft + 2_000.0;
                assert_eq!(
                    set.locate(p.lat_deg, p.lon_deg, alt),
                    set.locate_brute_force(p.lat_deg, p.lon_deg, alt),
                    "{} {bearing} {radius_nm}{dr:+}",
                    a.icao
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 24_000);
}
