// Unit tests of the console's palette (web/public/js/palette.js): the colour science against
// published reference values, and the rules a duty officer relies on at a glance — text
// readable on every background it is written on (WCAG AA), alert colours visible on the map
// (WCAG 1.4.11), warning red not the weakest level and used for nothing else, party colours and
// hazard zones never mistaken for an alert. Every colour is read from palette.js (and the
// modules that use it), never copied here. Run with `node --test test/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as P from '../public/js/palette.js';
import { LEVELS, levelColour, WARNING, CAUTION, ADVISORY } from '../public/js/levels.js';
import { partyColour, HAZARD_COLOUR } from '../public/js/util.js';
import { BAND_LEVELS } from '../public/js/guidance.js';

const { contrastRatio, relativeLuminance, srgbToLab, deltaE2000, colourDistance, NEAR_DE00 } = P;
const ALERTS = { advisory: P.LEVEL.advisory, caution: P.LEVEL.caution, warning: P.LEVEL.warning };

test('relative luminance and contrast ratio follow WCAG 2.x', () => {
  assert.equal(relativeLuminance('#000000'), 0);
  assert.equal(relativeLuminance('#ffffff'), 1);
  assert.equal(contrastRatio('#000000', '#ffffff'), 21);
  assert.equal(contrastRatio('#ffffff', '#000000'), 21, 'symmetric');
  // WCAG's own examples: #777777 on white is just under 4.5:1, #767676 just over.
  assert.ok(contrastRatio('#777777', '#ffffff') < 4.5);
  assert.ok(contrastRatio('#767676', '#ffffff') >= 4.5);
  assert.ok(Math.abs(relativeLuminance('#ff0000') - 0.2126) < 1e-9);
});

test('sRGB to CIELAB matches reference values (D65)', () => {
  const close = (got, want, tol, what) => got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < tol, `${what}: ${got} vs ${want}`));
  close(srgbToLab('#ffffff'), [100, 0, 0], 0.01, 'white');
  close(srgbToLab('#000000'), [0, 0, 0], 0.01, 'black');
  close(srgbToLab('#ff0000'), [53.24, 80.09, 67.2], 0.05, 'red');
  close(srgbToLab('#0000ff'), [32.3, 79.19, -107.86], 0.05, 'blue');
  close(srgbToLab('#808080'), [53.59, 0, 0], 0.05, 'grey');
});

test('CIEDE2000 matches Sharma, Wu and Dalal\'s test data', () => {
  // [Lab 1, Lab 2, ΔE00] from the published supplementary table (pairs 1, 7, 17, 24, 25, 34).
  const pairs = [
    [[50, 2.6772, -79.7751], [50, 0, -82.7485], 2.0425],
    [[50, 0, 0], [50, -1, 2], 2.3669],
    [[50, 2.5, 0], [73, 25, -18], 27.1492],
    [[50, 2.5, 0], [50, 3.1736, 0.5854], 1.0],
    [[60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387], 1.2644],
    [[2.0776, 0.0795, -1.135], [0.9033, -0.0636, -0.5514], 0.9082],
  ];
  for (const [a, b, want] of pairs) {
    const got = deltaE2000(a, b);
    assert.ok(Math.abs(got - want) < 1e-4, `${a} / ${b}: ${got} vs ${want}`);
    assert.ok(Math.abs(deltaE2000(b, a) - want) < 1e-4, 'symmetric');
  }
  assert.equal(colourDistance('#123456', '#123456'), 0);
});

