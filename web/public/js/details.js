// The selected aircraft's details card: identity, position, level, speeds, vertical rate,
// sources and age of the last update, with follow and close. When the aircraft is in conflict
// alerts, the card lists them and gives the resolution guidance of the viewer's aircraft in them
// (a party its own aircraft only, as the server sends it; the cell and observers both): the
// advice in words, how long ago it was computed (stale after STALE_AFTER_S), each dimension's
// resolutions and whether it is in recovery or has no resolution, a vertical-speed strip of the
// bands with the aircraft's current vertical speed, and a ground-speed bar. When the cell found
// the aircraft's reported position at odds with independent surveillance (a position
// discrepancy, js/discrepancy.js), the card says so first: both positions with their feeds and
// times, the gap, when it was raised, updated and cleared.

import { store } from './store.js';
import { Budgeted } from './budget.js';
import { h, flText, utcTime, partyColour } from './util.js';
import { levelLabel } from './levels.js';
import {
  bandStyle, bandsExtent, vsFraction, vsTicks, vsLabel, resolutions, dimensionState, DIMENSIONS,
  guidanceViewerIds, guidanceAge, ageText, STALE_AFTER_S,
} from './guidance.js';
import { timeToLoss } from './panels/alerts.js';
import { nmText, ageTag, LATE_AFTER_S } from './encounter.js';
import { encounterNow } from './encounter-now.js';
import { isActive, discrepancyParts, fixText, nm, verticalText, DISCREPANCY_LEVEL } from './discrepancy.js';
import { exclusionOfIntrusion, isCompliance, intrusionText, exclusionSentence, complianceLines } from './exclusion.js';
import { isNoticeIntrusion, noticeIntrusionText, noticeSentence } from './notice.js';

let el;

export function initDetails(container) {
  el = container;
  store.on('selection', render);
  // Alert and guidance events, by the dozen a second in a busy sky: one card for a burst.
  const soon = new Budgeted(render, { share: 0.2 });
  for (const type of ['guidance', 'conflicts', 'conflict-now', 'discrepancies', 'intrusions']) store.on(type, () => soon.request());
  setInterval(render, 1000);
}

function find(id) {
  const t = store.tracks.get(id);
  if (t) return t;
  const st = store.alertOnlyState(id);
  return st ? { ...st, viaAlert: true } : null;
}

function callsign(id) {
  const t = find(id);
  return (t && t.callsign) || id;
}

/** The active conflicts the aircraft is in, most severe first. */
function conflictsOf(id) {
  const list = [];
  for (const c of store.conflicts.values()) if (c.a === id || c.b === id) list.push(c);
  list.sort((x, y) => (y.level || 0) - (x.level || 0) || (timeToLoss(x) ?? Infinity) - (timeToLoss(y) ?? Infinity));
  return list;
}

/** A vertical strip of the vertical-speed bands, scale in ft/min, marker at the current rate. */
function vsStrip(g, t) {
  const ext = bandsExtent(g.vs_bands, 'from_fpm', 'to_fpm');
  if (!ext) return null;
  const [min, max] = ext;
  const pct = (v) => `${(vsFraction(v, min, max) * 100).toFixed(2)}%`;
  const bands = g.vs_bands.filter((b) => Number.isFinite(b.from_fpm) && Number.isFinite(b.to_fpm)).map((b) => {
    const st = bandStyle(b.level);
    const lo = vsFraction(b.from_fpm, min, max);
    const hi = vsFraction(b.to_fpm, min, max);
    return h('div', {
      class: `vs-band ${st.conflict || st.recovery ? 'thick' : 'thin'}${st.recovery ? ' recovery' : ''}`,
      testid: 'vs-band',
      dataset: { level: b.level, from: String(b.from_fpm), to: String(b.to_fpm) },
      title: `${Math.round(b.from_fpm)} to ${Math.round(b.to_fpm)} ft/min: ${st.name}`,
      style: { bottom: `${(lo * 100).toFixed(2)}%`, height: `${((hi - lo) * 100).toFixed(2)}%`, backgroundColor: st.colour },
    });
  });
  const ticks = vsTicks(min, max).map((v) => h('div', { class: 'vs-tick', style: { bottom: pct(v) } }, vsLabel(v)));
  const vs = t && Number.isFinite(t.vs_fpm) ? t.vs_fpm : null;
  const marker = vs === null ? null : h('div', {
    class: 'vs-marker', testid: 'vs-marker', dataset: { vs: String(Math.round(vs)) },
    title: `current vertical speed ${Math.round(vs)} ft/min`, style: { bottom: pct(vs) },
  });
  return h('div', { class: 'vs-box' },
    h('div', { class: 'vs-unit' }, 'ft/min'),
    h('div', { class: 'vs-scale' },
      h('div', { class: 'vs-ticks' }, ...ticks),
      h('div', { class: 'vs-strip', testid: 'vs-strip', dataset: { trackId: g.id, min: String(min), max: String(max) } }, ...bands, marker)),
    h('div', { class: 'vs-now' }, vs === null ? 'VS —' : `VS ${vs > 0 ? '+' : ''}${Math.round(vs)}`));
}

