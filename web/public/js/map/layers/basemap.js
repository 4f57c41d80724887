// Basemap layer: the sea, a graticule with degree labels, Natural Earth land and borders and
// decluttered country names, from the bundled data/basemap.json (delta-encoded 0.01° integers,
// decoded once into Mercator with a bounding box per ring so off-screen rings are skipped).
// Drawn on the lower canvas, only when the view moves.

import { mercX, mercY } from '../../geo.js';
import { BASEMAP } from '../../palette.js';

// Grid labels and country names reach 4.5:1 on both the sea and the land (palette.js).
const SEA = BASEMAP.sea;
const GRATICULE = BASEMAP.graticule;
const GRATICULE_TEXT = BASEMAP.gridText;
const LAND = BASEMAP.land;
const COAST = BASEMAP.coast;
const BORDER = BASEMAP.border;
const COUNTRY_TEXT = BASEMAP.countryText;

/** Decodes one delta-encoded ring into Mercator x, y pairs with its bounding box. */
function decodeRing(enc, scale) {
  const n = enc.length / 2;
  const out = new Float64Array(enc.length);
  let x = 0;
  let y = 0;
  let minX = 1;
  let maxX = 0;
  let minY = 1;
  let maxY = 0;
  for (let i = 0; i < n; i++) {
    x += enc[2 * i];
    y += enc[2 * i + 1];
    const mx = mercX(x / scale);
    const my = mercY(y / scale);
    out[2 * i] = mx;
    out[2 * i + 1] = my;
    if (mx < minX) minX = mx;
    if (mx > maxX) maxX = mx;
    if (my < minY) minY = my;
    if (my > maxY) maxY = my;
  }
  return { pts: out, minX, maxX, minY, maxY };
}

export class BasemapLayer {
  constructor(view) {
    this.view = view;
    this.data = null;
  }

  /** Fetches and decodes the basemap; resolves to its attribution text. */
  async load(url) {
    const res = await fetch(url);
    const data = await res.json();
    this.data = {
      land: data.land.map((r) => decodeRing(r, data.scale)),
      borders: data.borders.map((r) => decodeRing(r, data.scale)),
      labels: data.labels.map((l) => ({ ...l, mx: mercX(l.lon), my: mercY(l.lat) })),
      attribution: data.attribution,
    };
    return data.attribution;
  }

  draw(ctx) {
    const v = this.view;
    ctx.fillStyle = SEA;
    ctx.fillRect(0, 0, v.width, v.height);
    this.drawGraticule(ctx);
    if (!this.data) return;
    ctx.beginPath();
    for (const r of this.data.land) if (v.sees(r)) this.ringPath(ctx, r.pts, true);
    ctx.fillStyle = LAND;
    ctx.fill('evenodd');
    ctx.strokeStyle = COAST;
    ctx.lineWidth = 1;
    ctx.stroke();
    ctx.beginPath();
    for (const r of this.data.borders) if (v.sees(r)) this.ringPath(ctx, r.pts, false);
    ctx.strokeStyle = BORDER;
    ctx.setLineDash([4, 3]);
    ctx.stroke();
    ctx.setLineDash([]);
    this.drawCountryLabels(ctx);
  }

  ringPath(ctx, pts, close) {
    const { s, ox, oy } = this.view.offsets();
    ctx.moveTo(pts[0] * s + ox, pts[1] * s + oy);
    let lx = pts[0];
    for (let i = 2; i < pts.length; i += 2) {
      // Skip antimeridian jumps.
      const x = pts[i];
      if (Math.abs(x - lx) > 0.5) {
        ctx.moveTo(x * s + ox, pts[i + 1] * s + oy);
      } else {
        ctx.lineTo(x * s + ox, pts[i + 1] * s + oy);
      }
      lx = x;
    }
    if (close) ctx.closePath();
  }

  drawGraticule(ctx) {
    const v = this.view;
    const [lonW, latN] = v.unproject(0, 0);
    const [lonE, latS] = v.unproject(v.width, v.height);
    const span = lonE - lonW;
    const step = span > 120 ? 30 : span > 40 ? 10 : span > 15 ? 5 : span > 6 ? 2 : span > 2 ? 1 : 0.5;
    ctx.beginPath();
    for (let lon = Math.ceil(lonW / step) * step; lon <= lonE; lon += step) {
      const x = v.sx(mercX(lon));
      ctx.moveTo(x, 0);
      ctx.lineTo(x, v.height);
    }
    for (let lat = Math.ceil(latS / step) * step; lat <= latN; lat += step) {
      const y = v.sy(mercY(lat));
      ctx.moveTo(0, y);
      ctx.lineTo(v.width, y);
    }
    ctx.strokeStyle = GRATICULE;
    ctx.lineWidth = 1;
    ctx.stroke();
    ctx.fillStyle = GRATICULE_TEXT;
    ctx.font = '10px ui-monospace, monospace';
    for (let lon = Math.ceil(lonW / step) * step; lon <= lonE; lon += step) {
      ctx.fillText(`${+lon.toFixed(1)}°`, v.sx(mercX(lon)) + 2, v.height - 4);
    }
    for (let lat = Math.ceil(latS / step) * step; lat <= latN; lat += step) {
      ctx.fillText(`${+lat.toFixed(1)}°`, 2, v.sy(mercY(lat)) - 2);
    }
  }

  /** Country names large enough at this zoom, leaving out those that would overlap. */
  drawCountryLabels(ctx) {
    const v = this.view;
    const pxPerDeg = v.scale / 360;
    ctx.font = '600 11px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.fillStyle = COUNTRY_TEXT;
    const placed = [];
    for (const l of this.data.labels) {
      if (l.area * pxPerDeg * pxPerDeg < 2500) continue;
      const x = v.sx(l.mx);
      const y = v.sy(l.my);
      if (x < -50 || y < -20 || x > v.width + 50 || y > v.height + 20) continue;
      const text = l.name.toUpperCase();
      const w = ctx.measureText(text).width;
      const box = [x - w / 2 - 4, y - 8, x + w / 2 + 4, y + 6];
      if (placed.some((b) => !(box[2] < b[0] || box[0] > b[2] || box[3] < b[1] || box[1] > b[3]))) continue;
      placed.push(box);
      ctx.fillText(text, x, y);
    }
    ctx.textAlign = 'left';
  }
}
