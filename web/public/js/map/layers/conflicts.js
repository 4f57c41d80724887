// Alerts layer: for each active conflict, a line between the two aircraft in the level's colour
// (thicker for a warning), dashed lines to the predicted closest points (`cpa_a`, `cpa_b`) with
// crosses there; for each zone intrusion, a dashed line from the aircraft to its entry point,
// marked with a diamond. Aircraft the viewer cannot see are placed at their alert-time state.
// Drawn on the upper canvas every frame: one stroke per style for all alerts, those wholly out
// of view left out, the closest points of at most CPA_DETAIL_LIMIT (the most urgent).

import { store } from '../../store.js';
import { mercX, mercY } from '../../geo.js';
import { levelColour, isWarning } from '../../levels.js';
import { firstInOrder } from '../../util.js';

/** Dead-reckoned Mercator position of a track, else of its alert-time state, else null. */
function positionOf(id, fallback, now) {
  const t = store.tracks.get(id);
  if (t) {
    const dt = store.reckonS(t, now);
    return [t.mx + t.vmx * dt, t.my + t.vmy * dt];
  }
  if (fallback && Number.isFinite(fallback.lat_deg)) return [mercX(fallback.lon_deg), mercY(fallback.lat_deg)];
  return null;
}

function cross(path, x, y) {
  path.moveTo(x - 4, y - 4);
  path.lineTo(x + 4, y + 4);
  path.moveTo(x + 4, y - 4);
  path.lineTo(x - 4, y + 4);
}

/**
 * The frame's strokes grouped by style (colour, width, dash), each one Path2D stroked once:
 * thousands of alerts cost a few strokes rather than five each. Styles are stroked in the order
 * of their level, so that warnings lie over cautions.
 */
class Strokes {
  constructor() {
    this.styles = new Map();
  }

  path(level, colour, width, dash) {
    const key = `${level}|${colour}|${width}|${dash.join(',')}`;
    let st = this.styles.get(key);
    if (!st) this.styles.set(key, (st = { level, colour, width, dash, path: new Path2D() }));
    return st.path;
  }

  stroke(ctx) {
    const list = [...this.styles.values()].sort((a, b) => a.level - b.level);
    for (const st of list) {
      ctx.strokeStyle = st.colour;
      ctx.lineWidth = st.width;
      ctx.setLineDash(st.dash);
      ctx.stroke(st.path);
    }
    ctx.setLineDash([]);
  }
}

/**
 * Above this many alerts in view the predicted closest points (dashed lines and crosses) are
 * drawn for this many only: the most severe and soonest, and always the selected aircraft's.
 * Thousands of dashed constructions cost hundreds of milliseconds of raster per frame and, over
 * a continent, are a tangle nobody reads; the pair's line and rings stay for every alert.
 */
export const CPA_DETAIL_LIMIT = 200;

/**
 * Ids of the conflicts whose closest points are drawn: all of `inView` when they are at most
 * `limit`, else the `limit` most urgent (level, then time to loss `t_in_s`, then id) and those
 * of the selected aircraft.
 */
export function cpaDetailed(inView, limit = CPA_DETAIL_LIMIT, selectedId = null) {
  if (inView.length <= limit) return new Set(inView.map((c) => c.id));
  const urgency = (a, b) => (b.level || 0) - (a.level || 0) || (a.t_in_s ?? Infinity) - (b.t_in_s ?? Infinity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const ids = new Set(firstInOrder(inView, urgency, limit).map((c) => c.id));
  if (selectedId) for (const c of inView) if (c.a === selectedId || c.b === selectedId) ids.add(c.id);
  return ids;
}

const NO_DASH = [];
const CPA_DASH = [5, 4];
const ENTRY_DASH = [3, 3];
/** Alerts wholly outside the view by more than this are not drawn (CSS pixels). */
const CULL_MARGIN_PX = 12;

export class ConflictsLayer {
  constructor(view) {
    this.view = view;
    // What the last frame drew: alerts in view, and how many with their closest points.
    this.drawn = { alerts: 0, detailed: 0 };
  }

  /** Whether a drawing spanning these x and y coordinates can be seen. */
  inView(xs, ys) {
    const m = CULL_MARGIN_PX;
    return Math.max(...xs) >= -m && Math.min(...xs) <= this.view.width + m && Math.max(...ys) >= -m && Math.min(...ys) <= this.view.height + m;
  }

  draw(ctx, now) {
    const v = this.view;
    const { s, ox, oy } = v.offsets();
    const strokes = new Strokes();
    const shown = [];
    for (const c of store.conflicts.values()) {
      const pa = positionOf(c.a, c.a_state, now);
      const pb = positionOf(c.b, c.b_state, now);
      if (!pa || !pb) continue;
      const ax = pa[0] * s + ox;
      const ay = pa[1] * s + oy;
      const bx = pb[0] * s + ox;
      const by = pb[1] * s + oy;
      const cpa = c.cpa_a && c.cpa_b ? [...v.project(c.cpa_a.lon_deg, c.cpa_a.lat_deg), ...v.project(c.cpa_b.lon_deg, c.cpa_b.lat_deg)] : null;
      if (!this.inView(cpa ? [ax, bx, cpa[0], cpa[2]] : [ax, bx], cpa ? [ay, by, cpa[1], cpa[3]] : [ay, by])) continue;
      shown.push({ c, ax, ay, bx, by, cpa });
    }
    const detailed = cpaDetailed(shown.map((x) => x.c), CPA_DETAIL_LIMIT, store.selectedId);
    this.drawn = { alerts: shown.length, detailed: detailed.size };
    for (const { c, ax, ay, bx, by, cpa: at } of shown) {
      const cpa = detailed.has(c.id) ? at : null;
      const level = c.level || 0;
      const colour = levelColour(c.level);
      const line = strokes.path(level, colour, isWarning(c.level) ? 2.5 : 1.8, NO_DASH);
      line.moveTo(ax, ay);
      line.lineTo(bx, by);
      if (cpa) {
        const [cax, cay, cbx, cby] = cpa;
        const dashed = strokes.path(level, colour, 1.2, CPA_DASH);
        dashed.moveTo(ax, ay);
        dashed.lineTo(cax, cay);
        dashed.moveTo(bx, by);
        dashed.lineTo(cbx, cby);
        const closest = strokes.path(level, colour, 2, NO_DASH);
        closest.moveTo(cax, cay);
        closest.lineTo(cbx, cby);
        cross(closest, cax, cay);
        cross(closest, cbx, cby);
      }
    }
    for (const i of store.intrusions.values()) {
      const p = positionOf(i.track_id, i.track_state, now);
      if (!p || !i.entry_point) continue;
      const [ex, ey] = v.project(i.entry_point.lon_deg, i.entry_point.lat_deg);
      const px = p[0] * s + ox;
      const py = p[1] * s + oy;
      if (!this.inView([px, ex - 6, ex + 6], [py, ey - 6, ey + 6])) continue;
      const level = i.level || 0;
      const colour = levelColour(i.level);
      const toEntry = strokes.path(level, colour, 1.5, ENTRY_DASH);
      toEntry.moveTo(px, py);
      toEntry.lineTo(ex, ey);
      const diamond = strokes.path(level, colour, 1.5, NO_DASH);
      diamond.moveTo(ex, ey - 6);
      diamond.lineTo(ex + 6, ey);
      diamond.lineTo(ex, ey + 6);
      diamond.lineTo(ex - 6, ey);
      diamond.closePath();
    }
    strokes.stroke(ctx);
  }
}
