// Browser test of the observer's console against a real `deconflict serve --demo` (its own):
// the demo's `monitor` (role observer) sees everything and changes nothing.
//
// - It sees every aircraft — blue's and red's, red's alerts-only ones included — as the cell's
//   picture has them, every alert the API lists (the scripted VIPER11/SOKOL21 encounter, the zone
//   intrusion, the compliance alert once blue has accepted red's vacate request, the notice
//   advisories), every reservation, request and hotline message, and the audit log: its
//   entries (the same newest entries the API gives the cell), its chain verified, its signed
//   checkpoints.
// - It changes nothing: no Acknowledge, Accept, Decline, File, Change, Cancel, Send or draw
//   control is shown; the keys that act (A, D, C) say why not ("an observer acknowledges no
//   alert", "observer — read-only: …"); the top bar says "observer — read-only"; and not one
//   POST, PUT, PATCH or DELETE leaves its page.
// Screenshots go to web/test-output/observer-*.png. Started by e2e/run.mjs.
import { api, assert, launchBrowser, screenshot, signIn, sleep, startServer, waitFor, scenarios, state } from './lib.mjs';

const WRITES = /^(POST|PUT|PATCH|DELETE)$/;
/** Every control that writes, by test id. */
const CONTROLS = ['ack-button', 'request-accept', 'request-decline', 'request-ack', 'decline-reason', 'reservation-file', 'reservation-edit', 'reservation-cancel',
  'reservation-notice', 'vacate-send', 'notice-send', 'notice-compose', 'hotline-send', 'message-ack', 'draw-polygon', 'draw-circle'];

