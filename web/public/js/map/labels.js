// Label placement for the map: which labels are drawn, and where, so that none covers another
// or an aircraft symbol. Greedy in priority order — aircraft in alert (warnings first), the
// selected aircraft, the viewer's own aircraft, other parties' aircraft, aircraft known only
// through alerts, reservation names, civil traffic, high-level civil, safety-net region
// names last — each label takes
// the first free spot among positions round its symbol (right, left, above, below, the four
// corners), then positions displaced further out (drawn with a leader line back to the symbol);
// where every spot covers a symbol, one over a lower-priority aircraft's symbol is taken (a
// fighter's label may hide an airliner cruising past, never the other way round); a label with
// no spot left is dropped, so it is always the lowest-priority labels that go.
// Placed labels and symbols are kept in a grid of buckets, so a frame of 350 labels costs about
// one millisecond (see web/test/labels.test.mjs). Pure: no DOM, no canvas, node imports it.

/** Priorities, highest first. An alert label adds its level (1-3) to ALERT. */
export const PRIORITY = Object.freeze({
  ALERT: 70,
  SELECTED: 60,
  OWN: 50,
  PARTY: 40,
  VIA_ALERT: 30,
  RESERVATION: 20,
  CIVIL: 10,
  CIVIL_HIGH: 5,
  REGION: 3,
});

/** Civil traffic above this level (feet) is labelled last (en-route overflights). */
export const CIVIL_HIGH_FT = 30000;
/** Gap between a symbol and a label next to it, and between two labels (pixels). */
export const GAP_PX = 2;
/** Distances (pixels from the symbol's centre) of the displaced positions, with leader lines. */
export const DISPLACED_PX = Object.freeze([30, 50, 75]);
const BUCKET_PX = 48;

const isCivilParty = (party) => !party || party === 'civil';

/**
 * Priority of an aircraft's label. `a`: { level (alert level, 0 none), selected, party,
 * viewerParty, viaAlert (known only through an alert), altFt }.
 */
export function aircraftPriority(a) {
  const level = Number(a.level) || 0;
  if (level > 0) return PRIORITY.ALERT + Math.min(3, level) + (a.selected ? 0.5 : 0);
  if (a.selected) return PRIORITY.SELECTED;
  if (a.viaAlert) return PRIORITY.VIA_ALERT;
  if (isCivilParty(a.party)) return Number(a.altFt) > CIVIL_HIGH_FT ? PRIORITY.CIVIL_HIGH : PRIORITY.CIVIL;
  if (a.viewerParty && a.party === a.viewerParty) return PRIORITY.OWN;
  return PRIORITY.PARTY;
}

// The eight directions round a symbol, in the order tried: right, left, above, below, corners.
const DIRS = [
  [1, 0, 'right'], [-1, 0, 'left'], [0, -1, 'above'], [0, 1, 'below'],
  [1, -1, 'above-right'], [1, 1, 'below-right'], [-1, -1, 'above-left'], [-1, 1, 'below-left'],
];

/** Top-left of a w × h box whose near side (or corner) is `d` from (x, y) in direction (dx, dy). */
function boxAt(x, y, dx, dy, d, w, h) {
  const px = x + dx * d;
  const py = y + dy * d;
  return [dx > 0 ? px : dx < 0 ? px - w : px - w / 2, dy > 0 ? py : dy < 0 ? py - h : py - h / 2];
}

/** Directions ordered so that those pointing away from `away` ([x, y], e.g. the other aircraft of a pair) come first. */
function ordered(dirs, l) {
  let ref = null;
  if (l.away) ref = [l.x - l.away[0], l.y - l.away[1]];
  else if (Number.isFinite(l.preferDeg)) {
    const a = ((l.preferDeg - 90) * Math.PI) / 180;
    ref = [Math.cos(a), Math.sin(a)];
  }
  if (!ref || (ref[0] === 0 && ref[1] === 0)) return dirs;
  const n = Math.hypot(ref[0], ref[1]);
  const score = ([dx, dy]) => -(dx * ref[0] + dy * ref[1]) / (n * Math.hypot(dx, dy));
  // Stable: equally good directions keep their canonical order.
  return dirs.map((d, i) => [d, i]).sort((p, q) => score(p[0]) - score(q[0]) || p[1] - q[1]).map((p) => p[0]);
}

