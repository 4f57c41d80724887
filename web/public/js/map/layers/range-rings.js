// Range rings round the selected aircraft: geodesic circles of 5, 10, 20 and 40 NM, dashed,
// each labelled with its radius at its northern point. Drawn on the upper canvas every frame
// (the aircraft moves); rings too small to read at this zoom are left out. Colours are the
// map's checked text colours (palette.js: 4.5:1 on sea and land).

import { circleRing } from '../../geo.js';
import { MAP } from '../../palette.js';

export const RING_RADII_NM = [5, 10, 20, 40];
/** Rings smaller than this on screen are not drawn. */
const MIN_RADIUS_PX = 10;
const RING = MAP.scaleText;
const LABEL = MAP.labelText;
const POINTS = 96;

export class RangeRingsLayer {
  constructor(view) {
    this.view = view;
    this.visible = false;
    // What the last frame drew: {id, lon_deg, lat_deg, centre: [x, y], rings: [{nm, radius_px}]}, or null.
    this.drawn = null;
  }

  /** Draws the rings round aircraft `id` at [lon, lat] (its position as drawn this frame). */
  draw(ctx, id, lonLat) {
    this.drawn = null;
    if (!this.visible || !id || !lonLat) return;
    const v = this.view;
    const [lon, lat] = lonLat;
    const [cx, cy] = v.project(lon, lat);
    const rings = [];
    ctx.save();
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = 1;
    ctx.strokeStyle = RING;
    ctx.font = '10px ui-monospace, monospace';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    for (const nm of RING_RADII_NM) {
      const ring = circleRing(lon, lat, nm * 1852, POINTS);
      const [, ny] = v.project(ring[0][0], ring[0][1]);
      const radiusPx = cy - ny;
      if (radiusPx < MIN_RADIUS_PX) continue;
      ctx.beginPath();
      v.traceRing(ctx, ring);
      ctx.stroke();
      rings.push({ nm, radius_px: radiusPx });
      if (radiusPx >= 18) {
        // The label sits on the ring's northern point, on a dark backing so it reads over traffic.
        const text = `${nm} NM`;
        const w = ctx.measureText(text).width;
        ctx.fillStyle = 'rgba(7, 11, 16, 0.75)';
        ctx.fillRect(cx - w / 2 - 2, ny - 12, w + 4, 12);
        ctx.fillStyle = LABEL;
        ctx.fillText(text, cx, ny);
      }
    }
    ctx.restore();
    this.drawn = { id, lon_deg: lon, lat_deg: lat, centre: [cx, cy], rings };
  }
}
