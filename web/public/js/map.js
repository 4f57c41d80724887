// The map: a bundled Natural Earth basemap and the live picture drawn on two stacked canvases
// (basemap + reservations below, aircraft/conflicts/drafts above, redrawn every animation
// frame). No DOM node per aircraft: every aircraft of one colour is one canvas path, so 20,000
// aircraft stay smooth. Pan with drag/arrow keys, zoom with the wheel or +/-.

import { store } from './store.js';
import { mercX, mercY, unmercX, unmercY, distanceM, circleRing, volumeRings, geojsonRings } from './geo.js';
import { partyColour, levelColour, fl3, flText, utcDateTime, altBand, h } from './util.js';

/** Safety-net region outlines: parameter regions and inhibition volumes. */
const REGION_PARAMS = '#3fb8af';
const REGION_INHIBIT = '#a29bfe';

const MIN_SCALE = 256;
const MAX_SCALE = 256 * 2 ** 15;
const LABEL_LIMIT = 350;
const HIT_RADIUS_PX = 10;
// Above this many aircraft in view, symbols and trails are blitted into one pixel buffer:
// software canvas paths with tens of thousands of sub-paths cost hundreds of milliseconds.
const BULK_THRESHOLD = 1500;
const SPRITE_ANGLES = 36;

export class MapView {
  constructor(container) {
    this.container = container;
    this.base = h('canvas', { class: 'map-base' });
    this.air = h('canvas', { class: 'map-air', testid: 'map-canvas', tabindex: 0 });
    this.tooltip = h('div', { class: 'map-tooltip', testid: 'map-tooltip', hidden: true });
    this.scaleBar = h('div', { class: 'map-scale' });
    this.coords = h('div', { class: 'map-coords' });
    this.attribution = h('div', { class: 'map-attribution' }, 'Basemap: Natural Earth');
    container.append(this.base, this.air, this.tooltip, this.scaleBar, this.coords, this.attribution);
    this.bctx = this.base.getContext('2d');
    this.actx = this.air.getContext('2d');
    // View: centre in normalised Mercator and scale in pixels per world width.
    this.cx = mercX(37.5);
    this.cy = mercY(35.6);
    this.scale = 256 * 2 ** 6.6;
    this.width = 0;
    this.height = 0;
    this.dpr = 1;
    this.basemap = null;
    this.baseDirty = true;
    this.showLabels = true;
    this.showTrails = true;
    this.draft = null;
    this.overlaps = [];
    this.highlightVolume = null;
    this.reservationPaths = [];
    // Safety-net parameter regions and inhibition volumes (GET /api/v1/safety/regions).
    this.safetyRegions = [];
    this.showRegions = true;
    this.hover = null;
    // Screen positions of the last frame, for hit testing.
    this.hitIds = [];
    this.hitX = new Float32Array(0);
    this.hitY = new Float32Array(0);
    this.hitCount = 0;
    this.stats = { drawn: 0, parties: {}, viaAlert: [], labels: 0, frameMs: 0 };
    this.frames = 0;
    this.listeners = {};
    this.alertOnly = new Map();
    this.bindInput();
    new ResizeObserver(() => this.resize()).observe(container);
    this.resize();
    store.on('reservations', () => this.invalidateBase());
    requestAnimationFrame(() => this.frame());
    this.legend = h('div', { class: 'map-legend', testid: 'map-legend' });
    container.append(this.legend);
  }

  /** The colour key: parties on the map and alert levels. */
  updateLegend(parties) {
    const key = parties.join('|');
    if (key === this.legendKey) return;
    this.legendKey = key;
    const row = (colour, text) => h('span', { class: 'key' }, h('span', { class: 'dot', style: { background: colour } }), text);
    this.legend.replaceChildren(
      ...parties.map((p) => row(partyColour(p === 'null' ? null : p), p === 'null' ? 'unowned' : p)),
      h('span', { class: 'sep' }),
      ...[1, 2, 3].map((l) => row(levelColour(l), ['advisory', 'caution', 'warning'][l - 1])));
  }

  on(type, fn) {
    (this.listeners[type] ||= []).push(fn);
  }

  emit(type, v) {
    for (const fn of this.listeners[type] || []) fn(v);
  }

