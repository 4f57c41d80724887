// Alert levels, defined once for the whole console: the numbers the server sends in
// `Conflict.level` and `Intrusion.level` (docs/api.md: 1 advisory, 2 caution, 3 warning), their
// names and their colours. The alert list, the banner, the aircraft table, the map and its key
// all read them from here; the stylesheet gets the colours as the custom properties
// --l1 … --l3 (see applyLevelColours). The colours themselves are palette.js's (checked there
// for contrast and for warning red being used for warnings alone). No DOM, so node can import it.

import { LEVEL } from './palette.js';

export const ADVISORY = 1;
export const CAUTION = 2;
export const WARNING = 3;

/** Every alert level, lowest first. */
export const LEVELS = Object.freeze([
  Object.freeze({ level: ADVISORY, name: 'advisory', colour: LEVEL.advisory }),
  Object.freeze({ level: CAUTION, name: 'caution', colour: LEVEL.caution }),
  Object.freeze({ level: WARNING, name: 'warning', colour: LEVEL.warning }),
]);

/** Colour of "no alert" (level 0 or unknown). */
export const NO_LEVEL_COLOUR = LEVEL.none;

function entry(level) {
  return LEVELS.find((l) => l.level === level) || null;
}

/** Lower-case name of a level ("warning"); "level N" for a level the console does not know. */
export function levelName(level) {
  const e = entry(level);
  return e ? e.name : `level ${level}`;
}

/** The name as the console displays it in alert lists and banners ("WARNING"). */
export function levelLabel(level) {
  return levelName(level).toUpperCase();
}

/** Colour of a level; levels above the highest take its colour, below the lowest none. */
export function levelColour(level) {
  const n = Math.trunc(Number(level)) || 0;
  if (n >= WARNING) return entry(WARNING).colour;
  const e = entry(n);
  return e ? e.colour : NO_LEVEL_COLOUR;
}

/** True for a warning: the level that raises the banner and sorts first until acknowledged. */
export function isWarning(level) {
  return (Number(level) || 0) >= WARNING;
}

/** Sets --l1 … --l3 on a style declaration (the document's root), so CSS uses the same colours. */
export function applyLevelColours(style) {
  for (const l of LEVELS) style.setProperty(`--l${l.level}`, l.colour);
}