async function post(base, token, path, body) {
  const res = await fetch(`${base}/api/v1${path}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** The write controls a user could press now: shown (not hidden, laid out) and enabled. */
function pressable(page) {
  return page.evaluate((ids) => {
    const out = [];
    for (const id of ids) {
      for (const el of document.querySelectorAll(`[data-testid="${id}"]`)) {
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.height > 0 && !el.disabled && getComputedStyle(el).visibility !== 'hidden') out.push(id);
      }
    }
    return out;
  }, CONTROLS);
}

const sameSet = (a, b) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

async function main() {
  const s = scenarios();
  const server = await startServer();
  console.log(`server ${server.base} (data dir ${server.dataDir})`);
  const browser = await launchBrowser();
  const T = server.tokens;
  const mine = [];
  const failures = [];
  let mon;
  try {
    assert(T.monitor, 'the demo has an observer token (monitor)');
    const me = await api(server.base, T.monitor, '/me');
    assert(me.role === 'observer', `monitor is an observer (${me.role})`);
    // Something of every kind to see: blue accepts red's vacate request (an exclusion and a
    // compliance alert), hotline messages both ways and to all.
    const q1 = (await api(server.base, T.blue, '/requests')).requests.find((q) => q.kind === 'vacate' && q.state === 'pending');
    await post(server.base, T.blue, `/requests/${q1.id}/accept`, {});
    await post(server.base, T.blue, '/messages', { to: 'red', subject: 'E2E', body: 'Blue to red: CAP moving west' });
    await post(server.base, T.red, '/messages', { to: null, subject: 'E2E all', body: 'Red to all: package pushes at the hour' });
    mon = await signIn(browser, server.base, T.monitor, mine, {
      onPage: (page) => page.on('response', (r) => { if (r.url().includes('/api/v1/') && r.status() >= 400) failures.push(`${r.status()} ${r.request().method()} ${r.url()}`); }),
    });

    await s.run('the top bar says the observer reads only', async () => {
      const who = await mon.evaluate(() => {
        const el = document.querySelector('[data-testid=whoami]');
        return { text: el.textContent, ro: el.dataset.readOnly, title: el.title, body: document.body.classList.contains('read-only') };
      });
      assert(who.text.endsWith('· monitor · observer — read-only') && who.ro === 'true' && who.body, `"${who.text}"`);
      assert(/change nothing/.test(who.title), `its tooltip ("${who.title}")`);
      return `"${who.text}"`;
    });

    await s.run('it sees every aircraft, blue\'s and red\'s (red\'s alerts-only ones included), as the cell\'s picture has them', async () => {
      const got = await waitFor(async () => {
        const [st, cellTracks] = await Promise.all([mon.evaluate(() => ({ parties: window.__deconflict.state.trackParties, ids: window.__deconflict.state.drawnTracks.map((t) => `${t.party}:${t.id}`) })), api(server.base, T.cell, '/tracks')]);
        const want = cellTracks.tracks.filter((t) => t.party === 'red' || t.party === 'blue').map((t) => `${t.party}:${t.id}`);
        const have = st.ids.filter((x) => x.startsWith('red:') || x.startsWith('blue:'));
        return sameSet(want, have) ? { st, want } : null;
      }, { timeoutMs: 15000, what: 'the observer\'s blue and red aircraft to be the cell\'s' });
      const red = got.want.filter((x) => x.startsWith('red:')).length;
      const blueN = got.want.filter((x) => x.startsWith('blue:')).length;
      // Blue, which red shares with alerts-only, does not see them: the observer does.
      const blueSees = (await api(server.base, T.blue, '/tracks')).tracks.filter((t) => t.party === 'red').length;
      assert(red > blueSees, `red's aircraft: ${red} for the observer, ${blueSees} for blue`);
      assert(got.st.parties.red === red && got.st.parties.blue === blueN, `the console's counts (${JSON.stringify(got.st.parties)})`);
      await mon.keyboard.press('Shift+H');
      await sleep(600);
      await screenshot(mon, 'observer-all-aircraft');
      return `${blueN} blue and ${red} red aircraft (blue sees ${blueSees} of red's)`;
    });

    await s.run('it lists every alert the API has — the scripted VIPER11/SOKOL21 encounter, intrusions, the compliance alert, notice advisories — with no ACK', async () => {
      // The demo's scripted VIPER11/SOKOL21 encounter is alerted within the first minute.
      const got = await waitFor(async () => {
        const [st, c, i] = await Promise.all([state(mon), api(server.base, T.monitor, '/conflicts'), api(server.base, T.monitor, '/intrusions')]);
        const want = [...c.conflicts, ...i.intrusions].filter((a) => a.state !== 'cleared').map((a) => a.id);
        const have = st.alerts.filter((a) => a.kind === 'conflict' || a.kind === 'intrusion').map((a) => a.id);
        const scripted = c.conflicts.some((x) => [x.a, x.b].sort().join() === ['150A21', 'AE1001'].join() && x.state !== 'cleared');
        return scripted && sameSet(want, have) ? { st, c, i, want } : null;
      }, { timeoutMs: 90000, intervalMs: 500, what: 'the observer\'s alerts to be the API\'s, the scripted encounter among them' });
      const cellIds = await Promise.all([api(server.base, T.cell, '/conflicts'), api(server.base, T.cell, '/intrusions')]).then(([c, i]) => [...c.conflicts, ...i.intrusions].filter((a) => a.state !== 'cleared').map((a) => a.id));
      const kinds = got.i.intrusions.map((x) => x.purpose);
      assert(kinds.includes('exclusion') && kinds.includes('notice') && kinds.includes('hazard'), `an intrusion of each kind (${JSON.stringify(kinds)})`);
      const missing = got.want.filter((id) => !cellIds.includes(id));
      assert(missing.length === 0, `nothing the cell does not have (${missing})`);
      const acks = await mon.evaluate(() => document.querySelectorAll('[data-testid=ack-button]').length);
      assert(acks === 0, `no ACK button (${acks})`);
      const compliance = got.st.alerts.find((a) => a.kind === 'intrusion' && a.compliance);
      const notice = got.st.alerts.find((a) => a.kind === 'intrusion' && a.notice);
      assert(compliance && /^COMPLIANCE · RAVEN51 must leave red's exclusion by /.test(compliance.text) && notice && /^NOTICE · EAGLE3[12] /.test(notice.text), `worded as for the parties (${compliance && compliance.text} / ${notice && notice.text})`);
      await screenshot(mon, 'observer-alerts');
      return `${got.c.conflicts.length} conflicts and ${got.i.intrusions.length} intrusions (${[...new Set(kinds)].join(', ')}), as the API and the cell; no ACK`;
    });

    await s.run('it sees every reservation, request and message, and the audit log (entries, chain, checkpoints); nothing it could press writes', async () => {
      const [res, reqs, msgs] = await Promise.all([api(server.base, T.monitor, '/reservations'), api(server.base, T.monitor, '/requests'), api(server.base, T.monitor, '/messages')]);
      const st = await state(mon);
      assert(sameSet(st.reservations.map((r) => r.id), res.reservations.map((r) => r.id)), `the reservations (${st.reservations.length} vs ${res.reservations.length})`);
      assert(res.reservations.some((r) => r.purpose === 'exclusion') && res.reservations.some((r) => r.party === 'blue') && res.reservations.some((r) => r.party === 'red'), 'blue\'s, red\'s and the exclusion');
      const cellReqs = (await api(server.base, T.cell, '/requests')).requests.map((q) => q.id);
      assert(sameSet(st.requests.map((q) => q.id), reqs.requests.map((q) => q.id)) && sameSet(cellReqs, reqs.requests.map((q) => q.id)), `the requests, as the cell (${st.requests.length})`);
      const pressed = {};
      await mon.click('[data-testid=tab-reservations]');
      await mon.waitForSelector('[data-testid=reservation-item]', { timeout: 5000 });
      const resCards = await mon.locator('[data-testid=reservation-item]').count();
      pressed.reservations = await pressable(mon);
      await screenshot(mon, 'observer-reservations');
      await mon.click('[data-testid=tab-requests]');
      await mon.waitForSelector('[data-testid=request-item]', { timeout: 5000 });
      const reqCards = await mon.locator('[data-testid=request-item]').count();
      pressed.requests = await pressable(mon);
      await screenshot(mon, 'observer-requests');
      await mon.click('[data-testid=tab-hotline]');
      const items = await waitFor(async () => {
        const n = await mon.locator('[data-testid=message-item]').count();
        return n >= msgs.messages.length && n > 0 ? n : null;
      }, { timeoutMs: 8000, what: 'the messages in the observer\'s hotline' });
      const bodies = await mon.evaluate(() => [...document.querySelectorAll('[data-testid=message-item] .body')].map((b) => b.textContent));
      assert(bodies.includes('Blue to red: CAP moving west') && bodies.includes('Red to all: package pushes at the hour'), `blue's message to red and red's to all (${JSON.stringify(bodies)})`);
      const box = await mon.evaluate(() => ({ disabled: document.querySelector('[data-testid=hotline-body]').disabled, placeholder: document.querySelector('[data-testid=hotline-body]').placeholder }));
      assert(box.disabled && box.placeholder === 'observer — read-only: observers send no message', `the message box (${JSON.stringify(box)})`);
      pressed.hotline = await pressable(mon);
      await screenshot(mon, 'observer-hotline');
      await mon.click('[data-testid=tab-aircraft]');
      pressed.aircraft = await pressable(mon);
      for (const [tab, list] of Object.entries(pressed)) assert(list.length === 0, `${tab}: nothing that writes can be pressed (${list.join(', ')})`);
      // The audit view an observer has: the signed checkpoints, verified in the browser; the log itself is the cell's.
      const chip = await waitFor(() => mon.evaluate(() => {
        const el = document.querySelector('[data-testid=audit-indicator]');
        return el && el.dataset.seq ? { state: el.dataset.state, seq: Number(el.dataset.seq), text: el.textContent, title: el.title } : null;
      }), { timeoutMs: 10000, what: 'the audit-log indicator' });
      const watchState = await mon.evaluate(() => window.__deconflict.auditCheckpoint());
      assert((chip.state === 'ok' || chip.state === 'unchecked') && watchState.kept && watchState.kept.seq === chip.seq && !watchState.warning, `the checkpoint kept (${JSON.stringify(chip)})`);
      // The audit log itself: the tab, its rows, the chain verified in the view (a GET).
      await mon.click('[data-testid=tab-audit]');
      await mon.waitForSelector('[data-testid=audit-row]', { timeout: 15000 });
      await mon.click('[data-testid=audit-verify]');
      await mon.waitForSelector('[data-testid=audit-verify-result][data-ok]', { timeout: 15000 });
      const verified = await mon.getAttribute('[data-testid=audit-verify-result]', 'data-ok');
      assert(verified === 'true', `the chain verifies in the observer's view (${await mon.textContent('[data-testid=audit-verify-result]')})`);
      const rows = await mon.$$eval('[data-testid=audit-row]', (els) => els.length);
      const cellPage = await fetch(`${server.base}/api/v1/audit?limit=1000`, { headers: { Authorization: `Bearer ${T.cell}` } }).then((r) => r.json());
      assert(rows > 0 && cellPage.entries.length >= rows, `audit rows shown (${rows}) from the same log the cell reads (${cellPage.entries.length} entries)`);
      await screenshot(mon, 'observer-audit');
      pressed.audit = await pressable(mon);
      assert(pressed.audit.length === 0, `audit: nothing that writes can be pressed (${pressed.audit.join(', ')})`);
      return `${resCards} reservation cards, ${reqCards} request cards, ${items} messages; audit view ${rows} rows, chain verified; checkpoint #${chip.seq} (${chip.state}, signature ${watchState.signature === true ? 'verified' : watchState.signature})`;
    });

    await s.run('the keys that act say why not, and no POST, PUT, PATCH or DELETE leaves the page', async () => {
      const toastAfter = async (key) => {
        await mon.evaluate(() => { const t = document.querySelector('[data-testid=toast]'); t.hidden = true; t.textContent = ''; });
        await mon.focus('[data-testid=map-canvas]');
        await mon.keyboard.press(key);
        await sleep(300);
        return mon.evaluate(() => { const t = document.querySelector('[data-testid=toast]'); return t.hidden ? '' : t.textContent; });
      };
      const a = await toastAfter('a');
      assert(/^Nothing to acknowledge — .*: an observer acknowledges no alert; alerts are shown for awareness\.$/.test(a), `A says why ("${a}")`);
      const d = await toastAfter('d');
      const c = await toastAfter('c');
      assert(d === 'observer — read-only: observers draw and file no reservation' && c === d, `D and C say why ("${d}", "${c}")`);
      const drawing = await mon.evaluate(() => !document.querySelector('[data-testid=reservation-draft]').hidden || document.querySelector('[data-testid=map-canvas]').style.cursor === 'crosshair');
      assert(!drawing, 'no drawing started');
      for (const key of ['Enter', 'Backspace', 'n', 'Escape']) await toastAfter(key);
      // Going to an alert, the Requests and Hotline tabs again (a hotline opened marks messages read for a party).
      await mon.click('[data-testid=alert-item] .who2');
      await mon.keyboard.press('3');
      await mon.keyboard.press('4');
      await sleep(1500);
      await screenshot(mon, 'observer-keys');
      const writes = mine.filter((r) => r.method && WRITES.test(r.method));
      assert(writes.length === 0, `requests that write: ${writes.map((r) => `${r.method} ${r.url}`).join(', ')}`);
      const methods = [...new Set(mine.filter((r) => r.method && r.url.includes('/api/v1/')).map((r) => r.method))];
      return `A: "${a}"; D/C: "${d}"; ${mine.filter((r) => r.url.includes('/api/v1/')).length} API requests, methods ${methods.join(', ')}`;
    });

    await s.run('no failed API call, no script error', async () => {
      assert(mon.errors.length === 0, `script errors: ${mon.errors.join('; ')}`);
      assert(failures.length === 0, `failed API calls: ${failures.join(', ')}`);
      return `${mine.length} requests`;
    });
  } finally {
    s.summary(server);
    await browser.close().catch(() => {});
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
