// Position discrepancies layer: for each active discrepancy of an aircraft, where independent
// surveillance hears it — a hollow diamond labelled with the source ("ADS-B") — and a dashed
// line from there to the aircraft as drawn (the owner's report), both in caution amber over a
// dark halo. The diamond sits at the gap the last sample measured, from the aircraft's
// dead-reckoned position now (js/discrepancy.js markerPositions), so it moves with the aircraft
// and shows what the words say. Cleared discrepancies are not drawn. The marks and their label
// are obstacles the aircraft labels keep off. Drawn on the upper canvas every frame, over the
// conflict lines and under the labels; `drawn` keeps what the last frame drew (test hook).

import { store } from '../../store.js';
import { isActive, markerPositions, independentSource, gapVector, DISCREPANCY_LEVEL } from '../../discrepancy.js';
import { DISCREPANCY } from '../../palette.js';
import { PRIORITY } from '../labels.js';

/** Half the diagonal of the diamond, pixels. */
export const DIAMOND_R_PX = 8;
const DASH = [6, 4];
const FONT = '700 10px ui-monospace, monospace';

export class DiscrepanciesLayer {
  constructor(view, aircraft) {
    this.view = view;
    this.aircraft = aircraft;
    this.drawn = [];
  }

  draw(ctx, now) {
    const v = this.view;
    const drawn = [];
    const obstacles = [];
    for (const d of store.discrepancies.values()) {
      if (!isActive(d)) continue;
      const shown = store.displayed(d.track_id, now);
      const pos = markerPositions(d, shown);
      if (!pos) continue;
      const [ix, iy] = v.project(pos.independent.lon_deg, pos.independent.lat_deg);
      const [rx, ry] = v.project(pos.reported.lon_deg, pos.reported.lat_deg);
      const onScreen = v.onScreen(ix, iy) || v.onScreen(rx, ry);
      const info = store.feeds && d.independent ? store.feeds.get(d.independent.feed) : null;
      const label = independentSource(d.independent && d.independent.feed, info).short;
      const g = gapVector(d);
      drawn.push({
        id: d.id, track_id: d.track_id, label, x: ix, y: iy, reported_x: rx, reported_y: ry,
        lat_deg: pos.independent.lat_deg, lon_deg: pos.independent.lon_deg,
        length_px: Math.hypot(ix - rx, iy - ry), bearing_deg: g ? g.bearing_deg : null, on_screen: onScreen,
        colour: DISCREPANCY.mark,
      });
      if (!onScreen) continue;
      ctx.save();
      // The line, from the independent fix to the aircraft, stopping short of both symbols.
      const len = Math.hypot(rx - ix, ry - iy);
      if (len > DIAMOND_R_PX + 8) {
        const ux = (rx - ix) / len;
        const uy = (ry - iy) / len;
        const x0 = ix + ux * (DIAMOND_R_PX + 2);
        const y0 = iy + uy * (DIAMOND_R_PX + 2);
        const x1 = rx - ux * 7;
        const y1 = ry - uy * 7;
        ctx.beginPath();
        ctx.moveTo(x0, y0);
        ctx.lineTo(x1, y1);
        ctx.strokeStyle = DISCREPANCY.halo;
        ctx.lineWidth = 4;
        ctx.stroke();
        ctx.setLineDash(DASH);
        ctx.strokeStyle = DISCREPANCY.mark;
        ctx.lineWidth = 1.5;
        ctx.stroke();
        ctx.setLineDash([]);
      }
      // The hollow diamond.
      const r = DIAMOND_R_PX;
      ctx.beginPath();
      ctx.moveTo(ix, iy - r);
      ctx.lineTo(ix + r, iy);
      ctx.lineTo(ix, iy + r);
      ctx.lineTo(ix - r, iy);
      ctx.closePath();
      ctx.strokeStyle = DISCREPANCY.halo;
      ctx.lineWidth = 5;
      ctx.stroke();
      ctx.strokeStyle = DISCREPANCY.mark;
      ctx.lineWidth = 2;
      ctx.stroke();
      // Its label, on the side away from the aircraft.
      ctx.font = FONT;
      const w = ctx.measureText(label).width;
      const left = rx > ix + 2;
      const lx = left ? ix - r - 4 - w : ix + r + 4;
      const ly = iy + 4;
      ctx.lineWidth = 3;
      ctx.strokeStyle = DISCREPANCY.halo;
      ctx.strokeText(label, lx, ly);
      ctx.fillStyle = DISCREPANCY.label;
      ctx.fillText(label, lx, ly);
      ctx.restore();
      const priority = PRIORITY.ALERT + DISCREPANCY_LEVEL;
      obstacles.push({ x0: ix - r - 2, y0: iy - r - 2, x1: ix + r + 2, y1: iy + r + 2, priority, soft: true });
      obstacles.push({ x0: lx - 1, y0: ly - 10, x1: lx + w + 1, y1: ly + 3, priority, soft: true });
      drawn[drawn.length - 1].label_box = [lx, ly - 10, w, 13];
    }
    this.drawn = drawn;
    this.aircraft.extraObstacles = obstacles;
  }
}
