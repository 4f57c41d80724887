// Drawing a new reservation volume on the map: a polygon by clicking its corners (closed by a
// double click, Enter or a click on the first corner; Backspace removes the last one) or a
// circle by pressing at the centre and dragging the radius. Holds the draft and the overlaps
// the server reported for it, turns the draft into the API's `Volume.shape`, and draws both
// on the upper canvas. Every change is announced through `onChange(draft)` (null when gone).

import { distanceM, circleRing, geojsonRings } from '../geo.js';
import { MAP, ZONE } from '../palette.js';

const DRAFT = MAP.draft;
const DRAFT_FILL = 'rgba(124, 245, 255, 0.12)';
// Overlaps in caution amber, as in the overlap list: they need a justification before filing,
// but they are not a warning (warning red is kept for warnings alone, palette.js).
const OVERLAP = ZONE.overlap;
const OVERLAP_FILL = `${OVERLAP}59`;
/** A click this close to the first corner closes the polygon. */
const CLOSE_PX = 10;
/** A click this close to the last corner repeats it (the two clicks of a double click). */
const REPEAT_PX = 3;

function round6(v) {
  return Math.round(v * 1e6) / 1e6;
}

export class Drafting {
  constructor(view, canvas, onChange) {
    this.view = view;
    this.canvas = canvas;
    this.onChange = onChange;
    // {type: 'polygon'|'circle', points, center, radiusM, stage: 'points'|'center'|'radius'|'done', cursor, onDone}
    this.draft = null;
    // Overlaps of the draft with other reservations, as the server reported them.
    this.overlaps = [];
  }

  /** Whether a draft is being drawn (not yet finished). */
  drawing() {
    return !!this.draft && this.draft.stage !== 'done';
  }

  start(type, onDone) {
    this.draft = { type, points: [], center: null, radiusM: 0, stage: type === 'circle' ? 'center' : 'points', cursor: null, onDone };
    this.canvas.style.cursor = 'crosshair';
    this.onChange(this.draft);
  }

  finish() {
    const d = this.draft;
    if (!d) return;
    if (d.type === 'polygon' && d.points.length < 3) return;
    d.stage = 'done';
    this.canvas.style.cursor = 'grab';
    this.onChange(d);
    if (d.onDone) d.onDone(this.shape());
  }

  undoPoint() {
    if (this.draft && this.draft.type === 'polygon' && this.draft.stage !== 'done') {
      this.draft.points.pop();
      this.onChange(this.draft);
    }
  }

  cancel() {
    this.draft = null;
    this.overlaps = [];
    this.canvas.style.cursor = 'grab';
    this.onChange(null);
  }

  /** The drafted shape in the API's Volume.shape form, or null while incomplete. */
  shape() {
    const d = this.draft;
    if (!d || d.stage !== 'done') return null;
    if (d.type === 'circle') {
      return { type: 'circle', center: { lon_deg: round6(d.center[0]), lat_deg: round6(d.center[1]) }, radius_m: Math.round(d.radiusM) };
    }
    const ring = d.points.map(([lon, lat]) => [round6(lon), round6(lat)]);
    ring.push(ring[0]);
    return { type: 'polygon', coordinates: ring };
  }

