// Reservations and zones layer: every live reservation's volumes as filled outlines in the
// owner's colour (dashed while proposed; hazard areas and closures hatched violet), on the lower
// canvas. Exclusions (the reservation an accepted vacate request created, js/exclusion.js) are
// cross-hatched in the requester's colour, dash-dotted until their deadline and solid from it,
// labelled "EXCLUSION · blue out by 14:08:00 UTC · in 7:42" (counting down each frame, then
// "in force"); declined or unanswered vacate requests' volumes (contested, not reservations)
// are dashed warm-grey outlines labelled "CONTESTED · red's request q-3 declined by blue: …".
// Once zoomed in, each volume's name and band is a label the aircraft layer places with the
// aircraft labels (js/map/labels.js) and draws on the upper canvas, so that names and aircraft
// labels keep clear of each other (`labels`; a label with `textAt(now)` is re-worded each
// frame). Keeps the drawn outlines for hit testing (hover and click on the map) and what was
// drawn (`drawn`, the test hook), knows when a deadline or an end makes the drawing stale
// (`stale(now)`), and draws the volume highlighted from the lists (hovering a reservation or
// request card) on the upper canvas.

import { store } from '../../store.js';
import { volumeRings } from '../../geo.js';
import { fl3, reservationColour, isHazard, partyColour } from '../../util.js';
import { zoomScale } from '../view.js';
import { MAP, ZONE } from '../../palette.js';
import { PRIORITY } from '../labels.js';
import {
  isExclusion, exclusionLink, exclusionEnd, deadlinePhase, exclusionLabel, isContested, contestedLabel, volumeStyle,
} from '../../exclusion.js';
import { shownAt, stateAt } from '../../timeline.js';
import { isNotice, isLiveNotice, noticeRoutes, noticeLabel, routeLabel, waypointLabel, noticeStyle } from '../../notice.js';

const LABEL_MIN_ZOOM = 5;
const HIGHLIGHT = MAP.highlight;
/** Exclusion labels go before other parties' reservation names (below aircraft labels). */
const EXCLUSION_LABEL_PRIORITY = PRIORITY.VIA_ALERT + 1;
const CONTESTED_LABEL_PRIORITY = PRIORITY.RESERVATION + 1;

/** Where a volume's label goes: a circle's centre, a polygon's northernmost corner. */
function volumeAnchor(v) {
  if (v.shape.type === 'circle') return [v.shape.center.lon_deg, v.shape.center.lat_deg];
  const ring = volumeRings(v)[0] || [[0, 0]];
  let top = ring[0];
  for (const p of ring) if (p[1] > top[1]) top = p;
  return top;
}

/** An exclusion's label anchor: a circle's centre, a polygon's north-west corner (its northernmost, the westernmost of equals). */
function exclusionAnchor(v) {
  if (v.shape.type === 'circle') return [v.shape.center.lon_deg, v.shape.center.lat_deg];
  const ring = volumeRings(v)[0] || [[0, 0]];
  let top = ring[0];
  for (const p of ring) if (p[1] > top[1] + 1e-9 || (Math.abs(p[1] - top[1]) <= 1e-9 && p[0] < top[0])) top = p;
  return top;
}

/** A contested volume's label anchor: its centre (the mean of a polygon's corners). */
function centreAnchor(v) {
  if (v.shape.type === 'circle') return [v.shape.center.lon_deg, v.shape.center.lat_deg];
  const ring = volumeRings(v)[0] || [[0, 0]];
  const n = ring.length || 1;
  return [ring.reduce((a, p) => a + p[0], 0) / n, ring.reduce((a, p) => a + p[1], 0) / n];
}

export class ReservationsLayer {
  constructor(view) {
    this.view = view;
    // Drawn outlines in device pixels, topmost last: {path, reservation, volume, index}, or
    // {path, request, volume, index} for a contested volume.
    this.paths = [];
    // The volume highlighted from a list, or null.
    this.highlight = null;
    // Labels of the drawn volumes for the label placement: {id, x, y, text, colour}.
    this.labels = [];
    // Exclusions, contested volumes and notices as the last drawing drew them (the test hook).
    this.drawn = [];
    // Everything the last drawing drew: [{id, kind, state, volumes, routes?}] (the timeline's hook).
    this.shown = [];
    // Server time from which the drawing is out of date (a deadline passed, a volume ended).
    this.switchAt = Infinity;
  }

