// Alerts layer: for each active conflict, a line between the two aircraft in the level's colour
// (thicker for a warning), dashed lines to the predicted closest points (`cpa_a`, `cpa_b`) with
// crosses there; for each zone intrusion, a dashed line from the aircraft to its entry point,
// marked with a diamond. Aircraft the viewer cannot see are placed at their alert-time state.
// Drawn on the upper canvas every frame.

import { store } from '../../store.js';
import { mercX, mercY } from '../../geo.js';
import { levelColour, isWarning } from '../../levels.js';

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

function cross(ctx, x, y) {
  ctx.beginPath();
  ctx.moveTo(x - 4, y - 4);
  ctx.lineTo(x + 4, y + 4);
  ctx.moveTo(x + 4, y - 4);
  ctx.lineTo(x - 4, y + 4);
  ctx.stroke();
}

export class ConflictsLayer {
  constructor(view) {
    this.view = view;
  }

  draw(ctx, now) {
    const v = this.view;
    const { s, ox, oy } = v.offsets();
    for (const c of store.conflicts.values()) {
      const pa = positionOf(c.a, c.a_state, now);
      const pb = positionOf(c.b, c.b_state, now);
      if (!pa || !pb) continue;
      const ax = pa[0] * s + ox;
      const ay = pa[1] * s + oy;
      const bx = pb[0] * s + ox;
      const by = pb[1] * s + oy;
      ctx.strokeStyle = levelColour(c.level);
      ctx.lineWidth = isWarning(c.level) ? 2.5 : 1.8;
      ctx.beginPath();
      ctx.moveTo(ax, ay);
      ctx.lineTo(bx, by);
      ctx.stroke();
      if (c.cpa_a && c.cpa_b) {
        const [cax, cay] = v.project(c.cpa_a.lon_deg, c.cpa_a.lat_deg);
        const [cbx, cby] = v.project(c.cpa_b.lon_deg, c.cpa_b.lat_deg);
        ctx.setLineDash([5, 4]);
        ctx.lineWidth = 1.2;
        ctx.beginPath();
        ctx.moveTo(ax, ay);
        ctx.lineTo(cax, cay);
        ctx.moveTo(bx, by);
        ctx.lineTo(cbx, cby);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.beginPath();
        ctx.moveTo(cax, cay);
        ctx.lineTo(cbx, cby);
        ctx.lineWidth = 2;
        ctx.stroke();
        cross(ctx, cax, cay);
        cross(ctx, cbx, cby);
      }
    }
    for (const i of store.intrusions.values()) {
      const p = positionOf(i.track_id, i.track_state, now);
      if (!p || !i.entry_point) continue;
      const [ex, ey] = v.project(i.entry_point.lon_deg, i.entry_point.lat_deg);
      ctx.strokeStyle = levelColour(i.level);
      ctx.setLineDash([3, 3]);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(p[0] * s + ox, p[1] * s + oy);
      ctx.lineTo(ex, ey);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.moveTo(ex, ey - 6);
      ctx.lineTo(ex + 6, ey);
      ctx.lineTo(ex, ey + 6);
      ctx.lineTo(ex - 6, ey);
      ctx.closePath();
      ctx.stroke();
    }
  }
}