/**
 * The positions a label may take, in the order tried: [{x, y, pos, leader}] (top-left of the
 * box). Next to its symbol (radius `symbolR`) in the eight directions, then displaced to each
 * of DISPLACED_PX in the eight directions with a leader line. A label with `clearRadius` (its
 * aircraft has the guidance ring round it) goes just outside that radius instead, in the
 * `preferDeg` direction first, without a leader (it sits against the ring). One with
 * `displace: false` (background names) takes only the positions next to its anchor.
 */
export function candidatePositions(l) {
  const out = [];
  const { x, y, w, h } = l;
  if (l.clearRadius > 0) {
    for (const [i, d] of [l.clearRadius, l.clearRadius + 24].entries()) {
      for (const [dx, dy, name] of ordered(DIRS, l)) {
        const k = dx && dy ? Math.SQRT1_2 : 1;
        const [bx, by] = boxAt(x, y, dx * k, dy * k, d, w, h);
        out.push({ x: bx, y: by, pos: `ring-${name}${i ? '-far' : ''}`, leader: false });
      }
    }
    return out;
  }
  const r = (l.symbolR ?? 6) + GAP_PX;
  const near = l.away ? ordered(DIRS, l) : DIRS;
  for (const [dx, dy, name] of near) {
    const [bx, by] = boxAt(x, y, dx, dy, r, w, h);
    out.push({ x: bx, y: by, pos: name, leader: false });
  }
  if (l.displace === false) return out;
  const far = ordered(DIRS, l);
  for (const d of DISPLACED_PX) {
    for (const [dx, dy, name] of far) {
      const k = dx && dy ? Math.SQRT1_2 : 1;
      const [bx, by] = boxAt(x, y, dx * k, dy * k, d, w, h);
      out.push({ x: bx, y: by, pos: `${name}-${d}`, leader: true });
    }
  }
  return out;
}

/** A grid of buckets holding boxes {x0, y0, x1, y1, priority}, for overlap queries. */
class BoxIndex {
  constructor(cell = BUCKET_PX) {
    this.cell = cell;
    this.buckets = new Map();
  }

  cells(b, fn) {
    const c = this.cell;
    const i0 = Math.floor(b.x0 / c);
    const i1 = Math.floor(b.x1 / c);
    const j0 = Math.floor(b.y0 / c);
    const j1 = Math.floor(b.y1 / c);
    for (let i = i0; i <= i1; i++) {
      for (let j = j0; j <= j1; j++) if (fn((i + 32768) * 65536 + (j + 32768)) === false) return false;
    }
    return true;
  }

  add(b) {
    this.cells(b, (k) => {
      let list = this.buckets.get(k);
      if (!list) this.buckets.set(k, (list = []));
      list.push(b);
    });
  }

  /** True when a box overlaps `b` (strictly; touching is fine) and `counts(box)`. */
  hits(b, counts) {
    return !this.cells(b, (k) => {
      const list = this.buckets.get(k);
      if (!list) return true;
      for (const o of list) {
        if (b.x0 < o.x1 && b.x1 > o.x0 && b.y0 < o.y1 && b.y1 > o.y0 && counts(o)) return false;
      }
      return true;
    });
  }
}

/** The point of box (x, y, w, h) nearest to (px, py). */
function nearestOnBox(px, py, x, y, w, h) {
  return [Math.max(x, Math.min(px, x + w)), Math.max(y, Math.min(py, y + h))];
}