  /** Whether a deadline or an end passed since the last drawing (the map redraws then). */
  stale(now) {
    return now >= this.switchAt;
  }

  draw(ctx) {
    const v = this.view;
    // A time ahead chosen on the timeline (js/timeline.js), or null: live.
    const at = Number.isFinite(store.viewTime) ? store.viewTime : null;
    const now = at ?? store.now();
    this.paths = [];
    this.labels = [];
    this.drawn = [];
    this.shown = [];
    this.switchAt = Infinity;
    // Live, the drawing goes stale when a deadline or an end passes; a time ahead stays as it is.
    const later = (t) => { if (at === null && Number.isFinite(t) && t > now && t < this.switchAt) this.switchAt = t; };
    const ahead = at === null ? null : new Map(shownAt(store.reservations, store.requests, at).map((x) => [x.id, x]));
    const me = store.me && store.me.party;
    const labelled = v.scale > zoomScale(LABEL_MIN_ZOOM);
    // Contested volumes under the reservations: a claim that was refused, not airspace held.
    for (const q of store.requests.values()) {
      if (q.kind !== 'vacate' || q.contested !== true || !q.volume) continue;
      if (ahead ? !(ahead.get(q.id) && ahead.get(q.id).kind === 'contested') : !isContested(q, now)) continue;
      later(q.volume.end_time);
      const style = volumeStyle('contested', { colour: ZONE.contested });
      const path = this.trace(q.volume);
      this.paint(ctx, path, style);
      const [x, y] = v.project(...centreAnchor(q.volume));
      const text = contestedLabel(q);
      if (labelled) this.labels.push({ id: `contested:${q.id}`, x, y, text, colour: style.colour, priority: CONTESTED_LABEL_PRIORITY, backdrop: true });
      this.keep(path, { request: q, volume: q.volume, index: 0 });
      this.drawn.push({ id: q.id, kind: 'contested', request_id: q.id, label_id: `contested:${q.id}`, text, style: { ...style }, anchor: [x, y], box: this.box(q.volume), labelled });
      this.drawn[this.drawn.length - 1].on_screen = this.onScreen(this.drawn[this.drawn.length - 1].box);
      this.shown.push({ id: q.id, kind: 'contested', state: q.state, volumes: [0] });
    }
    const list = [...store.reservations.values()]
      .filter((r) => (ahead ? ahead.has(r.id) : r.state !== 'cancelled' && r.state !== 'ended' && !(isExclusion(r) && exclusionEnd(r) !== null && exclusionEnd(r) <= now)))
      // Exclusions on top: the box the other party must leave.
      .sort((a, b) => (isExclusion(a) ? 1 : 0) - (isExclusion(b) ? 1 : 0));
    for (const r of list) {
      const exclusion = isExclusion(r);
      const link = exclusion ? exclusionLink(r) : null;
      const phase = exclusion ? deadlinePhase(link.deadline, now) : null;
      if (exclusion) {
        later(link.deadline);
        later(exclusionEnd(r));
      }
      const state = ahead ? stateAt(r, at) : r.state;
      const kind = exclusion ? 'exclusion' : isHazard(r) ? 'hazard' : 'reservation';
      const style = volumeStyle(kind, { colour: reservationColour(r), proposed: state === 'proposed', own: r.party === me, phase });
      const indexes = ahead ? ahead.get(r.id).volumes : (r.volumes || []).map((_, i) => i);
      this.shown.push({ id: r.id, kind, state: exclusion && phase === 'in-force' ? 'in-force' : state, volumes: indexes });
      for (const idx of indexes) {
        const vol = r.volumes[idx];
        const path = this.trace(vol);
        this.paint(ctx, path, style);
        const id = `${r.id}#${idx}`;
        const [x, y] = v.project(...(exclusion ? exclusionAnchor(vol) : volumeAnchor(vol)));
        // Ahead, an exclusion's words are those of the time viewed ("· in force"); live, they count down.
        const words = (t) => exclusionLabel(r, ahead ? at : t);
        if (labelled) {
          // Inside the box from its north-west corner (below right) when there is room.
          if (exclusion) this.labels.push({ id, x, y, text: words(now), textAt: words, colour: style.colour, priority: EXCLUSION_LABEL_PRIORITY, away: [x - 20, y - 20], backdrop: true });
          else this.labels.push({ id, x, y, text: `${r.name || r.id} ${fl3(vol.lower_ft)}-${fl3(vol.upper_ft)}`, colour: style.colour });
        }
        this.keep(path, { reservation: r, volume: vol, index: idx, state });
        if (exclusion) {
          this.drawn.push({
            id: r.id, kind: 'exclusion', request_id: link.request_id, label_id: id, volume_index: idx, phase,
            text: words(now), style: { ...style }, anchor: [x, y], box: this.box(vol), labelled,
          });
          this.drawn[this.drawn.length - 1].on_screen = this.onScreen(this.drawn[this.drawn.length - 1].box);
        }
      }
    }
    // Advance notices on top, outlined only: an operation announced, not airspace held.
    for (const q of store.requests.values()) {
      if (!isNotice(q)) continue;
      if (ahead ? !(ahead.get(q.id) && ahead.get(q.id).kind === 'notice') : !isLiveNotice(q, now)) continue;
      const routes = noticeRoutes(q);
      const vols = ahead ? ahead.get(q.id).volumes : (q.volumes || []).map((_, i) => i);
      const routeIdx = ahead ? ahead.get(q.id).routes : routes.map((r) => r.index);
      for (const vol of q.volumes || []) later(vol.end_time);
      for (const r of routes) later(r.end);
      this.drawNotice(ctx, q, vols, routeIdx.map((i) => routes[i]), labelled);
      this.shown.push({ id: q.id, kind: 'notice', state: q.state, volumes: vols, routes: routeIdx });
    }
  }

