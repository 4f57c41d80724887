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
import { fl3, reservationColour, isHazard } from '../../util.js';
import { zoomScale } from '../view.js';
import { MAP, ZONE } from '../../palette.js';
import { PRIORITY } from '../labels.js';
import {
  isExclusion, exclusionLink, exclusionEnd, deadlinePhase, exclusionLabel, isContested, contestedLabel, volumeStyle,
} from '../../exclusion.js';

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
    // Exclusions and contested volumes as the last drawing drew them (the test hook).
    this.drawn = [];
    // Server time from which the drawing is out of date (a deadline passed, a volume ended).
    this.switchAt = Infinity;
  }

  /** Whether a deadline or an end passed since the last drawing (the map redraws then). */
  stale(now) {
    return now >= this.switchAt;
  }

  draw(ctx) {
    const v = this.view;
    const now = store.now();
    this.paths = [];
    this.labels = [];
    this.drawn = [];
    this.switchAt = Infinity;
    const later = (t) => { if (Number.isFinite(t) && t > now && t < this.switchAt) this.switchAt = t; };
    const me = store.me && store.me.party;
    const labelled = v.scale > zoomScale(LABEL_MIN_ZOOM);
    // Contested volumes under the reservations: a claim that was refused, not airspace held.
    for (const q of store.requests.values()) {
      if (q.kind !== 'vacate' || q.contested !== true || !q.volume) continue;
      if (!isContested(q, now)) continue;
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
    }
    const list = [...store.reservations.values()]
      .filter((r) => r.state !== 'cancelled' && r.state !== 'ended' && !(isExclusion(r) && exclusionEnd(r) !== null && exclusionEnd(r) <= now))
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
      const kind = exclusion ? 'exclusion' : isHazard(r) ? 'hazard' : 'reservation';
      const style = volumeStyle(kind, { colour: reservationColour(r), proposed: r.state === 'proposed', own: r.party === me, phase });
      (r.volumes || []).forEach((vol, idx) => {
        const path = this.trace(vol);
        this.paint(ctx, path, style);
        const id = `${r.id}#${idx}`;
        const [x, y] = v.project(...(exclusion ? exclusionAnchor(vol) : volumeAnchor(vol)));
        if (labelled) {
          // Inside the box from its north-west corner (below right) when there is room.
          if (exclusion) this.labels.push({ id, x, y, text: exclusionLabel(r, now), textAt: (t) => exclusionLabel(r, t), colour: style.colour, priority: EXCLUSION_LABEL_PRIORITY, away: [x - 20, y - 20], backdrop: true });
          else this.labels.push({ id, x, y, text: `${r.name || r.id} ${fl3(vol.lower_ft)}-${fl3(vol.upper_ft)}`, colour: style.colour });
        }
        this.keep(path, { reservation: r, volume: vol, index: idx });
        if (exclusion) {
          this.drawn.push({
            id: r.id, kind: 'exclusion', request_id: link.request_id, label_id: id, volume_index: idx, phase,
            text: exclusionLabel(r, now), style: { ...style }, anchor: [x, y], box: this.box(vol), labelled,
          });
          this.drawn[this.drawn.length - 1].on_screen = this.onScreen(this.drawn[this.drawn.length - 1].box);
        }
      });
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
