// Resolution guidance in the console: the store keeps what the server sent (the snapshot's
// conflicts seed it, guidance frames upsert what was computed anew and remove what ended), and
// web/public/js/guidance.js reads bands and advice for the map's ring and the details card.
// Run with `node --test test/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { store } from '../public/js/store.js';
import { levelColour, ADVISORY, CAUTION, WARNING } from '../public/js/levels.js';
import {
  BAND_LEVELS, bandStyle, trackArc, trackBandMiddle, trackBandSpan, bandsExtent, vsFraction, vsTicks, vsLabel,
  resolutions, dimensionState, guidanceViewerIds, guidanceAge, isStale, ageText, STALE_AFTER_S,
} from '../public/js/guidance.js';

// As the demo's server sends it for blue's VIPER11 in its head-on with red's SOKOL21.
const viper = (time, text = 'turn right to 111° or left to 069°') => ({
  id: 'AE1001', time,
  track_bands: [{ from_deg: 69.2578125, to_deg: 110.72265625, level: 'mid' }, { from_deg: 110.72265625, to_deg: 69.2578125, level: 'none' }],
  gs_bands: [{ from_kt: 150, to_kt: 192.6, level: 'far' }, { from_kt: 192.6, to_kt: 1000, level: 'mid' }],
  vs_bands: [{ from_fpm: -20000, to_fpm: -689.45, level: 'none' }, { from_fpm: -689.45, to_fpm: 689.45, level: 'mid' }, { from_fpm: 689.45, to_fpm: 20000, level: 'none' }],
  alt_bands: [{ from_ft: 0, to_ft: 24000, level: 'none' }, { from_ft: 24000, to_ft: 26000, level: 'mid' }, { from_ft: 26000, to_ft: 60000, level: 'none' }],
  advice: {
    conflict: true, level: 'mid', most_urgent: '150A21', text, category: 'fighter', kinematics: 'default',
    track: { left_deg: 69.2578125, right_deg: 110.72265625, preferred: 'right', basis: 'coordinated', recovery: false, time_to_recovery_s: null },
    gs: { slower_kt: null, faster_kt: null, preferred: null, basis: null, recovery: true, time_to_recovery_s: null },
    vs: { down_fpm: -689.453125, up_fpm: 689.453125, preferred: 'down', basis: 'coordinated', recovery: false, time_to_recovery_s: null },
    alt: { down_ft: 24000, up_ft: 26000, preferred: 'down', basis: 'coordinated', recovery: false, time_to_recovery_s: null },
  },
});
const conflict = (guidance, state = 'raised') => ({
  id: 'c-1-1', a: '150A21', b: 'AE1001', a_party: 'red', b_party: 'blue', level: 2, state,
  acks: { blue: false, red: false }, guidance,
});
const own = { id: 'AE1001', party: 'blue', lat_deg: 36, lon_deg: 38, gs_kt: 465, trk_deg: 90, vs_fpm: 0, last_update: 1000 };

test('the snapshot\'s conflicts seed the guidance; guidance frames upsert and remove', () => {
  store.applySnapshot({ time: 1000, tracks: [own], conflicts: [conflict([viper(999)])], intrusions: [] });
  assert.equal(store.guidanceFor('AE1001').time, 999, 'seeded from the snapshot');
  assert.equal(store.guidanceFor('150A21'), null, 'nothing the server did not send');
  let events = 0;
  const off = store.on('guidance', () => { events += 1; });
  store.applyGuidance({ type: 'guidance', time: 1001, upsert: [viper(1000.9, 'turn right to 112°'), { ...viper(1000.9), id: 'AE1002' }], remove: [] });
  assert.equal(store.guidanceFor('AE1001').advice.text, 'turn right to 112°');
  assert.equal(store.guidance.size, 2);
  // A frame that refreshes AE1001 only keeps AE1002's; an older one does not overwrite.
  store.applyGuidance({ type: 'guidance', time: 1002, upsert: [viper(1001.9)], remove: [] });
  store.applyGuidance({ type: 'guidance', time: 1002, upsert: [viper(1001.0, 'old')], remove: [] });
  assert.deepEqual([...store.guidance.keys()].sort(), ['AE1001', 'AE1002']);
  assert.equal(store.guidanceFor('AE1001').time, 1001.9);
  // AE1002's guidance ended, then AE1001's.
  store.applyGuidance({ type: 'guidance', time: 1003, upsert: [], remove: ['AE1002'] });
  assert.deepEqual([...store.guidance.keys()], ['AE1001']);
  store.applyGuidance({ type: 'guidance', time: 1004, upsert: [], remove: ['AE1001'] });
  assert.equal(store.guidance.size, 0);
  assert.equal(store.guidanceFor('AE1001'), null);
  assert.equal(events, 5, 'subscribers are told of each frame');
  off();
});

