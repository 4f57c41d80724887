// The map's colour key in its corner: a dot per party with aircraft in view (unowned traffic
// as "unowned"), what the viewer is not shown by the other parties' sharing rules (and what
// they are not shown of its own), then the alert levels, and while the selected aircraft's
// guidance ring is drawn, its clear and recovery bands, and while a position discrepancy is drawn,
// its independent-fix marker. Rebuilt only when that changes.

import { h, partyColour } from '../util.js';
import { LEVELS } from '../levels.js';
import { CLEAR_COLOUR, RECOVERY_COLOUR } from '../guidance.js';
import { DISCREPANCY, ZONE } from '../palette.js';

export class Legend {
  constructor(container) {
    this.el = h('div', { class: 'map-legend', testid: 'map-legend' });
    this.key = null;
    this.notes = [];
    container.append(this.el);
  }

  /**
   * What the viewer is not shown (js/sharing.js notes: `{key, party, text, title}`), listed
   * after the parties; redrawn at the next update.
   */
  setSharing(notes) {
    this.notes = notes || [];
    this.key = null;
  }

  /**
   * `parties`: party ids in view, sorted ("null" for aircraft without one); `guidance`: the ring
   * is drawn; `sources`: the labels of the discrepancy markers in view ("ADS-B").
   */
  update(parties, guidance = false, sources = [], zones = []) {
    const marks = [...new Set(sources)].sort();
    const kinds = [...new Set(zones)].sort();
    const key = `${parties.join('|')}${guidance ? '+g' : ''}+d${marks.join(',')}+z${kinds.join(',')}#${this.notes.map((n) => n.text).join('|')}`;
    if (key === this.key) return;
    this.key = key;
    const row = (colour, text) => h('span', { class: 'key' }, h('span', { class: 'dot', style: { background: colour } }), text);
    this.el.replaceChildren(
      ...parties.map((p) => row(partyColour(p === 'null' ? null : p), p === 'null' ? 'unowned' : p)),
      ...(this.notes.length ? [
        h('span', { class: 'sep' }),
        ...this.notes.map((n) => h('span', { class: `key sharing-key${n.own ? ' own' : ''}`, testid: 'legend-sharing', title: n.title, dataset: { party: n.party || '', mode: n.mode } },
          n.party && !n.own ? h('span', { class: 'dot hollow', style: { borderColor: partyColour(n.party) } }) : null, n.text)),
      ] : []),
      h('span', { class: 'sep' }),
      ...LEVELS.map((l) => row(l.colour, l.name)),
      ...(guidance ? [
        h('span', { class: 'sep' }),
        h('span', { class: 'key', testid: 'legend-guidance' }, h('span', { class: 'swatch', style: { borderTopColor: CLEAR_COLOUR } }), 'clear track'),
        h('span', { class: 'key' }, h('span', { class: 'swatch dashed', style: { borderTopColor: RECOVERY_COLOUR } }), 'recovery'),
      ] : []),
      ...(marks.length ? [
        h('span', { class: 'sep' }),
        h('span', { class: 'key', testid: 'legend-discrepancy', title: 'Position discrepancy: where independent surveillance hears the aircraft, dashed to where its owner reports it' },
          h('span', { class: 'diamond', style: { borderColor: DISCREPANCY.mark } }), `${marks.join(', ')} position (discrepancy)`),
      ] : []),
      // Exclusions (cross-hatched, the requester's colour), contested volumes (dashed warm grey)
      // and advance notices (dotted, the sender's colour).
      ...(kinds.length ? [
        h('span', { class: 'sep' }),
        ...kinds.map((k) => {
          if (k === 'exclusion') return h('span', { class: 'key', testid: 'legend-exclusion', title: 'Exclusion: an accepted vacate request; the other party keeps its aircraft out from the deadline' }, h('span', { class: 'swatch hatched' }), 'exclusion');
          if (k === 'notice') return h('span', { class: 'key', testid: 'legend-notice', title: 'Advance notice: an operation announced by its sender (dotted volumes, planned routes with their waypoints\' times and levels); not a reservation' }, h('span', { class: 'swatch dotted' }), 'notice');
          return h('span', { class: 'key', testid: 'legend-contested', title: 'Contested: a vacate request declined or left unanswered; not a reservation' }, h('span', { class: 'swatch dashed', style: { borderTopColor: ZONE.contested } }), 'contested');
        }),
      ] : []));
  }
}
