// Browser tests of the console's watch on the cell's signed audit checkpoints against a real
// `deconflict serve --demo`, in a 1024×700 window: blue keeps the first checkpoint the stream
// sends (signature verified, a quiet "log ✓ #N" chip) and, after a hotline message and a
// checkpoint signed on demand, keeps the later one once the server says the log extends it;
// a kept checkpoint whose entry has another hash than the log's (a log rewritten behind the
// cell, as the console sees it) gives the red AUDIT indicator and a notice naming the entry,
// which survive later checkpoints and a reload until dismissed; a kept checkpoint beyond the
// log's end (the log went back) is warned at once, without asking the server. Screenshots go
// to web/test-output/audit-*.png. Started by e2e/run.mjs.
import { api, assert, launchBrowser, signIn, screenshot, scenarios, sleep, startServer, waitFor } from './lib.mjs';
import { contrastRatio } from '../public/js/palette.js';

const VIEWPORT = { width: 1024, height: 700 };
const KEY = (party) => `deconflict.checkpoint.${party}`;

const watch = (page) => page.evaluate(() => window.__deconflict.auditCheckpoint());

async function postCheckpoint(base, token) {
  const res = await fetch(`${base}/api/v1/audit/checkpoint`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  if (res.status !== 201) throw new Error(`POST /audit/checkpoint: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** An init script that stores `state` as the party's watch before the console loads, once per tab. */
function seedWatch(party, state) {
  return `(() => {
    if (sessionStorage.getItem('e2e.seeded')) return;
    sessionStorage.setItem('e2e.seeded', '1');
    localStorage.setItem(${JSON.stringify(KEY(party))}, ${JSON.stringify(JSON.stringify(state))});
  })();`;
}

/** The indicator as drawn: where it is, its text, colours and whether it is within the window. */
function indicator(page) {
  return page.evaluate(() => {
    const el = document.querySelector('[data-testid=audit-indicator]');
    const menu = document.querySelector('[data-testid=topbar-menu]');
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    const bar = document.querySelector('.topbar');
    return {
      hidden: el.hidden,
      inMenu: menu.contains(el),
      text: el.textContent,
      title: el.title,
      state: el.dataset.state,
      seq: el.dataset.seq,
      color: cs.color,
      background: cs.backgroundColor,
      seen: !el.hidden && r.width > 0 && r.left >= 0 && r.right <= innerWidth && r.top >= 0 && r.bottom <= innerHeight && cs.visibility !== 'hidden',
      barOverflow: bar.scrollWidth - bar.clientWidth,
      barHeight: bar.getBoundingClientRect().height,
    };
  });
}

function notice(page) {
  return page.evaluate(() => {
    const el = document.querySelector('[data-testid=audit-notice]');
    const text = el.querySelector('[data-testid=audit-warning-text]');
    const alert = el.querySelector('[role=alert]');
    const cs = text ? getComputedStyle(text) : null;
    const bg = getComputedStyle(el).backgroundColor;
    return {
      shown: !el.hidden,
      text: text ? text.textContent : '',
      title: el.querySelector('[data-testid=audit-warning-title]')?.textContent || '',
      hasAlertRole: !!alert && alert.contains(text),
      color: cs ? cs.color : null,
      background: bg,
      bottom: el.getBoundingClientRect().bottom,
    };
  });
}

/** "rgb(r, g, b)" → "#rrggbb". */
function hexOf(rgb) {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(rgb || '');
  assert(m, `a colour: ${rgb}`);
  return `#${m.slice(1, 4).map((x) => Number(x).toString(16).padStart(2, '0')).join('')}`;
}

const server = await startServer();
const browser = await launchBrowser();
const requests = [];
const s = scenarios();
try {
  const first = await api(server.base, server.tokens.blue, '/audit/checkpoint');
  assert(first.seq > 1 && /^[0-9a-f]{64}$/.test(first.public_key), `the server signs checkpoints (${JSON.stringify(first)})`);

  await s.run('blue keeps the first checkpoint, then a later one the log extends; a quiet chip, no warning', async () => {
    const blue = await signIn(browser, server.base, server.tokens.blue, requests, { viewport: VIEWPORT });
    try {
      const w0 = await waitFor(async () => { const w = await watch(blue); return w.kept && w.kept.seq > 0 ? w : null; }, { what: 'a kept checkpoint' });
      assert(!w0.warning, `no warning (${JSON.stringify(w0.warning)})`);
      assert(w0.kept.public_key === first.public_key, 'the kept checkpoint is signed by the server\'s key');
      assert(w0.signature === true, `Chromium verified the Ed25519 signature (${w0.signature})`);
      const stored = await blue.evaluate((k) => JSON.parse(localStorage.getItem(k)), KEY('blue'));
      assert(stored && stored.kept && stored.kept.seq === w0.kept.seq, 'the kept checkpoint is in localStorage under deconflict.checkpoint.blue');
      await sleep(300);
      let ind = await indicator(blue);
      assert(!ind.hidden && ind.state === 'ok' && ind.text === `log ✓ #${w0.kept.seq}`, `the quiet chip says log ✓ #${w0.kept.seq} (${JSON.stringify(ind)})`);
      if (ind.inMenu) {
        // A full bar at 1024 px: the quiet chip waits in the "⋯" menu and is seen when it opens.
        await blue.click('[data-testid=topbar-more]');
        await blue.waitForSelector('[data-testid=topbar-menu][data-open=true]');
        const open = await indicator(blue);
        assert(open.seen, 'the quiet chip is seen in the open overflow menu');
        await screenshot(blue, 'blue-quiet-chip-in-menu');
        await blue.keyboard.press('Escape');
      } else {
        assert(ind.seen, 'the quiet chip is seen in the bar');
      }
      assert(ind.barOverflow <= 1, `the top bar does not overflow (${ind.barOverflow} px)`);
      assert(contrastRatio(hexOf(ind.color), '#0a1118') >= 4.5, `the quiet chip's text reads on the bar (${ind.color})`);
      await screenshot(blue, 'blue-quiet-chip');

      // A change (blue writes on the hotline through the console), then a checkpoint on demand.
      await blue.click('[data-testid=tab-hotline]');
      await blue.fill('[data-testid=hotline-subject]', 'audit test');
      await blue.fill('[data-testid=hotline-body]', 'checkpoint after this message');
      await blue.click('[data-testid=hotline-send]');
      await waitFor(async () => (await api(server.base, server.tokens.blue, '/messages')).messages.some((m) => m.subject === 'audit test'), { what: 'the message stored' });
      const signed = await postCheckpoint(server.base, server.tokens.blue);
      assert(signed.seq > w0.kept.seq, `the log grew (${w0.kept.seq} → ${signed.seq})`);
      const w1 = await waitFor(async () => { const w = await watch(blue); return w.kept && w.kept.seq >= signed.seq ? w : null; }, { what: `checkpoint ${signed.seq} kept` });
      assert(!w1.warning, `still no warning (${JSON.stringify(w1.warning)})`);
      assert(w1.how === 'extends', `kept because the log extends the one before (${w1.how})`);
      const asked = requests.filter((r) => r.url.includes('/api/v1/audit/consistency'));
      assert(asked.some((r) => r.url.includes(`seq=${w0.kept.seq}&head_hash=${w0.kept.head_hash}`)), `the console asked about the kept checkpoint ${w0.kept.seq} (${asked.map((r) => r.url).join(', ')})`);
      ind = await indicator(blue);
      assert(ind.text === `log ✓ #${w1.kept.seq}`, `the chip follows (${ind.text})`);
      assert(/extends the one you kept/.test(ind.title) && ind.title.includes(`checkpoint ${w1.kept.seq} signed`), `its tooltip says so (${ind.title})`);
      // The full bar, wide enough for the chip.
      await blue.setViewportSize({ width: 1600, height: 900 });
      await sleep(400);
      ind = await indicator(blue);
      assert(ind.seen && !ind.inMenu, 'at 1600 px the chip is in the bar');
      await screenshot(blue, 'blue-quiet-chip-1600');
      assert(!blue.errors.length, `no script error: ${blue.errors.join('; ')}`);
      return `kept ${w0.kept.seq} → ${w1.kept.seq}; chip "${ind.text}", title "${ind.title}"`;
    } finally {
      await blue.context().close();
    }
  });

  await s.run('a kept checkpoint the log no longer has (same entry, other hash): a sticky AUDIT warning naming the entry', async () => {
    const now = await api(server.base, server.tokens.blue, '/audit/checkpoint');
    const seq = Math.max(1, now.seq - 1);
    const kept = { seq, head_hash: 'a'.repeat(64), time: now.time - 30, public_key: now.public_key, signature: now.signature };
    const blue = await signIn(browser, server.base, server.tokens.blue, requests, { viewport: VIEWPORT, initScript: seedWatch('blue', { kept }) });
    try {
      const w = await waitFor(async () => { const x = await watch(blue); return x.warning ? x : null; }, { what: 'the AUDIT warning' });
      assert(w.warning.seq === seq, `the warning is about the kept entry ${seq} (${w.warning.seq})`);
      assert(['not-extended', 'rewritten'].includes(w.warning.kind), `kind ${w.warning.kind}`);
      assert(w.warning.text.includes(`entry ${seq}, signed `) && / UTC/.test(w.warning.text), `the text names the entry and when it was signed: ${w.warning.text}`);
      assert(w.kept.head_hash === 'a'.repeat(64), 'the kept checkpoint stays as it was (the evidence)');
      await sleep(300);
      const ind = await indicator(blue);
      assert(ind.state === 'warning' && /AUDIT/.test(ind.text), `the red AUDIT indicator (${JSON.stringify(ind)})`);
      assert(ind.seen && !ind.inMenu, 'it is in the bar, seen, at 1024×700');
      assert(ind.barOverflow <= 1, `the top bar does not overflow (${ind.barOverflow} px)`);
      assert(ind.barHeight < 40, `the bar stays one line (${ind.barHeight} px)`);
      assert(ind.title.includes(w.warning.text), 'its tooltip has the full text');
      const ratio = contrastRatio(hexOf(ind.color), hexOf(ind.background));
      assert(ratio >= 4.5, `the indicator's text has ${ratio.toFixed(2)}:1 contrast`);
      const n = await notice(blue);
      assert(n.shown && n.text === w.warning.text && n.hasAlertRole, `the notice shows the full text with role=alert (${JSON.stringify(n)})`);
      assert(n.bottom < VIEWPORT.height / 2, `the notice leaves the map most of the window (bottom at ${n.bottom} px)`);
      const nRatio = contrastRatio(hexOf(n.color), hexOf(n.background));
      assert(nRatio >= 4.5, `the notice's text has ${nRatio.toFixed(2)}:1 contrast`);
      await screenshot(blue, 'blue-audit-warning');

      // Later checkpoints do not clear it; they are recorded.
      const later = await postCheckpoint(server.base, server.tokens.blue);
      await waitFor(async () => { const x = await watch(blue); return x.latest && x.latest.seq >= later.seq; }, { what: 'the later checkpoint recorded' });
      const after = await watch(blue);
      assert(after.warning && after.warning.noticed_at === w.warning.noticed_at, 'the warning survives a later checkpoint');
      // Hiding the notice keeps the indicator; clicking it opens the notice again.
      await blue.click('[data-testid=audit-hide]');
      assert(!(await notice(blue)).shown, 'Hide hides the notice');
      assert((await indicator(blue)).state === 'warning', 'the indicator stays');
      await screenshot(blue, 'blue-audit-notice-hidden');
      await blue.click('[data-testid=audit-indicator]');
      assert((await notice(blue)).shown, 'the indicator opens the notice again');
      // A reload keeps it (localStorage).
      await blue.reload();
      await blue.waitForSelector('#app:not([hidden])', { timeout: 15000 });
      await sleep(1500);
      const reloaded = await watch(blue);
      assert(reloaded.warning && reloaded.warning.text === w.warning.text, 'the warning survives a reload');
      assert((await notice(blue)).shown, 'and its notice shows again');
      // Dismissed after reading: the watch goes on from the newest checkpoint, and is content.
      await blue.click('[data-testid=audit-dismiss]');
      const cleared = await watch(blue);
      assert(!cleared.warning && cleared.kept.seq >= later.seq && cleared.kept.head_hash !== 'a'.repeat(64), `dismissed, watching from ${cleared.kept && cleared.kept.seq}`);
      const next = await postCheckpoint(server.base, server.tokens.blue);
      const w2 = await waitFor(async () => { const x = await watch(blue); return x.kept && x.kept.seq >= next.seq ? x : null; }, { what: 'the next checkpoint kept' });
      assert(!w2.warning, 'no new warning: the log extends the checkpoint watched from');
      assert((await indicator(blue)).state === 'ok', 'the quiet chip is back');
      await screenshot(blue, 'blue-audit-dismissed');
      assert(!blue.errors.length, `no script error: ${blue.errors.join('; ')}`);
      return `${w.warning.title} — ${w.warning.text.slice(0, 140)}…`;
    } finally {
      await blue.context().close();
    }
  });

  await s.run('a kept checkpoint beyond the log\'s end: "went back" at once, without asking the server', async () => {
    const now = await api(server.base, server.tokens.blue, '/audit/checkpoint');
    const seq = now.seq + 1000;
    const kept = { seq, head_hash: 'b'.repeat(64), time: now.time - 60, public_key: now.public_key, signature: now.signature };
    const mark = requests.length;
    const blue = await signIn(browser, server.base, server.tokens.blue, requests, { viewport: VIEWPORT, initScript: seedWatch('blue', { kept }) });
    try {
      const w = await waitFor(async () => { const x = await watch(blue); return x.warning ? x : null; }, { what: 'the AUDIT warning' });
      assert(w.warning.kind === 'went-back', `went back (${w.warning.kind})`);
      assert(w.warning.seq === seq, `about entry ${seq}`);
      assert(w.warning.text.startsWith(`The cell's audit log went back from entry ${seq} to `), w.warning.text);
      assert(w.warning.text.includes(`entry ${seq}, signed `), 'names the kept checkpoint and its time');
      const asked = requests.slice(mark).filter((r) => r.url.includes('/api/v1/audit/consistency'));
      assert(!asked.length, `no consistency question was needed (${asked.map((r) => r.url).join(', ')})`);
      await sleep(300);
      const ind = await indicator(blue);
      assert(ind.state === 'warning' && ind.seen && !ind.inMenu, 'the AUDIT indicator is in the bar');
      const n = await notice(blue);
      assert(n.shown && /went back/.test(n.title), `the notice: ${n.title}`);
      await screenshot(blue, 'blue-audit-went-back');
      // Sticky: the stream's next checkpoints leave it.
      await postCheckpoint(server.base, server.tokens.blue);
      await sleep(1000);
      assert((await watch(blue)).warning?.kind === 'went-back', 'still warned after a later checkpoint');
      assert(!blue.errors.length, `no script error: ${blue.errors.join('; ')}`);
      return w.warning.title;
    } finally {
      await blue.context().close();
    }
  });

  await s.run('a warning that arises while the quiet chip waits in the "⋯" menu brings AUDIT into the bar', async () => {
    const blue = await signIn(browser, server.base, server.tokens.blue, requests, { viewport: VIEWPORT });
    try {
      const w0 = await waitFor(async () => { const w = await watch(blue); return w.kept ? w : null; }, { what: 'a kept checkpoint' });
      await sleep(500);
      assert((await indicator(blue)).inMenu, 'at 1024×700 the quiet chip is in the overflow menu');
      // What another tab of blue's would have stored: the same entry with another hash.
      await blue.evaluate(([k, kept]) => localStorage.setItem(k, JSON.stringify({ kept })), [KEY('blue'), { ...w0.kept, head_hash: 'c'.repeat(64) }]);
      await postCheckpoint(server.base, server.tokens.blue);
      const w = await waitFor(async () => { const x = await watch(blue); return x.warning ? x : null; }, { what: 'the AUDIT warning' });
      assert(w.warning.seq === w0.kept.seq, `about entry ${w0.kept.seq} (${w.warning.seq})`);
      await sleep(500);
      const ind = await indicator(blue);
      assert(ind.state === 'warning' && !ind.inMenu && ind.seen, `the AUDIT indicator moved into the bar (${JSON.stringify(ind)})`);
      assert(ind.barOverflow <= 1 && ind.barHeight < 40, `the bar still fits on one line (${ind.barOverflow} px over, ${ind.barHeight} px high)`);
      await screenshot(blue, 'blue-audit-from-menu');
      assert(!blue.errors.length, `no script error: ${blue.errors.join('; ')}`);
      return w.warning.title;
    } finally {
      await blue.context().close();
    }
  });

  await s.run('every request went to the server\'s own origin', async () => {
    const foreign = requests.filter((r) => !r.url.startsWith(server.base) && !r.url.startsWith(server.base.replace('http', 'ws')) && !r.url.startsWith('data:'));
    assert(!foreign.length, `foreign requests: ${foreign.map((r) => r.url).join(', ')}`);
  });
} finally {
  s.summary(server);
  await browser.close().catch(() => {});
  await server.stop();
}
