//! `replay --html`: the report as one self-contained page for an analyst.
//!
//! Everything is inline: the CSS, and SVG drawn here for the map and the plots. There is no
//! script, no font, image or style sheet from elsewhere, so the page reads the same with no
//! network. Every string taken from the data (aircraft ids, parties, filter and rejection
//! names) goes through [`esc`].
//!
//! Sections, one function each: [`header`], [`headline`], [`filters`], [`map`], [`plots`],
//! [`losses_table`], [`alerts_table`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use deconflict_engine::units::{M_PER_NM, NM_PER_DEG_LAT, S_PER_H};
use deconflict_engine::{ADVISORY_LEVEL, CAUTION_LEVEL, WARNING_LEVEL};
use deconflict_feeds::replay::{ConflictRecord, Distribution, LossRecord, ReplayReport};

/// `write!` into a `String`, which cannot fail.
macro_rules! put {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}

/// Bin width of the lead-time histograms, seconds.
const LEAD_BIN_S: f64 = 15.0;
/// Alerts listed in the table; the rest are counted as omitted.
const MAX_ALERT_ROWS: usize = 500;
/// Alert levels, lowest first (drawing order: warnings on top).
const LEVELS: [u8; 3] = [ADVISORY_LEVEL, CAUTION_LEVEL, WARNING_LEVEL];
/// Filters in the order the safety net applies them (names as in `raw_alerts_removed_by`).
const FILTERS: [&str; 7] = [
    "exemption",
    "inhibition",
    "level_occupancy",
    "regions",
    "level_rate_noise",
    "intent",
    "confirmation",
];

const LOSS_COLOUR: &str = "#111827";
const PLOT_BG: &str = "#eef2f7";
const GRID_COLOUR: &str = "#c5cfdb";
const AXIS_TEXT: &str = "#4b5563";