  /**
   * A notice's volumes (dotted, lightly filled, in the sender's colour, labelled "NOTICE · red:
   * … · 14:00–16:00 UTC") and routes (the corridors fainter, the planned track dash-dotted, a
   * mark at each waypoint labelled "14:05 FL180").
   */
  drawNotice(ctx, q, volumeIndexes, routes, labelled) {
    const v = this.view;
    const colour = partyColour(q.from);
    const style = noticeStyle('notice', colour);
    for (const i of volumeIndexes) {
      const vol = q.volumes[i];
      const path = this.trace(vol);
      this.paint(ctx, path, style);
      const [x, y] = v.project(...volumeAnchor(vol));
      const id = `notice:${q.id}#${i}`;
      const text = noticeLabel(q, vol);
      if (labelled) this.labels.push({ id, x, y, text, colour, priority: CONTESTED_LABEL_PRIORITY, backdrop: true });
      this.keep(path, { notice: q, volume: vol, index: i });
      const box = this.box(vol);
      this.drawn.push({ id: q.id, kind: 'notice', request_id: q.id, label_id: id, volume_index: i, text, style: { ...style }, anchor: [x, y], box, labelled, on_screen: this.onScreen(box) });
    }
    const corridor = noticeStyle('corridor', colour);
    const line = noticeStyle('route', colour);
    for (const r of routes) {
      r.legs.forEach((leg, li) => {
        const path = this.trace(leg);
        this.paint(ctx, path, corridor);
        this.keep(path, { notice: q, volume: leg, index: li, route: r });
      });
      const wps = r.route.waypoints || [];
      const pts = wps.map((w) => v.project(w.lon_deg, w.lat_deg));
      ctx.beginPath();
      pts.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      ctx.strokeStyle = MAP.labelBackdrop;
      ctx.lineWidth = line.lineWidth + 2;
      ctx.setLineDash([]);
      ctx.stroke();
      ctx.strokeStyle = colour;
      ctx.lineWidth = line.lineWidth;
      ctx.setLineDash(line.dash);
      ctx.stroke();
      ctx.setLineDash([]);
      const marks = [];
      pts.forEach(([x, y], wi) => {
        ctx.beginPath();
        ctx.arc(x, y, 3.5, 0, 2 * Math.PI);
        ctx.fillStyle = colour;
        ctx.fill();
        ctx.strokeStyle = MAP.labelBackdrop;
        ctx.lineWidth = 1;
        ctx.stroke();
        const text = waypointLabel(wps[wi]);
        marks.push({ x, y, text, label_id: `notice:${q.id}:r${r.index}:w${wi}` });
        if (labelled) this.labels.push({ id: `notice:${q.id}:r${r.index}:w${wi}`, x, y, text, colour, priority: PRIORITY.RESERVATION, backdrop: true });
      });
      const text = routeLabel(q, r);
      const id = `notice:${q.id}:r${r.index}`;
      if (labelled && pts.length) this.labels.push({ id, x: pts[0][0], y: pts[0][1], text, colour, priority: CONTESTED_LABEL_PRIORITY, backdrop: true });
      const xs = pts.map((p) => p[0]);
      const ys = pts.map((p) => p[1]);
      const box = pts.length ? [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] : [0, 0, -1, -1];
      this.drawn.push({ id: q.id, kind: 'notice-route', request_id: q.id, label_id: id, route_index: r.index, text, style: { ...line }, corridor: { ...corridor }, legs: r.legs.length, waypoints: marks, box, labelled, on_screen: this.onScreen(box) });
    }
  }

