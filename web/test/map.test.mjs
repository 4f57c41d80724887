// Unit tests of the map's view and drawing tool (web/public/js/map/view.js, drafting.js): what
// the operator sees when zooming, fitting and drawing a reservation. Run with `node --test test/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { View, MIN_SCALE, MAX_SCALE } from '../public/js/map/view.js';
import { Drafting } from '../public/js/map/drafting.js';

function view() {
  const v = new View({ lon: 37.5, lat: 35.6, zoom: 7 });
  v.width = 1000;
  v.height = 600;
  return v;
}

const near = (a, b, eps, what) => assert.ok(Math.abs(a - b) < eps, `${what}: ${a} vs ${b}`);

test('the view centre projects to the middle of the map and back', () => {
  const v = view();
  const [x, y] = v.project(37.5, 35.6);
  near(x, 500, 1e-6, 'x');
  near(y, 300, 1e-6, 'y');
  const [lon, lat] = v.unproject(123, 456);
  const [x2, y2] = v.project(lon, lat);
  near(x2, 123, 1e-6, 'x round trip');
  near(y2, 456, 1e-6, 'y round trip');
  // East is right, north is up.
  assert.ok(v.project(38, 35.6)[0] > 500);
  assert.ok(v.project(37.5, 36)[1] < 300);
});

test('zooming keeps the point under the pointer in place, within the zoom limits', () => {
  const v = view();
  let changes = 0;
  v.onChange = () => { changes += 1; };
  const under = v.unproject(800, 100);
  v.zoomBy(2, 800, 100);
  const [x, y] = v.project(...under);
  near(x, 800, 1e-6, 'x after zoom');
  near(y, 100, 1e-6, 'y after zoom');
  assert.equal(changes, 1, 'a zoom redraws the basemap');
  v.zoomBy(1e9);
  assert.equal(v.scale, MAX_SCALE);
  v.zoomBy(1e-9);
  assert.equal(v.scale, MIN_SCALE);
});

test('fitting puts every point on screen, inside the padding', () => {
  const v = view();
  const pts = [[30, 34], [42, 38], [36, 31.5]];
  v.fit(pts, 60);
  for (const [lon, lat] of pts) {
    const [x, y] = v.project(lon, lat);
    assert.ok(x >= 59.9 && x <= 940.1 && y >= 59.9 && y <= 540.1, `${lon},${lat} at ${x},${y}`);
  }
  // Two points close together are not zoomed in past the limit.
  v.fit([[37, 35], [37.0001, 35.0001]], 60, 8);
  assert.equal(v.scale, 256 * 2 ** 8);
});

test('fitting beside a card over the map\'s left side keeps the points right of it', () => {
  const v = view();
  const pts = [[36, 35], [38, 36]];
  v.fit(pts, 60, 11, 400);
  for (const [lon, lat] of pts) {
    const [x, y] = v.project(lon, lat);
    assert.ok(x >= 459.9 && x <= 940.1 && y >= 59.9 && y <= 540.1, `${lon},${lat} at ${x},${y}`);
  }
  const [x0] = v.project(36, 35);
  const [x1] = v.project(38, 36);
  near((x0 + x1) / 2, 700, 1e-6, 'centred in the free part');
});

test('panning moves the map with the pointer', () => {
  const v = view();
  const before = v.unproject(500, 300);
  v.panBy(100, -50);
  const [x, y] = v.project(...before);
  near(x, 600, 1e-6, 'x after pan');
  near(y, 250, 1e-6, 'y after pan');
});

function drafting() {
  const v = view();
  const events = [];
  const canvas = { style: {} };
  return { v, d: new Drafting(v, canvas, (draft) => events.push(draft && draft.stage)), events, canvas };
}

test('a polygon is drawn by clicks and closed on its first corner', () => {
  const { d, events, canvas } = drafting();
  let filed = null;
  d.start('polygon', (shape) => { filed = shape; });
  assert.equal(canvas.style.cursor, 'crosshair');
  assert.ok(d.drawing());
  assert.equal(d.shape(), null, 'no shape while drawing');
  assert.ok(d.click(100, 100));
  assert.ok(d.click(100.5, 100.5), 'the second click of a double click is taken');
  assert.equal(d.draft.points.length, 1, '... but adds no corner');
  d.click(300, 100);
  d.click(300, 300);
  d.undoPoint();
  assert.equal(d.draft.points.length, 2, 'Backspace removed the last corner');
  d.click(200, 300);
  d.click(102, 101);
  assert.equal(d.draft.stage, 'done', 'a click on the first corner closes it');
  assert.ok(!d.drawing());
  const shape = d.shape();
  assert.equal(shape.type, 'polygon');
  assert.equal(shape.coordinates.length, 4, 'three corners and the closing one');
  assert.deepEqual(shape.coordinates[0], shape.coordinates[3]);
  for (const [lon, lat] of shape.coordinates) {
    assert.equal(lon, Math.round(lon * 1e6) / 1e6, 'rounded to 1e-6°');
    assert.equal(lat, Math.round(lat * 1e6) / 1e6);
  }
  assert.deepEqual(filed, shape, 'finishing hands the shape over');
  assert.equal(events[events.length - 1], 'done');
  assert.equal(d.click(500, 500), false, 'clicks after the draft is done go to the map');
});

