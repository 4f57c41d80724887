// The map: a bundled Natural Earth basemap and the live picture drawn on two stacked canvases
// (basemap, safety-net regions and reservations below, redrawn when the view moves; aircraft,
// alerts and the reservation being drawn above, redrawn every animation frame, at most
// DRAW_SHARE_MAX of the page's time). No DOM node per aircraft: every aircraft of one colour
// is one canvas path, or above a few thousand one pixel buffer of sprites. Pan with
// drag/arrow keys, zoom with the wheel or +/-.
//
// MapView puts the parts in js/map/ together and is what the rest of the console uses:
//   view.js            centre, scale, projection, pan/zoom/fit, canvas size
//   input.js           pointer handling, tooltip, map keys
//   drafting.js        drawing a new reservation volume, and its overlaps
//   sprites.js         aircraft symbols (chevron paths and pre-rendered sprites)
//   legend.js          the colour key
//   layers/basemap.js, layers/regions.js, layers/reservations.js (lower canvas)
//   layers/aircraft.js, layers/conflicts.js, layers/discrepancies.js, layers/guidance.js
//   (upper canvas)

import { store } from './store.js';
import { distanceM } from './geo.js';
import { h } from './util.js';
import { Budgeted } from './budget.js';
import { contestedKey } from './exclusion.js';
import { noticeKey } from './notice.js';
import { View } from './map/view.js';
import { bindPointer, mapKey } from './map/input.js';
import { Drafting } from './map/drafting.js';
import { Legend } from './map/legend.js';
import { BasemapLayer } from './map/layers/basemap.js';
import { RegionsLayer } from './map/layers/regions.js';
import { ReservationsLayer } from './map/layers/reservations.js';
import { AircraftLayer } from './map/layers/aircraft.js';
import { ConflictsLayer } from './map/layers/conflicts.js';
import { GuidanceLayer } from './map/layers/guidance.js';
import { DiscrepanciesLayer } from './map/layers/discrepancies.js';
import { AerodromesLayer } from './map/layers/aerodromes.js';
import { RangeRingsLayer } from './map/layers/range-rings.js';

export { mapKey };

/** Where the map looks before the first picture arrives: northern Syria and the Levant. */
const INITIAL_VIEW = { lon: 37.5, lat: 35.6, zoom: 6.6 };
/**
 * The map's drawing takes at most this share of the page's main thread (js/budget.js): after a
 * frame that took D ms (its script, raster and paint) the next one starts no sooner than
 * D × (1 / DRAW_SHARE_MAX − 1) ms later. The rest is
 * left to the live stream, the lists and input: with a map frame of 190 ms at 100,000 aircraft
 * drawn back to back, the browser ran no stream message between frames, stopped reading the
 * socket, and the server dropped the console as a slow client.
 */
export const DRAW_SHARE_MAX = 0.75;
/**
 * Below this idle time (ms, one display frame at 60 Hz) the next frame is simply the next
 * animation frame: waiting less than a display frame only loses frames (5,000 aircraft drew at
 * 26 frames/s instead of 33 with an 8 ms floor), and the page runs its other tasks then anyway.
 */
