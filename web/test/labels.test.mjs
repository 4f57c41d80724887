// Unit tests of the map's label placement (web/public/js/map/labels.js): no two labels overlap,
// none covers an aircraft symbol, priorities decide who keeps a label (never a lower one in a
// spot a higher one could have had), both aircraft of a conflict keep theirs in a crowded sky,
// red's own fighters keep theirs among civil overflights, displaced labels get a leader line,
// and a frame of 350 labels is cheap. Run with `node --test test/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placeLabels, candidatePositions, aircraftPriority, overlaps, PRIORITY, GAP_PX, CIVIL_HIGH_FT } from '../public/js/map/labels.js';

const W = 1140;
const H = 860;
const BOUNDS = [0, 0, W, H];
const SYMBOL = 6;

/** A seeded pseudo-random generator (mulberry32), so every run sees the same sky. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const label = (id, x, y, priority, extra = {}) => ({ id, x, y, w: 56, h: 25, priority, symbolR: SYMBOL, ...extra });
// An aircraft's symbol, with its label's priority: labels avoid it, and cover it only when it
// ranks lower and no spot clear of every symbol is left.
const symbolBox = (l) => ({ x0: l.x - SYMBOL, y0: l.y - SYMBOL, x1: l.x + SYMBOL, y1: l.y + SYMBOL, priority: l.priority, soft: true });

/** A crowded sky: n aircraft in a w × h box at (x0, y0), mixed priorities. */
function sky(n, seed, { x0 = 0, y0 = 0, w = W, h = H } = {}) {
  const r = rng(seed);
  const prios = [PRIORITY.OWN, PRIORITY.PARTY, PRIORITY.VIA_ALERT, PRIORITY.CIVIL, PRIORITY.CIVIL, PRIORITY.CIVIL_HIGH, PRIORITY.CIVIL_HIGH];
  return Array.from({ length: n }, (_, i) => label(`ac${i}`, x0 + r() * w, y0 + r() * h, prios[Math.floor(r() * prios.length)], { w: 42 + Math.floor(r() * 5) * 7 }));
}

function place(labels, extraObstacles = []) {
  return placeLabels(labels, { obstacles: [...labels.map(symbolBox), ...extraObstacles], bounds: BOUNDS });
}

function assertNoOverlap(placed) {
  for (let i = 0; i < placed.length; i++) {
    for (let j = i + 1; j < placed.length; j++) {
      assert.ok(!overlaps(placed[i], placed[j]), `${placed[i].id} ${JSON.stringify(placed[i].pos)} overlaps ${placed[j].id} ${placed[j].pos}`);
    }
  }
}

test('a lone label goes right of its symbol, clear of it, with no leader', () => {
  const l = label('a', 300, 200, PRIORITY.OWN);
  const { placed, dropped } = place([l]);
  assert.equal(dropped.length, 0);
  assert.equal(placed[0].pos, 'right');
  assert.equal(placed[0].leader, false);
  assert.ok(placed[0].x >= 300 + SYMBOL, 'right of the symbol');
  assert.ok(Math.abs(placed[0].y + placed[0].h / 2 - 200) < 1, 'centred on it');
});

test('no two placed labels overlap, and none covers the symbol of an aircraft that ranks as high, in a crowded sky', () => {
  for (const seed of [1, 2, 3]) {
    const labels = sky(350, seed);
    const { placed, dropped } = place(labels);
    assert.equal(placed.length + dropped.length, 350);
    assertNoOverlap(placed);
    let covering = 0;
    for (const p of placed) {
      for (const l of labels) {
        const s = { x: l.x - SYMBOL, y: l.y - SYMBOL, w: 2 * SYMBOL, h: 2 * SYMBOL };
        if (!overlaps(p, s)) continue;
        covering += 1;
        assert.ok(l.priority < p.priority, `label of ${p.id} (${p.priority}) covers the symbol of ${l.id} (${l.priority})`);
      }
      assert.ok(p.x >= 0 && p.y >= 0 && p.x + p.w <= W && p.y + p.h <= H, 'inside the view');
    }
    assert.ok(placed.length > 150, `most of a 350-aircraft sky is labelled (${placed.length})`);
    assert.ok(covering < placed.length / 5, `few labels cover a (lower-ranked) symbol (${covering} of ${placed.length})`);
  }
});

