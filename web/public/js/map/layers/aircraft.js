// Aircraft layer, redrawn every frame on the upper canvas: every track dead-reckoned to now,
// with its trail and a chevron in the party's colour (one canvas path per colour; above
// BULK_THRESHOLD aircraft in view, sprites written straight into one pixel buffer), aircraft
// known only through alerts as hollow circles labelled "(alert)", a ring in the alert level's
// colour round aircraft in alert, labels placed by js/map/labels.js (priorities, leader lines;
// reservation and safety-net region names take part too), and the selection box. Keeps the screen
// positions of the frame for hit testing, and counts what it drew. Work done for every aircraft
// in view is kept to projecting and blitting it: the marks, late-data rings and labels of the
// few that matter find them through the frame's index rather than by scanning all of them.
//
// Drawing is in two passes so that conflict lines go over the symbols but under the marks:
// `drawSymbols` then (the alerts layer) then `drawMarks`.

import { store } from '../../store.js';
import { EARTH_RADIUS_M } from '../../geo.js';
import { LATE_AFTER_S, uncertaintyM, ageTag } from '../../encounter.js';
import { partyColour, fl3 } from '../../util.js';
import { levelColour } from '../../levels.js';
import { chevron, spriteSet, spriteIndex, blit, colourWord, SYMBOL_SIZE, SYMBOL_SIZE_BULK } from '../sprites.js';
import { placeLabels, aircraftPriority, PRIORITY } from '../labels.js';
import { MAP } from '../../palette.js';

/** Labels are drawn only when at most this many aircraft are in view. */
export const LABEL_LIMIT = 350;
/** A click or hover within this many pixels of an aircraft picks it. */
export const HIT_RADIUS_PX = 10;
// Above this many aircraft in view, symbols and trails are blitted into one pixel buffer:
// software canvas paths with tens of thousands of sub-paths cost hundreds of milliseconds.
export const BULK_THRESHOLD = 1500;
const LABEL_TEXT = MAP.labelText;
const SELECTION = MAP.selection;
const LATE_TEXT = MAP.lateText;
const LEADER = MAP.leader;
const LABEL_BACKDROP = MAP.labelBackdrop;
const MONO_11 = '11px ui-monospace, monospace';
const MONO_10 = '10px ui-monospace, monospace';
/** Half the size of an aircraft symbol, and of one with its alert ring, for label placement. */
const SYMBOL_R_PX = 6;
const ALERT_RING_R_PX = 11;
/** An aircraft label: two lines of 11 px monospace (name; level, climb/descent, speed). */
const LABEL_H_PX = 25;
const RESERVATION_LABEL_H_PX = 13;

/**
 * Aircraft of the viewer's conflicts it has no track for (before the server's `alert_tracks`
 * frame brings their current states, or over REST polling): their states as the alert
 * recorded them, with dead-reckoning rates (store.alertOnlyState).
 */
function collectAlertOnly() {
  const m = new Map();
  for (const c of store.conflicts.values()) {
    for (const id of [c.a, c.b]) {
      if (store.tracks.has(id) || m.has(id)) continue;
      const st = store.alertOnlyState(id);
      if (st) m.set(id, st);
    }
  }
  return m;
}

/** Screen pixels per metre at a latitude, for a world `s` pixels wide (Web Mercator). */
function pxPerMetre(s, latDeg) {
  return s / (2 * Math.PI * EARTH_RADIUS_M * Math.max(0.01, Math.cos((latDeg * Math.PI) / 180)));
}

export class AircraftLayer {
  constructor(view) {
    this.view = view;
    this.showLabels = true;
    this.showTrails = true;
    this.alertOnly = new Map();
    // Screen positions of the last frame, for hit testing: picture tracks first (in the order
    // of `visible`), then those known only through alerts.
    this.hitIds = [];
    // The tracks (or alert-only states) of `hitIds`, and the indices of those marked viaAlert.
    // Each one drawn carries `hitFrame` (this layer's frame number) and `hitIndex` (its index
    // here) so that `hitIndex(id)` finds it without a scan or an index map of every aircraft.
    this.hitTracks = [];
    this.hitVia = [];
    this.frameNo = 0;
    this.matteringOf = -1;
    this.matteringList = [];
    this.hitX = new Float32Array(0);
    this.hitY = new Float32Array(0);
    this.hitCount = 0;
    this.frame = { visible: [], levels: new Map(), parties: {}, viaAlert: [], labels: 0 };
    this.img = null;
    this.buf = null;
    // The aircraft with a guidance ring round it this frame ({id, radiusPx}, set by the guidance
    // layer): its label goes outside the ring, behind the aircraft, clear of the advised tracks.
    this.ring = null;
    // Boxes other layers drew this frame that labels keep off (js/map/labels.js obstacles).
    this.extraObstacles = [];
  }

