// The map's view: where it looks and how big it is. Holds the centre (normalised Web Mercator)
// and the scale (pixels per world width), converts between degrees and screen pixels, pans,
// zooms, fits a set of points, and sizes the canvases to their container. Knows nothing of
// what is drawn.

import { mercX, mercY, unmercX, unmercY } from '../geo.js';

/** Zoom limits, in pixels per world width (256 is the whole world in one tile). */
export const MIN_SCALE = 256;
export const MAX_SCALE = 256 * 2 ** 15;

/** Scale of a tile zoom level (0 = the world in 256 px). */
export function zoomScale(zoom) {
  return 256 * 2 ** zoom;
}

const clampScale = (s, max = MAX_SCALE) => Math.max(MIN_SCALE, Math.min(max, s));

export class View {
  /** `onChange` runs whenever the view moves or is resized. */
  constructor({ lon, lat, zoom }, onChange = () => {}) {
    this.cx = mercX(lon);
    this.cy = mercY(lat);
    this.scale = zoomScale(zoom);
    this.width = 0;
    this.height = 0;
    this.dpr = 1;
    this.onChange = onChange;
  }

  /** Sizes the canvases to the container (CSS pixels; device pixels up to a ratio of 2). */
  resize(container, canvases) {
    const r = container.getBoundingClientRect();
    this.dpr = Math.min(2, window.devicePixelRatio || 1);
    this.width = Math.max(1, r.width);
    this.height = Math.max(1, r.height);
    for (const c of canvases) {
      c.width = Math.round(this.width * this.dpr);
      c.height = Math.round(this.height * this.dpr);
      c.style.width = `${this.width}px`;
      c.style.height = `${this.height}px`;
    }
    this.onChange();
  }

  /** Screen x of a Mercator x. */
  sx(mx) {
    return (mx - this.cx) * this.scale + this.width / 2;
  }

  /** Screen y of a Mercator y. */
  sy(my) {
    return (my - this.cy) * this.scale + this.height / 2;
  }

  /** Screen x = mx * scale + ox, y = my * scale + oy: the offsets, for tight loops. */
  offsets() {
    return { s: this.scale, ox: this.width / 2 - this.cx * this.scale, oy: this.height / 2 - this.cy * this.scale };
  }

  project(lon, lat) {
    return [this.sx(mercX(lon)), this.sy(mercY(lat))];
  }

  unproject(x, y) {
    const mx = this.cx + (x - this.width / 2) / this.scale;
    const my = this.cy + (y - this.height / 2) / this.scale;
    return [unmercX(mx), unmercY(my)];
  }

  panBy(dx, dy) {
    this.cx -= dx / this.scale;
    this.cy -= dy / this.scale;
    this.cy = Math.max(0, Math.min(1, this.cy));
    this.cx = Math.max(0, Math.min(1, this.cx));
    this.onChange();
  }

  /** Zooms by `factor` keeping the point under (x, y) in place (the centre by default). */
  zoomBy(factor, x = this.width / 2, y = this.height / 2) {
    const ns = clampScale(this.scale * factor);
    const mx = this.cx + (x - this.width / 2) / this.scale;
    const my = this.cy + (y - this.height / 2) / this.scale;
    this.scale = ns;
    this.cx = mx - (x - this.width / 2) / ns;
    this.cy = my - (y - this.height / 2) / ns;
    this.onChange();
  }

  centerOn(lon, lat, scale) {
    this.cx = mercX(lon);
    this.cy = mercY(lat);
    if (scale) this.scale = clampScale(scale);
    this.onChange();
  }

  /** Centres on a Mercator point without zooming (following an aircraft). */
  centerOnMerc(mx, my) {
    this.cx = mx;
    this.cy = my;
    this.onChange();
  }

  /**
   * Fits the view to [lon, lat] points, zooming in no further than `maxZoom`, in the part of
   * the map right of `insetLeftPx` (a card over the map's left side).
   */
  fit(points, paddingPx = 60, maxZoom = 11, insetLeftPx = 0) {
    if (!points.length) return;
    let minX = 1;
    let maxX = 0;
    let minY = 1;
    let maxY = 0;
    for (const [lon, lat] of points) {
      const x = mercX(lon);
      const y = mercY(lat);
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
    const inset = Math.max(0, Math.min(insetLeftPx, this.width / 2));
    const w = Math.max(1e-6, maxX - minX);
    const hgt = Math.max(1e-6, maxY - minY);
    const s = Math.min((this.width - inset - 2 * paddingPx) / w, (this.height - 2 * paddingPx) / hgt);
    this.scale = clampScale(s, zoomScale(maxZoom));
    // The points' middle at the middle of the free part of the map.
    this.cx = (minX + maxX) / 2 - inset / 2 / this.scale;
    this.cy = (minY + maxY) / 2;
    this.onChange();
  }

  /** The view as `W,S,E,N` degrees. */
  bbox() {
    const [lonW, latN] = this.unproject(0, 0);
    const [lonE, latS] = this.unproject(this.width, this.height);
    const c = (v, m) => Math.max(-m, Math.min(m, v)).toFixed(3);
    return `${c(lonW, 180)},${c(latS, 90)},${c(lonE, 180)},${c(latN, 90)}`;
  }

  /** Whether a Mercator box {minX, maxX, minY, maxY} meets the view (grown by marginPx). */
  sees(b, marginPx = 0) {
    const m = marginPx / this.scale;
    const x0 = this.cx - this.width / 2 / this.scale - m;
    const x1 = this.cx + this.width / 2 / this.scale + m;
    const y0 = this.cy - this.height / 2 / this.scale - m;
    const y1 = this.cy + this.height / 2 / this.scale + m;
    return !(b.maxX < x0 || b.minX > x1 || b.maxY < y0 || b.minY > y1);
  }

  /** Whether screen point (x, y) is on screen or within marginPx of it. */
  onScreen(x, y, marginPx = 20) {
    return !(x < -marginPx || y < -marginPx || x > this.width + marginPx || y > this.height + marginPx);
  }

  /** Traces a polygon ring of [lon, lat] points onto a path (canvas context or Path2D). */
  traceRing(path, ring) {
    ring.forEach(([lon, lat], i) => {
      const [x, y] = this.project(lon, lat);
      if (i === 0) path.moveTo(x, y);
      else path.lineTo(x, y);
    });
  }
}