test('every text colour reaches 4.5:1 (WCAG AA) on every background it is written on', () => {
  const bad = P.TEXT_ON.filter(([, fg, bg]) => contrastRatio(fg, bg) < P.TEXT_CONTRAST_MIN)
    .map(([what, fg, bg]) => `${what} ${fg} on ${bg}: ${contrastRatio(fg, bg).toFixed(2)}:1`);
  assert.deepEqual(bad, []);
  // The pairs a duty officer reported, by name.
  assert.ok(contrastRatio(P.BANNER.text, P.BANNER.bg) >= 4.5, 'banner text on the banner');
  assert.ok(contrastRatio(P.BANNER.text, P.BANNER.flash) >= 4.5, 'banner text on its flash');
  assert.ok(contrastRatio(P.BASEMAP.gridText, P.BASEMAP.sea) >= 4.5, 'grid labels on the sea');
  assert.ok(contrastRatio(P.BASEMAP.gridText, P.BASEMAP.land) >= 4.5, 'grid labels on land');
});

test('alert colours stand out on the map, and warning is not the weakest', () => {
  for (const [name, c] of Object.entries(ALERTS)) {
    for (const bg of [P.BASEMAP.sea, P.BASEMAP.land]) {
      assert.ok(contrastRatio(c, bg) >= P.NON_TEXT_CONTRAST_MIN, `${name} ${c} on ${bg}: ${contrastRatio(c, bg).toFixed(2)}:1`);
    }
  }
  const sea = P.BASEMAP.sea;
  const w = contrastRatio(ALERTS.warning, sea);
  const c = contrastRatio(ALERTS.caution, sea);
  assert.ok(w >= 0.8 * c, `warning ${w.toFixed(2)}:1 is at least 0.8 × caution's ${c.toFixed(2)}:1`);
  // Party symbols and the selection are visible too.
  for (const col of [...Object.values(P.PARTY), ...P.PARTY_HASHED, P.ZONE.hazard, P.ZONE.contested, P.MAP.selection]) {
    assert.ok(contrastRatio(col, P.BASEMAP.land) >= P.NON_TEXT_CONTRAST_MIN, `${col} on land`);
  }
});

test('warning red belongs to warnings alone: every other colour is at least NEAR_DE00 from it', () => {
  assert.ok(NEAR_DE00 >= 20, 'the threshold the palette documents');
  const warning = P.LEVEL.warning;
  const near = P.allColours().filter(([, c]) => !P.WARNING_ROLES.includes(c))
    .map(([name, c]) => [name, c, colourDistance(c, warning)])
    .filter(([, , d]) => d < NEAR_DE00)
    .map(([name, c, d]) => `${name} ${c}: ΔE00 ${d.toFixed(1)}`);
  assert.deepEqual(near, []);
  // What the console actually draws: red's aircraft, hazard zones, hashed parties.
  for (const party of ['red', 'blue', 'civil', 'cell', 'green', 'nato', 'party-7', null]) {
    assert.ok(colourDistance(partyColour(party), warning) >= NEAR_DE00, `party ${party}: ${partyColour(party)}`);
  }
  assert.ok(colourDistance(HAZARD_COLOUR, warning) >= NEAR_DE00, 'hazard zones');
  // The warning-only surfaces really are warning surfaces (dark reds), not general UI.
  for (const c of P.WARNING_ROLES) {
    const [, a, b] = srgbToLab(c);
    assert.ok(a > 3 && Math.abs(Math.atan2(b, a)) < Math.PI / 4, `warning role ${c} is a red (a*=${a.toFixed(1)}, b*=${b.toFixed(1)})`);
  }
});

