// The console's colours, defined once: every colour that carries a meaning (surfaces, text,
// alert levels, parties, zones, guidance bands, the alarm banner, the basemap, the selection),
// and the colour science that checks them (WCAG 2.x relative luminance and contrast ratio,
// sRGB → CIELAB, CIEDE2000 colour difference). levels.js, util.js, guidance.js, alarm.js, the
// map layers and — through the custom properties `applyPalette` sets — the stylesheet all read
// their colours from here. No DOM, so node can import it (web/test/palette.test.mjs checks it).
//
// Design rules, checked by the unit test:
//
// - Warning red belongs to warnings alone. No party, zone or other UI colour is within
//   NEAR_DE00 (CIEDE2000 ΔE00 < 20) of it; 20 is roughly where two saturated colours stop
//   being confusable at a glance on a dark background (ΔE00 ≈ 2 is a just-noticeable
//   difference side by side; symbols 10 px across seen a second apart need ten times that).
//   The surfaces made for warnings (the banner, the warning row of the alert list) are the
//   only exceptions.
// - Warning is not the weakest level: it is a light, saturated red with at least 0.8 × the
//   contrast of caution amber on the map (caution is a deeper amber than a pure orange so that
//   this holds), and every alert colour reaches 3:1 against the sea and the land (WCAG 1.4.11).
// - Party colours (blue, red, civil, cell and the hashed palette of other parties) and hazard
//   zones stay NEAR_DE00 clear of all three alert colours. Red's own colour is a rose pink —
//   the cool side of the red family, so a military user still reads it as "red side" next to
//   blue, while pure red is left to warnings. Hazard areas and closures are violet (not the
//   orange they were, which sat between caution amber and warning red).
// - Text meets WCAG AA 4.5:1 on every background it is written on (TEXT_ON lists the pairs),
//   map text included: aircraft labels, zone labels, grid and country names.

/** Two colours closer than this CIEDE2000 difference count as "near" (confusable). */
export const NEAR_DE00 = 20;
/** WCAG 2.x AA contrast for text, and for the non-text marks (symbols, lines) of meaning. */
export const TEXT_CONTRAST_MIN = 4.5;
export const NON_TEXT_CONTRAST_MIN = 3;

/** Surfaces: page and map backgrounds, panels, cards, controls. */
export const SURFACE = Object.freeze({
  bg: '#070b10', // page, map sea
  panel: '#0d141c', // side panel, sign-in box
  panel2: '#111a24', // section heads, cards, table heads
  card: '#0a1118', // details card (rgba(10, 17, 24, .96) over the map)
  tooltip: '#080e14', // map tooltip (rgba(8, 14, 20, .92))
  control: '#17222e', // buttons, toasts
  input: '#081018',
  line: '#1f2b38', // separators (decoration, no contrast rule)
  warningRow: '#1d0d12', // the alert list's warning entry
  warningPulse: '#3a0d16', // …and its pulse while unacknowledged
  cautionChip: '#3a2f0f', // "polling", "pending", "proposed"
  okChip: '#0f3324', // "live", "accepted", "active"
  errorChip: '#3a1a1a', // "offline", "declined", "cancelled"
});

/** Text colours. */
export const TEXT = Object.freeze({
  text: '#d5dde7',
  muted: '#8593a4',
  bright: '#ffffff', // the clock, the advice text
  accent: '#7cf5ff', // brand, sorted column, preferred advice, the reservation being drawn
  ok: '#3ecf8e',
  error: '#ffc4c4', // refusals, "offline", "declined": a pale rose, well clear of warning red
  onCaution: '#111111', // dark text on a caution-amber chip (mode, STALE)
  onAccent: '#04171b', // dark text on an accent badge (unread, pending)
});

/** Alert levels 1-3 (levels.js gives them their names) and "no alert". */
export const LEVEL = Object.freeze({
  advisory: '#d8d86a',
  caution: '#e49400',
  warning: '#ff5c5c',
  none: '#6b7280',
});

/** The alarm banner (warnings only): white on deep red, flashing to a darker red. */
export const BANNER = Object.freeze({
  bg: '#c0001f',
  flash: '#7a0010',
  text: '#ffffff',
});

/** Party colours by party id; parties without one of their own get one of PARTY_HASHED. */
export const PARTY = Object.freeze({
  blue: '#4ea3ff',
  red: '#ff66c4',
  cell: '#e6e6e6',
  civil: '#9aa4b2',
});

/** Colours for other parties (chosen by a hash of the id): teal, lilac, sky, olive, green. */
export const PARTY_HASHED = Object.freeze(['#4fd6d6', '#ffccff', '#80e0ff', '#8c8c56', '#55d68a']);