test('a new snapshot replaces the guidance; a cleared conflict takes its aircraft\'s guidance along', () => {
  store.applyGuidance({ type: 'guidance', time: 1003, upsert: [viper(1002.9), { ...viper(1002.9), id: 'OTHER' }], remove: [] });
  store.applySnapshot({ time: 1004, tracks: [own], conflicts: [conflict([viper(1003.5)])], intrusions: [] });
  assert.deepEqual([...store.guidance.keys()], ['AE1001'], 'the snapshot\'s set, not the older frame\'s');
  // Alert frames carry no guidance: an update keeps it, the clearing drops it at once.
  store.applyConflict('updated', { ...conflict(undefined), level: 3 });
  assert.ok(store.guidanceFor('AE1001'), 'kept across an alert update');
  store.applyConflict('cleared', conflict(undefined, 'cleared'));
  assert.equal(store.guidanceFor('AE1001'), null, 'gone with the last active conflict');
  // A snapshot's cleared conflict has none either.
  store.applySnapshot({ time: 1005, tracks: [own], conflicts: [conflict([viper(1004)], 'cleared')], intrusions: [] });
  assert.equal(store.guidance.size, 0);
});

test('polled conflicts and an acknowledgement\'s answer carry guidance too', () => {
  store.applySnapshot({ time: 2000, tracks: [own], conflicts: [], intrusions: [] });
  store.replaceConflicts([conflict([viper(2000)])]);
  assert.equal(store.guidanceFor('AE1001').time, 2000, 'REST polling fallback');
  store.applyAlert('conflicts', 'conflict', 'updated', conflict([viper(2001.5, 'newer')]));
  assert.equal(store.guidanceFor('AE1001').advice.text, 'newer', 'the ack answer\'s newer guidance');
  store.applyAlert('conflicts', 'conflict', 'updated', conflict([viper(1999, 'older')]));
  assert.equal(store.guidanceFor('AE1001').advice.text, 'newer', 'an older one does not replace it');
  store.replaceConflicts([]);
  assert.equal(store.guidance.size, 0);
});

test('band levels: the alert palette for far / mid / near, green for clear and recovery', () => {
  assert.equal(bandStyle('far').colour, levelColour(ADVISORY));
  assert.equal(bandStyle('mid').colour, levelColour(CAUTION));
  assert.equal(bandStyle('near').colour, levelColour(WARNING));
  assert.ok(bandStyle('recovery').recovery, 'recovery is drawn distinctly (dashed)');
  assert.equal(bandStyle('none').conflict, false);
  assert.deepEqual(Object.keys(BAND_LEVELS).sort(), ['far', 'mid', 'near', 'none', 'recovery']);
  assert.ok(bandStyle('bogus').unknown, 'an unknown level is not shown as clear');
  assert.notEqual(bandStyle('bogus').colour, bandStyle('none').colour);
});

test('track bands are arcs clockwise from north, covering the circle', () => {
  const deg = (r) => Math.round(((r * 180) / Math.PI + 90) * 1000) / 1000;
  const [m, n] = viper(0).track_bands;
  assert.deepEqual(trackArc(m).map(deg), [69.258, 110.723]);
  // The clear band wraps through north: 110.7° clockwise to 69.3° + 360°.
  assert.deepEqual(trackArc(n).map(deg), [110.723, 429.258]);
  assert.equal(Math.round(trackBandSpan(m) + trackBandSpan(n)), 360);
  assert.equal(Math.round(trackBandMiddle(m)), 90);
  assert.equal(Math.round(trackBandMiddle(n)), 270);
  // A single band round the circle is a full arc.
  const full = trackArc({ from_deg: 0, to_deg: 360, level: 'none' });
  assert.equal(Math.round((full[1] - full[0]) * 1000), Math.round(2 * Math.PI * 1000));
  // North is up: 0° starts at the top of the canvas (angle −90°).
  assert.equal(deg(trackArc({ from_deg: 0, to_deg: 10 })[0]), 0);
});

