// Aerodromes on the basemap (GET /api/v1/aerodromes?bbox=W,S,E,N): a small aerodrome symbol and
// the ICAO code, those with an IATA code (scheduled service) from zoom 5, the others from zoom 7.
// Fetched per Web Mercator tile of a zoom a little coarser than the view's, once the view has
// settled, and cached per tile (never on every frame); drawn on the lower canvas with the
// basemap, labels decluttered (IATA-coded aerodromes placed first). Colours are the basemap's
// checked text colours (palette.js: 4.5:1 on sea and land).

import { mercX, mercY, unmercX, unmercY } from '../../geo.js';
import { BASEMAP, MAP } from '../../palette.js';

/** Zoom (tile levels) from which aerodromes with an IATA code are drawn, and all others. */
export const IATA_MIN_ZOOM = 5;
export const ALL_MIN_ZOOM = 7;
/** Aerodromes asked for per tile (the server's default is 500, its maximum 2,000). */
export const TILE_LIMIT = 1000;
/** Tiles kept; the least recently used beyond this are forgotten. */
export const MAX_TILES = 400;
/** Wait this long after the view last moved before fetching. */
export const SETTLE_MS = 350;

const SYMBOL = BASEMAP.gridText;
const SYMBOL_IATA = MAP.labelText;
const LABEL = BASEMAP.gridText;
const LABEL_IATA = MAP.labelText;
const FONT = '10px ui-monospace, monospace';

/** The tile zoom aerodromes are fetched at for a view zoom: two levels coarser, 3 … 9. */
export function tileZoom(zoom) {
  return Math.max(3, Math.min(9, Math.floor(zoom) - 2));
}

/**
 * The tiles ({key, bbox: "W,S,E,N"}) at tile zoom `tz` covering the Mercator box
 * {minX, maxX, minY, maxY} (normalised 0 … 1; x wraps).
 */
export function tilesFor(box, tz) {
  const n = 2 ** tz;
  const out = [];
  const y0 = Math.max(0, Math.floor(box.minY * n));
  const y1 = Math.min(n - 1, Math.floor(box.maxY * n));
  const x0 = Math.floor(box.minX * n);
  const x1 = Math.min(x0 + n - 1, Math.floor(box.maxX * n));
  for (let ty = y0; ty <= y1; ty++) {
    for (let tx = x0; tx <= x1; tx++) {
      const x = ((tx % n) + n) % n;
      const w = unmercX(x / n);
      const e = unmercX((x + 1) / n);
      const north = unmercY(ty / n);
      const south = unmercY((ty + 1) / n);
      out.push({ key: `${tz}/${x}/${ty}`, bbox: [w, south, e, north].map((v) => v.toFixed(4)).join(',') });
    }
  }
  return out;
}

/** The aerodromes to draw at `zoom`: IATA-coded ones from IATA_MIN_ZOOM, all from ALL_MIN_ZOOM. */
export function shownAt(list, zoom) {
  if (zoom < IATA_MIN_ZOOM) return [];
  return zoom >= ALL_MIN_ZOOM ? list : list.filter((a) => a.iata);
}

/**
 * Aerodromes fetched per tile. `fetchTile(bbox)` resolves to the API's answer; `onData` runs
 * when a tile arrives. At most one request per tile, ever, while it is cached.
 */
export class AerodromeCache {
  constructor(fetchTile, onData = () => {}, maxTiles = MAX_TILES) {
    this.fetchTile = fetchTile;
    this.onData = onData;
    this.maxTiles = maxTiles;
    this.tiles = new Map(); // key -> {list, truncated} (insertion order = least recently used first)
    this.pending = new Set();
    this.requests = 0;
  }

  /** Fetches the tiles of `box` at view zoom `zoom` not yet cached or on their way. */
  request(box, zoom) {
    if (zoom < IATA_MIN_ZOOM) return [];
    const wanted = tilesFor(box, tileZoom(zoom));
    const started = [];
    for (const t of wanted) {
      if (this.tiles.has(t.key)) {
        // Touch: recently used tiles are kept longest.
        const v = this.tiles.get(t.key);
        this.tiles.delete(t.key);
        this.tiles.set(t.key, v);
        continue;
      }
      if (this.pending.has(t.key)) continue;
      this.pending.add(t.key);
      this.requests += 1;
      started.push(t.key);
      Promise.resolve()
        .then(() => this.fetchTile(t.bbox))
        .then((r) => {
          this.tiles.set(t.key, { list: (r && r.aerodromes) || [], truncated: !!(r && r.truncated) });
          while (this.tiles.size > this.maxTiles) this.tiles.delete(this.tiles.keys().next().value);
          this.onData();
        })
        .catch(() => {
          // Tried again when the view next settles here.
        })
        .finally(() => this.pending.delete(t.key));
    }
    return started;
  }