/** Zones on the map. */
export const ZONE = Object.freeze({
  hazard: '#ad5cff', // hazard areas and closures, whoever filed them (hatched)
  regionParams: '#3fb8af', // safety-net parameter regions (teal outline)
  regionInhibit: '#9f9fc8', // inhibition volumes: no conflict alerts inside (grey-violet, dotted)
  overlap: LEVEL.caution, // a drafted reservation's overlaps: to be justified before filing
  // A declined or unanswered vacate request's volume (not a reservation): a warm grey, dashed,
  // clear of all three alert colours (a disagreement to settle, not an alert).
  contested: '#aa9c80',
});

/** Resolution guidance (guidance.js: band levels far / mid / near take the alert colours). */
export const GUIDANCE = Object.freeze({
  clear: TEXT.ok,
  recovery: TEXT.ok,
  preferred: TEXT.accent,
  mark: '#b8c4d2',
  current: '#ffffff', // the wedge at the current track
  stale: LEVEL.caution,
  backdrop: 'rgba(7, 11, 16, 0.55)',
});

/** Basemap: sea, graticule and its labels, land, coast, borders, country names. */
export const BASEMAP = Object.freeze({
  sea: SURFACE.bg,
  graticule: '#111923',
  gridText: '#7c8a9c',
  land: '#121a23',
  coast: '#3a5068',
  border: '#3b4757',
  countryText: '#7d8ba0',
});

/**
 * Position discrepancies on the map: the independent fix (hollow diamond labelled "ADS-B") and
 * the dashed line from it to the reported position, in caution amber (they rank with cautions),
 * over a dark halo so they read on the sea, the land and the traffic.
 */
export const DISCREPANCY = Object.freeze({
  mark: LEVEL.caution,
  label: LEVEL.caution,
  halo: 'rgba(7, 11, 16, 0.8)',
});

/** Other map marks. */
export const MAP = Object.freeze({
  labelText: '#b8c4d2', // second line of an aircraft label (level, speed)
  selection: '#ffffff', // box round the selected aircraft
  highlight: '#ffffff', // the volume hovered in a list
  draft: TEXT.accent, // the reservation being drawn
  leader: '#8593a4', // leader line from a displaced label to its aircraft
  // Behind exclusion and contested labels (hatching runs under them): the sea's colour, so
  // their text keeps at least its contrast on the sea.
  labelBackdrop: 'rgba(7, 11, 16, 0.8)',
  lateText: '#ffd37a', // age tag of an aircraft whose data is late
  scaleText: '#8a99aa', // scale bar, colour key
  coordsText: '#7c8a9c', // cursor position
  attributionText: '#7c8a9c', // "Basemap: Natural Earth"
});

/**
 * Every pair of (text colour, background) the console writes, for the contrast check:
 * [what, foreground, background]. Map text is checked on both the sea and the land.
 */
