// Browser tests of the console's layout in a 1024×700 window against a real
// `deconflict serve --demo`: every top-bar control is reachable (in the bar or in its overflow
// menu, which opens by keyboard and closes with Escape) and Sign out works; the side panel
// collapses (the map widens and redraws), is resized by dragging and by the keyboard, and keeps
// its width over a reload; blue is told red is alerts-only, red what the others see of its
// aircraft, and the chips follow a change of rule; the cell's audit view lists newest first with
// seconds and an object column and filters by actor; a hotline message from blue shows on red's
// page as a toast that opens the hotline at it. Screenshots of every step go to
// web/test-output/layout-*.png. Started by e2e/run.mjs.
import { assert, launchBrowser, signIn, screenshot, scenarios, sleep, startServer, state, waitFor } from './lib.mjs';

const VIEWPORT = { width: 1024, height: 700 };

/** A 1024×700 page signed in with `token`. */
function signInSmall(browser, base, token, requests) {
  return signIn(browser, base, token, requests, { viewport: VIEWPORT });
}

async function put(base, token, path, body) {
  const res = await fetch(`${base}/api/v1${path}`, { method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`PUT ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

async function getApi(base, token, path) {
  const res = await fetch(`${base}/api/v1${path}`, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** Every control of the top bar: where it is (bar or menu), its box, whether it is seen. */
function topbarControls(page) {
  return page.evaluate(() => {
    const bar = document.querySelector('.topbar');
    const menu = document.querySelector('[data-testid=topbar-menu]');
    const all = [...bar.querySelectorAll('button, select, input, a[href], .clock, .who, .conn, [data-testid=sharing-chip]')];
    return all.filter((el) => el.dataset.testid !== 'topbar-more').map((el) => {
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      const hidden = el.hidden || el.closest('[hidden]') !== null;
      return {
        id: el.id || el.dataset.testid || el.textContent.trim().slice(0, 20),
        inMenu: !!menu && menu.contains(el),
        hidden,
        left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width,
        seen: !hidden && cs.visibility !== 'hidden' && r.width > 0 && r.left >= 0 && r.right <= innerWidth + 0.5 && r.top >= 0 && r.bottom <= innerHeight,
      };
    });
  });
}

const canvasWidth = (page) => page.evaluate(() => document.querySelector('[data-testid=map-canvas]').getBoundingClientRect().width);
const sideWidth = (page) => page.evaluate(() => { const s = document.querySelector('.side'); return s.hidden ? 0 : s.getBoundingClientRect().width; });

/** Painted pixels of the basemap canvas in its rightmost 40 CSS pixels (0 after a resize it missed). */
function basemapRightStrip(page) {
  return page.evaluate(() => {
    const c = document.querySelector('.map-base');
    const ctx = c.getContext('2d');
    const dpr = c.width / c.getBoundingClientRect().width;
    const w = Math.round(40 * dpr);
    const d = ctx.getImageData(c.width - w, 0, w, c.height).data;
    let painted = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) painted += 1;
    return { painted, of: d.length / 4, canvasPx: c.width, cssPx: c.getBoundingClientRect().width };
  });
}

const server = await startServer();
const browser = await launchBrowser();
const requests = [];
const pages = [];
const s = scenarios();
try {
  const blue = await signInSmall(browser, server.base, server.tokens.blue, requests);
  pages.push(blue);
  await waitFor(async () => (await state(blue)).tracks > 0, { what: 'blue picture' });
  // The chips come with the parties (GET /parties after sign-in); their scenarios say so if not.
  await blue.waitForSelector('[data-testid=sharing-chip]', { state: 'attached', timeout: 15000 }).catch(() => {});
  await sleep(500);

  await s.run('1024×700: every top-bar control is in the bar or in the overflow menu', async () => {
    await screenshot(blue, 'blue-1024x700');
    const controls = await topbarControls(blue);
    const ids = controls.map((c) => c.id);
    for (const want of ['btn-pause', 'btn-follow', 'btn-labels', 'btn-sound', 'btn-help', 'btn-signout', 'clock', 'who', 'conn']) {
      assert(ids.includes(want), `${want} is a top-bar control (have ${ids.join(', ')})`);
    }
    const inBar = controls.filter((c) => !c.inMenu && !c.hidden);
    const offscreen = inBar.filter((c) => !c.seen);
    assert(!offscreen.length, `controls in the bar are within the window: ${offscreen.map((c) => `${c.id} ${Math.round(c.left)}–${Math.round(c.right)}`).join(', ')}`);
    const signout = controls.find((c) => c.id === 'btn-signout');
    assert(!signout.inMenu && signout.seen, 'Sign out stays in the bar, seen');
    const barOverflow = await blue.evaluate(() => { const b = document.querySelector('.topbar'); return b.scrollWidth - b.clientWidth; });
    assert(barOverflow <= 1, `the bar's content is not wider than the bar (by ${barOverflow} px)`);
    const menuItems = controls.filter((c) => c.inMenu);
    assert(menuItems.length > 0, 'at 1024 px something is in the overflow menu');
    assert(menuItems.every((c) => !c.seen), 'the closed menu shows nothing');
    // Open it with the keyboard: focus "⋯", Enter; its first control gets the focus.
    await blue.focus('[data-testid=topbar-more]');
    await blue.keyboard.press('Enter');
    await blue.waitForSelector('[data-testid=topbar-menu][data-open=true]');
    const focused = await blue.evaluate(() => document.querySelector('[data-testid=topbar-menu]').contains(document.activeElement));
    assert(focused, 'Enter on "⋯" moves the focus into the menu');
    const open = await topbarControls(blue);
    const unseen = open.filter((c) => c.inMenu && !c.hidden && !c.seen);
    assert(!unseen.length, `every control in the open menu is within the window: ${unseen.map((c) => c.id).join(', ')}`);
    await screenshot(blue, 'blue-overflow-menu-open');
    // A control in the menu works: Labels toggles the map's labels.
    const labelsInMenu = open.find((c) => c.id === 'btn-labels' && c.inMenu);
    if (labelsInMenu) {
      const before = await blue.evaluate(() => document.querySelector('#btn-labels').classList.contains('on'));
      await blue.click('#btn-labels');
      const after = await blue.evaluate(() => document.querySelector('#btn-labels').classList.contains('on'));
      assert(before !== after, 'Labels in the menu toggles');
      await blue.click('[data-testid=topbar-more]');
      await blue.click('#btn-labels');
      await blue.click('[data-testid=topbar-more]');
    }
    await blue.waitForSelector('[data-testid=topbar-menu][data-open=true]');
    await blue.keyboard.press('ArrowDown');
    await blue.keyboard.press('Escape');
    await blue.waitForSelector('[data-testid=topbar-menu][data-open=false]', { state: 'attached' });
    const back = await blue.evaluate(() => document.activeElement && document.activeElement.dataset.testid);
    assert(back === 'topbar-more', `Escape closes the menu and gives the focus back to "⋯" (focus on ${back})`);
    return `in the bar: ${inBar.map((c) => c.id).join(', ')}; in the menu: ${menuItems.map((c) => c.id).join(', ')}`;
  });

  await s.run('1024×700: the default side panel leaves the map at least 60 % of the width', async () => {
    const map = await canvasWidth(blue);
    const side = await sideWidth(blue);
    assert(map / VIEWPORT.width >= 0.6, `map ${map} px of ${VIEWPORT.width} (${Math.round((100 * map) / VIEWPORT.width)} %)`);
    return `map ${Math.round(map)} px (${Math.round((100 * map) / VIEWPORT.width)} %), side panel ${Math.round(side)} px`;
  });

  await s.run('the side panel collapses and expands; the map widens and redraws', async () => {
    const before = await canvasWidth(blue);
    await blue.click('[data-testid=side-toggle]');
    await waitFor(async () => (await canvasWidth(blue)) > before + 200, { what: 'the map to widen', timeoutMs: 5000 });
    const wide = await canvasWidth(blue);
    assert(await blue.evaluate(() => document.querySelector('.side').hidden), 'the side panel is hidden');
    assert(wide >= VIEWPORT.width - 20, `the map takes the window (${wide} px)`);
    await sleep(300);
    const strip = await basemapRightStrip(blue);
    assert(Math.abs(strip.cssPx - wide) < 1, `the basemap canvas has the map's new width (${strip.cssPx} vs ${wide})`);
    assert(strip.painted > strip.of * 0.5, `the basemap is redrawn out to the new right edge (${strip.painted} of ${strip.of} pixels painted)`);
    await screenshot(blue, 'blue-side-collapsed');
    // The shortcut brings it back (focus on the map, not in a text field).
    await blue.click('[data-testid=map-canvas]', { position: { x: 300, y: 400 } });
    await blue.keyboard.press('Escape');
    await blue.keyboard.press('s');
    await waitFor(async () => Math.abs((await canvasWidth(blue)) - before) < 2, { what: 'the map back to its width', timeoutMs: 5000 });
    const help = await blue.evaluate(() => { document.querySelector('#help').hidden = false; return document.querySelector('#help').textContent; });
    await blue.evaluate(() => { document.querySelector('#help').hidden = true; });
    assert(/side panel/.test(help), 'the help overlay lists the side panel shortcut');
    return `map ${Math.round(before)} → ${Math.round(wide)} → ${Math.round(before)} px`;
  });

  await s.run('dragging the handle resizes the side panel; the arrow keys too; the width survives a reload', async () => {
    const side0 = await sideWidth(blue);
    const map0 = await canvasWidth(blue);
    const handle = await blue.$('[data-testid=side-handle]');
    const box = await handle.boundingBox();
    const x = box.x + box.width / 2;
    const y = box.y + 60;
    await blue.mouse.move(x, y);
    await blue.mouse.down();
    await blue.mouse.move(x - 60, y, { steps: 4 });
    await blue.mouse.move(x - 120, y, { steps: 4 });
    await blue.mouse.up();
    const side1 = await sideWidth(blue);
    const map1 = await canvasWidth(blue);
    assert(Math.abs(side1 - (side0 + 120)) <= 2, `the panel grew by the drag (${side0} → ${side1})`);
    assert(Math.abs(map1 - (map0 - 120)) <= 2, `the map narrowed as much (${map0} → ${map1})`);
    await screenshot(blue, 'blue-side-dragged-wider');
    await handle.focus();
    await blue.keyboard.press('ArrowRight');
    await blue.keyboard.press('ArrowRight');
    const side2 = await sideWidth(blue);
    assert(Math.abs(side2 - (side1 - 40)) <= 1, `→ twice makes it 40 px narrower (${side1} → ${side2})`);
    const aria = await handle.getAttribute('aria-valuenow');
    assert(Number(aria) === Math.round(side2), `the handle reports its width (aria-valuenow ${aria})`);
    await blue.reload();
    await blue.waitForSelector('#app:not([hidden])', { timeout: 15000 });
    await waitFor(async () => (await state(blue)).tracks > 0, { what: 'blue picture after reload' });
    const side3 = await sideWidth(blue);
    const map3 = await canvasWidth(blue);
    assert(Math.abs(side3 - side2) <= 1, `the width is kept over a reload (${side2} → ${side3})`);
    assert(Math.abs(map3 - (VIEWPORT.width - side3 - 7)) <= 3, `the map fills the rest (${map3} px)`);
    await screenshot(blue, 'blue-after-reload');
    return `panel ${side0} → drag ${side1} → keys ${side2} → reload ${side3} px`;
  });

  // Back to the default width for the rest.
  await blue.evaluate(() => { localStorage.removeItem('deconflict.side.width'); localStorage.removeItem('deconflict.side.collapsed'); });
  await blue.reload();
  await blue.waitForSelector('#app:not([hidden])', { timeout: 15000 });
  await blue.waitForSelector('[data-testid=sharing-chip]', { state: 'attached', timeout: 15000 }).catch(() => {});

  const red = await signInSmall(browser, server.base, server.tokens.red, requests);
  pages.push(red);

  await s.run('blue is told red is alerts-only, in a chip and in the map key', async () => {
    const chip = blue.locator('[data-testid=sharing-chip][data-party=red]');
    const text = (await chip.textContent()).trim();
    assert(/red: alerts-only/.test(text) && /only in alerts/.test(text), `blue's chip for red says it (got "${text}")`);
    const title = await chip.getAttribute('title');
    assert(/never in your picture/.test(title) && /conflict alert/.test(title), `its tooltip has the full sentence (got "${title}")`);
    const seen = await chip.isVisible() || await blue.evaluate(() => !!document.querySelector('[data-testid=topbar-menu] [data-testid=sharing-chip]'));
    assert(seen, 'the chip is in the bar or in the overflow menu');
    const own = await blue.$$('[data-testid=sharing-chip][data-own=true]');
    assert(own.length === 0, 'blue shares full: no chip about its own aircraft');
    const key = await blue.locator('[data-testid=legend-sharing][data-party=red]').textContent();
    assert(/red: alerts-only/.test(key), `the map key lists it too (got "${key}")`);
    await chip.hover();
    await screenshot(blue, 'blue-sharing-chip');
    return text;
  });

  await s.run('red is told others see its aircraft only in alerts', async () => {
    await red.waitForSelector('[data-testid=sharing-chip][data-own=true]', { state: 'attached', timeout: 15000 });
    const chip = red.locator('[data-testid=sharing-chip][data-own=true]');
    const text = (await chip.textContent()).trim();
    assert(/your aircraft: alerts-only/.test(text) && /others see them only in alerts/.test(text), `red's chip (got "${text}")`);
    const inMenu = await red.evaluate(() => !!document.querySelector('[data-testid=topbar-menu] [data-testid=sharing-chip]'));
    if (!inMenu) {
      const b = await chip.boundingBox();
      assert(b && b.x >= 0 && b.x + b.width <= VIEWPORT.width, `the chip is within the window (${JSON.stringify(b)})`);
    }
    const key = await red.locator('[data-testid=legend-sharing][data-own=true], [data-testid=legend-sharing]').first().textContent();
    assert(/your aircraft/.test(key), `red's map key says it (got "${key}")`);
    await screenshot(red, 'red-sharing-chip');
    return text;
  });

  await s.run('a change of sharing rule reaches the chips when the stream reconnects', async () => {
    await put(server.base, server.tokens.cell, '/parties/red/sharing', { mode: 'proximity', range_nm: 20, alt_ft: 5000 });
    try {
      await blue.click('[data-testid=map-canvas]', { position: { x: 300, y: 400 } });
      await blue.keyboard.press('Escape');
      await blue.keyboard.press('r');
      await blue.waitForSelector('[data-testid=sharing-chip][data-party=red][data-mode=proximity]', { state: 'attached', timeout: 20000 });
      const text = (await blue.locator('[data-testid=sharing-chip][data-party=red]').textContent()).trim();
      assert(text === 'red: proximity — shown within 20 NM / 5,000 ft of yours', `blue's chip follows (got "${text}")`);
      await screenshot(blue, 'blue-sharing-proximity');
      return text;
    } finally {
      await put(server.base, server.tokens.cell, '/parties/red/sharing', { mode: 'alerts-only' });
    }
  });

  await s.run('the cell\'s audit view: newest first, seconds, an object column, filters by actor, full hashes on demand', async () => {
    const cell = await signInSmall(browser, server.base, server.tokens.cell, requests);
    pages.push(cell);
    await cell.click('[data-testid=tab-audit]');
    await cell.waitForSelector('[data-testid=audit-verify-result][data-ok]', { timeout: 15000 });
    await cell.waitForSelector('[data-testid=audit-row]', { timeout: 15000 });
    const ok = await cell.getAttribute('[data-testid=audit-verify-result]', 'data-ok');
    assert(ok === 'true', 'the chain verifies');
    const rows = () => cell.$$eval('[data-testid=audit-row]', (trs) => trs.map((tr) => ({
      seq: Number(tr.dataset.seq), actor: tr.dataset.actor, time: tr.querySelector('[data-testid=audit-time]').textContent,
      object: tr.querySelector('[data-testid=audit-object]').textContent,
    })));
    const all = await rows();
    const api = (await getApi(server.base, server.tokens.cell, '/audit?limit=1000')).entries;
    assert(all.length >= Math.min(api.length, 200) - 5, `the view lists the log (${all.length} rows, API ${api.length})`);
    for (let i = 1; i < all.length; i++) assert(all[i - 1].seq > all[i].seq, `newest first (seq ${all[i - 1].seq} before ${all[i].seq})`);
    assert(all[0].seq >= api[api.length - 1].seq - 5, `the first row is the newest entry (${all[0].seq}, API newest ${api[api.length - 1].seq})`);
    assert(all.every((r) => /^(\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\dZ$/.test(r.time)), `times with seconds (${all[0].time})`);
    const head = await cell.$$eval('[data-testid=audit-table] th', (ths) => ths.map((t) => t.textContent));
    assert(head.includes('Object'), `an Object column (${head.join(', ')})`);
    assert(all.every((r) => r.object.trim().length > 0), 'every row says what it concerns');
    await screenshot(cell, 'cell-audit-newest-first');
    // Filter by actor: only that actor's entries, fewer than all.
    await cell.selectOption('[data-testid=audit-filter-actor]', 'system');
    const sys = await rows();
    const apiSys = api.filter((e) => e.actor === 'system').length;
    assert(sys.length > 0 && sys.length < all.length, `the filter narrows the list (${all.length} → ${sys.length})`);
    assert(sys.every((r) => r.actor === 'system'), 'only system entries');
    assert(sys.length === Math.min(apiSys, 200), `as many as the API has (${sys.length} vs ${apiSys})`);
    await screenshot(cell, 'cell-audit-filter-system');
    await cell.selectOption('[data-testid=audit-filter-actor]', '');
    // Full hash of the newest row on demand, equal to the API's.
    await cell.click('[data-testid=audit-row] >> nth=0 >> [data-testid=audit-hash]');
    const full = (await cell.textContent('[data-testid=audit-detail] [data-testid=audit-hash-full]')).trim();
    const seq0 = Number(await cell.getAttribute('[data-testid=audit-detail]', 'data-seq'));
    const apiNow = (await getApi(server.base, server.tokens.cell, `/audit?limit=1&after=${seq0 - 1}`)).entries[0];
    assert(full === apiNow.hash && /^[0-9a-f]{64}$/.test(full), `the full hash of seq ${seq0} (got ${full})`);
    assert(await cell.isVisible('[data-testid=audit-detail] [data-testid=audit-hash-full-copy]'), 'with a copy button');
    await screenshot(cell, 'cell-audit-hash-open');
    assert(!cell.errors.length, `no script error: ${cell.errors.join('; ')}`);
    return `${all.length} rows, newest seq ${all[0].seq} at ${all[0].time}; system: ${sys.length}`;
  });

  await s.run('blue sends red a hotline message; red\'s page shows a toast that opens the hotline at it', async () => {
    // During the demo's scripted warning (about 37 s after the server starts), so the toast is
    // seen next to the alarm banner.
    await red.waitForSelector('[data-testid=alarm-banner]:not([hidden])', { timeout: Math.max(5000, 75000 - (Date.now() - server.startedAt)) });
    await blue.click('[data-testid=tab-hotline]');
    await waitFor(async () => (await blue.$$('[data-testid=hotline-to] option')).length > 1, { what: 'parties in the hotline address list' });
    const widths = await blue.evaluate(() => ({ box: document.querySelector('[data-testid=hotline-body]').getBoundingClientRect().width, panel: document.querySelector('#panel-hotline').clientWidth }));
    assert(widths.box >= widths.panel - 24, `the message box spans the panel (${widths.box} of ${widths.panel} px)`);
    await blue.selectOption('[data-testid=hotline-to]', 'red');
    await blue.fill('[data-testid=hotline-subject]', 'Tanker track');
    await blue.click('[data-testid=hotline-body]');
    await blue.keyboard.type('Tanker ARCO51 on track');
    await blue.keyboard.press('Shift+Enter');
    await blue.keyboard.type('FL220 until 1300Z.');
    const typed = await blue.inputValue('[data-testid=hotline-body]');
    assert(typed === 'Tanker ARCO51 on track\nFL220 until 1300Z.', `Shift+Enter starts a new line (got ${JSON.stringify(typed)})`);
    await blue.keyboard.press('Enter');
    await blue.waitForSelector('[data-testid=message-item][data-from=blue] >> text=ARCO51', { timeout: 10000 });
    assert((await blue.inputValue('[data-testid=hotline-body]')) === '', 'Enter sent it and emptied the box');
    const toast = red.locator('[data-testid=arrival-toast][data-kind=message]');
    await toast.waitFor({ timeout: 15000 });
    const t = await toast.textContent();
    assert(/ARCO51/.test(t) && /blue/.test(t) && /Tanker track/.test(t), `red's toast has the message (got "${t}")`);
    const live = await red.getAttribute('[data-testid=arrivals]', 'aria-live');
    assert(live === 'polite' || live === 'assertive', 'announced (aria-live)');
    const b = await toast.boundingBox();
    const mapBox = await red.locator('#map').boundingBox();
    assert(Math.abs(b.x + b.width - (mapBox.x + mapBox.width)) <= 16 && b.y - mapBox.y <= 48, `at the top right of the map, beside the side panel (${JSON.stringify(b)}, map ${JSON.stringify(mapBox)})`);
    const barBottom = await red.evaluate(() => {
      const banner = document.querySelector('[data-testid=alarm-banner]');
      const bar = document.querySelector('.topbar').getBoundingClientRect().bottom;
      return banner.hidden ? bar : Math.max(bar, banner.getBoundingClientRect().bottom);
    });
    const bannerShown = await red.evaluate(() => !document.querySelector('[data-testid=alarm-banner]').hidden);
    assert(bannerShown, 'the alarm banner is up');
    assert(b.y >= barBottom, `below the top bar and the alarm banner (toast top ${b.y}, they end at ${barBottom})`);
    await screenshot(red, 'red-hotline-toast');
    const hotlineHidden = await red.evaluate(() => document.querySelector('#panel-hotline').hidden);
    assert(hotlineHidden, 'red\'s hotline tab was not shown');
    const id = await toast.getAttribute('data-id');
    await toast.click();
    await red.waitForSelector('#panel-hotline:not([hidden])');
    const item = red.locator(`[data-testid=message-item][data-id="${id}"]`);
    await item.waitFor();
    assert(await item.isVisible(), 'the hotline tab opens at the message');
    assert((await red.$$('[data-testid=arrival-toast]')).length === 0, 'the toast is gone');
    await screenshot(red, 'red-hotline-opened');
    // A second one, left alone, goes by itself after about 8 s.
    await red.click('[data-testid=tab-aircraft]');
    await blue.fill('[data-testid=hotline-body]', 'Second message.');
    await blue.click('[data-testid=hotline-send]');
    await toast.waitFor({ timeout: 15000 });
    await red.mouse.move(10, 650);
    const shownAt = Date.now();
    await toast.waitFor({ state: 'detached', timeout: 12000 });
    const gone = (Date.now() - shownAt) / 1000;
    assert(gone > 5, `it stays long enough to read (${gone.toFixed(1)} s)`);
    return `toast "${t.slice(0, 60)}…", gone by itself after ${gone.toFixed(1)} s`;
  });

  await s.run('at 1600×900 the whole top bar fits: nothing in the overflow menu', async () => {
    const wide = await signInSmall(browser, server.base, server.tokens.blue, requests);
    pages.push(wide);
    await wide.setViewportSize({ width: 1600, height: 900 });
    await wide.waitForSelector('[data-testid=sharing-chip]', { state: 'attached', timeout: 15000 });
    await sleep(500);
    const controls = await topbarControls(wide);
    const inMenu = controls.filter((c) => c.inMenu).map((c) => c.id);
    assert(!inMenu.length, `nothing overflows at 1600 px (in the menu: ${inMenu.join(', ')})`);
    assert(await wide.isHidden('[data-testid=topbar-more]'), 'no "⋯" button');
    const side = await sideWidth(wide);
    assert(Math.abs(side - 460) <= 1, `the side panel's default follows the window (460 px at 1600, got ${side})`);
    await screenshot(wide, 'blue-1600x900');
    await wide.close();
  });

  await s.run('Sign out is reachable at 1024×700 and signs out', async () => {
    await blue.click('[data-testid=sign-out]');
    await blue.waitForSelector('#signin:not([hidden])', { timeout: 10000 });
    const token = await blue.evaluate(() => sessionStorage.getItem('deconflict.token'));
    assert(!token, 'the token is gone from the tab');
    await screenshot(blue, 'blue-signed-out');
  });

  await s.run('no script error; every request to the server\'s own origin', async () => {
    const errors = pages.flatMap((p) => p.errors);
    assert(!errors.length, `page errors: ${errors.join('; ')}`);
    const foreign = requests.filter((r) => !r.url.startsWith(server.base) && !r.url.startsWith(server.base.replace('http', 'ws')));
    assert(!foreign.length, `requests elsewhere: ${foreign.map((r) => r.url).slice(0, 5).join(', ')}`);
    return `${requests.length} requests`;
  });
} finally {
  await browser.close().catch(() => {});
  await server.stop();
}
s.summary(server);