  async loadBasemap(url) {
    const res = await fetch(url);
    const data = await res.json();
    const decode = (enc) => {
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
        const mx = mercX(x / data.scale);
        const my = mercY(y / data.scale);
        out[2 * i] = mx;
        out[2 * i + 1] = my;
        if (mx < minX) minX = mx;
        if (mx > maxX) maxX = mx;
        if (my < minY) minY = my;
        if (my > maxY) maxY = my;
      }
      return { pts: out, minX, maxX, minY, maxY };
    };
    this.basemap = {
      land: data.land.map(decode),
      borders: data.borders.map(decode),
      labels: data.labels.map((l) => ({ ...l, mx: mercX(l.lon), my: mercY(l.lat) })),
      attribution: data.attribution,
    };
    this.attribution.textContent = data.attribution;
    this.invalidateBase();
  }

  // ---- view -------------------------------------------------------------------------------

  resize() {
    const r = this.container.getBoundingClientRect();
    this.dpr = Math.min(2, window.devicePixelRatio || 1);
    this.width = Math.max(1, r.width);
    this.height = Math.max(1, r.height);
    for (const c of [this.base, this.air]) {
      c.width = Math.round(this.width * this.dpr);
      c.height = Math.round(this.height * this.dpr);
      c.style.width = `${this.width}px`;
      c.style.height = `${this.height}px`;
    }
    this.invalidateBase();
  }

  invalidateBase() {
    this.baseDirty = true;
    // A moved view leaves the hover tooltip pointing at something else.
    if (this.tooltip) this.tooltip.hidden = true;
  }

  sx(mx) {
    return (mx - this.cx) * this.scale + this.width / 2;
  }

  sy(my) {
    return (my - this.cy) * this.scale + this.height / 2;
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
    if (store.followId && (dx || dy)) store.setFollow(null);
    this.invalidateBase();
  }

  zoomBy(factor, x = this.width / 2, y = this.height / 2) {
    const ns = Math.max(MIN_SCALE, Math.min(MAX_SCALE, this.scale * factor));
    const mx = this.cx + (x - this.width / 2) / this.scale;
    const my = this.cy + (y - this.height / 2) / this.scale;
    this.scale = ns;
    this.cx = mx - (x - this.width / 2) / ns;
    this.cy = my - (y - this.height / 2) / ns;
    this.invalidateBase();
  }

  centerOn(lon, lat, scale) {
    this.cx = mercX(lon);
    this.cy = mercY(lat);
    if (scale) this.scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, scale));
    this.invalidateBase();
  }

  /** Fits the view to [lon, lat] points. */
  fit(points, paddingPx = 60, maxZoom = 11) {
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
    this.cx = (minX + maxX) / 2;
    this.cy = (minY + maxY) / 2;
    const w = Math.max(1e-6, maxX - minX);
    const hgt = Math.max(1e-6, maxY - minY);
    const s = Math.min((this.width - 2 * paddingPx) / w, (this.height - 2 * paddingPx) / hgt);
    this.scale = Math.max(MIN_SCALE, Math.min(256 * 2 ** maxZoom, s));
    this.invalidateBase();
  }

  // ---- input ------------------------------------------------------------------------------

  bindInput() {
    const el = this.air;
    let drag = null;
    el.addEventListener('wheel', (e) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      this.zoomBy(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    el.addEventListener('pointerdown', (e) => {
      el.focus();
      const r = el.getBoundingClientRect();
      const x = e.clientX - r.left;
      const y = e.clientY - r.top;
      drag = { x, y, startX: x, startY: y, moved: false, id: e.pointerId };
      if (this.draft && this.draft.type === 'circle' && this.draft.stage === 'center') {
        const [lon, lat] = this.unproject(x, y);
        this.draft.center = [lon, lat];
        this.draft.radiusM = 0;
        this.draft.stage = 'radius';
        drag.circle = true;
      }
      el.setPointerCapture(e.pointerId);
    });
    el.addEventListener('pointermove', (e) => {
      const r = el.getBoundingClientRect();
      const x = e.clientX - r.left;
      const y = e.clientY - r.top;
      const [lon, lat] = this.unproject(x, y);
      this.coords.textContent = `${lat.toFixed(3)}°, ${lon.toFixed(3)}°`;
      if (this.draft) this.draft.cursor = [lon, lat];
      if (drag) {
        if (Math.hypot(x - drag.startX, y - drag.startY) > 4) drag.moved = true;
        if (drag.circle) {
          this.draft.radiusM = distanceM(this.draft.center[0], this.draft.center[1], lon, lat);
          this.emit('draft', this.draft);
        } else if (drag.moved) {
          this.panBy(x - drag.x, y - drag.y);
        }
        drag.x = x;
        drag.y = y;
        return;
      }
      this.updateHover(x, y, e);
    });
    el.addEventListener('pointerup', (e) => {
      if (!drag) return;
      const r = el.getBoundingClientRect();
      const x = e.clientX - r.left;
      const y = e.clientY - r.top;
      const d = drag;
      drag = null;
      if (d.circle) {
        if (this.draft.radiusM > 0) this.finishDraft();
        else this.draft.stage = 'center';
        return;
      }
      if (!d.moved) this.click(x, y);
    });
    el.addEventListener('dblclick', (e) => {
      if (this.draft && this.draft.type === 'polygon') {
        e.preventDefault();
        this.finishDraft();
      }
    });
    el.addEventListener('pointerleave', () => {
      this.tooltip.hidden = true;
    });
  }

  click(x, y) {
    if (this.draft && this.draft.type === 'polygon' && this.draft.stage !== 'done') {
      const pts = this.draft.points;
      if (pts.length >= 3) {
        const [fx, fy] = this.project(pts[0][0], pts[0][1]);
        if (Math.hypot(fx - x, fy - y) < 10) {
          this.finishDraft();
          return;
        }
      }
      // A double click sends two clicks first; ignore the repeated vertex.
      const [lon, lat] = this.unproject(x, y);
      const last = pts[pts.length - 1];
      if (last) {
        const [lx, ly] = this.project(last[0], last[1]);
        if (Math.hypot(lx - x, ly - y) < 3) return;
      }
      pts.push([lon, lat]);
      this.emit('draft', this.draft);
      return;
    }
    if (this.draft && this.draft.stage !== 'done') return;
    const id = this.hitTest(x, y);
    store.select(id);
    if (!id) {
      const res = this.reservationAt(x, y);
      if (res) this.emit('reservation-click', res);
    }
  }

  hitTest(x, y) {
    let best = null;
    let bestD = HIT_RADIUS_PX * HIT_RADIUS_PX;
    for (let i = 0; i < this.hitCount; i++) {
      const dx = this.hitX[i] - x;
      const dy = this.hitY[i] - y;
      const d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        best = this.hitIds[i];
      }
    }
    return best;
  }

  reservationAt(x, y) {
    for (let i = this.reservationPaths.length - 1; i >= 0; i--) {
      const p = this.reservationPaths[i];
      if (this.bctx.isPointInPath(p.path, x * this.dpr, y * this.dpr)) return p;
    }
    return null;
  }

  updateHover(x, y) {
    const id = this.hitTest(x, y);
    let html = null;
    if (id) {
      const t = store.tracks.get(id) || this.alertOnly.get(id);
      if (t) html = `<b>${t.callsign || t.id}</b> ${t.party || ''}<br>${flText(t.alt_ft)} · ${Math.round(t.gs_kt || 0)} kt`;
    } else {
      const p = this.reservationAt(x, y);
      if (p) {
        const r = p.reservation;
        const v = p.volume;
        html = `<b>${escapeHtml(r.name || r.id)}</b> · ${escapeHtml(r.party)} · ${escapeHtml(r.purpose || '')} · ${escapeHtml(r.state || '')}` +
          `<br>${altBand(v.lower_ft, v.upper_ft)} (${Math.round(v.lower_ft)}–${Math.round(v.upper_ft)} ft)` +
          `<br>${utcDateTime(v.start_time)} → ${utcDateTime(v.end_time)} UTC`;
      }
    }
    if (html) {
      this.tooltip.innerHTML = html;
      this.tooltip.hidden = false;
      this.tooltip.style.left = `${Math.min(this.width - 260, x + 14)}px`;
      this.tooltip.style.top = `${Math.max(0, y + 14)}px`;
      this.air.style.cursor = 'pointer';
    } else {
      this.tooltip.hidden = true;
      this.air.style.cursor = this.draft ? 'crosshair' : 'grab';
    }
  }

  // ---- drawing a reservation --------------------------------------------------------------

  startDraft(type, onDone) {
    this.draft = { type, points: [], center: null, radiusM: 0, stage: type === 'circle' ? 'center' : 'points', cursor: null, onDone };
    this.air.style.cursor = 'crosshair';
    this.emit('draft', this.draft);
  }

  finishDraft() {
    const d = this.draft;
    if (!d) return;
    if (d.type === 'polygon' && d.points.length < 3) return;
    d.stage = 'done';
    this.air.style.cursor = 'grab';
    this.emit('draft', d);
    if (d.onDone) d.onDone(this.draftShape());
  }

  undoDraftPoint() {
    if (this.draft && this.draft.type === 'polygon' && this.draft.stage !== 'done') {
      this.draft.points.pop();
      this.emit('draft', this.draft);
    }
  }

  cancelDraft() {
    this.draft = null;
    this.overlaps = [];
    this.air.style.cursor = 'grab';
    this.emit('draft', null);
  }

  /** The drafted shape in the API's Volume.shape form, or null while incomplete. */
  draftShape() {
    const d = this.draft;
    if (!d || d.stage !== 'done') return null;
    if (d.type === 'circle') {
      return { type: 'circle', center: { lon_deg: round6(d.center[0]), lat_deg: round6(d.center[1]) }, radius_m: Math.round(d.radiusM) };
    }
    const ring = d.points.map(([lon, lat]) => [round6(lon), round6(lat)]);
    ring.push(ring[0]);
    return { type: 'polygon', coordinates: ring };
  }

  /** Sets a finished draft directly (keyboard entry or tests). */
  setDraftShape(shape) {
    if (shape.type === 'circle') {
      this.draft = { type: 'circle', center: [shape.center.lon_deg, shape.center.lat_deg], radiusM: shape.radius_m, points: [], stage: 'done' };
    } else {
      const ring = shape.coordinates;
      const closed = ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1];
      const pts = closed ? ring.slice(0, -1) : ring.slice();
      this.draft = { type: 'polygon', points: pts, stage: 'done' };
    }
    this.emit('draft', this.draft);
  }

  // ---- rendering --------------------------------------------------------------------------

  frame() {
    requestAnimationFrame(() => this.frame());
    const t0 = performance.now();
    if (store.followId) {
      const t = store.tracks.get(store.followId);
      if (t) {
        const dt = Math.max(0, Math.min(20, store.now() - t.refTime));
        this.cx = t.mx + t.vmx * dt;
        this.cy = t.my + t.vmy * dt;
        this.baseDirty = true;
        this.tooltip.hidden = true;
      }
    }
    if (this.baseDirty) {
      this.drawBase();
      this.baseDirty = false;
      this.updateScaleBar();
    }
    this.drawAir();
    this.frames += 1;
    this.stats.frameMs = performance.now() - t0;
  }

  ringPath(ctx, pts, close) {
    const s = this.scale;
    const ox = this.width / 2 - this.cx * s;
    const oy = this.height / 2 - this.cy * s;
    ctx.moveTo(pts[0] * s + ox, pts[1] * s + oy);
    let lx = pts[0];
    for (let i = 2; i < pts.length; i += 2) {
      // Skip sub-pixel steps and antimeridian jumps.
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

  visibleBox(b, marginPx = 0) {
    const m = marginPx / this.scale;
    const x0 = this.cx - this.width / 2 / this.scale - m;
    const x1 = this.cx + this.width / 2 / this.scale + m;
    const y0 = this.cy - this.height / 2 / this.scale - m;
    const y1 = this.cy + this.height / 2 / this.scale + m;
    return !(b.maxX < x0 || b.minX > x1 || b.maxY < y0 || b.minY > y1);
  }

  drawBase() {
    const ctx = this.bctx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = '#070b10';
    ctx.fillRect(0, 0, this.width, this.height);
    this.drawGraticule(ctx);
    if (this.basemap) {
      ctx.beginPath();
      for (const r of this.basemap.land) if (this.visibleBox(r)) this.ringPath(ctx, r.pts, true);
      ctx.fillStyle = '#121a23';
      ctx.fill('evenodd');
      ctx.strokeStyle = '#3a5068';
      ctx.lineWidth = 1;
      ctx.stroke();
      ctx.beginPath();
      for (const r of this.basemap.borders) if (this.visibleBox(r)) this.ringPath(ctx, r.pts, false);
      ctx.strokeStyle = '#3b4757';
      ctx.setLineDash([4, 3]);
      ctx.stroke();
      ctx.setLineDash([]);
      this.drawCountryLabels(ctx);
    }
    if (this.showRegions) this.drawSafetyRegions(ctx);
    this.drawReservations(ctx);
  }

  /** Replaces the safety-net regions drawn under the traffic. */
  setSafetyRegions(list) {
    this.safetyRegions = list || [];
    this.invalidateBase();
  }

  /** The view as `W,S,E,N` degrees. */
  bbox() {
    const [lonW, latN] = this.unproject(0, 0);
    const [lonE, latS] = this.unproject(this.width, this.height);
    const c = (v, m) => Math.max(-m, Math.min(m, v)).toFixed(3);
    return `${c(lonW, 180)},${c(latS, 90)},${c(lonE, 180)},${c(latN, 90)}`;
  }

  // Parameter regions: thin teal outlines labelled with their minima; inhibition volumes:
  // dotted grey-violet outlines with a light fill (no conflict alerts inside).
  drawSafetyRegions(ctx) {
    const zoomed = this.scale > 256 * 2 ** 6;
    for (const r of this.safetyRegions) {
      const ring = r.center ? circleRing(r.center.lon_deg, r.center.lat_deg, r.radius_nm * 1852, 48) : r.polygon;
      if (!ring || ring.length < 3) continue;
      const path = new Path2D();
      ring.forEach(([lon, lat], i) => {
        const [x, y] = this.project(lon, lat);
        if (i === 0) path.moveTo(x, y);
        else path.lineTo(x, y);
      });
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
        const [x, y] = this.project(lon0, lat0);
        // Default aerodrome regions by their short id (`LFPG-terminal`), others by name.
        const name = r.source === 'aerodrome' ? r.id : r.name;
        const text = inhibit
          ? `${name}: no alerts below FL${fl3(r.upper_ft)}`
          : `${name}: ${r.h_sep_nm} NM / ${r.v_sep_ft} ft, ${r.lookahead_s} s, to FL${fl3(r.upper_ft)}`;
        ctx.font = '10px ui-monospace, monospace';
        ctx.fillStyle = colour;
        ctx.fillText(text, x + 4, r.center ? y - (inhibit ? 4 : 16) : y - 4);
      }
    }
  }

  drawGraticule(ctx) {
    const [lonW, latN] = this.unproject(0, 0);
    const [lonE, latS] = this.unproject(this.width, this.height);
    const span = lonE - lonW;
    const step = span > 120 ? 30 : span > 40 ? 10 : span > 15 ? 5 : span > 6 ? 2 : span > 2 ? 1 : 0.5;
    ctx.beginPath();
    for (let lon = Math.ceil(lonW / step) * step; lon <= lonE; lon += step) {
      const x = this.sx(mercX(lon));
      ctx.moveTo(x, 0);
      ctx.lineTo(x, this.height);
    }
    for (let lat = Math.ceil(latS / step) * step; lat <= latN; lat += step) {
      const y = this.sy(mercY(lat));
      ctx.moveTo(0, y);
      ctx.lineTo(this.width, y);
    }
    ctx.strokeStyle = '#111923';
    ctx.lineWidth = 1;
    ctx.stroke();
    ctx.fillStyle = '#3d4a5a';
    ctx.font = '10px ui-monospace, monospace';
    for (let lon = Math.ceil(lonW / step) * step; lon <= lonE; lon += step) {
      ctx.fillText(`${+lon.toFixed(1)}°`, this.sx(mercX(lon)) + 2, this.height - 4);
    }
    for (let lat = Math.ceil(latS / step) * step; lat <= latN; lat += step) {
      ctx.fillText(`${+lat.toFixed(1)}°`, 2, this.sy(mercY(lat)) - 2);
    }
  }

  drawCountryLabels(ctx) {
    const pxPerDeg = this.scale / 360;
    ctx.font = '600 11px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.fillStyle = '#5b6b7f';
    const placed = [];
    for (const l of this.basemap.labels) {
      if (l.area * pxPerDeg * pxPerDeg < 2500) continue;
      const x = this.sx(l.mx);
      const y = this.sy(l.my);
      if (x < -50 || y < -20 || x > this.width + 50 || y > this.height + 20) continue;
      const text = l.name.toUpperCase();
      const w = ctx.measureText(text).width;
      const box = [x - w / 2 - 4, y - 8, x + w / 2 + 4, y + 6];
      if (placed.some((b) => !(box[2] < b[0] || box[0] > b[2] || box[3] < b[1] || box[1] > b[3]))) continue;
      placed.push(box);
      ctx.fillText(text, x, y);
    }
    ctx.textAlign = 'left';
  }

  drawReservations(ctx) {
    this.reservationPaths = [];
    const me = store.me && store.me.party;
    const list = [...store.reservations.values()].filter((r) => r.state !== 'cancelled' && r.state !== 'ended');
    for (const r of list) {
      const hazard = r.purpose === 'hazard' || r.purpose === 'closure';
      const colour = hazard ? '#ff9f1c' : partyColour(r.party);
      (r.volumes || []).forEach((v, idx) => {
        const path = new Path2D();
        for (const ring of volumeRings(v)) {
          ring.forEach(([lon, lat], i) => {
            const [x, y] = this.project(lon, lat);
            if (i === 0) path.moveTo(x, y);
            else path.lineTo(x, y);
          });
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
        const [lon0, lat0] = volumeAnchor(v);
        const [x, y] = this.project(lon0, lat0);
        if (this.scale > 256 * 2 ** 5) {
          ctx.font = '10px ui-monospace, monospace';
          ctx.fillStyle = colour;
          ctx.fillText(`${r.name || r.id} ${fl3(v.lower_ft)}-${fl3(v.upper_ft)}`, x + 4, y - 4);
        }
        // Paths are kept in device pixels for isPointInPath.
        const hit = new Path2D();
        hit.addPath(path, new DOMMatrix([this.dpr, 0, 0, this.dpr, 0, 0]));
        this.reservationPaths.push({ path: hit, reservation: r, volume: v, index: idx });
      });
    }
  }

  hatch(ctx, path, colour) {
    ctx.save();
    ctx.clip(path, 'evenodd');
    ctx.beginPath();
    for (let x = -this.height; x < this.width; x += 10) {
      ctx.moveTo(x, this.height);
      ctx.lineTo(x + this.height, 0);
    }
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1;
    ctx.stroke();
    ctx.restore();
  }

  updateScaleBar() {
    const [lon, lat] = this.unproject(this.width / 2, this.height / 2);
    const [lon2, lat2] = this.unproject(this.width / 2 + 100, this.height / 2);
    const nmPer100 = distanceM(lon, lat, lon2, lat2) / 1852;
    const nice = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000].find((n) => n >= nmPer100 * 0.6) || 2000;
    const px = (100 * nice) / nmPer100;
    this.scaleBar.style.width = `${px}px`;
    this.scaleBar.textContent = `${nice} NM`;
  }

  /** Tracks the viewer only knows through alerts (the other side's state at alert time). */
  collectAlertOnly() {
    const m = new Map();
    for (const c of store.conflicts.values()) {
      for (const s of [c.a_state, c.b_state]) {
        if (s && s.id && !store.tracks.has(s.id) && Number.isFinite(s.lat_deg)) {
          if (!s.mx) {
            s.mx = mercX(s.lon_deg);
            s.my = mercY(s.lat_deg);
          }
          m.set(s.id, s);
        }
      }
    }
    return m;
  }

  drawAir() {
    const ctx = this.actx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    const now = store.now();
    const tracks = store.tracks;
    this.alertOnly = this.collectAlertOnly();
    const total = tracks.size + this.alertOnly.size;
    if (this.hitX.length < total) {
      this.hitX = new Float32Array(total * 2);
      this.hitY = new Float32Array(total * 2);
    }
    const hitIds = this.hitIds;
    hitIds.length = 0;
    let n = 0;
    const s = this.scale;
    const ox = this.width / 2 - this.cx * s;
    const oy = this.height / 2 - this.cy * s;
    const w = this.width;
    const hgt = this.height;
    const levels = store.alertLevels();
    const byColour = new Map();
    const parties = {};
    const visible = [];
    for (const t of tracks.values()) {
      let dt = now - t.refTime;
      if (!(dt > 0) || store.paused) dt = 0;
      else if (dt > 20) dt = 20;
      const x = (t.mx + t.vmx * dt) * s + ox;
      const y = (t.my + t.vmy * dt) * s + oy;
      if (x < -20 || y < -20 || x > w + 20 || y > hgt + 20) continue;
      this.hitX[n] = x;
      this.hitY[n] = y;
      hitIds.push(t.id);
      n += 1;
      parties[t.party] = (parties[t.party] || 0) + 1;
      const colour = partyColour(t.party);
      let list = byColour.get(colour);
      if (!list) byColour.set(colour, (list = []));
      list.push(t, x, y);
      visible.push(t);
    }
    const viaAlert = [];
    for (const t of this.alertOnly.values()) {
      const x = t.mx * s + ox;
      const y = t.my * s + oy;
      viaAlert.push({ id: t.id, party: t.party });
      if (x < -20 || y < -20 || x > w + 20 || y > hgt + 20) continue;
      this.hitX[n] = x;
      this.hitY[n] = y;
      hitIds.push(t.id);
      n += 1;
    }
    this.hitCount = n;

    if (n > BULK_THRESHOLD) {
      this.drawBulk(ctx, byColour, s, ox, oy);
    } else {
      // Trails.
      if (this.showTrails && n < 60000) {
        for (const [colour, list] of byColour) {
          ctx.beginPath();
          for (let i = 0; i < list.length; i += 3) {
            const tr = list[i].trail;
            if (tr.length < 4) continue;
            ctx.moveTo(tr[0] * s + ox, tr[1] * s + oy);
            for (let k = 2; k < tr.length; k += 2) ctx.lineTo(tr[k] * s + ox, tr[k + 1] * s + oy);
            ctx.lineTo(list[i + 1], list[i + 2]);
          }
          ctx.strokeStyle = colour + '66';
          ctx.lineWidth = 1;
          ctx.stroke();
        }
      }

      // Aircraft symbols: a chevron along the track, one path per colour.
      const size = n > 5000 ? 4.5 : 6.5;
      for (const [colour, list] of byColour) {
        ctx.beginPath();
        for (let i = 0; i < list.length; i += 3) {
          const t = list[i];
          const a = ((t.trk_deg || 0) * Math.PI) / 180;
          const sin = Math.sin(a);
          const cos = Math.cos(a);
          const x = list[i + 1];
          const y = list[i + 2];
          // Nose, right wing, tail notch, left wing.
          ctx.moveTo(x + sin * size, y - cos * size);
          ctx.lineTo(x + cos * size * 0.7 - sin * size * 0.8, y + sin * size * 0.7 + cos * size * 0.8);
          ctx.lineTo(x - sin * size * 0.35, y + cos * size * 0.35);
          ctx.lineTo(x - cos * size * 0.7 - sin * size * 0.8, y - sin * size * 0.7 + cos * size * 0.8);
          ctx.closePath();
        }
        ctx.fillStyle = colour;
        ctx.fill();
      }
    }

    this.drawConflicts(ctx, now);

    // Aircraft known only through alerts: hollow symbol.
    for (const t of this.alertOnly.values()) {
      const x = t.mx * s + ox;
      const y = t.my * s + oy;
      ctx.beginPath();
      ctx.arc(x, y, 5, 0, Math.PI * 2);
      ctx.strokeStyle = partyColour(t.party);
      ctx.lineWidth = 1.5;
      ctx.stroke();
      ctx.font = '10px ui-monospace, monospace';
      ctx.fillStyle = partyColour(t.party);
      ctx.fillText(`${t.callsign || t.id} (alert)`, x + 8, y - 6);
    }

    // Alert rings.
    for (let i = 0; i < n; i++) {
      const lvl = levels.get(hitIds[i]);
      if (!lvl) continue;
      ctx.beginPath();
      ctx.arc(this.hitX[i], this.hitY[i], 10, 0, Math.PI * 2);
      ctx.strokeStyle = levelColour(lvl);
      ctx.lineWidth = 2;
      ctx.stroke();
    }

    // Labels: callsign / FL GS, when few enough aircraft are in view. Decluttered: aircraft in
    // alert and the selected one are labelled first; a label that would overlap one already
    // drawn is left out (the aircraft keeps its symbol; hover or click shows it).
    let labels = 0;
    if (this.showLabels && visible.length <= LABEL_LIMIT) {
      ctx.font = '11px ui-monospace, monospace';
      const order = visible.map((t, i) => i);
      const prio = (i) => (visible[i].id === store.selectedId ? 10 : 0) + (levels.get(visible[i].id) || 0);
      order.sort((a, b) => prio(b) - prio(a));
      const boxes = [];
      for (const i of order) {
        const t = visible[i];
        const x = this.hitX[i];
        const y = this.hitY[i];
        const box = [x + 8, y - 12, x + 8 + 7 * Math.max(7, (t.callsign || t.id).length), y + 13];
        if (boxes.some((b) => box[0] < b[2] && box[2] > b[0] && box[1] < b[3] && box[3] > b[1])) continue;
        boxes.push(box);
        ctx.fillStyle = partyColour(t.party);
        ctx.fillText(t.callsign || t.id, x + 9, y - 2);
        ctx.fillStyle = '#b8c4d2';
        const vs = t.vs_fpm > 300 ? '↑' : t.vs_fpm < -300 ? '↓' : ' ';
        // The selected altitude, when downlinked and different from the current level.
        const sel = Number.isFinite(t.selected_alt_ft) && Math.abs(t.selected_alt_ft - (t.alt_ft ?? 0)) > 200 ? ` ›${fl3(t.selected_alt_ft)}` : '';
        ctx.fillText(`${fl3(t.alt_ft)}${vs}${String(Math.round(t.gs_kt || 0)).padStart(3, ' ')}${sel}`, x + 9, y + 10);
        labels += 1;
      }
    }

    // Selection.
    if (store.selectedId) {
      const i = hitIds.indexOf(store.selectedId);
      if (i >= 0) {
        ctx.strokeStyle = '#ffffff';
        ctx.lineWidth = 1.5;
        ctx.strokeRect(this.hitX[i] - 12, this.hitY[i] - 12, 24, 24);
        if (!this.showLabels || visible.length > LABEL_LIMIT) {
          const t = tracks.get(store.selectedId) || this.alertOnly.get(store.selectedId);
          ctx.font = '11px ui-monospace, monospace';
          ctx.fillStyle = '#ffffff';
          ctx.fillText(`${t.callsign || t.id} ${fl3(t.alt_ft)} ${Math.round(t.gs_kt || 0)}`, this.hitX[i] + 14, this.hitY[i] - 4);
        }
      }
    }

    this.drawOverlays(ctx);
    this.stats = { drawn: n, parties, viaAlert, labels, frameMs: this.stats.frameMs };
    this.updateLegend(Object.keys(parties).sort());
  }

  /** Chevron sprites of one colour for SPRITE_ANGLES headings, as pixel offsets + RGBA words. */
  sprites(colour, size) {
    const key = `${colour}|${size}|${this.dpr}`;
    this.spriteCache ||= new Map();
    let set = this.spriteCache.get(key);
    if (set) return set;
    set = [];
    const px = size * this.dpr;
    const dim = Math.ceil(px * 2 + 4);
    const c = new OffscreenCanvas(dim, dim);
    const g = c.getContext('2d', { willReadFrequently: true });
    for (let k = 0; k < SPRITE_ANGLES; k++) {
      g.clearRect(0, 0, dim, dim);
      const a = (k * 2 * Math.PI) / SPRITE_ANGLES;
      const sin = Math.sin(a);
      const cos = Math.cos(a);
      const x = dim / 2;
      const y = dim / 2;
      g.beginPath();
      g.moveTo(x + sin * px, y - cos * px);
      g.lineTo(x + cos * px * 0.7 - sin * px * 0.8, y + sin * px * 0.7 + cos * px * 0.8);
      g.lineTo(x - sin * px * 0.35, y + cos * px * 0.35);
      g.lineTo(x - cos * px * 0.7 - sin * px * 0.8, y - sin * px * 0.7 + cos * px * 0.8);
      g.closePath();
      g.fillStyle = colour;
      g.fill();
      const d = g.getImageData(0, 0, dim, dim).data;
      const offs = [];
      const words = [];
      for (let yy = 0; yy < dim; yy++) {
        for (let xx = 0; xx < dim; xx++) {
          const i = (yy * dim + xx) * 4;
          const alpha = d[i + 3];
          if (alpha < 60) continue;
          offs.push(xx - Math.floor(dim / 2), yy - Math.floor(dim / 2));
          // ImageData is RGBA bytes; as little-endian 32-bit words that is ABGR.
          words.push(((Math.min(255, alpha * 1.4) << 24) | (d[i + 2] << 16) | (d[i + 1] << 8) | d[i]) >>> 0);
        }
      }
      set.push({ offs: Int16Array.from(offs), words: Uint32Array.from(words) });
    }
    this.spriteCache.set(key, set);
    return set;
  }

  /** Trails and symbols of many aircraft written straight into one ImageData. */
  drawBulk(ctx, byColour, s, ox, oy) {
    const W = this.air.width;
    const H = this.air.height;
    if (!this.img || this.img.width !== W || this.img.height !== H) {
      this.img = ctx.createImageData(W, H);
      this.buf = new Uint32Array(this.img.data.buffer);
    }
    const buf = this.buf;
    buf.fill(0);
    const dpr = this.dpr;
    const size = 4.5;
    for (const [colour, list] of byColour) {
      const r = parseInt(colour.slice(1, 3), 16);
      const g = parseInt(colour.slice(3, 5), 16);
      const b = parseInt(colour.slice(5, 7), 16);
      const trailWord = ((0x70 << 24) | (b << 16) | (g << 8) | r) >>> 0;
      if (this.showTrails) {
        for (let i = 0; i < list.length; i += 3) {
          const tr = list[i].trail;
          if (tr.length < 4) continue;
          let x0 = (tr[0] * s + ox) * dpr;
          let y0 = (tr[1] * s + oy) * dpr;
          for (let k = 2; k <= tr.length; k += 2) {
            const x1 = k < tr.length ? (tr[k] * s + ox) * dpr : list[i + 1] * dpr;
            const y1 = k < tr.length ? (tr[k + 1] * s + oy) * dpr : list[i + 2] * dpr;
            // DDA line, one pixel wide.
            const steps = Math.min(400, Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0)) | 0);
            const dx = steps ? (x1 - x0) / steps : 0;
            const dy = steps ? (y1 - y0) / steps : 0;
            let x = x0;
            let y = y0;
            for (let j = 0; j <= steps; j++) {
              const xi = x | 0;
              const yi = y | 0;
              if (xi >= 0 && yi >= 0 && xi < W && yi < H) buf[yi * W + xi] = trailWord;
              x += dx;
              y += dy;
            }
            x0 = x1;
            y0 = y1;
          }
        }
      }
      const set = this.sprites(colour, size);
      for (let i = 0; i < list.length; i += 3) {
        const t = list[i];
        const k = Math.round(((((t.trk_deg || 0) % 360) + 360) % 360) / (360 / SPRITE_ANGLES)) % SPRITE_ANGLES;
        const sp = set[k];
        const cx = Math.round(list[i + 1] * dpr);
        const cy = Math.round(list[i + 2] * dpr);
        const offs = sp.offs;
        const words = sp.words;
        for (let j = 0, m = 0; m < words.length; j += 2, m++) {
          const x = cx + offs[j];
          const y = cy + offs[j + 1];
          if (x >= 0 && y >= 0 && x < W && y < H) buf[y * W + x] = words[m];
        }
      }
    }
    ctx.putImageData(this.img, 0, 0);
  }

  positionOf(id, fallback, now) {
    const t = store.tracks.get(id);
    if (t) {
      let dt = now - t.refTime;
      if (!(dt > 0) || store.paused) dt = 0;
      else if (dt > 20) dt = 20;
      return [(t.mx + t.vmx * dt), (t.my + t.vmy * dt)];
    }
    if (fallback && Number.isFinite(fallback.lat_deg)) return [mercX(fallback.lon_deg), mercY(fallback.lat_deg)];
    return null;
  }

  drawConflicts(ctx, now) {
    const s = this.scale;
    const ox = this.width / 2 - this.cx * s;
    const oy = this.height / 2 - this.cy * s;
    for (const c of store.conflicts.values()) {
      const pa = this.positionOf(c.a, c.a_state, now);
      const pb = this.positionOf(c.b, c.b_state, now);
      if (!pa || !pb) continue;
      const colour = levelColour(c.level);
      const ax = pa[0] * s + ox;
      const ay = pa[1] * s + oy;
      const bx = pb[0] * s + ox;
      const by = pb[1] * s + oy;
      ctx.strokeStyle = colour;
      ctx.lineWidth = c.level >= 3 ? 2.5 : 1.8;
      ctx.beginPath();
      ctx.moveTo(ax, ay);
      ctx.lineTo(bx, by);
      ctx.stroke();
      if (c.cpa_a && c.cpa_b) {
        const [cax, cay] = this.project(c.cpa_a.lon_deg, c.cpa_a.lat_deg);
        const [cbx, cby] = this.project(c.cpa_b.lon_deg, c.cpa_b.lat_deg);
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
        for (const [x, y] of [[cax, cay], [cbx, cby]]) {
          ctx.beginPath();
          ctx.moveTo(x - 4, y - 4);
          ctx.lineTo(x + 4, y + 4);
          ctx.moveTo(x + 4, y - 4);
          ctx.lineTo(x - 4, y + 4);
          ctx.stroke();
        }
      }
    }
    for (const i of store.intrusions.values()) {
      const p = this.positionOf(i.track_id, i.track_state, now);
      if (!p || !i.entry_point) continue;
      const colour = levelColour(i.level);
      const [ex, ey] = this.project(i.entry_point.lon_deg, i.entry_point.lat_deg);
      ctx.strokeStyle = colour;
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

  drawOverlays(ctx) {
    // Overlaps reported by the server for the current draft.
    for (const o of this.overlaps) {
      ctx.beginPath();
      for (const ring of geojsonRings(o.geometry)) {
        ring.forEach(([lon, lat], i) => {
          const [x, y] = this.project(lon, lat);
          if (i === 0) ctx.moveTo(x, y);
          else ctx.lineTo(x, y);
        });
        ctx.closePath();
      }
      ctx.fillStyle = 'rgba(255, 51, 68, 0.35)';
      ctx.fill('evenodd');
      ctx.strokeStyle = '#ff3344';
      ctx.lineWidth = 2;
      ctx.stroke();
    }
    if (this.highlightVolume) {
      ctx.beginPath();
      for (const ring of volumeRings(this.highlightVolume)) {
        ring.forEach(([lon, lat], i) => {
          const [x, y] = this.project(lon, lat);
          if (i === 0) ctx.moveTo(x, y);
          else ctx.lineTo(x, y);
        });
        ctx.closePath();
      }
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 2;
      ctx.setLineDash([8, 4]);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    const d = this.draft;
    if (!d) return;
    ctx.strokeStyle = '#7cf5ff';
    ctx.fillStyle = 'rgba(124, 245, 255, 0.12)';
    ctx.lineWidth = 2;
    if (d.type === 'circle' && d.center) {
      const ring = circleRing(d.center[0], d.center[1], Math.max(1, d.radiusM), 72);
      ctx.beginPath();
      ring.forEach(([lon, lat], i) => {
        const [x, y] = this.project(lon, lat);
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
      const [x, y] = this.project(d.center[0], d.center[1]);
      ctx.fillStyle = '#7cf5ff';
      ctx.fillRect(x - 2, y - 2, 4, 4);
      ctx.font = '11px ui-monospace, monospace';
      ctx.fillText(`r ${(d.radiusM / 1852).toFixed(1)} NM`, x + 6, y - 6);
    } else if (d.type === 'polygon' && d.points.length) {
      const pts = d.points.slice();
      if (d.stage !== 'done' && d.cursor) pts.push(d.cursor);
      ctx.beginPath();
      pts.forEach(([lon, lat], i) => {
        const [x, y] = this.project(lon, lat);
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      if (d.stage === 'done') ctx.closePath();
      if (pts.length >= 3) ctx.fill();
      ctx.stroke();
      ctx.fillStyle = '#7cf5ff';
      for (const [lon, lat] of d.points) {
        const [x, y] = this.project(lon, lat);
        ctx.fillRect(x - 3, y - 3, 6, 6);
      }
    }
  }
}

function volumeAnchor(v) {
  if (v.shape.type === 'circle') return [v.shape.center.lon_deg, v.shape.center.lat_deg];
  const ring = volumeRings(v)[0] || [[0, 0]];
  let top = ring[0];
  for (const p of ring) if (p[1] > top[1]) top = p;
  return top;
}

function round6(v) {
  return Math.round(v * 1e6) / 1e6;
}

export function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