  /** Sets a finished draft from a Volume.shape (changing an existing reservation). */
  setShape(shape) {
    if (shape.type === 'circle') {
      this.draft = { type: 'circle', center: [shape.center.lon_deg, shape.center.lat_deg], radiusM: shape.radius_m, points: [], stage: 'done' };
    } else {
      const ring = shape.coordinates;
      const closed = ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1];
      const pts = closed ? ring.slice(0, -1) : ring.slice();
      this.draft = { type: 'polygon', points: pts, stage: 'done' };
    }
    this.onChange(this.draft);
  }

  // ---- pointer --------------------------------------------------------------------------

  /** A press at (x, y): starts a circle's radius drag when waiting for its centre. */
  press(x, y) {
    const d = this.draft;
    if (!d || d.type !== 'circle' || d.stage !== 'center') return false;
    d.center = this.view.unproject(x, y);
    d.radiusM = 0;
    d.stage = 'radius';
    return true;
  }

  /** The pointer is over [lon, lat] (the polygon's rubber band follows it). */
  hover(lon, lat) {
    if (this.draft) this.draft.cursor = [lon, lat];
  }

  /** Dragging a circle's radius to [lon, lat]. */
  dragRadius(lon, lat) {
    const d = this.draft;
    d.radiusM = distanceM(d.center[0], d.center[1], lon, lat);
    this.onChange(d);
  }

  /** The radius drag ended: a circle of some size is finished, a mere press waits again. */
  release() {
    if (this.draft.radiusM > 0) this.finish();
    else this.draft.stage = 'center';
  }

  /** A click at (x, y); true when the draft took it (a corner, or any click while drawing). */
  click(x, y) {
    const d = this.draft;
    if (!d || d.stage === 'done') return false;
    if (d.type !== 'polygon') return true;
    const pts = d.points;
    if (pts.length >= 3) {
      const [fx, fy] = this.view.project(pts[0][0], pts[0][1]);
      if (Math.hypot(fx - x, fy - y) < CLOSE_PX) {
        this.finish();
        return true;
      }
    }
    // A double click sends two clicks first; ignore the repeated vertex.
    const last = pts[pts.length - 1];
    if (last) {
      const [lx, ly] = this.view.project(last[0], last[1]);
      if (Math.hypot(lx - x, ly - y) < REPEAT_PX) return true;
    }
    pts.push(this.view.unproject(x, y));
    this.onChange(d);
    return true;
  }

  /** A double click closes a polygon; true when it did something. */
  doubleClick() {
    if (!this.draft || this.draft.type !== 'polygon') return false;
    this.finish();
    return true;
  }

  // ---- drawing --------------------------------------------------------------------------

  /** The overlapping areas the server reported, filled red. */
  drawOverlaps(ctx) {
    for (const o of this.overlaps) {
      ctx.beginPath();
      for (const ring of geojsonRings(o.geometry)) {
        this.view.traceRing(ctx, ring);
        ctx.closePath();
      }
      ctx.fillStyle = OVERLAP_FILL;
      ctx.fill('evenodd');
      ctx.strokeStyle = OVERLAP;
      ctx.lineWidth = 2;
      ctx.stroke();
    }
  }

  /** The draft: its outline (with the rubber band to the pointer while drawing) and corners. */
  drawDraft(ctx) {
    const d = this.draft;
    if (!d) return;
    const v = this.view;
    ctx.strokeStyle = DRAFT;
    ctx.fillStyle = DRAFT_FILL;
    ctx.lineWidth = 2;
    if (d.type === 'circle' && d.center) {
      const ring = circleRing(d.center[0], d.center[1], Math.max(1, d.radiusM), 72);
      ctx.beginPath();
      v.traceRing(ctx, ring);
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
      const [x, y] = v.project(d.center[0], d.center[1]);
      ctx.fillStyle = DRAFT;
      ctx.fillRect(x - 2, y - 2, 4, 4);
      ctx.font = '11px ui-monospace, monospace';
      ctx.fillText(`r ${(d.radiusM / 1852).toFixed(1)} NM`, x + 6, y - 6);
    } else if (d.type === 'polygon' && d.points.length) {
      const pts = d.points.slice();
      if (d.stage !== 'done' && d.cursor) pts.push(d.cursor);
      ctx.beginPath();
      v.traceRing(ctx, pts);
      if (d.stage === 'done') ctx.closePath();
      if (pts.length >= 3) ctx.fill();
      ctx.stroke();
      ctx.fillStyle = DRAFT;
      for (const [lon, lat] of d.points) {
        const [x, y] = v.project(lon, lat);
        ctx.fillRect(x - 3, y - 3, 6, 6);
      }
    }
  }
}