/** A horizontal bar of the ground-speed bands, kt, marker at the current ground speed. */
function gsBar(g, t) {
  const ext = bandsExtent(g.gs_bands, 'from_kt', 'to_kt');
  if (!ext) return null;
  const [min, max] = ext;
  const frac = (v) => (Math.max(min, Math.min(max, v)) - min) / (max - min);
  const gs = t && Number.isFinite(t.gs_kt) ? t.gs_kt : null;
  return h('div', { class: 'gs-box' },
    h('div', { class: 'gs-bar', testid: 'gs-bar', dataset: { trackId: g.id } },
      ...g.gs_bands.filter((b) => Number.isFinite(b.from_kt) && Number.isFinite(b.to_kt)).map((b) => {
        const st = bandStyle(b.level);
        return h('div', {
          class: `gs-band ${st.conflict || st.recovery ? 'thick' : 'thin'}${st.recovery ? ' recovery' : ''}`,
          testid: 'gs-band',
          dataset: { level: b.level },
          title: `${Math.round(b.from_kt)} to ${Math.round(b.to_kt)} kt: ${st.name}`,
          style: { left: `${(frac(b.from_kt) * 100).toFixed(2)}%`, width: `${((frac(b.to_kt) - frac(b.from_kt)) * 100).toFixed(2)}%`, backgroundColor: st.colour },
        });
      }),
      gs === null ? null : h('div', { class: 'gs-marker', style: { left: `${(frac(gs) * 100).toFixed(2)}%` } })),
    h('div', { class: 'gs-scale' }, h('span', {}, `${Math.round(min)}`), h('span', {}, `GS ${gs === null ? '—' : Math.round(gs)} kt`), h('span', {}, `${Math.round(max)}`)));
}

/** One dimension's row: its resolutions (preferred first), and its state when not clear. */
function dimensionRow(kind, name, dim) {
  const state = dimensionState(kind, dim);
  const res = resolutions(kind, dim);
  let note = null;
  if (state === 'in recovery') {
    const ttr = dim && Number.isFinite(dim.time_to_recovery_s) ? `, regains separation in ${Math.round(dim.time_to_recovery_s)} s` : '';
    note = h('span', { class: 'g-state in-recovery' }, `in recovery${ttr}`);
  } else if (state === 'no resolution') note = h('span', { class: 'g-state no-resolution' }, 'no resolution');
  return h('tr', { testid: 'guidance-dimension', dataset: { kind, state: state || 'clear' }, title: dim && dim.basis ? `preferred direction: ${dim.basis}` : undefined },
    h('td', { class: 'muted' }, name),
    h('td', {}, ...res.map((r, i) => h('span', { class: r.preferred ? 'pref' : '' }, i ? ' · ' : '', r.text)), res.length && note ? ' · ' : '', note));
}

