// Unit tests of the alert levels (web/public/js/levels.js): the names the alert list and banner
// show, one colour per level shared by the map, its key and the stylesheet, and which level
// counts as a warning. Run with `node --test test/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADVISORY, CAUTION, WARNING, LEVELS, NO_LEVEL_COLOUR, levelName, levelLabel, levelColour, isWarning, applyLevelColours } from '../public/js/levels.js';

test('the server\'s levels 1, 2 and 3 are advisory, caution and warning', () => {
  assert.deepEqual([ADVISORY, CAUTION, WARNING], [1, 2, 3]);
  assert.deepEqual(LEVELS.map((l) => [l.level, l.name]), [[1, 'advisory'], [2, 'caution'], [3, 'warning']]);
  assert.equal(levelName(2), 'caution');
  // The alert list, the banner and the aircraft table show the name in capitals.
  assert.deepEqual([1, 2, 3].map(levelLabel), ['ADVISORY', 'CAUTION', 'WARNING']);
  // A level the console does not know is still shown, by number.
  assert.equal(levelLabel(7), 'LEVEL 7');
});

test('each level has its own colour, distinct from "no alert"', () => {
  const colours = [1, 2, 3].map(levelColour);
  assert.equal(new Set(colours).size, 3, `three different colours: ${colours}`);
  for (const c of colours) {
    assert.match(c, /^#[0-9a-f]{6}$/, 'a #rrggbb colour (the map appends alpha to it)');
    assert.notEqual(c, NO_LEVEL_COLOUR);
  }
  assert.equal(levelColour(WARNING), '#ff5c5c', 'warnings are red');
  assert.equal(levelColour(0), NO_LEVEL_COLOUR);
  assert.equal(levelColour(undefined), NO_LEVEL_COLOUR);
  // Anything above a warning is drawn as one.
  assert.equal(levelColour(4), levelColour(WARNING));
  assert.equal(levelColour('3'), levelColour(WARNING), 'a level read from a data attribute');
});

test('only level 3 and above is a warning', () => {
  assert.deepEqual([0, 1, 2, 3, 4].map(isWarning), [false, false, false, true, true]);
  assert.equal(isWarning(undefined), false);
  assert.equal(isWarning(null), false);
});

test('the stylesheet gets the same level colours as the map', () => {
  const set = new Map();
  applyLevelColours({ setProperty: (k, v) => set.set(k, v) });
  assert.deepEqual([...set.keys()].sort(), ['--l1', '--l2', '--l3']);
  for (const l of [1, 2, 3]) assert.equal(set.get(`--l${l}`), levelColour(l));
});