test('party colours and hazard zones are never mistaken for an alert level', () => {
  const others = [
    ...Object.entries(P.PARTY).map(([k, c]) => [`party ${k}`, c]),
    ...P.PARTY_HASHED.map((c, i) => [`party colour ${i}`, c]),
    ...Array.from({ length: 60 }, (_, i) => [`party-${i}`, partyColour(`party-${i}`)]),
    ['hazard', P.ZONE.hazard],
    ['hazard as drawn', HAZARD_COLOUR],
    ['contested volume', P.ZONE.contested],
  ];
  const near = [];
  for (const [what, c] of others) {
    for (const [level, a] of Object.entries(ALERTS)) {
      const d = colourDistance(c, a);
      if (d < NEAR_DE00) near.push(`${what} ${c} vs ${level} ${a}: ΔE00 ${d.toFixed(1)}`);
    }
  }
  assert.deepEqual(near, []);
  assert.ok(colourDistance(P.ZONE.hazard, P.LEVEL.caution) >= NEAR_DE00, 'hazard vs caution');
  // The levels themselves are told apart.
  assert.ok(colourDistance(P.LEVEL.advisory, P.LEVEL.caution) >= NEAR_DE00, 'advisory vs caution');
  assert.ok(colourDistance(P.LEVEL.caution, P.LEVEL.warning) >= NEAR_DE00, 'caution vs warning');
  // Red's colour still reads as red side: a warm, reddish hue (CIELAB a* well above b*,
  // i.e. a rose, not a violet or orange), and far from blue's.
  const [, a, b] = srgbToLab(P.PARTY.red);
  assert.ok(a > 40 && Math.abs(b) < a / 2, `red side is a rose/crimson-pink: a*=${a.toFixed(0)}, b*=${b.toFixed(0)}`);
  assert.ok(colourDistance(P.PARTY.red, P.PARTY.blue) >= 2 * NEAR_DE00, 'red vs blue');
  // Zones are told from each other and from red's aircraft.
  assert.ok(colourDistance(P.ZONE.hazard, P.ZONE.regionInhibit) >= NEAR_DE00, 'hazard vs inhibition');
  assert.ok(colourDistance(P.ZONE.hazard, P.PARTY.red) >= NEAR_DE00, 'hazard vs red');
});

test('the modules that draw read their colours from the palette', () => {
  assert.deepEqual(LEVELS.map((l) => l.colour), [P.LEVEL.advisory, P.LEVEL.caution, P.LEVEL.warning]);
  assert.equal(levelColour(WARNING), P.LEVEL.warning);
  assert.equal(levelColour(CAUTION), P.LEVEL.caution);
  assert.equal(levelColour(ADVISORY), P.LEVEL.advisory);
  assert.equal(partyColour('red'), P.PARTY.red);
  assert.equal(partyColour('blue'), P.PARTY.blue);
  assert.equal(partyColour(null), P.PARTY.civil);
  assert.equal(HAZARD_COLOUR, P.ZONE.hazard);
  assert.ok(P.PARTY_HASHED.includes(partyColour('green')));
  assert.equal(BAND_LEVELS.none.colour, P.GUIDANCE.clear);
  assert.equal(BAND_LEVELS.near.colour, P.LEVEL.warning);
});

test('the stylesheet\'s fallback colours are the palette\'s, and applyPalette sets them all', () => {
  const css = readFileSync(new URL('../public/css/console.css', import.meta.url), 'utf8');
  const root = /:root\s*{([^}]*)}/.exec(css)[1];
  const vars = P.cssVars();
  const declared = new Map([...root.matchAll(/(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{3,8})\b/g)].map((m) => [m[1], m[2].toLowerCase()]));
  for (const [k, v] of declared) {
    if (k in vars) assert.equal(v, vars[k].toLowerCase(), `${k} in console.css :root`);
  }
  // Every palette property the stylesheet uses is set from the palette.
  const used = new Set([...css.matchAll(/var\((--[\w-]+)\)/g)].map((m) => m[1]));
  const set = new Map();
  P.applyPalette({ setProperty: (k, v) => set.set(k, v) });
  for (const k of used) {
    if (k === '--mono' || k === '--sans') continue;
    assert.ok(set.has(k) || declared.has(k), `${k} is used by console.css but neither set by applyPalette nor declared`);
  }
  assert.deepEqual(Object.fromEntries(set), vars);
  // The old warning red and hazard orange are gone from the stylesheet.
  for (const old of ['#ff3344', '#ff9f1c', '#ff6b6b']) assert.ok(!css.toLowerCase().includes(old), `${old} still in console.css`);
});