  /** A volume's outline as a path in CSS pixels. */
  trace(vol) {
    const path = new Path2D();
    for (const ring of volumeRings(vol)) {
      this.view.traceRing(path, ring);
      path.closePath();
    }
    return path;
  }

  /** Fills, strokes and hatches a path in a style of js/exclusion.js volumeStyle. */
  paint(ctx, path, style) {
    ctx.fillStyle = style.colour + style.fillAlpha;
    ctx.fill(path, 'evenodd');
    ctx.strokeStyle = style.colour;
    ctx.lineWidth = style.lineWidth;
    ctx.setLineDash(style.dash);
    ctx.stroke(path);
    ctx.setLineDash([]);
    if (style.hatch === 'diagonal') this.hatch(ctx, path, style.colour + '55');
    else if (style.hatch === 'cross') {
      this.hatch(ctx, path, style.colour + '55', 12, 1);
      this.hatch(ctx, path, style.colour + '55', 12, -1);
    }
  }

  /** Keeps a drawn outline in device pixels for isPointInPath, with what it is. */
  keep(path, what) {
    const dpr = this.view.dpr;
    const hit = new Path2D();
    hit.addPath(path, new DOMMatrix([dpr, 0, 0, dpr, 0, 0]));
    this.paths.push({ path: hit, ...what });
  }

  /** Whether a box [x0, y0, x1, y1] meets the view. */
  onScreen(b) {
    return b[2] >= 0 && b[0] <= this.view.width && b[3] >= 0 && b[1] <= this.view.height;
  }

  /** A volume's bounding box on screen, CSS pixels: [x0, y0, x1, y1]. */
  box(vol) {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const ring of volumeRings(vol)) {
      for (const [lon, lat] of ring) {
        const [x, y] = this.view.project(lon, lat);
        x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
      }
    }
    return [x0, y0, x1, y1];
  }

  /** Diagonal lines `step` px apart inside the path: rising to the right (`dir` 1) or falling (-1). */
  hatch(ctx, path, colour, step = 10, dir = 1) {
    const v = this.view;
    ctx.save();
    ctx.clip(path, 'evenodd');
    ctx.beginPath();
    for (let x = -v.height; x < v.width + v.height; x += step) {
      if (dir > 0) {
        ctx.moveTo(x, v.height);
        ctx.lineTo(x + v.height, 0);
      } else {
        ctx.moveTo(x, 0);
        ctx.lineTo(x + v.height, v.height);
      }
    }
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1;
    ctx.stroke();
    ctx.restore();
  }

  /** The topmost drawn volume under screen point (x, y), tested on context `ctx`, or null. */
  at(ctx, x, y) {
    const dpr = this.view.dpr;
    for (let i = this.paths.length - 1; i >= 0; i--) {
      const p = this.paths[i];
      if (ctx.isPointInPath(p.path, x * dpr, y * dpr)) return p;
    }
    return null;
  }

  /** The highlighted volume's outline, dashed white (upper canvas). */
  drawHighlight(ctx) {
    if (!this.highlight) return;
    ctx.beginPath();
    for (const ring of volumeRings(this.highlight)) {
      this.view.traceRing(ctx, ring);
      ctx.closePath();
    }
    ctx.strokeStyle = HIGHLIGHT;
    ctx.lineWidth = 2;
    ctx.setLineDash([8, 4]);
    ctx.stroke();
    ctx.setLineDash([]);
  }
}
