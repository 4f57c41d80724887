// The map's colour key in its corner: a dot per party with aircraft in view (unowned traffic
// as "unowned"), then the alert levels. Rebuilt only when the set of parties changes.

import { h, partyColour } from '../util.js';
import { LEVELS } from '../levels.js';

export class Legend {
  constructor(container) {
    this.el = h('div', { class: 'map-legend', testid: 'map-legend' });
    this.key = null;
    container.append(this.el);
  }

  /** `parties`: party ids in view, sorted ("null" for aircraft without one). */
  update(parties) {
    const key = parties.join('|');
    if (key === this.key) return;
    this.key = key;
    const row = (colour, text) => h('span', { class: 'key' }, h('span', { class: 'dot', style: { background: colour } }), text);
    this.el.replaceChildren(
      ...parties.map((p) => row(partyColour(p === 'null' ? null : p), p === 'null' ? 'unowned' : p)),
      h('span', { class: 'sep' }),
      ...LEVELS.map((l) => row(l.colour, l.name)));
  }
}