test('a higher-priority label is never dropped while a lower one is placed where it could have gone', () => {
  const labels = sky(350, 7, { x0: 200, y0: 150, w: 500, h: 400 });
  const { placed, dropped } = place(labels);
  assert.ok(dropped.length > 50, `the scene is crowded enough to drop labels (${dropped.length})`);
  const pad = GAP_PX / 2;
  for (const d of dropped) {
    for (const c of candidatePositions(d.label)) {
      const box = { x: c.x - pad, y: c.y - pad, w: d.label.w + 2 * pad, h: d.label.h + 2 * pad };
      if (box.x < 0 || box.y < 0 || box.x + box.w > W || box.y + box.h > H) continue;
      // The spot covers the symbol of an aircraft that ranks at least as high…
      const bySymbol = labels.some((o) => o.priority >= d.priority && overlaps(box, { x: o.x - SYMBOL, y: o.y - SYMBOL, w: 2 * SYMBOL, h: 2 * SYMBOL }));
      if (bySymbol) continue;
      // …or a label that ranks at least as high took it.
      const taker = placed.filter((p) => overlaps(box, { x: p.x - pad, y: p.y - pad, w: p.w + 2 * pad, h: p.h + 2 * pad }));
      assert.ok(taker.some((p) => p.priority >= d.priority),
        `${d.id} (priority ${d.priority}) dropped though ${c.pos} was taken only by ${taker.map((p) => `${p.id} (${p.priority})`).join(', ') || 'nobody'}`);
    }
  }
  // And whenever a label is dropped, every label placed in its first-choice spot outranks it.
  const highestDropped = Math.max(...dropped.map((d) => d.priority));
  const lowestPlaced = Math.min(...placed.map((p) => p.priority));
  assert.ok(lowestPlaced <= highestDropped, 'priorities mix in a crowded sky');
  const byPrio = (p) => dropped.filter((d) => d.priority === p).length / Math.max(1, labels.filter((l) => l.priority === p).length);
  assert.ok(byPrio(PRIORITY.CIVIL_HIGH) >= byPrio(PRIORITY.OWN), 'high-level civil loses labels first');
});

test('both aircraft of a conflict keep their labels in a crowded scene, clear of each other', () => {
  for (const seed of [11, 12, 13, 14]) {
    const crowd = sky(300, seed, { x0: 400, y0: 300, w: 300, h: 250 });
    // The pair 14 px apart in the thick of it, in alert (a warning).
    const a = label('VIPER11', 550, 420, aircraftPriority({ level: 3, party: 'blue', viewerParty: 'blue' }), { away: [564, 420] });
    const b = label('SOKOL21', 564, 420, aircraftPriority({ level: 3, party: 'red', viewerParty: 'blue' }), { away: [550, 420] });
    const { placed } = place([...crowd, a, b]);
    const pa = placed.find((p) => p.id === 'VIPER11');
    const pb = placed.find((p) => p.id === 'SOKOL21');
    assert.ok(pa && pb, `both keep a label (seed ${seed})`);
    assert.ok(!overlaps(pa, pb), 'the pair\'s labels do not overlap each other');
    assertNoOverlap(placed);
    // Each goes on the side away from the other when it can: VIPER11 left, SOKOL21 right.
    assert.ok(pa.x + pa.w / 2 < 557 && pb.x + pb.w / 2 > 557, `labels on the outer sides (${pa.pos}, ${pb.pos})`);
  }
});

test('priorities: alert, selected, own, other party, via alert, reservation, civil, high civil, region', () => {
  const p = (a) => aircraftPriority({ viewerParty: 'red', ...a });
  const order = [
    p({ level: 3, party: 'civil' }),
    p({ level: 2, party: 'red' }),
    p({ level: 1, party: 'red' }),
    p({ selected: true, party: null }),
    p({ party: 'red', altFt: 36000 }),
    p({ party: 'blue' }),
    p({ party: 'blue', viaAlert: true }),
    PRIORITY.RESERVATION,
    p({ party: null, altFt: 12000 }),
    p({ party: 'civil', altFt: CIVIL_HIGH_FT + 100 }),
    PRIORITY.REGION,
  ];
  for (let i = 1; i < order.length; i++) assert.ok(order[i - 1] > order[i], `priority ${i - 1} (${order[i - 1]}) above ${i} (${order[i]})`);
  assert.equal(p({ selected: true, level: 2, party: 'red' }) > p({ level: 2, party: 'red' }), true, 'the selected aircraft of a pair first');
});

