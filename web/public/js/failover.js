// Failing over to another node of the cell. Every node of a cell serves the same picture, alerts
// and API over one store; `GET /api/v1/health` lists the console address of every node (`nodes`,
// the server's `cluster.nodes`). When this console's node stops answering — the stream is down
// and the node's own health check has failed for FAILOVER_AFTER_MS — the console probes the other
// addresses in list order, starting after its own, and moves to the first that answers. The
// session goes with it in the address's fragment (`#resume=TOKEN`): a fragment is never sent to
// a server nor in a Referer, and the new page removes it from the address bar and the history
// entry as soon as it has read it. A single node (no `nodes`) never moves.
//
// The choice of where to go is pure (`candidates`, `resumeToken`, `resumeUrl`); `watchNodes`
// runs it against the live connection state.

/** How long this node must have failed to answer before the console moves, ms. */
export const FAILOVER_AFTER_MS = 3000;
/** How often the node's health is probed while the stream is down, ms. */
export const PROBE_EVERY_MS = 1000;
/** How long one probe may take, ms. */
export const PROBE_TIMEOUT_MS = 1500;

const norm = (a) => String(a).trim().replace(/\/+$/, '');

/**
 * The other nodes to try, in order: the addresses after `origin` in `nodes`, then those before
 * it (so that every console does not pile onto the first); `origin` itself and duplicates
 * left out. When `origin` is not listed, the list as given.
 */
export function candidates(nodes, origin) {
  const list = [];
  for (const n of nodes || []) {
    const a = norm(n);
    if (a && !list.includes(a)) list.push(a);
  }
  const me = norm(origin);
  const at = list.indexOf(me);
  if (at < 0) return list;
  return [...list.slice(at + 1), ...list.slice(0, at)];
}

/** The token a page was opened with (`#resume=TOKEN`), or null. */
export function resumeToken(hash) {
  const m = /^#?resume=([^&]*)$/.exec(hash || '');
  if (!m) return null;
  try {
    const t = decodeURIComponent(m[1]);
    return t || null;
  } catch {
    return null;
  }
}

/** Where to go on node `address` to carry on with `token`. */
export function resumeUrl(address, token) {
  return `${norm(address)}/#resume=${encodeURIComponent(token)}`;
}

async function answers(url) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), PROBE_TIMEOUT_MS);
  try {
    // Health is readable from any origin: a node is up when it says so (a proxy's 502 is not).
    const res = await fetch(url, { cache: 'no-store', signal: ctl.signal });
    if (!res.ok) return false;
    const h = await res.json();
    return h && h.ok === true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Watches the connection of the signed-in console (`store.connection`) and moves to another
 * node when this one is gone. `getToken()` is the session to carry; `go(url)` navigates
 * (location.assign by default); `afterMs` and `everyMs` default to FAILOVER_AFTER_MS and
 * PROBE_EVERY_MS. Returns a function that stops the watch.
 */
export function watchNodes(store, getToken, { go = (u) => location.assign(u), origin = location.origin, afterMs = FAILOVER_AFTER_MS, everyMs = PROBE_EVERY_MS } = {}) {
  let nodes = [];
  let downSince = null;
  let busy = false;
  let stopped = false;
  const load = () => fetch('/api/v1/health', { cache: 'no-store' })
    .then((r) => r.json())
    .then((h) => {
      nodes = Array.isArray(h.nodes) ? h.nodes : [];
      store.nodes = nodes;
    })
    .catch(() => {});
  load();
  const tick = async () => {
    if (stopped || busy) return;
    if (store.connection === 'live') {
      downSince = null;
      return;
    }
    busy = true;
    try {
      if (await answers('/api/v1/health')) {
        downSince = null;
        if (!nodes.length) await load();
        return;
      }
      downSince ??= Date.now();
      if (Date.now() - downSince < afterMs) return;
      const token = getToken();
      if (!token) return;
      for (const next of candidates(nodes, origin)) {
        if (stopped) return;
        if (await answers(`${next}/api/v1/health`)) {
          store.emit('failover', next);
          stopped = true;
          go(resumeUrl(next, token));
          return;
        }
      }
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(tick, everyMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
