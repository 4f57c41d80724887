// Aerodromes on the basemap: the tiles fetched for a view, the cache (one request per tile),
// what each zoom shows (public/js/map/layers/aerodromes.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mercX, mercY } from '../public/js/geo.js';
import { tileZoom, tilesFor, shownAt, AerodromeCache } from '../public/js/map/layers/aerodromes.js';

// Around Paris at zoom 9: about 3° by 2°.
const paris = { minX: mercX(1.0), maxX: mercX(4.0), minY: mercY(49.7), maxY: mercY(48.3) };
const LFPG = { icao: 'LFPG', iata: 'CDG', lat_deg: 49.0097, lon_deg: 2.5478 };
const LFPN = { icao: 'LFPN', iata: null, lat_deg: 48.7519, lon_deg: 2.1061 };

test('tiles cover the view at a coarser zoom, with W,S,E,N boxes', () => {
  assert.equal(tileZoom(9.3), 7);
  assert.equal(tileZoom(2), 3);
  assert.equal(tileZoom(15), 9);
  const tiles = tilesFor(paris, 7);
  assert.ok(tiles.length >= 1 && tiles.length <= 6, `${tiles.length} tiles`);
  const inside = (t, a) => {
    const [w, s, e, n] = t.bbox.split(',').map(Number);
    return a.lon_deg >= w && a.lon_deg <= e && a.lat_deg >= s && a.lat_deg <= n;
  };
  for (const a of [LFPG, LFPN]) assert.equal(tiles.filter((t) => inside(t, a)).length, 1, `${a.icao} in exactly one tile`);
  for (const t of tiles) {
    const [w, s, e, n] = t.bbox.split(',').map(Number);
    assert.ok(w < e && s < n, t.bbox);
  }
  // A view across the antimeridian asks for tiles on both sides, with x wrapped into range.
  const pacific = { minX: mercX(179) , maxX: mercX(179) + 0.01, minY: mercY(10), maxY: mercY(0) };
  const keys = tilesFor(pacific, 5).map((t) => t.key);
  assert.ok(keys.some((k) => k.startsWith('5/31/')) && keys.some((k) => k.startsWith('5/0/')), keys.join(' '));
});

test('IATA-coded aerodromes show from zoom 5, the others from zoom 7', () => {
  assert.deepEqual(shownAt([LFPG, LFPN], 4.9), []);
  assert.deepEqual(shownAt([LFPG, LFPN], 6).map((a) => a.icao), ['LFPG']);
  assert.deepEqual(shownAt([LFPG, LFPN], 9).map((a) => a.icao), ['LFPG', 'LFPN']);
});

test('the cache asks once per tile, however often the view settles there', async () => {
  const asked = [];
  let updates = 0;
  const cache = new AerodromeCache(async (bbox) => {
    asked.push(bbox);
    return { aerodromes: [LFPG, LFPN], truncated: false };
  }, () => { updates += 1; });
  const first = cache.request(paris, 9);
  assert.ok(first.length > 0);
  cache.request(paris, 9); // still on its way: not asked again
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(asked.length, first.length);
  assert.equal(updates, first.length);
  assert.deepEqual(cache.request(paris, 9.5), [], 'cached: no new request');
  assert.equal(cache.requests, first.length);
  // Every tile answered the same two aerodromes: each is listed once.
  assert.deepEqual(cache.within(paris, 9).map((a) => a.icao), ['LFPG', 'LFPN']);
  // Zoomed out below zoom 5 nothing is fetched or shown.
  assert.deepEqual(cache.request(paris, 4), []);
  assert.deepEqual(cache.within(paris, 4), []);
});

test('a failed tile is asked again later; old tiles are forgotten beyond the limit', async () => {
  let fail = true;
  const cache = new AerodromeCache(async () => {
    if (fail) throw new Error('offline');
    return { aerodromes: [LFPG] };
  }, () => {}, 2);
  const n = cache.request(paris, 9).length;
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(cache.tiles.size, 0);
  fail = false;
  assert.equal(cache.request(paris, 9).length, n, 'asked again');
  await new Promise((r) => setTimeout(r, 10));
  assert.ok(cache.tiles.size <= 2);
});
