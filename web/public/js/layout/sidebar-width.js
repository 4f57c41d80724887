// Widths of the side panel (alerts and tabs) next to the map: the default for a window width,
// the limits a drag or the arrow keys stay within, and a stored width read back. Pure; the
// handle and the collapse button are in js/layout/sidebar.js.

/** The panel is never narrower than this (CSS pixels). */
export const SIDE_MIN_PX = 280;
/** Nor wider than this. */
export const SIDE_MAX_PX = 900;
/** The map keeps at least this much of the window (CSS pixels). */
export const MAP_MIN_PX = 360;

/** The narrowest and widest the panel may be in a window `viewportPx` wide. */
export function sideBounds(viewportPx) {
  const max = Math.max(SIDE_MIN_PX, Math.min(SIDE_MAX_PX, viewportPx - MAP_MIN_PX));
  return { min: SIDE_MIN_PX, max };
}

/** A width kept within the bounds for the window, rounded to whole pixels. */
export function clampSide(widthPx, viewportPx) {
  const { min, max } = sideBounds(viewportPx);
  return Math.round(Math.max(min, Math.min(max, widthPx)));
}

/**
 * The width before the operator chose one: 35 % of the window, at least 320 px and at most
 * 460 px, so a 1024 px window keeps about 64 % of its width for the map.
 */
export function defaultSide(viewportPx) {
  return clampSide(Math.max(320, Math.min(460, viewportPx * 0.35)), viewportPx);
}

/** The width to use: the stored one (a string from localStorage, or null) or the default. */
export function sideWidth(stored, viewportPx) {
  const n = Number(stored);
  if (stored === null || stored === undefined || stored === '' || !Number.isFinite(n) || n <= 0) return defaultSide(viewportPx);
  return clampSide(n, viewportPx);
}