  /**
   * Where an aircraft's two-line label goes: [x, y] of its left edge at the symbol's height
   * (names are written at y - 2, the level line at y + 10, the box is y - 12 … y + 13), and its
   * width. Right of the symbol, or for the aircraft with a guidance ring, outside the ring on the
   * side opposite to its track.
   */
  labelAnchor(t, x, y, widthPx) {
    if (!this.ring || this.ring.id !== t.id) return [x + 8, y];
    const a = (((t.trk_deg || 0) + 180 - 90) * Math.PI) / 180;
    const dx = Math.cos(a);
    const dy = Math.sin(a);
    const r = this.ring.radiusPx + 12;
    const px = x + r * dx;
    const py = y + r * dy;
    const lx = dx < -0.3 ? px - widthPx : dx > 0.3 ? px : px - widthPx / 2;
    const ly = dy < -0.3 ? py - 13 : dy > 0.3 ? py + 12 : py;
    return [lx, ly];
  }

  /** Projects every aircraft, then draws trails and symbols. */
  drawSymbols(ctx, now) {
    const v = this.view;
    const tracks = store.tracks;
    this.alertOnly = collectAlertOnly();
    const total = tracks.size + this.alertOnly.size;
    if (this.hitX.length < total) {
      this.hitX = new Float32Array(total * 2);
      this.hitY = new Float32Array(total * 2);
    }
    const hitIds = this.hitIds;
    const hitTracks = this.hitTracks;
    const hitVia = this.hitVia;
    hitIds.length = 0;
    hitTracks.length = 0;
    hitVia.length = 0;
    const frameNo = ++this.frameNo;
    let n = 0;
    const { s, ox, oy } = v.offsets();
    const byColour = new Map();
    const parties = {};
    const visible = [];
    for (const t of tracks.values()) {
      const dt = store.reckonS(t, now);
      const x = (t.mx + t.vmx * dt) * s + ox;
      const y = (t.my + t.vmy * dt) * s + oy;
      if (!v.onScreen(x, y)) continue;
      this.hitX[n] = x;
      this.hitY[n] = y;
      hitIds.push(t.id);
      hitTracks.push(t);
      t.hitFrame = frameNo;
      t.hitIndex = n;
      if (t.viaAlert) hitVia.push(n);
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
      const dt = store.reckonS(t, now);
      const x = (t.mx + t.vmx * dt) * s + ox;
      const y = (t.my + t.vmy * dt) * s + oy;
      viaAlert.push({ id: t.id, party: t.party });
      if (!v.onScreen(x, y)) continue;
      this.hitX[n] = x;
      this.hitY[n] = y;
      hitIds.push(t.id);
      hitTracks.push(t);
      t.hitFrame = frameNo;
      t.hitIndex = n;
      n += 1;
    }
    this.hitCount = n;
    this.frame = { visible, levels: store.alertLevels(), parties, viaAlert, labels: 0 };

    if (n > BULK_THRESHOLD) {
      this.drawBulk(ctx, byColour, s, ox, oy);
      return;
    }
    if (this.showTrails) {
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
    // One path per colour.
    for (const [colour, list] of byColour) {
      ctx.beginPath();
      for (let i = 0; i < list.length; i += 3) chevron(ctx, list[i + 1], list[i + 2], list[i].trk_deg, SYMBOL_SIZE);
      ctx.fillStyle = colour;
      ctx.fill();
    }
  }

  /** Trails and symbols of many aircraft written straight into one ImageData. */
  drawBulk(ctx, byColour, s, ox, oy) {
    const W = ctx.canvas.width;
    const H = ctx.canvas.height;
    if (!this.img || this.img.width !== W || this.img.height !== H) {
      this.img = ctx.createImageData(W, H);
      this.buf = new Uint32Array(this.img.data.buffer);
    }
    const buf = this.buf;
    buf.fill(0);
    const dpr = this.view.dpr;
    for (const [colour, list] of byColour) {
      const trailWord = colourWord(colour, 0x70);
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
      const set = spriteSet(colour, SYMBOL_SIZE_BULK, dpr);
      for (let i = 0; i < list.length; i += 3) {
        blit(buf, W, H, set[spriteIndex(list[i].trk_deg)], Math.round(list[i + 1] * dpr), Math.round(list[i + 2] * dpr));
      }
    }
    ctx.putImageData(this.img, 0, 0);
  }

  /**
   * Late data, for the aircraft that matter (in alert, known only through an alert, or
   * selected): when its last report is more than LATE_AFTER_S old, a ring of the position's
   * uncertainty after that long without data (js/encounter.js uncertaintyM), dashed, and its
   * age below the symbol. The list is kept for the test hook.
   */
  drawLateData(ctx, s, now) {
    const late = [];
    const { levels } = this.frame;
    for (const i of this.mattering()) {
      const id = this.hitIds[i];
      const t = this.hitTracks[i];
      const via = !!t.viaAlert || this.alertOnly.has(id);
      if (!via && !levels.get(id) && id !== store.selectedId) continue;
      const age = now - t.refTime;
      if (!(age > LATE_AFTER_S)) continue;
      const r = Math.max(6, uncertaintyM(age) * pxPerMetre(s, t.lat_deg));
      const x = this.hitX[i];
      const y = this.hitY[i];
      ctx.beginPath();
      ctx.arc(x, y, Math.min(r, 4000), 0, Math.PI * 2);
      ctx.setLineDash([4, 4]);
      ctx.strokeStyle = partyColour(t.party);
      ctx.lineWidth = 1;
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.font = '10px ui-monospace, monospace';
      ctx.fillStyle = LATE_TEXT;
      ctx.fillText(ageTag(age), x - 10, y + 22);
      late.push({ id, age_s: age, radius_px: r });
    }
    this.frame.late = late;
  }

  /**
   * Indices (ascending) of the aircraft in view that may matter this frame: in an alert (or a
   * discrepancy), known only through an alert or marked viaAlert, or selected.
   */
  mattering() {
    if (this.matteringOf === this.frameNo) return this.matteringList;
    const at = new Set(this.hitVia);
    const add = (id) => {
      const i = this.hitIndex(id);
      if (i >= 0) at.add(i);
    };
    for (const id of this.frame.levels.keys()) add(id);
    for (const id of this.alertOnly.keys()) add(id);
    if (store.selectedId) add(store.selectedId);
    // Once per frame (late data and labels both ask).
    this.matteringOf = this.frameNo;
    this.matteringList = [...at].sort((a, b) => a - b);
    return this.matteringList;
  }

  /** Alert-only aircraft, alert rings, labels and the selection, over the conflict lines. */
  drawMarks(ctx, now = store.now()) {
    const { s, ox, oy } = this.view.offsets();
    const { visible, levels } = this.frame;

    // Aircraft known only through alerts: hollow symbol.
    for (const t of this.alertOnly.values()) {
      const i = this.hitIndex(t.id);
      if (i < 0) continue;
      const x = this.hitX[i];
      const y = this.hitY[i];
      ctx.beginPath();
      ctx.arc(x, y, 5, 0, Math.PI * 2);
      ctx.strokeStyle = partyColour(t.party);
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }

    this.drawLateData(ctx, s, now);

    // Alert rings: one path per level, the most severe stroked last (over the others).
    const rings = new Map();
    for (const [id, lvl] of levels) {
      const i = lvl ? this.hitIndex(id) : -1;
      if (i < 0) continue;
      let path = rings.get(lvl);
      if (!path) rings.set(lvl, (path = new Path2D()));
      path.moveTo(this.hitX[i] + 10, this.hitY[i]);
      path.arc(this.hitX[i], this.hitY[i], 10, 0, Math.PI * 2);
    }
    ctx.lineWidth = 2;
    for (const lvl of [...rings.keys()].sort((a, b) => a - b)) {
      ctx.strokeStyle = levelColour(lvl);
      ctx.stroke(rings.get(lvl));
    }

    // Labels: callsign / FL GS of the aircraft in view when at most LABEL_LIMIT are, those known
    // only through alerts ("(alert)") and the reservations' names always, placed together.
    const labelled = this.showLabels && visible.length <= LABEL_LIMIT;
    this.frame.labels = this.drawLabels(ctx, labelled);

    // Selection.
    if (store.selectedId) {
      const i = this.hitIndex(store.selectedId);
      if (i >= 0) {
        ctx.strokeStyle = SELECTION;
        ctx.lineWidth = 1.5;
        ctx.strokeRect(this.hitX[i] - 12, this.hitY[i] - 12, 24, 24);
        if (!labelled) {
          const t = store.tracks.get(store.selectedId) || this.alertOnly.get(store.selectedId);
          ctx.font = MONO_11;
          ctx.fillStyle = SELECTION;
          const text = `${t.callsign || t.id} ${fl3(t.alt_ft)} ${Math.round(t.gs_kt || 0)}`;
          const [lx, ly] = this.ring && this.ring.id === t.id ? this.labelAnchor(t, this.hitX[i], this.hitY[i], 7 * text.length) : [this.hitX[i] + 13, this.hitY[i]];
          ctx.fillText(text, lx + 1, ly - 4);
        }
      }
    }
  }

  /**
   * Places and draws the labels (js/map/labels.js): aircraft in alert first (the two of a pair
   * on their far sides from each other), then the selected aircraft (outside its guidance ring),
   * the viewer's own, other parties', those known only through alerts, reservation names, civil
   * traffic, high-level civil, safety-net region names last (`reservations` and `regions` are
   * those layers, set by the map). Labels keep off every symbol, the guidance ring and the
   * late-data tags; one moved away from its aircraft gets a leader line. Keeps the placed boxes
   * in `frame.placedLabels` (the test hook) and returns the number of aircraft labels drawn.
   */
  drawLabels(ctx, labelled) {
    const { levels } = this.frame;
    const hitIds = this.hitIds;
    const n = this.hitCount;
    const me = store.me && store.me.party;
    const v = this.view;
    ctx.font = MONO_11;
    const cw = ctx.measureText('0').width;
    // The other aircraft of each one's most severe conflict in view: its label goes away from it.
    const partner = new Map();
    const partnerLevel = new Map();
    for (const c of store.conflicts.values()) {
      const ia = this.hitIndex(c.a);
      const ib = this.hitIndex(c.b);
      if (ia < 0 || ib < 0) continue;
      for (const [id, j] of [[c.a, ib], [c.b, ia]]) {
        if ((partnerLevel.get(id) || 0) >= (c.level || 0)) continue;
        partnerLevel.set(id, c.level || 0);
        partner.set(id, [this.hitX[j], this.hitY[j]]);
      }
    }
    const cands = [];
    const obstacles = [];
    const few = n <= BULK_THRESHOLD;
    // Every aircraft in view is an obstacle or a candidate when there are few or all are
    // labelled; otherwise only those known through alerts get a label, and nothing else counts.
    const considered = few || labelled ? null : this.mattering().filter((i) => this.alertOnly.has(hitIds[i]));
    const count = considered ? considered.length : n;
    for (let k = 0; k < count; k++) {
      const i = considered ? considered[k] : k;
      const id = hitIds[i];
      const t = this.hitTracks[i];
      const alertOnly = this.alertOnly.has(id);
      const level = levels.get(id) || 0;
      const x = this.hitX[i];
      const y = this.hitY[i];
      const r = level ? ALERT_RING_R_PX : SYMBOL_R_PX;
      const priority = aircraftPriority({ level, selected: id === store.selectedId, party: t.party, viewerParty: me, viaAlert: alertOnly || !!t.viaAlert, altFt: t.alt_ft });
      if (few) obstacles.push({ x0: x - r, y0: y - r, x1: x + r, y1: y + r, priority, soft: true });
      if (!labelled && !alertOnly) continue;
      const name = `${t.callsign || t.id}${alertOnly || t.viaAlert ? ' (alert)' : ''}`;
      const vs = t.vs_fpm > 300 ? '↑' : t.vs_fpm < -300 ? '↓' : ' ';
      // The selected altitude, when downlinked and different from the current level.
      const sel = Number.isFinite(t.selected_alt_ft) && Math.abs(t.selected_alt_ft - (t.alt_ft ?? 0)) > 200 ? ` ›${fl3(t.selected_alt_ft)}` : '';
      const line2 = `${fl3(t.alt_ft)}${vs}${String(Math.round(t.gs_kt || 0)).padStart(3, ' ')}${sel}`;
      const ring = this.ring && this.ring.id === id ? this.ring : null;
      cands.push({
        id, kind: alertOnly ? 'alert-only' : 'aircraft', x, y, w: Math.ceil(cw * Math.max(name.length, line2.length)) + 2, h: LABEL_H_PX, priority, symbolR: r,
        away: partner.get(id) || null,
        clearRadius: ring ? ring.radiusPx + 12 : 0,
        preferDeg: ring ? (t.trk_deg || 0) + 180 : null,
        name, line2, colour: partyColour(t.party),
      });
    }
    if (this.ring) {
      const p = this.screenOf(this.ring.id);
      const R = this.ring.radiusPx + 12;
      if (p) obstacles.push({ x0: p[0] - R, y0: p[1] - R, x1: p[0] + R, y1: p[1] + R, priority: PRIORITY.ALERT });
    }
    // Marks other layers drew this frame that labels keep off (a discrepancy's diamond and label).
    for (const o of this.extraObstacles || []) obstacles.push(o);
    for (const l of this.frame.late || []) {
      const i = this.hitIndex(l.id);
      if (i >= 0) obstacles.push({ x0: this.hitX[i] - 11, y0: this.hitY[i] + 13, x1: this.hitX[i] + 30, y1: this.hitY[i] + 25 });
    }
    for (const [kind, layer, priority] of [['reservation', this.reservations, PRIORITY.RESERVATION], ['region', this.regions, PRIORITY.REGION]]) {
      const now = store.now();
      for (const r of (layer && layer.labels) || []) {
        // Exclusion labels count down to their deadline: worded anew each frame.
        const text = r.textAt ? r.textAt(now) : r.text;
        cands.push({ id: r.id, kind, x: r.x, y: r.y, w: Math.ceil(cw * (10 / 11) * text.length) + 2, h: RESERVATION_LABEL_H_PX, priority: r.priority ?? priority, symbolR: 3, displace: kind !== 'region', name: text, colour: r.colour, away: r.away || null, backdrop: !!r.backdrop });
      }
    }
    const { placed } = placeLabels(cands, { obstacles, bounds: [0, 0, v.width, v.height] });
    let aircraftLabels = 0;
    ctx.beginPath();
    for (const p of placed) {
      if (!p.leader) continue;
      ctx.moveTo(p.leaderFrom[0], p.leaderFrom[1]);
      ctx.lineTo(p.leaderTo[0], p.leaderTo[1]);
    }
    ctx.strokeStyle = LEADER;
    ctx.lineWidth = 1;
    ctx.stroke();
    for (const p of placed) {
      const l = p.label;
      if (l.kind === 'reservation' || l.kind === 'region') {
        // Exclusion and contested labels on a dark backdrop: hatching and outlines run under them.
        if (l.backdrop) {
          ctx.fillStyle = LABEL_BACKDROP;
          ctx.fillRect(p.x - 1, p.y, p.w + 2, p.h);
        }
        ctx.font = MONO_10;
        ctx.fillStyle = l.colour;
        ctx.fillText(l.name, p.x + 1, p.y + 10);
        continue;
      }
      ctx.font = MONO_11;
      ctx.fillStyle = l.colour;
      ctx.fillText(l.name, p.x + 1, p.y + 10);
      ctx.fillStyle = LABEL_TEXT;
      ctx.fillText(l.line2, p.x + 1, p.y + 22);
      aircraftLabels += 1;
    }
    this.frame.placedLabels = placed.map((p) => ({ id: p.id, kind: p.label.kind, x: p.x, y: p.y, w: p.w, h: p.h, leader: p.leader, priority: p.priority, pos: p.pos, text: p.label.name }));
    return aircraftLabels;
  }

  /** Id of the aircraft nearest to screen point (x, y) within HIT_RADIUS_PX, or null. */
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

  /** Screen position of an aircraft in the last frame, or null when it is not in view. */
  screenOf(id) {
    const i = this.hitIndex(id);
    return i >= 0 ? [this.hitX[i], this.hitY[i]] : null;
  }

  /** Index of an aircraft in the last frame's hit arrays, or -1 when it was not drawn in view. */
  hitIndex(id) {
    const t = id ? this.aircraft(id) : null;
    return t && t.hitFrame === this.frameNo && this.hitIds[t.hitIndex] === id ? t.hitIndex : -1;
  }

  /** A track or alert-only state by id. */
  aircraft(id) {
    return store.tracks.get(id) || this.alertOnly.get(id);
  }
}