test('red\'s own fighters keep their labels among civil overflights', () => {
  const r = rng(5);
  const civil = Array.from({ length: 200 }, (_, i) => label(`civ${i}`, 350 + r() * 250, 250 + r() * 200, aircraftPriority({ party: null, altFt: 35000, viewerParty: 'red' }), { w: 56 }));
  const fighters = Array.from({ length: 6 }, (_, i) => label(`SOKOL${i}`, 400 + i * 30, 300 + (i % 2) * 40, aircraftPriority({ party: 'red', viewerParty: 'red', altFt: 25000 }), { w: 49 }));
  const { placed } = place([...civil, ...fighters]);
  for (const f of fighters) assert.ok(placed.some((p) => p.id === f.id), `${f.id} labelled`);
  assertNoOverlap(placed);
});

test('a label displaced from a crowded spot is drawn with a leader line back to its symbol', () => {
  const l = label('a', 500, 400, PRIORITY.OWN);
  // Everything next to the symbol is taken (by higher-priority labels' boxes).
  const block = { x0: 500 - 80, y0: 400 - 40, x1: 500 + 80, y1: 400 + 40, priority: PRIORITY.ALERT };
  const { placed } = placeLabels([l], { obstacles: [symbolBox(l), block], bounds: BOUNDS });
  assert.equal(placed.length, 1);
  const p = placed[0];
  assert.equal(p.leader, true, `displaced to ${p.pos}`);
  assert.ok(!overlaps(p, { x: block.x0, y: block.y0, w: block.x1 - block.x0, h: block.y1 - block.y0 }));
  // The leader runs from the symbol's edge to the label's box.
  assert.ok(Math.abs(Math.hypot(p.leaderFrom[0] - 500, p.leaderFrom[1] - 400) - SYMBOL) < 1e-6, 'starts at the symbol');
  const [tx, ty] = p.leaderTo;
  assert.ok(tx >= p.x - 1e-9 && tx <= p.x + p.w + 1e-9 && ty >= p.y - 1e-9 && ty <= p.y + p.h + 1e-9, 'ends on the label');
  assert.ok(tx === p.x || tx === p.x + p.w || ty === p.y || ty === p.y + p.h, 'on its edge');
  // A background name (displace: false) is dropped rather than moved away.
  const bg = placeLabels([label('r', 500, 400, PRIORITY.REGION, { displace: false })], { obstacles: [symbolBox(l), block], bounds: BOUNDS });
  assert.deepEqual(bg.placed, []);
  // Labels next to their symbol have none.
  const q = placeLabels([label('b', 100, 100, PRIORITY.OWN)], { bounds: BOUNDS }).placed[0];
  assert.equal(q.leader, false);
  assert.equal(q.leaderFrom, null);
});

test('the aircraft with the guidance ring has its label outside the ring, behind it first', () => {
  // Track 090: behind is west.
  const l = label('a', 500, 400, PRIORITY.ALERT + 3, { clearRadius: 60, preferDeg: 270 });
  const p = placeLabels([l], { bounds: BOUNDS }).placed[0];
  assert.equal(p.pos, 'ring-left');
  assert.ok(p.x + p.w <= 500 - 60 + 1e-9, 'clear of the ring on the west side');
  // A ring obstacle keeps lower labels off the ring but not alert labels.
  const ring = { x0: 440, y0: 340, x1: 560, y1: 460, priority: PRIORITY.ALERT };
  const low = placeLabels([label('c', 470, 400, PRIORITY.CIVIL)], { obstacles: [ring], bounds: BOUNDS }).placed[0];
  assert.ok(!overlaps(low, { x: 440, y: 340, w: 120, h: 120 }), 'civil label off the ring');
});

test('an aircraft in alert keeps its label even when every spot round it is covered', () => {
  const l = label('a', 500, 400, PRIORITY.ALERT + 3);
  const wall = { x0: 0, y0: 0, x1: W, y1: H };
  const { placed } = placeLabels([l, label('z', 510, 410, PRIORITY.CIVIL)], { obstacles: [wall], bounds: BOUNDS });
  assert.deepEqual(placed.map((p) => p.id), ['a']);
});

test('350 labels are placed in a few milliseconds', (t) => {
  const labels = sky(350, 42);
  const obstacles = labels.map(symbolBox);
  for (let i = 0; i < 20; i++) placeLabels(labels, { obstacles, bounds: BOUNDS });
  const runs = 100;
  const t0 = performance.now();
  let n = 0;
  for (let i = 0; i < runs; i++) n += placeLabels(labels, { obstacles, bounds: BOUNDS }).placed.length;
  const ms = (performance.now() - t0) / runs;
  t.diagnostic(`350 labels: ${ms.toFixed(2)} ms per frame, ${n / runs} placed`);
  assert.ok(ms < 25, `${ms.toFixed(2)} ms per frame`);
});
