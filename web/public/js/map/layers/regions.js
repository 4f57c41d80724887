// Safety-net regions layer (GET /api/v1/safety/regions): parameter regions as thin teal
// outlines labelled with their separation minima, inhibition volumes as dotted grey-violet
// outlines with a light fill (no conflict alerts inside). Drawn on the lower canvas under the
// reservations; `G` hides it. Once zoomed in, each region's label is placed with the aircraft
// labels (js/map/labels.js, lowest priority) and drawn on the upper canvas (`labels`).

import { circleRing } from '../../geo.js';
import { fl3 } from '../../util.js';
import { zoomScale } from '../view.js';
import { ZONE } from '../../palette.js';

export const REGION_PARAMS = ZONE.regionParams;
export const REGION_INHIBIT = ZONE.regionInhibit;
const LABEL_MIN_ZOOM = 6;

export class RegionsLayer {
  constructor(view) {
    this.view = view;
    this.regions = [];
    this.visible = true;
    // Labels of the drawn regions for the label placement: {id, x, y, text, colour}.
    this.labels = [];
  }

  draw(ctx) {
    this.labels = [];
    if (!this.visible) return;
    const v = this.view;
    const zoomed = v.scale > zoomScale(LABEL_MIN_ZOOM);
    for (const r of this.regions) {
      const ring = r.center ? circleRing(r.center.lon_deg, r.center.lat_deg, r.radius_nm * 1852, 48) : r.polygon;
      if (!ring || ring.length < 3) continue;
      const path = new Path2D();
      v.traceRing(path, ring);
      path.closePath();
      const inhibit = r.kind === 'inhibition';
      const colour = inhibit ? REGION_INHIBIT : REGION_PARAMS;
      if (inhibit) {
        ctx.fillStyle = colour + '14';
        ctx.fill(path);
      }
      ctx.strokeStyle = colour + (inhibit ? 'aa' : '88');
      ctx.lineWidth = 1;
      ctx.setLineDash(inhibit ? [2, 3] : [8, 4]);
      ctx.stroke(path);
      ctx.setLineDash([]);
      if (zoomed) {
        const [lon0, lat0] = r.center ? [r.center.lon_deg, r.center.lat_deg] : ring[0];
        const [x, y] = v.project(lon0, lat0);
        // Default aerodrome regions by their short id (`LFPG-terminal`), others by name.
        const name = r.source === 'aerodrome' ? r.id : r.name;
        const text = inhibit
          ? `${name}: no alerts below FL${fl3(r.upper_ft)}`
          : `${name}: ${r.h_sep_nm} NM / ${r.v_sep_ft} ft, ${r.lookahead_s} s, to FL${fl3(r.upper_ft)}`;
        this.labels.push({ id: `region:${r.id}:${r.kind}`, x, y: r.center ? y - (inhibit ? 0 : 12) : y, text, colour });
      }
    }
  }
}