/**
 * Places labels. `labels`: [{id, x, y, w, h, priority, symbolR?, away?, clearRadius?,
 * preferDeg?, ...}] where (x, y) is the symbol's centre and w × h the label's size (pixels).
 * `options.obstacles`: [{x0, y0, x1, y1, priority?, soft?}] areas labels keep off. A hard one
 * (the guidance ring) with a priority keeps off only labels below it, without one every label.
 * A soft one (an aircraft symbol, with its aircraft's label priority) is avoided by every label
 * while a spot clear of all symbols exists, and otherwise only by labels of no higher priority.
 * `options.bounds`: [x0, y0, x1, y1], the visible area labels stay inside.
 *
 * Returns { placed, dropped }: placed [{id, priority, x, y, w, h, pos, leader, leaderFrom,
 * leaderTo, label}] in placement order (leaderFrom on the symbol's edge, leaderTo on the
 * label's box, both null without a leader), dropped [{id, priority, label}].
 *
 * Labels of ALERT priority that find no free spot are placed anyway at the first spot clear of
 * other labels (over a symbol if need be, or off the edge): an aircraft in alert never loses
 * its label to clutter.
 */
export function placeLabels(labels, options = {}) {
  const { obstacles = [], bounds = null } = options;
  const index = new BoxIndex();
  for (const o of obstacles) index.add({ ...o, priority: o.priority ?? Infinity, soft: !!o.soft, obstacle: true });
  const order = labels.map((l, i) => [l, i]).sort((a, b) => b[0].priority - a[0].priority || a[1] - b[1]).map((p) => p[0]);
  const placed = [];
  const dropped = [];
  const inside = (b) => !bounds || (b.x0 >= bounds[0] && b.y0 >= bounds[1] && b.x1 <= bounds[2] && b.y1 <= bounds[3]);
  for (const l of order) {
    const cands = candidatePositions(l);
    const boxOf = (c) => ({ x0: c.x - GAP_PX / 2, y0: c.y - GAP_PX / 2, x1: c.x + l.w + GAP_PX / 2, y1: c.y + l.h + GAP_PX / 2 });
    const p = l.priority;
    // First clear of every symbol, then clear of the symbols of aircraft that rank as high.
    const strict = (o) => !o.obstacle || o.soft || p < o.priority;
    const lenient = (o) => !o.obstacle || (o.soft ? p <= o.priority : p < o.priority);
    const free = (test) => cands.find((c) => {
      const b = boxOf(c);
      return inside(b) && !index.hits(b, test);
    }) || null;
    let chosen = free(strict) || free(lenient);
    if (!chosen && l.priority >= PRIORITY.ALERT) {
      chosen = cands.find((c) => !index.hits(boxOf(c), (o) => !o.obstacle)) || null;
    }
    if (!chosen) {
      dropped.push({ id: l.id, priority: l.priority, label: l });
      continue;
    }
    index.add({ ...boxOf(chosen), priority: l.priority, obstacle: false });
    let leaderFrom = null;
    let leaderTo = null;
    if (chosen.leader) {
      leaderTo = nearestOnBox(l.x, l.y, chosen.x, chosen.y, l.w, l.h);
      const dx = leaderTo[0] - l.x;
      const dy = leaderTo[1] - l.y;
      const d = Math.hypot(dx, dy) || 1;
      const r = l.symbolR ?? 6;
      leaderFrom = [l.x + (dx / d) * r, l.y + (dy / d) * r];
    }
    placed.push({ id: l.id, priority: l.priority, x: chosen.x, y: chosen.y, w: l.w, h: l.h, pos: chosen.pos, leader: chosen.leader, leaderFrom, leaderTo, label: l });
  }
  return { placed, dropped };
}

/** True when two boxes {x, y, w, h} overlap (touching edges do not). */
export function overlaps(a, b) {
  return a.x < b.x + b.w && a.x + a.w > b.x && a.y < b.y + b.h && a.y + a.h > b.y;
}