export const TEXT_ON = Object.freeze([
  ...['bg', 'panel', 'panel2', 'card', 'tooltip', 'control', 'input'].map((s) => ['text', TEXT.text, SURFACE[s]]),
  ...['bg', 'panel', 'panel2', 'card', 'control'].map((s) => ['muted text', TEXT.muted, SURFACE[s]]),
  ...['bg', 'panel', 'panel2', 'card', 'control'].map((s) => ['accent text', TEXT.accent, SURFACE[s]]),
  ['bright text', TEXT.bright, SURFACE.panel],
  ['bright text', TEXT.bright, SURFACE.card],
  ['ok text', TEXT.ok, SURFACE.panel],
  ['ok text', TEXT.ok, SURFACE.okChip],
  ['error text', TEXT.error, SURFACE.panel],
  ['error text', TEXT.error, SURFACE.card],
  ['error text', TEXT.error, SURFACE.control],
  ['error text', TEXT.error, SURFACE.errorChip],
  ...['advisory', 'caution', 'warning'].flatMap((l) => ['panel', 'panel2', 'card'].map((s) => [`${l} text`, LEVEL[l], SURFACE[s]])),
  ['warning text', LEVEL.warning, SURFACE.warningRow],
  ['warning text', LEVEL.warning, SURFACE.warningPulse],
  ['text on warning row', TEXT.text, SURFACE.warningRow],
  ['text on warning row', TEXT.text, SURFACE.warningPulse],
  ['muted text on warning row', TEXT.muted, SURFACE.warningRow], // the audit-log notice's time line
  ['caution text', LEVEL.caution, SURFACE.cautionChip],
  ['text on caution', TEXT.onCaution, LEVEL.caution],
  ['text on accent', TEXT.onAccent, TEXT.accent],
  ['banner text', BANNER.text, BANNER.bg],
  ['banner text', BANNER.text, BANNER.flash],
  ...Object.entries(PARTY).flatMap(([p, c]) => ['panel', 'panel2', 'card', 'bg', 'land'].map((s) => [`${p} party`, c, s === 'land' ? BASEMAP.land : SURFACE[s]])),
  ...PARTY_HASHED.flatMap((c, i) => ['panel', 'panel2', 'card', 'bg', 'land'].map((s) => [`party colour ${i}`, c, s === 'land' ? BASEMAP.land : SURFACE[s]])),
  ...['sea', 'land'].flatMap((s) => [
    ['aircraft label', MAP.labelText, BASEMAP[s]],
    ['hazard label', ZONE.hazard, BASEMAP[s]],
    ['contested volume label', ZONE.contested, BASEMAP[s]],
    ['parameter region label', ZONE.regionParams, BASEMAP[s]],
    ['inhibition region label', ZONE.regionInhibit, BASEMAP[s]],
    ['grid label', BASEMAP.gridText, BASEMAP[s]],
    ['country name', BASEMAP.countryText, BASEMAP[s]],
    ['scale and key', MAP.scaleText, BASEMAP[s]],
    ['cursor position', MAP.coordsText, BASEMAP[s]],
    ['attribution', MAP.attributionText, BASEMAP[s]],
    ['guidance mark', GUIDANCE.mark, BASEMAP[s]],
    ['guidance preferred', GUIDANCE.preferred, BASEMAP[s]],
    ['guidance stale', GUIDANCE.stale, BASEMAP[s]],
    ['selected label', MAP.selection, BASEMAP[s]],
    ['late data tag', MAP.lateText, BASEMAP[s]],
    ['discrepancy label', DISCREPANCY.label, BASEMAP[s]],
  ]),
  // The details card's discrepancy block: heading in caution amber, the sentence bright.
  ['discrepancy heading', DISCREPANCY.label, SURFACE.card],
  // The requests panel's contested line and the tooltip's.
  ['contested text', ZONE.contested, SURFACE.panel2],
  ['contested text', ZONE.contested, SURFACE.tooltip],
]);

/** The colours that exist for warnings (their ΔE to warning red is small on purpose). */
export const WARNING_ROLES = Object.freeze([LEVEL.warning, BANNER.bg, BANNER.flash, SURFACE.warningRow, SURFACE.warningPulse]);

