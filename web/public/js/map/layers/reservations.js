// Reservations and zones layer: every live reservation's volumes as filled outlines in the
// owner's colour (dashed while proposed; hazard areas and closures hatched violet), on the lower
// canvas. Once zoomed in, each volume's name and band is a label the aircraft layer places
// with the aircraft labels (js/map/labels.js) and draws on the upper canvas, so that names and
// aircraft labels keep clear of each other (`labels`). Keeps the drawn outlines for hit
// testing (hover and click on the map), and draws the volume highlighted from the lists
// (hovering a reservation or request card) on the upper canvas.

import { store } from '../../store.js';
import { volumeRings } from '../../geo.js';
import { fl3, reservationColour, isHazard } from '../../util.js';
import { zoomScale } from '../view.js';
import { MAP } from '../../palette.js';

const LABEL_MIN_ZOOM = 5;
const HIGHLIGHT = MAP.highlight;

/** Where a volume's label goes: a circle's centre, a polygon's northernmost corner. */
function volumeAnchor(v) {
  if (v.shape.type === 'circle') return [v.shape.center.lon_deg, v.shape.center.lat_deg];
  const ring = volumeRings(v)[0] || [[0, 0]];
  let top = ring[0];
  for (const p of ring) if (p[1] > top[1]) top = p;
  return top;
}

export class ReservationsLayer {
  constructor(view) {
    this.view = view;
    // Drawn outlines in device pixels, topmost last: {path, reservation, volume, index}.
    this.paths = [];
    // The volume highlighted from a list, or null.
    this.highlight = null;
    // Labels of the drawn volumes for the label placement: {id, x, y, text, colour}.
    this.labels = [];
  }

  draw(ctx) {
    const v = this.view;
    this.paths = [];
    this.labels = [];
    const me = store.me && store.me.party;
    const list = [...store.reservations.values()].filter((r) => r.state !== 'cancelled' && r.state !== 'ended');
    for (const r of list) {
      const hazard = isHazard(r);
      const colour = reservationColour(r);
      (r.volumes || []).forEach((vol, idx) => {
        const path = new Path2D();
        for (const ring of volumeRings(vol)) {
          v.traceRing(path, ring);
          path.closePath();
        }
        ctx.fillStyle = colour + (hazard ? '26' : '1c');
        ctx.fill(path, 'evenodd');
        ctx.strokeStyle = colour;
        ctx.lineWidth = r.party === me ? 1.6 : 1.2;
        ctx.setLineDash(r.state === 'proposed' ? [6, 4] : hazard ? [2, 3] : []);
        ctx.stroke(path);
        ctx.setLineDash([]);
        if (hazard) this.hatch(ctx, path, colour + '55');
        const [lon0, lat0] = volumeAnchor(vol);
        const [x, y] = v.project(lon0, lat0);
        if (v.scale > zoomScale(LABEL_MIN_ZOOM)) {
          this.labels.push({ id: `${r.id}#${idx}`, x, y, text: `${r.name || r.id} ${fl3(vol.lower_ft)}-${fl3(vol.upper_ft)}`, colour });
        }
        // Paths are kept in device pixels for isPointInPath.
        const hit = new Path2D();
        hit.addPath(path, new DOMMatrix([v.dpr, 0, 0, v.dpr, 0, 0]));
        this.paths.push({ path: hit, reservation: r, volume: vol, index: idx });
      });
    }
  }

  hatch(ctx, path, colour) {
    const v = this.view;
    ctx.save();
    ctx.clip(path, 'evenodd');
    ctx.beginPath();
    for (let x = -v.height; x < v.width; x += 10) {
      ctx.moveTo(x, v.height);
      ctx.lineTo(x + v.height, 0);
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