  /** Every cached aerodrome in the tiles of `box` at `zoom` (each once). */
  within(box, zoom) {
    if (zoom < IATA_MIN_ZOOM) return [];
    const seen = new Set();
    const out = [];
    for (const t of tilesFor(box, tileZoom(zoom))) {
      const tile = this.tiles.get(t.key);
      if (!tile) continue;
      for (const a of tile.list) {
        if (seen.has(a.icao)) continue;
        seen.add(a.icao);
        out.push(a);
      }
    }
    return out;
  }
}

export class AerodromesLayer {
  constructor(view) {
    this.view = view;
    this.visible = true;
    this.cache = null;
    this.timer = null;
    // What the last draw put on the map: [{icao, iata, x, y, labelled}].
    this.drawn = [];
  }

  /** `fetchTile(bbox)` asks the server; `onData` redraws the basemap. */
  setSource(fetchTile, onData) {
    this.cache = new AerodromeCache(fetchTile, onData);
    this.settled();
  }

  /** The view's Mercator box and zoom. */
  box() {
    const v = this.view;
    const hw = v.width / 2 / v.scale;
    const hh = v.height / 2 / v.scale;
    return { minX: v.cx - hw, maxX: v.cx + hw, minY: Math.max(0, v.cy - hh), maxY: Math.min(1, v.cy + hh) };
  }

  zoom() {
    return Math.log2(this.view.scale / 256);
  }

  /** The view moved: fetch what it needs once it has stayed put for SETTLE_MS. */
  viewChanged() {
    if (!this.cache || !this.visible) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.settled(), SETTLE_MS);
  }

  settled() {
    if (this.cache && this.visible) this.cache.request(this.box(), this.zoom());
  }

  draw(ctx) {
    this.drawn = [];
    if (!this.visible || !this.cache) return;
    const v = this.view;
    const zoom = this.zoom();
    const list = shownAt(this.cache.within(this.box(), zoom), zoom);
    if (!list.length) return;
    // IATA-coded (scheduled) aerodromes first: they get their labels before the small fields.
    const ordered = list.filter((a) => a.iata).concat(list.filter((a) => !a.iata));
    const { s, ox, oy } = v.offsets();
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    const placed = [];
    const small = new Path2D();
    const big = new Path2D();
    const labels = [];
    for (const a of ordered) {
      const x = mercX(a.lon_deg) * s + ox;
      const y = mercY(a.lat_deg) * s + oy;
      if (!v.onScreen(x, y, 4)) continue;
      const r = a.iata ? 4.5 : 3;
      const path = a.iata ? big : small;
      path.moveTo(x + r, y);
      path.arc(x, y, r, 0, 2 * Math.PI);
      if (a.iata) {
        // Four ticks round the circle: the chart symbol of an aerodrome with scheduled service.
        for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
          path.moveTo(x + dx * r, y + dy * r);
          path.lineTo(x + dx * (r + 3), y + dy * (r + 3));
        }
      }
      // The code goes under the symbol: a safety-net region's label starts at its centre, which
      // for an aerodrome's default region is the aerodrome itself.
      const w = ctx.measureText(a.icao).width;
      const ly = y + r + (a.iata ? 9 : 7);
      const box = [x - w / 2 - 1, ly - 6, x + w / 2 + 1, ly + 6];
      const free = !placed.some((b) => !(box[2] < b[0] || box[0] > b[2] || box[3] < b[1] || box[1] > b[3]));
      if (free) {
        placed.push(box);
        labels.push([a, x - w / 2, ly]);
      }
      this.drawn.push({ icao: a.icao, iata: a.iata || null, x, y, labelled: free });
    }
    ctx.lineWidth = 1.2;
    ctx.strokeStyle = SYMBOL;
    ctx.stroke(small);
    ctx.strokeStyle = SYMBOL_IATA;
    ctx.stroke(big);
    for (const [a, x, y] of labels) {
      ctx.fillStyle = a.iata ? LABEL_IATA : LABEL;
      ctx.fillText(a.icao, x, y);
    }
    ctx.textBaseline = 'alphabetic';
  }
}