/** The guidance of one aircraft: advice in words, its age, per dimension, and the strips. */
function adviceBlock(g) {
  const now = store.now();
  const age = guidanceAge(g, now);
  const stale = age > STALE_AFTER_S;
  const t = find(g.id);
  const a = g.advice || {};
  const st = bandStyle(a.level);
  const text = a.conflict ? (a.text || 'no resolution in any dimension') : 'no conflict over the look-ahead: no manoeuvre advised';
  const with_ = a.most_urgent ? ` · most urgent: ${callsign(a.most_urgent)}` : '';
  return h('div', {
    class: `guidance${stale ? ' stale' : ''}`,
    testid: 'guidance-advice',
    dataset: { trackId: g.id, time: String(g.time), stale: String(stale), level: String(a.level) },
  },
  h('div', { class: 'g-head' },
    h('span', { testid: 'advice-label' }, `Advice for ${callsign(g.id)}`),
    h('span', { class: 'g-level', style: { color: st.colour } }, st.name.toUpperCase()),
    h('span', { class: 'spacer' }),
    h('span', { class: `g-age${stale ? ' stale' : ''}`, testid: 'guidance-age', dataset: { stale: String(stale), ageS: age.toFixed(1) } },
      ageText(age), stale ? ' — STALE' : '')),
  h('div', { class: 'g-text', testid: 'advice-text' }, text),
  h('div', { class: 'g-body' },
    vsStrip(g, t),
    h('div', { class: 'g-right' },
      h('table', { class: 'g-dims' }, ...DIMENSIONS.map((d) => dimensionRow(d.kind, d.name, a[d.kind]))),
      gsBar(g, t),
      h('div', { class: 'muted small' }, `${a.category || 'default'} model${a.kinematics === 'instant' ? ', instantaneous' : ''}${with_}`))));
}

function vsArrow(vs) {
  return vs > 300 ? '↑' : vs < -300 ? '↓' : '';
}

function bearingText(deg) {
  return `${String(Math.round(deg) % 360).padStart(3, '0')}°`;
}

/** Alert ids whose "alert details" the operator opened (kept over the card's redraws). */
const openDetails = new Set();

/**
 * One encounter of the selected aircraft, answering who, where, when, how bad: the pair with
 * parties; its times counted down to this second with their labels (or "passed CPA,
 * diverging"); range, bearing and closure now from both aircraft's current states; each
 * aircraft's level, heading, speed and data age; the alert's internal details folded away.
 */