/** Every named colour of the palette: [dotted name, colour] (rgba overlays left out). */
export function allColours() {
  const groups = { SURFACE, TEXT, LEVEL, BANNER, PARTY, ZONE, GUIDANCE, DISCREPANCY, BASEMAP, MAP };
  const out = [];
  for (const [g, obj] of Object.entries(groups)) {
    for (const [k, v] of Object.entries(obj)) if (/^#[0-9a-f]{6}$/i.test(v)) out.push([`${g}.${k}`, v]);
  }
  PARTY_HASHED.forEach((c, i) => out.push([`PARTY_HASHED.${i}`, c]));
  return out;
}

/**
 * The stylesheet's colour custom properties (name → colour). css/console.css repeats these as
 * its fallback in :root (the unit test checks they agree); `applyPalette` sets them.
 */
export function cssVars() {
  return {
    '--bg': SURFACE.bg,
    '--panel': SURFACE.panel,
    '--panel2': SURFACE.panel2,
    '--line': SURFACE.line,
    '--control': SURFACE.control,
    '--text': TEXT.text,
    '--muted': TEXT.muted,
    '--bright': TEXT.bright,
    '--accent': TEXT.accent,
    '--ok': TEXT.ok,
    '--error': TEXT.error,
    '--on-caution': TEXT.onCaution,
    '--on-accent': TEXT.onAccent,
    '--blue': PARTY.blue,
    '--red': PARTY.red,
    '--hazard': ZONE.hazard,
    '--contested': ZONE.contested,
    '--overlap': ZONE.overlap,
    '--l0': LEVEL.none,
    '--l1': LEVEL.advisory,
    '--l2': LEVEL.caution,
    '--l3': LEVEL.warning,
    '--warning-row': SURFACE.warningRow,
    '--warning-pulse': SURFACE.warningPulse,
    '--chip-caution': SURFACE.cautionChip,
    '--chip-ok': SURFACE.okChip,
    '--chip-error': SURFACE.errorChip,
    '--banner-bg': BANNER.bg,
    '--banner-flash': BANNER.flash,
    '--banner-text': BANNER.text,
    '--scale-text': MAP.scaleText,
    '--coords-text': MAP.coordsText,
    '--attribution-text': MAP.attributionText,
  };
}

/** Sets the palette's custom properties on a style declaration (the document's root). */
export function applyPalette(style) {
  for (const [k, v] of Object.entries(cssVars())) style.setProperty(k, v);
}

// ---- colour science ------------------------------------------------------------------------

/** [r, g, b] in 0…1 of a "#rrggbb" colour. */
export function hexToRgb(hex) {
  const m = /^#?([0-9a-f]{6})$/i.exec(String(hex).trim());
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  const n = parseInt(m[1], 16);
  return [(n >> 16) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}

/** sRGB component (0…1) to linear light (IEC 61966-2-1). */
function linear(c) {
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** WCAG 2.x relative luminance of a "#rrggbb" colour, 0 (black) … 1 (white). */
export function relativeLuminance(hex) {
  const [r, g, b] = hexToRgb(hex).map(linear);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2.x contrast ratio of two colours, 1 … 21 (order does not matter). */
export function contrastRatio(a, b) {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** CIELAB [L*, a*, b*] of a "#rrggbb" sRGB colour (D65 white). */
export function srgbToLab(hex) {
  const [r, g, b] = hexToRgb(hex).map(linear);
  // sRGB → XYZ (D65), normalised by the white point.
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
  const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b;
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883;
  const f = (t) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const fx = f(x);
  const fy = f(y);
  const fz = f(z);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/**
 * CIEDE2000 colour difference of two CIELAB colours (kL = kC = kH = 1), after G. Sharma,
 * W. Wu, E. N. Dalal, "The CIEDE2000 color-difference formula: implementation notes,
 * supplementary test data, and mathematical observations", Color Res. Appl. 30 (2005).
 */
export function deltaE2000(lab1, lab2) {
  const [L1, a1, b1] = lab1;
  const [L2, a2, b2] = lab2;
  const rad = Math.PI / 180;
  const p7 = (v) => v ** 7;
  const cBar = (Math.hypot(a1, b1) + Math.hypot(a2, b2)) / 2;
  const g = 0.5 * (1 - Math.sqrt(p7(cBar) / (p7(cBar) + p7(25))));
  const a1p = (1 + g) * a1;
  const a2p = (1 + g) * a2;
  const c1p = Math.hypot(a1p, b1);
  const c2p = Math.hypot(a2p, b2);
  const hue = (a, b) => {
    if (a === 0 && b === 0) return 0;
    const h = Math.atan2(b, a) / rad;
    return h < 0 ? h + 360 : h;
  };
  const h1p = hue(a1p, b1);
  const h2p = hue(a2p, b2);
  const dLp = L2 - L1;
  const dCp = c2p - c1p;
  let dhp = 0;
  if (c1p * c2p !== 0) {
    dhp = h2p - h1p;
    if (dhp > 180) dhp -= 360;
    else if (dhp < -180) dhp += 360;
  }
  const dHp = 2 * Math.sqrt(c1p * c2p) * Math.sin((dhp * rad) / 2);
  const lBarP = (L1 + L2) / 2;
  const cBarP = (c1p + c2p) / 2;
  let hBarP = h1p + h2p;
  if (c1p * c2p !== 0) {
    if (Math.abs(h1p - h2p) > 180) hBarP += hBarP < 360 ? 360 : -360;
    hBarP /= 2;
  }
  const t = 1 - 0.17 * Math.cos((hBarP - 30) * rad) + 0.24 * Math.cos(2 * hBarP * rad)
    + 0.32 * Math.cos((3 * hBarP + 6) * rad) - 0.2 * Math.cos((4 * hBarP - 63) * rad);
  const dTheta = 30 * Math.exp(-(((hBarP - 275) / 25) ** 2));
  const rc = 2 * Math.sqrt(p7(cBarP) / (p7(cBarP) + p7(25)));
  const sl = 1 + (0.015 * (lBarP - 50) ** 2) / Math.sqrt(20 + (lBarP - 50) ** 2);
  const sc = 1 + 0.045 * cBarP;
  const sh = 1 + 0.015 * cBarP * t;
  const rt = -Math.sin(2 * dTheta * rad) * rc;
  return Math.sqrt((dLp / sl) ** 2 + (dCp / sc) ** 2 + (dHp / sh) ** 2 + rt * (dCp / sc) * (dHp / sh));
}

/** CIEDE2000 difference of two "#rrggbb" colours. */
export function colourDistance(a, b) {
  return deltaE2000(srgbToLab(a), srgbToLab(b));
}
