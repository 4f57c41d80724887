// Guidance layer: the selected aircraft's track bands as a compass ring round its symbol, as
// DAIDALUS displays draw them: north up (the map is Web Mercator, which keeps angles), each band
// an arc clockwise from `from_deg` to `to_deg`, thick in the alert level's colour where a turn
// to that track leads to a loss of separation (far / mid / near: advisory / caution / warning),
// thick dashed green where nothing is clear and these tracks regain separation soonest
// (recovery), thin green where the track is clear. A white wedge marks the current track, and
// radial marks the advised left and right tracks (the preferred one in the accent colour, with
// its value). A fixed pixel radius, so it reads the same at any zoom. Guidance older than
// STALE_AFTER_S is drawn faded and labelled STALE. Only what the server sent is drawn (a party
// gets its own aircraft's guidance only). Drawn on the upper canvas every frame, over the
// conflict lines and under the labels.

import { store } from '../../store.js';
import { bandStyle, isStale, resolutions, trackArc } from '../../guidance.js';
import { GUIDANCE } from '../../palette.js';

export const RING_RADIUS_PX = 40;
const CONFLICT_WIDTH_PX = 6;
const CLEAR_WIDTH_PX = 2;
const RECOVERY_DASH = [5, 4];
const ACCENT = GUIDANCE.preferred;
const MARK = GUIDANCE.mark;
const BACKDROP = GUIDANCE.backdrop;
const STALE_COLOUR = GUIDANCE.stale;
const FONT = '10px ui-monospace, monospace';

const canvasAngle = (deg) => ((deg - 90) * Math.PI) / 180;

/** Text with a dark outline, legible over the basemap and the traffic. */
function label(ctx, text, x, y, colour) {
  ctx.lineWidth = 3;
  ctx.strokeStyle = BACKDROP;
  ctx.strokeText(text, x, y);
  ctx.fillStyle = colour;
  ctx.fillText(text, x, y);
}

export class GuidanceLayer {
  constructor(view, aircraft) {
    this.view = view;
    this.aircraft = aircraft;
    // What the last frame drew (for the test hook): null, or the ring's bands and marks.
    this.drawn = null;
  }

  draw(ctx, now) {
    this.drawn = null;
    this.aircraft.ring = null;
    const id = store.selectedId;
    const g = store.guidanceFor(id);
    if (!g || !Array.isArray(g.track_bands) || g.track_bands.length === 0) return;
    const p = this.aircraft.screenOf(id);
    if (!p) return;
    const [x, y] = p;
    const t = this.aircraft.aircraft(id);
    const R = RING_RADIUS_PX;
    this.aircraft.ring = { id, radiusPx: R + 8 };
    const stale = isStale(g, now);
    ctx.save();
    ctx.lineCap = 'butt';
    // A dark annulus under the bands, so they read over coastlines and trails.
    ctx.beginPath();
    ctx.arc(x, y, R, 0, Math.PI * 2);
    ctx.strokeStyle = BACKDROP;
    ctx.lineWidth = CONFLICT_WIDTH_PX + 4;
    ctx.stroke();
    if (stale) ctx.globalAlpha = 0.45;
    const bands = [];
    for (const b of g.track_bands) {
      if (!Number.isFinite(b.from_deg) || !Number.isFinite(b.to_deg)) continue;
      const st = bandStyle(b.level);
      const thick = st.conflict || st.recovery;
      const width = thick ? CONFLICT_WIDTH_PX : CLEAR_WIDTH_PX;
      const [a0, a1] = trackArc(b);
      ctx.beginPath();
      ctx.arc(x, y, R, a0, a1, false);
      ctx.strokeStyle = st.colour;
      ctx.lineWidth = width;
      ctx.setLineDash(st.recovery ? RECOVERY_DASH : []);
      ctx.stroke();
      bands.push({ from_deg: b.from_deg, to_deg: b.to_deg, level: b.level, colour: st.colour, width, dashed: !!st.recovery });
    }
    ctx.setLineDash([]);
    // Cardinal ticks outside the ring (north longer).
    ctx.strokeStyle = MARK;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const d of [0, 90, 180, 270]) {
      const a = canvasAngle(d);
      const r0 = R + CONFLICT_WIDTH_PX / 2 + 1;
      const r1 = r0 + (d === 0 ? 6 : 3);
      ctx.moveTo(x + r0 * Math.cos(a), y + r0 * Math.sin(a));
      ctx.lineTo(x + r1 * Math.cos(a), y + r1 * Math.sin(a));
    }
    ctx.stroke();
    // The advised tracks: radial marks across the ring, the preferred one in the accent colour.
    const advice = (g.advice && g.advice.track) || null;
    const marks = resolutions('track', advice);
    ctx.font = FONT;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (const m of marks) {
      const a = canvasAngle(m.value);
      const c = m.preferred ? ACCENT : MARK;
      ctx.beginPath();
      ctx.moveTo(x + (R - 8) * Math.cos(a), y + (R - 8) * Math.sin(a));
      ctx.lineTo(x + (R + 8) * Math.cos(a), y + (R + 8) * Math.sin(a));
      ctx.strokeStyle = c;
      ctx.lineWidth = m.preferred ? 2.5 : 1.5;
      ctx.stroke();
      label(ctx, `${m.dir === 'right' ? 'R' : 'L'}${m.text.replace(/^\D+/, '')}`, x + (R + 20) * Math.cos(a), y + (R + 20) * Math.sin(a), c);
    }
    // The current track: a white wedge pointing in at the ring.
    const trk = t && Number.isFinite(t.trk_deg) ? t.trk_deg : null;
    if (trk !== null) {
      const a = canvasAngle(trk);
      const ca = Math.cos(a);
      const sa = Math.sin(a);
      const tip = R - CONFLICT_WIDTH_PX / 2 - 2;
      const base = R + CONFLICT_WIDTH_PX / 2 + 6;
      ctx.beginPath();
      ctx.moveTo(x + tip * ca, y + tip * sa);
      ctx.lineTo(x + base * ca - 4 * sa, y + base * sa + 4 * ca);
      ctx.lineTo(x + base * ca + 4 * sa, y + base * sa - 4 * ca);
      ctx.closePath();
      ctx.fillStyle = GUIDANCE.current;
      ctx.fill();
      ctx.strokeStyle = BACKDROP;
      ctx.lineWidth = 1;
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    if (stale) label(ctx, 'GUIDANCE STALE', x, y - R - 18, STALE_COLOUR);
    ctx.restore();
    this.drawn = {
      id,
      time: g.time,
      x,
      y,
      radiusPx: R,
      stale,
      track_deg: trk,
      left_deg: advice ? advice.left_deg ?? null : null,
      right_deg: advice ? advice.right_deg ?? null : null,
      marks: marks.map((m) => ({ dir: m.dir, deg: m.value, preferred: m.preferred })),
      bands,
    };
  }
}
