// Which hotline messages and requests are new arrivals for the viewer: addressed to it (to its
// party, or to all and not its own), not yet seen by this console, and for messages not yet
// read. Pure; js/arrivals.js shows them as toasts.

/** Whether `item` (a Message or a Request) is addressed to party `me`. */
export function addressedTo(item, me) {
  return item.to === me || ((item.to === null || item.to === undefined) && item.from !== me);
}

/**
 * The arrivals among `items` not in `seen` (a Set of ids, updated here). The first call for a
 * collection (`seeding`) only records what is there: what the console found at sign-in is not
 * an arrival. `kind` is `message` or `request`. `ignoreRead`: the items are new messages from
 * the stream, whose `read` is the sender's copy (true), not the viewer's.
 */
export function pickArrivals(items, seen, me, kind, seeding = false, { ignoreRead = false } = {}) {
  const out = [];
  for (const x of items) {
    if (!x || x.id === undefined || seen.has(x.id)) continue;
    seen.add(x.id);
    if (seeding || !addressedTo(x, me)) continue;
    if (kind === 'message' && x.read && !ignoreRead) continue;
    if (kind === 'request' && x.state && x.state !== 'pending') continue;
    out.push(x);
  }
  return out;
}
