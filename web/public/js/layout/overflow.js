// Which top-bar items fit in the bar and which go into its overflow menu ("⋯"). Pure: the top
// bar (js/layout/topbar.js) measures the items at run time and passes their widths here.

/**
 * The keys of the items that go into the overflow menu.
 *
 * `items` are the bar's children in order: `{ key, width, rank }` with `width` in CSS pixels
 * (0 for an empty or hidden item, which takes no gap either) and `rank` the overflow order
 * (lowest leaves the bar first; `null` stays in the bar whatever the width). `available` is
 * the bar's inner width, `gap` the flex gap between items, `menuWidth` the "⋯" button's width
 * (needed only when something overflows). When even the pinned items do not fit, every
 * overflowable item goes to the menu.
 */
export function overflowKeys(items, available, gap, menuWidth) {
  const need = (list, withMenu) => {
    const shown = list.filter((i) => i.width > 0);
    const widths = shown.reduce((s, i) => s + i.width, 0) + (withMenu ? menuWidth : 0);
    const count = shown.length + (withMenu ? 1 : 0);
    return widths + gap * Math.max(0, count - 1);
  };
  if (need(items, false) <= available) return new Set();
  const order = items.filter((i) => i.rank !== null && i.rank !== undefined)
    // Lowest rank first; among equal ranks the rightmost first (the bar empties from its end).
    .map((i, n) => ({ i, n }))
    .sort((a, b) => a.i.rank - b.i.rank || b.n - a.n)
    .map((x) => x.i);
  const out = new Set();
  let rest = items;
  for (const item of order) {
    out.add(item.key);
    rest = rest.filter((i) => i !== item);
    if (need(rest, true) <= available) break;
  }
  return out;
}