function encounterBlock(c, selectedId) {
  const { own, other, so, sx, geom, times, phase, text } = encounterNow(c, c.b === selectedId ? c.b : c.a);
  const partyOf = (id) => (id === c.a ? c.a_party : c.b_party);
  const who = (id) => h('span', { class: 'enc-who' },
    h('span', { class: 'dot', style: { background: partyColour(partyOf(id)) } }),
    callsign(id), h('span', { class: 'muted' }, ` (${partyOf(id) || 'civil'})`));
  const nowLine = geom
    ? `${nmText(geom.range_m)} · ${callsign(other)} bears ${bearingText(geom.bearing_deg)} from ${callsign(own)} · ` +
      `${geom.closure_kt >= 0 ? 'closing' : 'opening'} ${Math.abs(Math.round(geom.closure_kt))} kt · ${Math.round(geom.vsep_ft)} ft apart`
    : 'position of one aircraft unknown';
  const row = (id, st) => h('tr', { testid: 'encounter-aircraft', dataset: { trackId: id } },
    h('td', {}, who(id)),
    h('td', {}, st ? `${flText(st.alt_ft)}${vsArrow(st.vs_fpm)}` : '—'),
    h('td', {}, st ? `hdg ${bearingText(st.trk_deg ?? 0)}` : ''),
    h('td', {}, st ? `${Math.round(st.gs_kt ?? 0)} kt` : ''),
    h('td', { class: st && st.age_s > LATE_AFTER_S ? 'late' : 'muted', testid: 'encounter-age' },
      st ? `${ageTag(st.age_s)} old${st.via_alert ? ', via alert' : ''}` : 'no data'));
  const source = times.live
    ? `predicted ${Math.max(0, times.ageS).toFixed(0)} s ago`
    : `as at the alert's last change, ${ageTag(times.ageS)} ago`;
  // The card is redrawn every second. The summary's click records the new state at once (its
  // handler runs before the element toggles), so a redraw between the click and the queued
  // toggle event does not fold the details back; toggle keeps it right for anything else.
  const details = h('details', { testid: 'encounter-details', open: openDetails.has(c.id) || undefined,
    ontoggle: (e) => { if (e.target.open) openDetails.add(c.id); else openDetails.delete(c.id); } },
  h('summary', { onclick: (e) => { if (e.currentTarget.parentElement.open) openDetails.delete(c.id); else openDetails.add(c.id); } }, 'alert details'),
  h('div', { class: 'muted' }, `id ${c.id} · raised ${utcTime(c.raised_at)}Z · updated ${utcTime(c.updated_at)}Z`),
  h('div', { class: 'muted' }, `acknowledged: ${Object.entries(c.acks || {}).map(([p, a]) => `${p} ${a ? 'yes' : 'no'}`).join(', ') || 'nobody acknowledges a civil pair'}`));
  return h('div', {
    class: `g-alert encounter l${c.level} ${phase}`,
    testid: 'details-alert',
    dataset: { alertId: c.id, level: String(c.level), phase },
  },
  h('div', { class: 'enc-head' }, h('span', { class: 'lvl' }, levelLabel(c.level)), who(own), h('span', { class: 'muted' }, ' ↔ '), who(other)),
  h('div', {
    class: 'enc-times', testid: 'encounter-times',
    dataset: { phase, losS: times.losS === null ? '' : times.losS.toFixed(1), cpaS: times.cpaS === null ? '' : times.cpaS.toFixed(1), live: String(times.live) },
  }, text),
  h('div', { class: 'enc-now', testid: 'encounter-now' }, nowLine),
  h('table', { class: 'enc-ac' }, row(own, so), row(other, sx)),
  h('div', { class: 'muted small' }, phase === 'passed' ? 'closest point passed; the alert clears when the pair is no longer predicted to conflict' : source),
  details);
}

/** Seconds as "12 s" / "3 min" ago. */
function ago(s) {
  if (!Number.isFinite(s)) return '';
  const x = Math.max(0, s);
  return x < 120 ? `${Math.round(x)} s ago` : `${Math.round(x / 60)} min ago`;
}

/**
 * A position discrepancy of the selected aircraft: what it is in one sentence, the owner's
 * report and the independent fix of the last sample (feed, position, level, speed, track,
 * time), the gap (horizontal, largest, vertical), and when it was raised, updated, cleared.
 */
function discrepancyBlock(d) {
  const active = isActive(d);
  const info = store.feeds && d.independent ? store.feeds.get(d.independent.feed) : null;
  const p = discrepancyParts(d, info);
  const now = store.now();
  const sampleAge = d.independent && Number.isFinite(d.independent.time) ? now - d.independent.time : null;
  // Each source: what it is and its feed and time, then where it put the aircraft.
  const row = (label, fix, testid) => h('div', { class: 'dc-fix', testid, dataset: { feed: (fix && fix.feed) || '' } },
    h('span', { class: 'dc-src' }, label),
    h('span', { class: 'muted' }, `${fix && fix.feed ? fix.feed : '—'} · ${fix ? utcTime(fix.time) : '—'}Z`),
    h('span', { class: 'dc-pos' }, fixText(fix, { time: false })));
  const v = verticalText(d.vertical_ft);
  const times = [`raised ${utcTime(d.raised_at)}Z`, `updated ${utcTime(d.updated_at)}Z`, d.cleared_at ? `cleared ${utcTime(d.cleared_at)}Z` : null].filter(Boolean).join(' · ');
  return h('div', {
    class: `discrepancy-card ${active ? `l${DISCREPANCY_LEVEL}` : 'cleared'}`,
    testid: 'details-discrepancy',
    dataset: { discrepancyId: d.id, state: active ? 'active' : 'cleared', horizontalM: String(d.horizontal_m) },
  },
  h('div', { class: 'dc-head' }, h('span', { class: 'lvl' }, active ? 'POSITION DISCREPANCY' : 'POSITION DISCREPANCY · CLEARED'),
    h('span', { class: 'spacer' }), h('span', { class: 'muted' }, p.since)),
  h('div', { class: 'dc-text', testid: 'discrepancy-sentence' }, `${p.who} ${p.gap}${p.vertical ? ` · ${p.vertical}` : ''}`),
  h('div', { class: 'dc-fixes' },
    row('reported', d.reported, 'discrepancy-reported'),
    row(p.source.short, d.independent, 'discrepancy-independent')),
  h('div', { testid: 'discrepancy-gap-line' }, `gap ${nm(d.horizontal_m)}${Number.isFinite(d.max_horizontal_m) ? ` (largest ${nm(d.max_horizontal_m)})` : ''} · vertical ${v === null ? 'not compared' : v}`),
  h('div', { class: 'muted' }, times),
  h('div', { class: 'muted small' }, active
    ? `Last sample ${ago(sampleAge)}; the map keeps the ${p.source.short} fix at that gap from the aircraft. No ACK: it clears when the sources agree again or one falls silent.`
    : 'The two sources agree again (or one fell silent).'));
}