test('the vertical-speed strip: zero in the middle, square-root scaled, labelled', () => {
  const [min, max] = bandsExtent(viper(0).vs_bands, 'from_fpm', 'to_fpm');
  assert.deepEqual([min, max], [-20000, 20000]);
  assert.equal(vsFraction(0, min, max), 0.5);
  assert.equal(vsFraction(max, min, max), 1);
  assert.equal(vsFraction(min, min, max), 0);
  assert.equal(vsFraction(99999, min, max), 1, 'clamped');
  // A ±690 ft/min band is still visible on a ±20,000 ft/min fighter strip (> 8 % of it).
  assert.ok(vsFraction(689, min, max) - vsFraction(-689, min, max) > 0.15);
  const xs = [-20000, -5000, -1000, -100, 0, 100, 1000, 5000, 20000].map((v) => vsFraction(v, min, max));
  for (let i = 1; i < xs.length; i++) assert.ok(xs[i] > xs[i - 1], 'monotonic');
  // A range not spanning zero is linear.
  assert.equal(vsFraction(150, 100, 200), 0.5);
  const ticks = vsTicks(min, max);
  assert.equal(ticks[0], 20000);
  assert.equal(ticks[ticks.length - 1], -20000);
  assert.ok(ticks.includes(0) && ticks.includes(5000) && ticks.includes(-1000));
  // Marks never crowd each other (150 px strip: at least 12 px apart).
  const fr = ticks.map((v) => vsFraction(v, min, max));
  for (let i = 1; i < fr.length; i++) assert.ok(fr[i - 1] - fr[i] >= 0.08, `${ticks[i - 1]} and ${ticks[i]} apart`);
  assert.deepEqual([20000, 1500, 0, -500].map(vsLabel), ['+20k', '+1.5k', '0', '−500']);
  assert.deepEqual(vsTicks(-20000, 20000), [20000, 10000, 5000, 1000, 0, -1000, -5000, -10000, -20000]);
  assert.deepEqual(vsTicks(-6000, 6000), [6000, 2000, 1000, 0, -1000, -2000, -6000]);
});

test('advice per dimension: rounded away from the conflict, preferred first; recovery and no resolution', () => {
  const a = viper(0).advice;
  assert.deepEqual(resolutions('track', a.track).map((r) => [r.text, r.preferred]), [['right 111°', true], ['left 069°', false]]);
  assert.deepEqual(resolutions('vs', a.vs).map((r) => r.text), ['descend ≥ 690 ft/min', 'climb ≥ 690 ft/min']);
  assert.deepEqual(resolutions('alt', a.alt).map((r) => r.text), ['descend to ≤ 24,000 ft', 'climb to ≥ 26,000 ft']);
  assert.equal(dimensionState('track', a.track), null);
  // Speed: in recovery but nothing regains separation (head-on): no resolution, nothing advised.
  assert.deepEqual(resolutions('gs', a.gs), []);
  assert.equal(dimensionState('gs', a.gs), 'no resolution');
  const rec = { left_deg: 130.69, right_deg: null, preferred: 'left', basis: 'nearest', recovery: true, time_to_recovery_s: 40.3 };
  assert.equal(dimensionState('track', rec), 'in recovery');
  assert.deepEqual(resolutions('track', rec).map((r) => r.text), ['left 130°']);
  assert.deepEqual(resolutions('gs', { slower_kt: 287.56, faster_kt: 631.3, preferred: 'up' }).map((r) => r.text), ['faster ≥ 632 kt', 'slower ≤ 287 kt']);
  assert.deepEqual(resolutions('track', { right_deg: 359.6, left_deg: null, preferred: 'right' }).map((r) => r.text), ['right 000°']);
});