const FRAME_IDLE_MIN_MS = 17;
const SCALE_BAR_NM = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000];
/** The optional layers' on/off state, kept across sessions. */
const LAYERS_KEY = 'deconflict.layers';

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
    this.baseDirty = true;
    this.listeners = {};
    // 'view' listeners hear every move (every frame while following): they throttle themselves.
    this.view = new View(INITIAL_VIEW, () => {
      this.invalidateBase();
      if (this.aerodromes) this.aerodromes.viewChanged();
      this.emit('view');
    });
    this.basemap = new BasemapLayer(this.view);
    this.regions = new RegionsLayer(this.view);
    this.reservations = new ReservationsLayer(this.view);
    this.aircraft = new AircraftLayer(this.view);
    // Reservation and region names are placed together with the aircraft labels.
    this.aircraft.reservations = this.reservations;
    this.aircraft.regions = this.regions;
    this.conflicts = new ConflictsLayer(this.view);
    this.discrepancies = new DiscrepanciesLayer(this.view, this.aircraft);
    this.guidanceRing = new GuidanceLayer(this.view, this.aircraft);
    this.aerodromes = new AerodromesLayer(this.view);
    this.rangeRings = new RangeRingsLayer(this.view);
    this.drafting = new Drafting(this.view, this.air, (d) => this.emit('draft', d));
    this.stats = { drawn: 0, parties: {}, viaAlert: [], labels: 0, frameMs: 0, guidance: null };
    this.frames = 0;
    bindPointer(this);
    new ResizeObserver(() => this.resize()).observe(container);
    this.resize();
    store.on('reservations', () => this.invalidateBase());
    // Contested volumes are drawn from the requests: redrawn when they change (the requests
    // are reloaded every few seconds while a compliance status is watched).
    this.contestedKey = '';
    store.on('requests', () => {
      // …and so are the advance notices' volumes and routes.
      const key = `${contestedKey(store.requests, store.now())}#${noticeKey(store.requests, store.now())}`;
      if (key !== this.contestedKey) {
        this.contestedKey = key;
        this.invalidateBase();
      }
    });
    // A time ahead chosen on the timeline: the airspace as it will be then.
    store.on('timeline', () => this.invalidateBase());
    // Frames one after another, each after an idle time in proportion to the last one's cost.
    this.frameLoop = new Budgeted(() => this.drawFrame(), {
      share: DRAW_SHARE_MAX,
      schedule: (run, ms) => {
        const next = () => {
          try {
            run();
          } finally {
            // The frame's raster and paint come after its script; a task queued now runs
            // after them, so the frame is charged what it cost in all.
            setTimeout(() => {
              const loop = this.frameLoop;
              this.stats.frameTotalMs = loop.now() - loop.startedAt;
              loop.charge(this.stats.frameTotalMs);
              loop.request();
            }, 0);
          }
        };
        if (ms < FRAME_IDLE_MIN_MS) requestAnimationFrame(next);
        else setTimeout(() => requestAnimationFrame(next), ms);
      },
    });
    this.frameLoop.request();
    this.legend = new Legend(container);
    this.buildLayerBox(container);
  }

  /** The map's layer switches (top right): aerodromes, range rings. */
  buildLayerBox(container) {
    let saved = {};
    try {
      saved = JSON.parse(localStorage.getItem(LAYERS_KEY) || '{}') || {};
    } catch {
      saved = {};
    }
    this.aerodromes.visible = saved.aerodromes !== false;
    this.rangeRings.visible = saved.rangeRings === true;
    const box = (key, label, title, get, set) => h('label', { title },
      h('input', { type: 'checkbox', testid: `layer-${key}`, checked: get(), onchange: (e) => { set(e.target.checked); this.saveLayers(); } }), ` ${label}`);
    this.layerInputs = {
      aerodromes: box('aerodromes', 'Aerodromes', 'Aerodromes and their ICAO codes (zoom in to see them)', () => this.showAerodromes, (on) => { this.showAerodromes = on; }),
      rangeRings: box('range-rings', 'Range rings', 'Range rings round the selected aircraft (O)', () => this.showRangeRings, (on) => { this.showRangeRings = on; }),
    };
    container.append(h('div', { class: 'map-layers', testid: 'map-layers' }, this.layerInputs.aerodromes, this.layerInputs.rangeRings));
  }

  saveLayers() {
    try {
      localStorage.setItem(LAYERS_KEY, JSON.stringify({ aerodromes: this.showAerodromes, rangeRings: this.showRangeRings }));
    } catch {
      // Private mode: the choice lasts for the page only.
    }
    for (const [k, label] of Object.entries(this.layerInputs || {})) label.querySelector('input').checked = k === 'aerodromes' ? this.showAerodromes : this.showRangeRings;
  }

  /** Where aerodromes come from: `fetchTile(bbox)` resolves to GET /aerodromes's answer. */
  setAerodromeSource(fetchTile) {
    this.aerodromes.setSource(fetchTile, () => this.invalidateBase());
  }

  get showAerodromes() { return this.aerodromes.visible; }
  set showAerodromes(on) {
    this.aerodromes.visible = !!on;
    this.aerodromes.settled();
    this.invalidateBase();
  }
  get showRangeRings() { return this.rangeRings.visible; }
  set showRangeRings(on) { this.rangeRings.visible = !!on; }

  /** Switches the range rings round the selected aircraft on or off (the `O` key). */
  toggleRangeRings() {
    this.showRangeRings = !this.showRangeRings;
    this.saveLayers();
  }

  /** [lon, lat] of aircraft `id` as this frame drew it (dead-reckoned), or null. */
  drawnPosition(id) {
    const a = this.aircraft;
    const i = a.hitIds.indexOf(id);
    if (i >= 0 && i < a.hitCount) return this.view.unproject(a.hitX[i], a.hitY[i]);
    const d = store.displayed(id);
    return d ? [d.lon_deg, d.lat_deg] : null;
  }

  on(type, fn) {
    (this.listeners[type] ||= []).push(fn);
  }

  emit(type, v) {
    for (const fn of this.listeners[type] || []) fn(v);
  }

  async loadBasemap(url) {
    this.attribution.textContent = await this.basemap.load(url);
    this.invalidateBase();
  }

  // ---- view -------------------------------------------------------------------------------

  get width() { return this.view.width; }
  get height() { return this.view.height; }

  resize() {
    this.view.resize(this.container, [this.base, this.air]);
  }

  invalidateBase() {
    this.baseDirty = true;
    // A moved view leaves the hover tooltip pointing at something else.
    if (this.tooltip) this.tooltip.hidden = true;
  }

  project(lon, lat) { return this.view.project(lon, lat); }
  unproject(x, y) { return this.view.unproject(x, y); }
  bbox() { return this.view.bbox(); }
  zoomBy(factor, x, y) { this.view.zoomBy(factor, x, y); }
  centerOn(lon, lat, scale) { this.view.centerOn(lon, lat, scale); }
  fit(points, paddingPx, maxZoom, insetLeftPx) { this.view.fit(points, paddingPx, maxZoom, insetLeftPx); }

  /** Where the map looks: {lon, lat, zoom} (zoom in tile levels, fractional). */
  currentView() {
    const [lon, lat] = this.view.unproject(this.view.width / 2, this.view.height / 2);
    return { lon, lat, zoom: Math.log2(this.view.scale / 256) };
  }

  /** Looks at {lon, lat, zoom} (as currentView gives it). */
  setView({ lon, lat, zoom }) {
    this.view.centerOn(lon, lat, 256 * 2 ** zoom);
  }

  /** Ids of the aircraft the map drew inside the view in its last frame. */
  inViewIds() {
    const a = this.aircraft;
    return new Set(a.hitIds.slice(0, a.hitCount));
  }

  /** Pans by screen pixels; moving the map by hand stops following an aircraft. */
  panBy(dx, dy) {
    this.view.panBy(dx, dy);
    if (store.followId && (dx || dy)) store.setFollow(null);
  }

  // ---- what is shown ----------------------------------------------------------------------

  get showLabels() { return this.aircraft.showLabels; }
  set showLabels(on) { this.aircraft.showLabels = on; }
  get showTrails() { return this.aircraft.showTrails; }
  set showTrails(on) { this.aircraft.showTrails = on; }
  get showRegions() { return this.regions.visible; }
  set showRegions(on) { this.regions.visible = on; }
  get safetyRegions() { return this.regions.regions; }
  /** The volume outlined from a list (hovered card), or null. */
  get highlightVolume() { return this.reservations.highlight; }
  set highlightVolume(v) { this.reservations.highlight = v; }

  /** Replaces the safety-net regions drawn under the traffic. */
  setSafetyRegions(list) {
    this.regions.regions = list || [];
    this.invalidateBase();
  }

  /** The reservation volume drawn under screen point (x, y), or null. */
  reservationAt(x, y) {
    return this.reservations.at(this.bctx, x, y);
  }

  // ---- drawing a reservation --------------------------------------------------------------

  get draft() { return this.drafting.draft; }
  get overlaps() { return this.drafting.overlaps; }
  set overlaps(list) { this.drafting.overlaps = list; }
  /** Starts drawing a volume for `owner` (the panel whose form it is: 'reservation', 'notice'). */
  startDraft(type, onDone, owner = 'reservation') {
    this.draftOwner = owner;
    this.drafting.start(type, onDone);
  }
  finishDraft() { this.drafting.finish(); }
  undoDraftPoint() { this.drafting.undoPoint(); }
  cancelDraft() { this.drafting.cancel(); }
  /** The drafted shape in the API's Volume.shape form, or null while incomplete. */
  draftShape() { return this.drafting.shape(); }
  /** Sets a finished draft from a Volume.shape (changing an existing reservation). */
  setDraftShape(shape, owner = 'reservation') {
    this.draftOwner = owner;
    this.drafting.setShape(shape);
  }

  // ---- rendering --------------------------------------------------------------------------

  drawFrame() {
    const t0 = performance.now();
    if (store.followId) {
      const t = store.tracks.get(store.followId);
      if (t) {
        const dt = store.reckonS(t, store.now());
        this.view.centerOnMerc(t.mx + t.vmx * dt, t.my + t.vmy * dt);
      }
    }
    // An exclusion's deadline or end, or a contested volume's end, passed: drawn anew.
    if (this.reservations.stale(store.now())) this.baseDirty = true;
    if (this.baseDirty) {
      this.drawBase();
      this.baseDirty = false;
      this.updateScaleBar();
    }
    this.drawAir();
    this.frames += 1;
    this.stats.frameMs = performance.now() - t0;
  }

  drawBase() {
    const ctx = this.bctx;
    const v = this.view;
    ctx.setTransform(v.dpr, 0, 0, v.dpr, 0, 0);
    this.basemap.draw(ctx);
    this.regions.draw(ctx);
    this.reservations.draw(ctx);
    this.aerodromes.draw(ctx);
  }

  drawAir() {
    const ctx = this.actx;
    const v = this.view;
    ctx.setTransform(v.dpr, 0, 0, v.dpr, 0, 0);
    ctx.clearRect(0, 0, v.width, v.height);
    const now = store.now();
    // Milliseconds of script each part of the frame took (the test hook's `partsMs`).
    const partsMs = {};
    let t = performance.now();
    const lap = (part) => {
      const t1 = performance.now();
      partsMs[part] = t1 - t;
      t = t1;
    };
    this.aircraft.drawSymbols(ctx, now);
    lap('aircraft');
    this.conflicts.draw(ctx, now);
    lap('alerts');
    this.discrepancies.draw(ctx, now);
    this.guidanceRing.draw(ctx, now);
    const sel = this.rangeRings.visible ? store.selectedId : null;
    this.rangeRings.draw(ctx, sel, sel ? this.drawnPosition(sel) : null);
    lap('guidance');
    this.aircraft.drawMarks(ctx, now);
    lap('marks');
    this.drafting.drawOverlaps(ctx);
    this.reservations.drawHighlight(ctx);
    this.drafting.drawDraft(ctx);
    const f = this.aircraft.frame;
    const guidance = this.guidanceRing.drawn;
    this.stats = { drawn: this.aircraft.hitCount, parties: f.parties, viaAlert: f.viaAlert, labels: f.labels, late: f.late || [], frameMs: this.stats.frameMs, frameTotalMs: this.stats.frameTotalMs, partsMs, guidance };
    this.legend.update(Object.keys(f.parties).sort(), !!guidance, this.discrepancies.drawn.filter((x) => x.on_screen).map((x) => x.label), this.reservations.drawn.filter((x) => x.on_screen).map((x) => (x.kind === 'notice-route' ? 'notice' : x.kind)));
  }

  updateScaleBar() {
    const v = this.view;
    const [lon, lat] = v.unproject(v.width / 2, v.height / 2);
    const [lon2, lat2] = v.unproject(v.width / 2 + 100, v.height / 2);
    const nmPer100 = distanceM(lon, lat, lon2, lat2) / 1852;
    const nice = SCALE_BAR_NM.find((n) => n >= nmPer100 * 0.6) || SCALE_BAR_NM[SCALE_BAR_NM.length - 1];
    const px = (100 * nice) / nmPer100;
    this.scaleBar.style.width = `${px}px`;
    this.scaleBar.textContent = `${nice} NM`;
  }
}