/**
 * An intrusion alert of the selected aircraft: before an exclusion's deadline the compliance
 * sentence ("COMPLIANCE · RAVEN51 must leave red's exclusion by 14:08:00 UTC (in 7:42)"), the
 * exclusion (whose, who keeps out, from when, the accepted request) and when the aircraft is
 * expected out on its current path (the request's compliance status); else "RAVEN51 INSIDE …" /
 * "… entering … in 0:42".
 */
function intrusionBlock(i) {
  const now = store.now();
  if (isNoticeIntrusion(i)) return noticeBlock(i, now);
  const x = exclusionOfIntrusion(i, store.reservations, store.requests);
  const compliance = isCompliance(i, x, now);
  const q = x ? [...store.requests.values()].find((r) => r.exclusion_id === x.id) : null;
  const lines = q && q.compliance ? complianceLines(q.compliance, x.exclusion && x.exclusion.watch_party, now) : null;
  const mine = lines ? lines.aircraft.find((a) => a.track_id === i.track_id) : null;
  return h('div', {
    class: `g-alert intrusion-block l${i.level}`,
    testid: 'details-intrusion',
    dataset: { alertId: i.id, level: String(i.level), compliance: String(compliance), reservationId: i.reservation_id },
  },
  h('div', { class: 'enc-head' }, h('span', { class: 'lvl' }, levelLabel(i.level)), ' ', compliance ? 'compliance' : 'zone intrusion'),
  h('div', { class: 'i-text', testid: 'intrusion-text' }, intrusionText(i, x, now, callsign(i.track_id))),
  x ? h('div', { class: 'muted', testid: 'intrusion-exclusion' }, exclusionSentence(x, now)) : null,
  compliance && mine ? h('div', { testid: 'intrusion-exit' }, mine.exitText) : null,
  h('div', { class: 'muted small' }, `acknowledged: ${Object.entries(i.acks || {}).map(([p, a]) => `${p} ${a ? 'yes' : 'no'}`).join(', ') || '—'}`));
}

/**
 * A notice intrusion of the selected aircraft: an advisory, "NOTICE · RAVEN51 predicted to
 * cross red's notice q-5 in 3:20", and the notice in full words.
 */
function noticeBlock(i, now) {
  const q = store.requests.get(i.reservation_id) || null;
  return h('div', {
    class: `g-alert intrusion-block notice-block l${i.level}`,
    testid: 'details-intrusion',
    dataset: { alertId: i.id, level: String(i.level), compliance: 'false', notice: 'true', reservationId: i.reservation_id },
  },
  h('div', { class: 'enc-head' }, h('span', { class: 'lvl' }, levelLabel(i.level)), ' ', 'advance notice'),
  h('div', { class: 'i-text', testid: 'intrusion-text' }, noticeIntrusionText(i, q, now, callsign(i.track_id))),
  q ? h('div', { class: 'muted', testid: 'intrusion-notice' }, noticeSentence(q)) : null,
  h('div', { class: 'muted small' }, `acknowledged: ${Object.entries(i.acks || {}).map(([p, a]) => `${p} ${a ? 'yes' : 'no'}`).join(', ') || '—'}`));
}