test('a polygon needs three corners; a circle is a press and a drag', () => {
  const { v, d } = drafting();
  d.start('polygon');
  d.click(100, 100);
  d.click(200, 100);
  d.finish();
  assert.ok(d.drawing(), 'two corners do not close');
  d.start('circle');
  assert.ok(d.press(500, 300), 'a press starts the radius');
  d.release();
  assert.equal(d.draft.stage, 'center', 'a press without a drag waits for the centre again');
  d.press(500, 300);
  const [lon, lat] = v.unproject(600, 300);
  d.dragRadius(lon, lat);
  d.release();
  const shape = d.shape();
  assert.equal(shape.type, 'circle');
  const [clon, clat] = v.unproject(500, 300);
  near(shape.center.lon_deg, clon, 1e-6, 'centre lon');
  near(shape.center.lat_deg, clat, 1e-6, 'centre lat');
  assert.ok(shape.radius_m > 1000, `radius ${shape.radius_m} m`);
  d.cancel();
  assert.equal(d.draft, null);
});

test('an existing reservation\'s shape loads as a finished draft', () => {
  const { d } = drafting();
  const ring = [[36, 35], [37, 35], [37, 36], [36, 35]];
  d.setShape({ type: 'polygon', coordinates: ring });
  assert.equal(d.draft.points.length, 3, 'the closing corner is not repeated');
  assert.deepEqual(d.shape().coordinates, ring);
  d.setShape({ type: 'circle', center: { lon_deg: 36.5, lat_deg: 35.5 }, radius_m: 9260 });
  assert.deepEqual(d.shape(), { type: 'circle', center: { lon_deg: 36.5, lat_deg: 35.5 }, radius_m: 9260 });
});

test('an aircraft symbol points within half a sprite step of its track, for any angle', async () => {
  const { spriteIndex, SPRITE_ANGLES } = await import('../public/js/map/sprites.js');
  const step = 360 / SPRITE_ANGLES;
  const angles = [null, undefined, 0, -0, 5, -5, 355, 359.99, 360, 365, 725, -15, -365, -720.5, 1e6 + 0.3];
  // Every track the binary stream can carry (360/65536° units).
  for (let q = 0; q < 65536; q += 7) angles.push((q * 360) / 65536);
  for (const trk of angles) {
    const k = spriteIndex(trk);
    assert.ok(Number.isInteger(k) && k >= 0 && k < SPRITE_ANGLES, `index ${k} for ${trk}`);
    const off = Math.abs((((k * step - (trk || 0)) % 360) + 540) % 360 - 180);
    assert.ok(off <= step / 2 + 1e-9, `track ${trk}°: sprite ${k} is ${off}° off`);
  }
  // Opposite headings are half the sprites apart.
  assert.equal((spriteIndex(270) - spriteIndex(90) + SPRITE_ANGLES) % SPRITE_ANGLES, SPRITE_ANGLES / 2);
});

test('a sprite is written whole inside the map and clipped at its edges', async () => {
  const { blit } = await import('../public/js/map/sprites.js');
  // A 7×7 diamond-ish sprite with distinct words.
  const offs = [];
  const words = [];
  for (let y = -3; y <= 3; y++) for (let x = -3; x <= 3; x++) if (Math.abs(x) + Math.abs(y) <= 3) {
    offs.push(x, y);
    words.push(0xff000000 + words.length + 1);
  }
  const sprite = { offs: Int16Array.from(offs), words: Uint32Array.from(words), reach: 3 };
  const W = 23;
  const H = 17;
  for (let cy = -5; cy < H + 5; cy++) {
    for (let cx = -5; cx < W + 5; cx++) {
      const got = new Uint32Array(W * H);
      blit(got, W, H, sprite, cx, cy);
      const want = new Uint32Array(W * H);
      let inside = 0;
      for (let m = 0; m < words.length; m++) {
        const x = cx + offs[2 * m];
        const y = cy + offs[2 * m + 1];
        if (x < 0 || y < 0 || x >= W || y >= H) continue;
        want[y * W + x] = words[m];
        inside += 1;
      }
      assert.deepEqual(got, want, `sprite at (${cx}, ${cy})`);
      assert.equal(got.filter((w) => w).length, inside);
    }
  }
});

test('over a crowded map the closest points are drawn for the most urgent alerts and the selected aircraft', async () => {
  const { cpaDetailed, CPA_DETAIL_LIMIT } = await import('../public/js/map/layers/conflicts.js');
  const few = Array.from({ length: 5 }, (_, i) => ({ id: `c-${i}`, a: `A${i}`, b: `B${i}`, level: 1, t_in_s: 100 }));
  assert.equal(cpaDetailed(few, 5).size, 5, 'all of them when few');
  const many = Array.from({ length: 1000 }, (_, i) => ({ id: `c-${i}`, a: `A${i}`, b: `B${i}`, level: i % 10 === 0 ? 3 : 1, t_in_s: (i * 37) % 500 }));
  const ids = cpaDetailed(many, 20, 'A7');
  // The 100 warnings outrank every caution; among them the soonest 20 are kept.
  const warnings = many.filter((c) => c.level === 3).sort((x, y) => x.t_in_s - y.t_in_s || (x.id < y.id ? -1 : 1)).slice(0, 20).map((c) => c.id);
  assert.deepEqual([...ids].filter((id) => id !== 'c-7').sort(), warnings.sort());
  assert.ok(ids.has('c-7'), "the selected aircraft's conflict keeps its closest points");
  assert.equal(ids.size, 21);
  assert.ok(CPA_DETAIL_LIMIT >= 100);
});