const STYLE: &str = "
:root{color-scheme:light}
body{margin:0;background:#fbfbfa;color:#1f2937;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif}
main{max-width:1240px;margin:0 auto;padding:20px 28px 48px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:32px 0 8px;padding-bottom:4px;border-bottom:1px solid #d6dae0}
h3{font-size:15px;margin:8px 0 4px}
p.note{color:#4b5563;margin:4px 0 10px}
dl.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px 16px;margin:12px 0}
dl.facts div{background:#fff;border:1px solid #e1e4e8;border-radius:6px;padding:8px 12px}
dl.facts dt{font-size:12px;color:#4b5563;text-transform:uppercase;letter-spacing:.04em}
dl.facts dd{margin:2px 0 0;font-size:18px;font-weight:600;font-variant-numeric:tabular-nums}
table{border-collapse:collapse;background:#fff;font-variant-numeric:tabular-nums}
th,td{border:1px solid #e1e4e8;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f1f3f5;font-weight:600}
td.n,th.n{text-align:right}
tbody tr:nth-child(even) td{background:#fafbfc}
table.list{font-size:13px;width:100%}
table.list td{white-space:nowrap}
.cols{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
.fig{background:#fff;border:1px solid #e1e4e8;border-radius:6px;padding:10px 12px}
svg{display:block;max-width:100%;height:auto}
svg.wide{width:100%}
svg text{font-family:inherit}
.legend{display:flex;flex-wrap:wrap;gap:14px;margin:6px 0;font-size:13px}
.legend span{display:inline-flex;align-items:center;gap:5px}
.dot{display:inline-block;width:11px;height:11px;border-radius:50%;border:1px solid #1f2937}
.cross{font-weight:700;color:#111827}
.lvl{display:inline-block;min-width:64px;padding:0 6px;border-radius:4px;color:#fff;font-weight:600;text-align:center}
.lvl1{background:#2563eb}.lvl2{background:#b45309}.lvl3{background:#dc2626}
.muted{color:#6b7280}
";

/// The page.
pub fn render(r: &ReplayReport) -> String {
    let mut page = String::with_capacity(64 * 1024 + 600 * (r.conflicts.len() + r.losses.len()));
    page.push_str("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    page.push_str("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
    put!(page, "<title>Deconflict replay — {}</title>", span_text(r));
    put!(page, "<style>{STYLE}</style></head><body><main>\n");
    header(&mut page, r);
    headline(&mut page, r);
    filters(&mut page, r);
    map(&mut page, r);
    plots(&mut page, r);
    losses_table(&mut page, &r.losses);
    alerts_table(&mut page, &r.conflicts);
    page.push_str("</main></body></html>\n");
    page
}

// ---------------------------------------------------------------- sections

/// Title, time span and the replay's size.
fn header(out: &mut String, r: &ReplayReport) {
    put!(out, "<h1>Replay report</h1>");
    put!(out, "<p class=\"note\">{}</p>", span_text(r));
    let span_s = match (r.start_time, r.end_time) {
        (Some(a), Some(b)) => b - a,
        _ => f64::NAN,
    };
    let facts = [
        ("Duration", duration_text(span_s)),
        ("Aircraft", r.aircraft.to_string()),
        ("Messages", r.messages.to_string()),
        ("Flight hours", num(r.safety_net.flight_hours, 1)),
        ("Detection cycles", r.cycles.to_string()),
        ("Alerts", r.conflicts.len().to_string()),
        ("Losses of separation", r.losses.len().to_string()),
    ];
    out.push_str("<dl class=\"facts\">");
    for (k, v) in facts {
        put!(out, "<div><dt>{k}</dt><dd>{v}</dd></div>");
    }
    out.push_str("</dl>\n");
    if !r.rejected.is_empty() {
        let list: Vec<String> = r
            .rejected
            .iter()
            .map(|(k, n)| format!("{} {n}", esc(k)))
            .collect();
        put!(
            out,
            "<p class=\"note\">Rejected messages: {}.</p>\n",
            list.join(", ")
        );
    }
}

/// Safety-net figures after the filters beside the raw-threshold ones.
fn headline(out: &mut String, r: &ReplayReport) {
    let sn = &r.safety_net;
    let per_fh = |n: usize| {
        if sn.flight_hours > 0.0 {
            n as f64 / sn.flight_hours
        } else {
            0.0
        }
    };
    out.push_str("<h2>Headline</h2>");
    out.push_str(
        "<p class=\"note\">“Safety net” is what the cell publishes (filters applied); \
         “raw thresholds” is the pure detector on the reported states with the default \
         standard and no filter.</p>",
    );
    out.push_str(
        "<table><thead><tr><th>Measure</th><th class=\"n\">Safety net</th>\
         <th class=\"n\">Raw thresholds</th></tr></thead><tbody>",
    );
    let row = |out: &mut String, name: &str, filtered: String, raw: String| {
        put!(
            out,
            "<tr><td>{name}</td><td class=\"n\">{filtered}</td><td class=\"n\">{raw}</td></tr>"
        );
    };
    let dash = || "—".to_string();
    row(
        out,
        "Losses of separation",
        r.losses.len().to_string(),
        format!(
            "{} <span class=\"muted\">({} not counted by the tolerances)</span>",
            sn.raw_losses, sn.raw_losses_removed
        ),
    );
    row(
        out,
        "Losses per flight hour",
        num(sn.losses_per_flight_hour, 3),
        num(per_fh(sn.raw_losses), 3),
    );
    row(
        out,
        "Alerts (any level)",
        r.conflicts.len().to_string(),
        sn.raw_alerts.to_string(),
    );
    row(
        out,
        "Alerts per flight hour (any level)",
        num(per_fh(r.conflicts.len()), 2),
        num(per_fh(sn.raw_alerts), 2),
    );
    for level in LEVELS {
        let n = sn.alerts_by_level.get(&level).copied().unwrap_or(0);
        let rate = sn
            .alerts_per_flight_hour
            .get(&level)
            .copied()
            .unwrap_or(0.0);
        row(
            out,
            &format!("&nbsp;&nbsp;{} alerts (per flight hour)", level_name(level)),
            format!("{n} <span class=\"muted\">({})</span>", num(rate, 2)),
            dash(),
        );
    }
    row(
        out,
        "Warnings",
        sn.warnings.to_string(),
        sn.raw_warnings.to_string(),
    );
    row(
        out,
        "Warnings per flight hour",
        num(per_fh(sn.warnings), 2),
        num(per_fh(sn.raw_warnings), 2),
    );
    let without: Vec<String> = LEVELS
        .iter()
        .map(|l| {
            let n = sn.alerts_without_loss.get(l).copied().unwrap_or(0);
            format!("{n} {}", level_name(*l))
        })
        .collect();
    row(
        out,
        "Alerts with no loss after them",
        format!(
            "{} <span class=\"muted\">({})</span>",
            sn.alerts_without_loss.values().sum::<usize>(),
            without.join(", ")
        ),
        dash(),
    );
    row(
        out,
        "Losses without alert",
        sn.losses_without_alert.to_string(),
        dash(),
    );
    row(
        out,
        "Losses without warning",
        sn.losses_without_warning.to_string(),
        dash(),
    );
    row(
        out,
        "Warning time before loss",
        distribution_text(&sn.warning_time_s),
        dash(),
    );
    row(
        out,
        "Alert time before loss",
        distribution_text(&sn.alert_time_s),
        dash(),
    );
    out.push_str("</tbody></table>\n");
}

/// What each filter removed: pair-cycles, and raw alerts with no safety-net alert of the pair.
fn filters(out: &mut String, r: &ReplayReport) {
    let sn = &r.safety_net;
    let fc = &sn.filter_pair_cycles;
    let cycles: BTreeMap<&str, u64> = [
        ("exemption", fc.exemption),
        ("inhibition", fc.inhibition),
        ("level_occupancy", fc.level_occupancy),
        ("regions", fc.regions),
        ("level_rate_noise", fc.level_rate_noise),
        ("intent", fc.intent),
        ("confirmation", fc.confirmation),
    ]
    .into_iter()
    .collect();
    out.push_str("<h2>What each filter removed</h2>");
    put!(
        out,
        "<p class=\"note\">Pair-cycles: of {} raw conflict pair-cycles, each counted under the \
         first filter that removes it ({} pair-cycles were added by intent). Raw alerts: \
         raw-threshold alert lifecycles with no safety-net alert of the same pair, under the \
         filter that removed most of their cycles.</p>",
        fc.raw,
        fc.added_by_intent
    );
    out.push_str(
        "<table><thead><tr><th>Filter</th><th class=\"n\">Pair-cycles removed</th>\
         <th class=\"n\">Raw alerts removed</th></tr></thead><tbody>",
    );
    let removed = |name: &str| sn.raw_alerts_removed_by.get(name).copied().unwrap_or(0);
    for name in FILTERS {
        put!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            filter_label(name),
            cycles.get(name).copied().unwrap_or(0),
            removed(name)
        );
    }
    for (name, n) in sn
        .raw_alerts_removed_by
        .iter()
        .filter(|(k, _)| !FILTERS.contains(&k.as_str()))
    {
        put!(
            out,
            "<tr><td>{}</td><td class=\"n\">—</td><td class=\"n\">{n}</td></tr>",
            filter_label(name)
        );
    }
    put!(
        out,
        "<tr><th>Total</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr>",
        cycles.values().sum::<u64>(),
        sn.raw_alerts_removed_by.values().sum::<usize>()
    );
    out.push_str("</tbody></table>\n");
}

/// Where the alerts were raised and the losses happened.
fn map(out: &mut String, r: &ReplayReport) {
    out.push_str("<h2>Map</h2>");
    let points: Vec<(f64, f64)> = r
        .conflicts
        .iter()
        .map(|c| (c.lat_deg, c.lon_deg))
        .chain(r.losses.iter().map(|l| (l.lat_deg, l.lon_deg)))
        .filter(|(lat, lon)| lat.is_finite() && lon.is_finite())
        .collect();
    let Some(frame) = MapFrame::fit(&points) else {
        out.push_str("<p class=\"note\">No alerts or losses to map.</p>");
        return;
    };
    out.push_str(
        "<p class=\"note\">Alerts at the pair's midpoint when raised, coloured by the highest \
         level reached; losses at the closest cycle. Hover a marker for details. \
         Equirectangular, scaled by the cosine of the mean latitude.</p>",
    );
    out.push_str("<div class=\"legend\">");
    for level in LEVELS {
        let n = r.conflicts.iter().filter(|c| c.max_level == level).count();
        put!(
            out,
            "<span><i class=\"dot\" style=\"background:{}\"></i>{} alert ({n})</span>",
            level_colour(level),
            level_name(level)
        );
    }
    put!(
        out,
        "<span><b class=\"cross\">✕</b>loss of separation ({})</span></div>",
        r.losses.len()
    );
    put!(
        out,
        "<div class=\"fig\"><svg class=\"wide\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" \
         height=\"{h}\" role=\"img\" aria-label=\"map of alerts and losses\">",
        w = MapFrame::WIDTH_PX,
        h = MapFrame::HEIGHT_PX
    );
    put!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{PLOT_BG}\" stroke=\"#9aa5b1\"/>",
        MapFrame::LEFT_PX,
        MapFrame::TOP_PX,
        MapFrame::plot_w_px(),
        MapFrame::plot_h_px()
    );
    graticule(out, &frame);
    scale_bar(out, &frame);
    for level in LEVELS {
        for c in r.conflicts.iter().filter(|c| c.max_level == level) {
            alert_marker(out, &frame, c);
        }
    }
    for c in r
        .conflicts
        .iter()
        .filter(|c| !LEVELS.contains(&c.max_level))
    {
        alert_marker(out, &frame, c);
    }
    for l in &r.losses {
        loss_marker(out, &frame, l);
    }
    out.push_str("</svg></div>\n");
}

/// Lead-time histograms and alerts per hour.
fn plots(out: &mut String, r: &ReplayReport) {
    let sn = &r.safety_net;
    out.push_str("<h2>Time before loss</h2><div class=\"cols\">");
    lead_histogram(
        out,
        "Warning time before loss",
        "seconds from the pair's first warning to the loss",
        &sn.warning_time_s,
        level_colour(WARNING_LEVEL),
    );
    lead_histogram(
        out,
        "Alert time before loss",
        "seconds from the pair's alert (any level) to the loss",
        &sn.alert_time_s,
        level_colour(1),
    );
    out.push_str("</div>\n");
    out.push_str("<h2>Alerts per hour</h2>");
    alerts_per_hour_chart(out, &sn.alerts_per_hour, r.start_time);
}

/// Every loss of separation.
fn losses_table(out: &mut String, losses: &[LossRecord]) {
    put!(out, "<h2>Losses of separation ({})</h2>", losses.len());
    if losses.is_empty() {
        out.push_str("<p class=\"note\">None.</p>");
        return;
    }
    out.push_str(
        "<table class=\"list\"><thead><tr><th class=\"n\">#</th><th>Pair</th><th>Parties</th>\
         <th>Start (UTC)</th><th class=\"n\">Duration s</th><th class=\"n\">Min horiz. m</th>\
         <th class=\"n\">Min horiz. NM</th><th class=\"n\">Min vert. ft</th>\
         <th class=\"n\">Altitudes ft</th><th class=\"n\">Alert lead s</th>\
         <th class=\"n\">Warning lead s</th><th>Cross-party</th></tr></thead><tbody>",
    );
    for (i, l) in losses.iter().enumerate() {
        put!(out, "<tr><td class=\"n\">{}</td>", i + 1);
        for (column, figure) in loss_figures(l).iter().enumerate() {
            // Pair, parties and start are text; the rest are numbers.
            let class = if column < 3 { "" } else { " class=\"n\"" };
            put!(out, "<td{class}>{figure}</td>");
        }
        put!(out, "<td>{}</td></tr>", yes_no(l.cross_party));
    }
    out.push_str("</tbody></table>\n");
}

/// The alerts, at most [`MAX_ALERT_ROWS`].
fn alerts_table(out: &mut String, conflicts: &[ConflictRecord]) {
    put!(out, "<h2>Alerts ({})</h2>", conflicts.len());
    if conflicts.is_empty() {
        out.push_str("<p class=\"note\">None.</p>");
        return;
    }
    if conflicts.len() > MAX_ALERT_ROWS {
        put!(
            out,
            "<p class=\"note\">The first {MAX_ALERT_ROWS} are listed; {} more are omitted \
             (the JSON report, <code>--report</code>, has all of them).</p>",
            conflicts.len() - MAX_ALERT_ROWS
        );
    }
    out.push_str(
        "<table class=\"list\"><thead><tr><th class=\"n\">#</th><th>Pair</th><th>Parties</th>\
         <th>Max level</th><th>Raised (UTC)</th><th>First warning (UTC)</th>\
         <th class=\"n\">Duration s</th><th class=\"n\">Altitudes ft</th>\
         <th class=\"n\">Pred. CPA m</th><th class=\"n\">Pred. CPA NM</th>\
         <th class=\"n\">Vert. at CPA ft</th><th class=\"n\">Min time to loss s</th>\
         <th>Loss after</th></tr></thead><tbody>",
    );
    for (i, c) in conflicts.iter().take(MAX_ALERT_ROWS).enumerate() {
        let duration = match c.cleared_time {
            Some(t) => num(t - c.first_alert_time, 0),
            None => "active at end".to_string(),
        };
        put!(
            out,
            "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            i + 1,
            pair_text(&c.a, &c.b),
            parties_text(&c.a_party, &c.b_party),
            level_badge(c.max_level),
            utc_iso(c.first_alert_time),
            c.first_warning_time.map_or("—".to_string(), utc_iso),
            duration,
            altitudes_text(c.alt_ft),
            num(c.dcpa_m, 0),
            num(c.dcpa_m / M_PER_NM, 2),
            num(c.vsep_cpa_ft, 0),
            num(c.min_t_in_s, 0),
            if c.followed_by_loss {
                "<b>yes</b>"
            } else {
                "no"
            }
        );
    }
    out.push_str("</tbody></table>\n");
}

// ---------------------------------------------------------------- map

/// Equirectangular projection fitted to a set of points: x = (lon − lon_min)·cos(φ̄)·s,
/// y = (lat_max − lat)·s, with the bounds widened so the points fill the plot area.
struct MapFrame {
    lon_min_deg: f64,
    lat_max_deg: f64,
    lon_span_deg: f64,
    lat_span_deg: f64,
    cos_lat: f64,
    px_per_deg_lat: f64,
}

impl MapFrame {
    const WIDTH_PX: f64 = 1100.0;
    const HEIGHT_PX: f64 = 660.0;
    const LEFT_PX: f64 = 70.0;
    const RIGHT_PX: f64 = 14.0;
    const TOP_PX: f64 = 12.0;
    const BOTTOM_PX: f64 = 30.0;

    fn plot_w_px() -> f64 {
        Self::WIDTH_PX - Self::LEFT_PX - Self::RIGHT_PX
    }

    fn plot_h_px() -> f64 {
        Self::HEIGHT_PX - Self::TOP_PX - Self::BOTTOM_PX
    }

    /// `points` are (lat, lon) degrees; `None` when there are none.
    fn fit(points: &[(f64, f64)]) -> Option<MapFrame> {
        if points.is_empty() {
            return None;
        }
        let fold = |f: fn(f64, f64) -> f64, init: f64, pick: fn(&(f64, f64)) -> f64| {
            points.iter().map(pick).fold(init, f)
        };
        let lat_lo = fold(f64::min, f64::INFINITY, |p| p.0);
        let lat_hi = fold(f64::max, f64::NEG_INFINITY, |p| p.0);
        let lon_lo = fold(f64::min, f64::INFINITY, |p| p.1);
        let lon_hi = fold(f64::max, f64::NEG_INFINITY, |p| p.1);
        let lat_mean = points.iter().map(|p| p.0).sum::<f64>() / points.len() as f64;
        let cos_lat = lat_mean.to_radians().cos().max(0.05);
        // Margin: 8 % of the extent, at least ~3 NM.
        let lat_pad = ((lat_hi - lat_lo) * 0.08).max(0.05);
        let lon_pad = ((lon_hi - lon_lo) * 0.08).max(0.05 / cos_lat);
        let lat_span = lat_hi - lat_lo + 2.0 * lat_pad;
        let lon_span = lon_hi - lon_lo + 2.0 * lon_pad;
        let px_per_deg_lat =
            (Self::plot_w_px() / (lon_span * cos_lat)).min(Self::plot_h_px() / lat_span);
        let lon_span_deg = Self::plot_w_px() / (cos_lat * px_per_deg_lat);
        let lat_span_deg = Self::plot_h_px() / px_per_deg_lat;
        Some(MapFrame {
            lon_min_deg: (lon_lo + lon_hi) / 2.0 - lon_span_deg / 2.0,
            lat_max_deg: (lat_lo + lat_hi) / 2.0 + lat_span_deg / 2.0,
            lon_span_deg,
            lat_span_deg,
            cos_lat,
            px_per_deg_lat,
        })
    }

    fn x_px(&self, lon_deg: f64) -> f64 {
        Self::LEFT_PX + (lon_deg - self.lon_min_deg) * self.cos_lat * self.px_per_deg_lat
    }

    fn y_px(&self, lat_deg: f64) -> f64 {
        Self::TOP_PX + (self.lat_max_deg - lat_deg) * self.px_per_deg_lat
    }
}

/// Parallels and meridians at round steps, labelled on the left and bottom edges.
fn graticule(out: &mut String, f: &MapFrame) {
    let lat_step = nice_step(f.lat_span_deg / 6.0, &[1.0, 2.0, 2.5, 5.0]);
    let lon_step = nice_step(f.lon_span_deg / 9.0, &[1.0, 2.0, 2.5, 5.0]);
    let (x0, x1) = (MapFrame::LEFT_PX, MapFrame::WIDTH_PX - MapFrame::RIGHT_PX);
    let (y0, y1) = (MapFrame::TOP_PX, MapFrame::HEIGHT_PX - MapFrame::BOTTOM_PX);
    put!(out, "<g stroke=\"{GRID_COLOUR}\" stroke-width=\"1\">");
    let lat_min = f.lat_max_deg - f.lat_span_deg;
    let lats = multiples_within(lat_min, f.lat_max_deg, lat_step);
    let lons = multiples_within(f.lon_min_deg, f.lon_min_deg + f.lon_span_deg, lon_step);
    for lat in &lats {
        let y = f.y_px(*lat);
        put!(
            out,
            "<line x1=\"{x0:.1}\" y1=\"{y:.1}\" x2=\"{x1:.1}\" y2=\"{y:.1}\"/>"
        );
    }
    for lon in &lons {
        let x = f.x_px(*lon);
        put!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{y0:.1}\" x2=\"{x:.1}\" y2=\"{y1:.1}\"/>"
        );
    }
    put!(out, "</g><g fill=\"{AXIS_TEXT}\" font-size=\"12\">");
    for lat in &lats {
        put!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" dominant-baseline=\"middle\">{}</text>",
            x0 - 6.0,
            f.y_px(*lat),
            degrees_text(*lat, lat_step, 'N', 'S')
        );
    }
    for lon in &lons {
        put!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            f.x_px(*lon),
            y1 + 18.0,
            degrees_text(*lon, lon_step, 'E', 'W')
        );
    }
    out.push_str("</g>");
}

/// A bar of a round number of nautical miles in the lower-left corner.
fn scale_bar(out: &mut String, f: &MapFrame) {
    let px_per_nm = f.px_per_deg_lat / NM_PER_DEG_LAT;
    let nm = nice_step(140.0 / px_per_nm, &[1.0, 2.0, 5.0]);
    let len_px = nm * px_per_nm;
    let x = MapFrame::LEFT_PX + 14.0;
    let y = MapFrame::HEIGHT_PX - MapFrame::BOTTOM_PX - 16.0;
    put!(
        out,
        "<g><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"26\" fill=\"#fff\" \
         fill-opacity=\"0.85\" rx=\"3\"/>\
         <path d=\"M{x:.1} {:.1}V{y:.1}H{:.1}V{:.1}\" fill=\"none\" stroke=\"#1f2937\" stroke-width=\"2\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#1f2937\">{} NM</text></g>",
        x - 6.0,
        y - 18.0,
        len_px + 58.0,
        y - 5.0,
        x + len_px,
        y - 5.0,
        x + len_px + 6.0,
        y - 1.0,
        num(nm, 0)
    );
}

fn alert_marker(out: &mut String, f: &MapFrame, c: &ConflictRecord) {
    if !(c.lat_deg.is_finite() && c.lon_deg.is_finite()) {
        return;
    }
    let tip = format!(
        "{} alert {}\nparties {}\nraised {}{}\naltitudes {} ft\npredicted CPA {} m ({} NM), {} ft vertical{}",
        level_name(c.max_level),
        pair_text(&c.a, &c.b),
        parties_text(&c.a_party, &c.b_party),
        utc_iso(c.first_alert_time),
        c.first_warning_time
            .map_or(String::new(), |t| format!("\nwarning {}", utc_iso(t))),
        altitudes_text(c.alt_ft),
        num(c.dcpa_m, 0),
        num(c.dcpa_m / M_PER_NM, 2),
        num(c.vsep_cpa_ft, 0),
        if c.followed_by_loss { "\nfollowed by a loss" } else { "" }
    );
    put!(
        out,
        "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"{}\" fill-opacity=\"0.85\" \
         stroke=\"#1f2937\" stroke-width=\"0.8\"><title>{tip}</title></circle>",
        f.x_px(c.lon_deg),
        f.y_px(c.lat_deg),
        level_colour(c.max_level)
    );
}

fn loss_marker(out: &mut String, f: &MapFrame, l: &LossRecord) {
    if !(l.lat_deg.is_finite() && l.lon_deg.is_finite()) {
        return;
    }
    let (x, y, s) = (f.x_px(l.lon_deg), f.y_px(l.lat_deg), 6.0);
    let [pair, parties, start, duration_s, min_m, min_nm, min_v_ft, alts_ft, lead_s, warn_lead_s] =
        loss_figures(l);
    let tip = format!(
        "LOSS {pair}\nparties {parties}\nstart {start}, {duration_s} s\n\
         min {min_m} m ({min_nm} NM), {min_v_ft} ft vertical\naltitudes {alts_ft} ft\n\
         alert lead {lead_s} s, warning lead {warn_lead_s} s"
    );
    let d = format!(
        "M{:.1} {:.1}L{:.1} {:.1}M{:.1} {:.1}L{:.1} {:.1}",
        x - s,
        y - s,
        x + s,
        y + s,
        x - s,
        y + s,
        x + s,
        y - s
    );
    put!(
        out,
        "<g><title>{tip}</title><path d=\"{d}\" stroke=\"#fff\" stroke-width=\"5\" \
         stroke-linecap=\"round\"/><path d=\"{d}\" stroke=\"{LOSS_COLOUR}\" stroke-width=\"2.4\" \
         stroke-linecap=\"round\"/></g>"
    );
}

// ---------------------------------------------------------------- plots

/// One column of a chart: `[x0, x1)` on the x axis, stacked segments (count, colour).
struct Column {
    x0: f64,
    x1: f64,
    stack: Vec<(f64, &'static str)>,
    tooltip: String,
}

/// A column chart on a numeric x axis with ticks at the given positions.
struct ColumnChart<'a> {
    columns: &'a [Column],
    x_range: (f64, f64),
    x_ticks: Vec<(f64, String)>,
    x_title: &'a str,
    y_title: &'a str,
    width_px: f64,
    /// Stretch to the width of the page.
    wide: bool,
}

impl ColumnChart<'_> {
    const HEIGHT_PX: f64 = 250.0;
    const LEFT_PX: f64 = 52.0;
    const RIGHT_PX: f64 = 24.0;
    const TOP_PX: f64 = 12.0;
    const BOTTOM_PX: f64 = 44.0;

    fn svg(&self) -> String {
        let w = self.width_px;
        let h = Self::HEIGHT_PX;
        let plot_w = w - Self::LEFT_PX - Self::RIGHT_PX;
        let plot_h = h - Self::TOP_PX - Self::BOTTOM_PX;
        let y_base = Self::TOP_PX + plot_h;
        let total_max = self
            .columns
            .iter()
            .map(|c| c.stack.iter().map(|s| s.0).sum::<f64>())
            .fold(0.0, f64::max);
        let y_step = nice_step(total_max / 5.0, &[1.0, 2.0, 5.0]).max(1.0);
        let y_max = ((total_max / y_step).ceil() * y_step).max(y_step);
        let (xa, xb) = self.x_range;
        let x_px = |x: f64| Self::LEFT_PX + (x - xa) / (xb - xa) * plot_w;
        let y_px = |v: f64| y_base - v / y_max * plot_h;
        let mut s = String::new();
        put!(
            s,
            "<svg{} viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\">\
             <rect x=\"{}\" y=\"{}\" width=\"{plot_w}\" height=\"{plot_h}\" fill=\"{PLOT_BG}\"/>",
            if self.wide { " class=\"wide\"" } else { "" },
            Self::LEFT_PX,
            Self::TOP_PX
        );
        put!(s, "<g font-size=\"12\" fill=\"{AXIS_TEXT}\">");
        let mut v = 0.0;
        while v <= y_max + 1e-9 {
            let y = y_px(v);
            put!(
                s,
                "<line x1=\"{}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{GRID_COLOUR}\"/>\
                 <text x=\"{}\" y=\"{y:.1}\" text-anchor=\"end\" dominant-baseline=\"middle\">{}</text>",
                Self::LEFT_PX,
                Self::LEFT_PX + plot_w,
                Self::LEFT_PX - 6.0,
                num(v, 0)
            );
            v += y_step;
        }
        for (x, label) in &self.x_ticks {
            let xp = x_px(*x);
            put!(
                s,
                "<line x1=\"{xp:.1}\" y1=\"{y_base:.1}\" x2=\"{xp:.1}\" y2=\"{:.1}\" stroke=\"{AXIS_TEXT}\"/>\
                 <text x=\"{xp:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                y_base + 4.0,
                y_base + 17.0,
                esc(label)
            );
        }
        put!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
             <text transform=\"translate(14 {:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text></g>",
            Self::LEFT_PX + plot_w / 2.0,
            h - 6.0,
            esc(self.x_title),
            Self::TOP_PX + plot_h / 2.0,
            esc(self.y_title)
        );
        for c in self.columns {
            let (x0, x1) = (x_px(c.x0), x_px(c.x1));
            let width = (x1 - x0 - 2.0).max(1.0);
            put!(s, "<g><title>{}</title>", esc(&c.tooltip));
            let mut base = 0.0;
            for (n, colour) in c.stack.iter().filter(|(n, _)| *n > 0.0) {
                let (top, bottom) = (y_px(base + n), y_px(base));
                put!(
                    s,
                    "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{width:.1}\" height=\"{:.1}\" \
                     fill=\"{colour}\" stroke=\"#fff\" stroke-width=\"0.5\"/>",
                    x0 + 1.0,
                    bottom - top
                );
                base += n;
            }
            s.push_str("</g>");
        }
        put!(
            s,
            "<line x1=\"{}\" y1=\"{y_base:.1}\" x2=\"{:.1}\" y2=\"{y_base:.1}\" stroke=\"{AXIS_TEXT}\"/></svg>",
            Self::LEFT_PX,
            Self::LEFT_PX + plot_w
        );
        s
    }
}

/// Histogram of `d.values` in [`LEAD_BIN_S`] bins, with its summary beneath.
fn lead_histogram(
    out: &mut String,
    title: &str,
    x_title: &str,
    d: &Distribution,
    colour: &'static str,
) {
    put!(out, "<div class=\"fig\"><h3>{}</h3>", esc(title));
    let values: Vec<f64> = d.values.iter().copied().filter(|v| v.is_finite()).collect();
    if values.is_empty() {
        out.push_str("<p class=\"note\">No losses with one before them.</p></div>");
        return;
    }
    let lo_s = (values.iter().copied().fold(0.0, f64::min) / LEAD_BIN_S).floor() * LEAD_BIN_S;
    let hi_s = values.iter().copied().fold(lo_s, f64::max);
    let bins = (((hi_s - lo_s) / LEAD_BIN_S).floor() as usize + 1).max(1);
    let mut counts = vec![0usize; bins];
    for v in &values {
        let i = (((v - lo_s) / LEAD_BIN_S).floor().max(0.0) as usize).min(bins - 1);
        counts[i] += 1;
    }
    let columns: Vec<Column> = counts
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let x0 = lo_s + i as f64 * LEAD_BIN_S;
            Column {
                x0,
                x1: x0 + LEAD_BIN_S,
                stack: vec![(*n as f64, colour)],
                tooltip: format!(
                    "{}–{} s: {n} loss{}",
                    num(x0, 0),
                    num(x0 + LEAD_BIN_S, 0),
                    if *n == 1 { "" } else { "es" }
                ),
            }
        })
        .collect();
    let hi_edge_s = lo_s + bins as f64 * LEAD_BIN_S;
    let tick_s = nice_tick_s((hi_edge_s - lo_s) / 8.0);
    let x_ticks = multiples_within(lo_s, hi_edge_s, tick_s)
        .into_iter()
        .map(|t| (t, num(t, 0)))
        .collect();
    let chart = ColumnChart {
        columns: &columns,
        x_range: (lo_s, hi_edge_s),
        x_ticks,
        x_title,
        y_title: "losses",
        width_px: 560.0,
        wide: false,
    };
    out.push_str(&chart.svg());
    put!(
        out,
        "<p class=\"note\">{}; {} s bins.</p></div>",
        distribution_text(d),
        num(LEAD_BIN_S, 0)
    );
}

/// Stacked columns of alerts per hour slot from the start, by level.
fn alerts_per_hour_chart(out: &mut String, per_hour: &[BTreeMap<u8, usize>], start_s: Option<f64>) {
    if per_hour.is_empty() {
        out.push_str("<p class=\"note\">No alerts.</p>");
        return;
    }
    out.push_str("<div class=\"fig\"><div class=\"legend\">");
    for level in LEVELS {
        put!(
            out,
            "<span><i class=\"dot\" style=\"background:{}\"></i>{}</span>",
            level_colour(level),
            level_name(level)
        );
    }
    out.push_str("</div>");
    let slot_label = |i: usize| match start_s {
        Some(t0) => hh_mm(t0 + i as f64 * S_PER_H),
        None => format!("+{i} h"),
    };
    let columns: Vec<Column> = per_hour
        .iter()
        .enumerate()
        .map(|(i, slot)| {
            let count = |l: u8| slot.get(&l).copied().unwrap_or(0);
            let mut parts: Vec<String> = LEVELS
                .iter()
                .map(|l| format!("{} {}", count(*l), level_name(*l)))
                .collect();
            let other: usize = slot
                .iter()
                .filter(|(l, _)| !LEVELS.contains(l))
                .map(|(_, n)| n)
                .sum();
            if other > 0 {
                parts.push(format!("{other} other"));
            }
            Column {
                x0: i as f64,
                x1: i as f64 + 1.0,
                stack: LEVELS
                    .iter()
                    .map(|l| (count(*l) as f64, level_colour(*l)))
                    .collect(),
                tooltip: format!(
                    "hour {} from {}: {}",
                    i + 1,
                    start_s.map_or(slot_label(i), |t0| utc_iso(t0 + i as f64 * S_PER_H)),
                    parts.join(", ")
                ),
            }
        })
        .collect();
    let n = per_hour.len();
    let step = [1usize, 2, 3, 6, 12, 24, 48, 168]
        .into_iter()
        .find(|s| n / s <= 16)
        .unwrap_or(168);
    let x_ticks = (0..=n)
        .step_by(step)
        .map(|i| (i as f64, slot_label(i)))
        .collect();
    let chart = ColumnChart {
        columns: &columns,
        x_range: (0.0, n as f64),
        x_ticks,
        x_title: "start of the hour slot (UTC)",
        y_title: "alerts",
        width_px: 1100.0,
        wide: true,
    };
    out.push_str(&chart.svg());
    out.push_str(
        "<p class=\"note\">Alerts by the hour in which they were raised, counted at the highest \
         level they reached; slots run from the first message.</p></div>\n",
    );
}

// ---------------------------------------------------------------- text

/// HTML-escapes text for element content and quoted attribute values.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn level_name(level: u8) -> &'static str {
    match level {
        ADVISORY_LEVEL => "advisory",
        CAUTION_LEVEL => "caution",
        WARNING_LEVEL => "warning",
        _ => "other",
    }
}

fn level_colour(level: u8) -> &'static str {
    match level {
        ADVISORY_LEVEL => "#3b82f6",
        CAUTION_LEVEL => "#f59e0b",
        WARNING_LEVEL => "#dc2626",
        _ => "#6b7280",
    }
}

fn level_badge(level: u8) -> String {
    format!(
        "<span class=\"lvl lvl{level}\">{}</span>",
        level_name(level)
    )
}

fn filter_label(name: &str) -> String {
    esc(&name.replace('_', " "))
}

/// A loss's figures as the losses table and the map's loss marker show them, in the table's
/// column order: pair, parties, start (UTC), duration s, smallest horizontal distance m and
/// NM, smallest vertical distance ft, altitudes ft, alert lead s, warning lead s.
fn loss_figures(l: &LossRecord) -> [String; 10] {
    [
        pair_text(&l.a, &l.b),
        parties_text(&l.a_party, &l.b_party),
        utc_iso(l.start_time),
        num(l.end_time - l.start_time, 0),
        num(l.min_distance_m, 0),
        num(l.min_distance_m / M_PER_NM, 2),
        num(l.min_vertical_ft, 0),
        altitudes_text(l.alt_ft),
        opt_num(l.lead_time_s, 0),
        opt_num(l.warning_lead_time_s, 0),
    ]
}

fn pair_text(a: &str, b: &str) -> String {
    format!("{} / {}", esc(a), esc(b))
}

fn parties_text(a: &Option<String>, b: &Option<String>) -> String {
    let p = |p: &Option<String>| p.as_deref().map_or("—".to_string(), esc);
    format!("{} / {}", p(a), p(b))
}

fn altitudes_text(alt_ft: [f64; 2]) -> String {
    format!("{} / {}", num(alt_ft[0], 0), num(alt_ft[1], 0))
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// `v` with `decimals` places; a dash when not finite.
fn num(v: f64, decimals: usize) -> String {
    if v.is_finite() {
        format!("{v:.decimals$}")
    } else {
        "—".to_string()
    }
}

fn opt_num(v: Option<f64>, decimals: usize) -> String {
    v.map_or("—".to_string(), |v| num(v, decimals))
}

fn distribution_text(d: &Distribution) -> String {
    match (d.min, d.p50, d.mean, d.max) {
        (Some(min), Some(p50), Some(mean), Some(max)) => format!(
            "n = {}: min {} · median {} · mean {} · max {} s",
            d.count,
            num(min, 0),
            num(p50, 0),
            num(mean, 0),
            num(max, 0)
        ),
        _ => "none".to_string(),
    }
}

fn span_text(r: &ReplayReport) -> String {
    match (r.start_time, r.end_time) {
        (Some(a), Some(b)) => format!("{} – {}", utc_iso(a), utc_iso(b)),
        _ => "no message time".to_string(),
    }
}

fn duration_text(s: f64) -> String {
    if !s.is_finite() {
        return "—".to_string();
    }
    let s = s.max(0.0).round() as u64;
    format!("{}h {:02}m {:02}s", s / 3600, s / 60 % 60, s % 60)
}

/// UNIX seconds as ISO 8601 UTC, to the second.
fn utc_iso(t_s: f64) -> String {
    if !t_s.is_finite() {
        return "—".to_string();
    }
    let secs = t_s.floor() as i64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// UNIX seconds as `HH:MM` UTC.
fn hh_mm(t_s: f64) -> String {
    let iso = utc_iso(t_s);
    iso.get(11..16).map_or(iso.clone(), str::to_string)
}

/// Proleptic Gregorian (year, month, day) of a count of days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A graticule label: `48.5°N`, with as many decimals as `step_deg` needs.
fn degrees_text(v_deg: f64, step_deg: f64, pos: char, neg: char) -> String {
    let decimals = (0..=4)
        .find(|d| {
            let scaled = step_deg * 10f64.powi(*d);
            (scaled - scaled.round()).abs() < 1e-6
        })
        .unwrap_or(4) as usize;
    let v = if v_deg.abs() < 1e-9 { 0.0 } else { v_deg };
    let hemisphere = if v > 0.0 {
        pos.to_string()
    } else if v < 0.0 {
        neg.to_string()
    } else {
        String::new()
    };
    format!("{}°{hemisphere}", num(v.abs(), decimals))
}

// ---------------------------------------------------------------- axes

/// The smallest `m · 10^k` (m from `mantissas`, ascending in [1, 10)) not below `raw`.
fn nice_step(raw: f64, mantissas: &[f64]) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    mantissas
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag)
}

/// A tick step in seconds that reads as time: multiples of the histogram bin up to an hour.
fn nice_tick_s(raw_s: f64) -> f64 {
    [15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0]
        .into_iter()
        .find(|s| *s >= raw_s)
        .unwrap_or_else(|| nice_step(raw_s, &[1.0, 2.0, 5.0]))
}

/// Multiples of `step` in `[lo, hi]`.
fn multiples_within(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use deconflict_feeds::replay::{Replay, ReplayConfig, SafetyNetReport};
    use deconflict_feeds::sim::{Scenario, Simulator};

    const T0: f64 = 1_700_000_000.0;

    fn syria_report() -> ReplayReport {
        let mut sim = Simulator::new(20, 4, Scenario::Syria, T0);
        let mut r = Replay::new(ReplayConfig::default());
        for t in 0..=180 {
            for o in sim.step(T0 + f64::from(t)) {
                r.ingest(o);
            }
        }
        r.finish()
    }

    fn hostile_report() -> ReplayReport {
        let evil = "<script>alert(1)</script>";
        let mut removed = BTreeMap::new();
        removed.insert("<b>filter</b>".to_string(), 2);
        ReplayReport {
            aircraft: 2,
            messages: 10,
            rejected: [("<img src=x>".to_string(), 1)].into_iter().collect(),
            conflicts: vec![ConflictRecord {
                a: evil.to_string(),
                b: "B\"'&".to_string(),
                a_party: Some("<i>party</i>".to_string()),
                b_party: None,
                first_alert_time: T0,
                cleared_time: None,
                max_level: 3,
                cross_party: true,
                first_warning_time: Some(T0 + 5.0),
                lat_deg: 48.8,
                lon_deg: 2.3,
                alt_ft: [10_000.0, 10_200.0],
                dcpa_m: 500.0,
                vsep_cpa_ft: 200.0,
                min_t_in_s: f64::INFINITY,
                followed_by_loss: true,
            }],
            losses: vec![LossRecord {
                a: evil.to_string(),
                b: "B\"'&".to_string(),
                a_party: Some("<i>party</i>".to_string()),
                b_party: None,
                start_time: T0 + 60.0,
                end_time: T0 + 90.0,
                min_distance_m: 900.0,
                lead_time_s: Some(60.0),
                cross_party: true,
                warning_lead_time_s: Some(55.0),
                lat_deg: 48.81,
                lon_deg: 2.31,
                alt_ft: [10_000.0, 10_100.0],
                min_vertical_ft: 100.0,
            }],
            cycles: 100,
            start_time: Some(T0),
            end_time: Some(T0 + 100.0),
            safety_net: SafetyNetReport {
                raw_alerts_removed_by: removed,
                ..SafetyNetReport::default()
            },
        }
    }

    #[test]
    fn syria_page_is_self_contained_and_shows_the_loss() {
        let rep = syria_report();
        let l = rep
            .losses
            .iter()
            .find(|l| l.a == "150A21" && l.b == "AE1001")
            .expect("scripted loss");
        let html = render(&rep);
        for external in [
            "http://", "https://", "src=", "<script", "<link", "@import", "url(",
        ] {
            assert!(!html.contains(external), "{external}");
        }
        assert!(html.contains("150A21 / AE1001"));
        assert!(html.contains(&utc_iso(l.start_time)));
        // Map, two histograms and the hourly chart.
        assert!(
            html.matches("<svg").count() >= 4,
            "{}",
            html.matches("<svg").count()
        );
        assert!(html.contains("aria-label=\"map of alerts and losses\""));
        assert!(html.contains("LOSS 150A21 / AE1001"));
        assert!(html.contains("Warning time before loss"));
        assert!(html.starts_with("<!doctype html>"));
        assert!(html.trim_end().ends_with("</html>"));
    }

    #[test]
    fn hostile_strings_are_escaped() {
        let html = render(&hostile_report());
        assert!(!html.contains("<script"), "script tag leaked");
        assert!(!html.contains("<img"), "img tag leaked");
        assert!(!html.contains("<i>party"), "party markup leaked");
        assert!(!html.contains("<b>filter"), "filter name markup leaked");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; / B&quot;&#39;&amp;"));
        assert!(html.contains("&lt;i&gt;party&lt;/i&gt; / —"));
        // Escaped text may say "src=", but no element carries the attribute.
        assert!(!html.contains(" src=\""));
        // The infinite time to loss is shown as a dash, not "inf".
        assert!(!html.contains("inf<"));
    }

    #[test]
    fn empty_report_renders() {
        let rep = ReplayReport {
            aircraft: 0,
            messages: 0,
            rejected: BTreeMap::new(),
            conflicts: Vec::new(),
            losses: Vec::new(),
            cycles: 0,
            start_time: None,
            end_time: None,
            safety_net: SafetyNetReport::default(),
        };
        let html = render(&rep);
        assert!(html.contains("No alerts or losses to map."));
        assert!(html.contains("no message time"));
        assert!(!html.contains("NaN"));
    }

    #[test]
    fn utc_iso_formats_unix_seconds() {
        assert_eq!(utc_iso(0.0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_iso(T0), "2023-11-14T22:13:20Z");
        assert_eq!(utc_iso(951_782_400.5), "2000-02-29T00:00:00Z");
        assert_eq!(utc_iso(f64::NAN), "—");
        assert_eq!(hh_mm(T0), "22:13");
    }

    #[test]
    fn map_frame_fits_points_with_margin() {
        let pts = [(48.0, 2.0), (49.0, 3.0)];
        let f = MapFrame::fit(&pts).unwrap();
        for (lat, lon) in pts {
            let (x, y) = (f.x_px(lon), f.y_px(lat));
            assert!(
                x > MapFrame::LEFT_PX + 10.0 && x < MapFrame::WIDTH_PX - MapFrame::RIGHT_PX - 10.0,
                "{x}"
            );
            assert!(
                y > MapFrame::TOP_PX + 10.0 && y < MapFrame::HEIGHT_PX - MapFrame::BOTTOM_PX - 10.0,
                "{y}"
            );
        }
        // One degree of longitude is cos(48.5°) of one of latitude.
        let dx = f.x_px(3.0) - f.x_px(2.0);
        let dy = f.y_px(48.0) - f.y_px(49.0);
        assert!((dx / dy - 48.5f64.to_radians().cos()).abs() < 1e-9);
        assert!(MapFrame::fit(&[]).is_none());
    }

    #[test]
    fn axis_helpers() {
        assert_eq!(nice_step(0.17, &[1.0, 2.0, 2.5, 5.0]), 0.2);
        assert_eq!(nice_step(3.0, &[1.0, 2.0, 5.0]), 5.0);
        assert_eq!(multiples_within(0.05, 0.5, 0.2), vec![0.2, 0.4]);
        assert_eq!(degrees_text(48.25, 0.25, 'N', 'S'), "48.25°N");
        assert_eq!(degrees_text(-2.0, 1.0, 'E', 'W'), "2°W");
    }
}