/** The active intrusions of an aircraft, most severe first. */
function intrusionsOf(id) {
  return [...store.intrusions.values()].filter((i) => i.track_id === id).sort((a, b) => (b.level || 0) - (a.level || 0));
}

/** The alerts the aircraft is in, and the guidance of the viewer's aircraft in them. */
function alertSection(id) {
  const conflicts = conflictsOf(id);
  const ids = [];
  // The selected aircraft's own guidance first (the server only sends what the viewer may see).
  if (store.guidanceFor(id)) ids.push(id);
  for (const c of conflicts) for (const x of guidanceViewerIds(c, store.me)) if (!ids.includes(x)) ids.push(x);
  if (!conflicts.length && !ids.length) return [];
  const blocks = ids.map((x) => {
    const g = store.guidanceFor(x);
    if (g) return adviceBlock(g);
    return h('div', { class: 'guidance none', testid: 'guidance-missing', dataset: { trackId: x } }, `No guidance received for ${callsign(x)}.`);
  });
  return [h('div', { class: 'g-alerts' }, ...conflicts.map((c) => encounterBlock(c, id))), ...blocks];
}

function render() {
  if (!el) return;
  const id = store.selectedId;
  const t = id && find(id);
  if (!t) {
    el.hidden = true;
    return;
  }
  const age = Math.max(0, store.now() - (t.last_update || 0));
  const shown = store.displayed(t.id);
  const rows = [
    ['Id', t.id],
    ['Party', t.party || '—'],
    ['Position', shown ? `${shown.lat_deg.toFixed(4)}, ${shown.lon_deg.toFixed(4)}${shown.age_s > 1.5 ? ' (dead-reckoned)' : ''}` : `${t.lat_deg.toFixed(4)}, ${t.lon_deg.toFixed(4)}`],
    ['Level', `${flText(t.alt_ft)} (${Math.round(t.alt_ft ?? 0)} ft)`],
    ['Ground speed', `${Math.round(t.gs_kt ?? 0)} kt`],
    ['Track', `${Math.round(t.trk_deg ?? 0)}°`],
    ['Vertical rate', `${Math.round(t.vs_fpm ?? 0)} ft/min`],
    ['Selected altitude', Number.isFinite(t.selected_alt_ft) ? `${flText(t.selected_alt_ft)} (${Math.round(t.selected_alt_ft)} ft, ${Math.max(0, store.now() - (t.selected_alt_time || 0)).toFixed(0)} s ago)` : '—'],
    ['Squawk', t.squawk || '—'],
    ['Sources', (t.sources || []).join(', ') || '—'],
    ['Last update', `${utcTime(t.last_update)}Z (${age.toFixed(0)} s ago)`],
    ['Status', [t.on_ground ? 'on ground' : 'airborne', t.coasting ? 'coasting' : null, t.viaAlert ? 'known via alert only' : null].filter(Boolean).join(', ')],
  ];
  el.replaceChildren(
    h('h3', {}, h('span', { class: 'dot', style: { background: partyColour(t.party) } }), h('span', { testid: 'details-callsign' }, t.callsign || t.id),
      h('span', { class: 'spacer' }),
      h('button', { testid: 'details-follow', class: store.followId === t.id ? 'on' : '', onclick: () => store.setFollow(store.followId === t.id ? null : t.id) }, store.followId === t.id ? 'Following' : 'Follow'),
      h('button', { testid: 'details-close', onclick: () => { store.setFollow(null); store.select(null); } }, '×')),
    ...store.discrepanciesOf(t.id).map(discrepancyBlock),
    ...intrusionsOf(t.id).map(intrusionBlock),
    ...alertSection(t.id),
    h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
  );
  el.hidden = false;
}