test('a party is shown its own aircraft\'s guidance only; the cell and observers both', () => {
  const c = conflict([]);
  assert.deepEqual(guidanceViewerIds(c, { party: 'blue', role: 'party' }), ['AE1001']);
  assert.deepEqual(guidanceViewerIds(c, { party: 'red', role: 'party' }), ['150A21']);
  assert.deepEqual(guidanceViewerIds(c, { party: 'green', role: 'party' }), []);
  assert.deepEqual(guidanceViewerIds(c, { party: 'cell', role: 'cell' }), ['150A21', 'AE1001']);
  assert.deepEqual(guidanceViewerIds(c, { party: 'monitor', role: 'observer' }), ['150A21', 'AE1001']);
  assert.deepEqual(guidanceViewerIds(c, null), []);
});

test('guidance age and staleness on the server clock', () => {
  const g = viper(1000);
  assert.ok(Math.abs(guidanceAge(g, 1001.2) - 1.2) < 1e-9);
  assert.equal(ageText(guidanceAge(g, 1001.2)), 'computed 1 s ago');
  assert.equal(isStale(g, 1000 + STALE_AFTER_S), false);
  assert.equal(isStale(g, 1000 + STALE_AFTER_S + 0.1), true);
  assert.equal(ageText(200), 'computed 3 min ago');
  assert.equal(guidanceAge(g, 990), 0, 'a computation "from the future" (clock jitter) is 0 s old');
  assert.equal(isStale({ id: 'x' }, 1000), true, 'no time: stale');
});

test('the map\'s ring: one arc per track band in its level\'s style, the advised turns marked, faded when stale', async () => {
  const { GuidanceLayer, RING_RADIUS_PX } = await import('../public/js/map/layers/guidance.js');
  const calls = [];
  const ctx = new Proxy({ globalAlpha: 1 }, {
    get(target, k) {
      if (k in target) return target[k];
      return (...args) => calls.push([k, ...args, { stroke: target.strokeStyle, width: target.lineWidth, dash: target.dash || [], alpha: target.globalAlpha }]);
    },
    set(target, k, v) { target[k] = v; return true; },
  });
  ctx.setLineDash = (d) => { ctx.dash = d; };
  const aircraft = { screenOf: (id) => (id === 'AE1001' ? [300, 200] : null), aircraft: () => own, ring: null };
  const layer = new GuidanceLayer({}, aircraft);
  store.applySnapshot({ time: 3000, tracks: [own], conflicts: [conflict([viper(2999.5)])], intrusions: [] });
  store.select('AE1001');
  layer.draw(ctx, 3000);
  const d = layer.drawn;
  assert.equal(d.id, 'AE1001');
  assert.equal(d.stale, false);
  assert.deepEqual(d.bands.map((b) => [b.level, b.colour, b.width > 2]), [['mid', levelColour(CAUTION), true], ['none', bandStyle('none').colour, false]]);
  const arcs = calls.filter((c) => c[0] === 'arc' && c[3] === RING_RADIUS_PX && c[4] !== 0);
  assert.equal(arcs.length, 2, 'one arc per band (besides the backdrop)');
  assert.deepEqual(d.marks.map((m) => [m.dir, m.preferred]), [['right', true], ['left', false]]);
  assert.equal(d.track_deg, 90);
  assert.deepEqual(aircraft.ring, { id: 'AE1001', radiusPx: RING_RADIUS_PX + 8 }, 'the label moves outside the ring');
  // Stale: drawn faded and labelled.
  calls.length = 0;
  layer.draw(ctx, 2999.5 + STALE_AFTER_S + 1);
  assert.equal(layer.drawn.stale, true);
  assert.ok(calls.some((c) => c[0] === 'fillText' && c[1] === 'GUIDANCE STALE'));
  assert.ok(calls.filter((c) => c[0] === 'stroke').some((c) => c[c.length - 1].alpha < 1), 'faded');
  // Nothing for an aircraft without guidance, or off screen.
  store.select('150A21');
  layer.draw(ctx, 3000);
  assert.equal(layer.drawn, null);
  assert.equal(aircraft.ring, null);
  store.select(null);
});
