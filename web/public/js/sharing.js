// What the viewer is not shown, and what the others are not shown of it: one note per party
// whose aircraft the viewer does not fully see (its sharing rule is `proximity` or
// `alerts-only`), one for the viewer's own rule when it is not `full`, and for the cell and
// observers that they see every aircraft. Each note has a short text for the top bar's chips
// and the map's key, and a full sentence for their tooltips. Pure (GET /api/v1/parties in,
// text out).

const fmt = (n) => Number(n).toLocaleString('en-US', { maximumFractionDigits: 1 });

/** "20 NM / 5,000 ft" from a sharing rule's proximity ranges. */
export function proximityRange(sharing) {
  return `${fmt(sharing.range_nm)} NM / ${fmt(sharing.alt_ft)} ft`;
}

/**
 * The notes for viewer `me` (`{party, role}`) given the parties (`[{id, name, role, sharing}]`):
 * `[{ key, party, mode, own, text, title }]`, others first in party order, the viewer's own last.
 */
export function sharingNotes(parties, me) {
  if (!me) return [];
  if (me.role === 'cell' || me.role === 'observer') {
    const who = me.role === 'cell' ? 'cell' : 'observer';
    return [{
      key: 'all', party: null, mode: 'all', own: false,
      text: `${who} view: all aircraft`,
      title: `As ${who === 'cell' ? 'the cell' : 'an observer'} you see every party's aircraft, whatever its sharing rule.`,
    }];
  }
  const notes = [];
  let own = null;
  for (const p of parties || []) {
    if (!p || !p.sharing) continue;
    const mode = p.sharing.mode;
    const name = p.name && p.name !== p.id ? `${p.name} (${p.id})` : p.id;
    if (p.id === me.party) {
      own = p;
      continue;
    }
    if (mode === 'full') continue;
    if (mode === 'alerts-only') {
      notes.push({
        key: `party:${p.id}`, party: p.id, mode, own: false,
        text: `${p.id}: alerts-only — shown only in alerts`,
        title: `${name} shares alerts-only: its aircraft are never in your picture. One is shown (hollow, labelled "(alert)") only while it is in a conflict alert with one of yours.`,
      });
    } else if (mode === 'proximity') {
      const range = proximityRange(p.sharing);
      notes.push({
        key: `party:${p.id}`, party: p.id, mode, own: false,
        text: `${p.id}: proximity — shown within ${range} of yours`,
        title: `${name} shares by proximity: an aircraft of theirs is in your picture only while it is within ${fmt(p.sharing.range_nm)} NM horizontally and ${fmt(p.sharing.alt_ft)} ft vertically of one of yours, and in alerts with yours.`,
      });
    } else {
      notes.push({
        key: `party:${p.id}`, party: p.id, mode: String(mode), own: false,
        text: `${p.id}: ${mode} — shown only in alerts`,
        title: `${name} has a sharing rule this console does not know (${mode}); the server treats it like alerts-only.`,
      });
    }
  }
  const mine = (own && own.sharing) || me.sharing;
  if (mine && mine.mode === 'alerts-only') {
    notes.push({
      key: 'own', party: me.party, mode: mine.mode, own: true,
      text: 'your aircraft: alerts-only — others see them only in alerts with theirs',
      title: 'Your party shares alerts-only: the other parties never see your aircraft in their picture, only one that is in a conflict alert with one of theirs, while the alert lasts. The cell and observers see all of them.',
    });
  } else if (mine && mine.mode === 'proximity') {
    notes.push({
      key: 'own', party: me.party, mode: mine.mode, own: true,
      text: `your aircraft: proximity — others see them within ${proximityRange(mine)} of theirs`,
      title: `Your party shares by proximity: another party sees an aircraft of yours only while it is within ${fmt(mine.range_nm)} NM horizontally and ${fmt(mine.alt_ft)} ft vertically of one of theirs, and in alerts with theirs. The cell and observers see all of them.`,
    });
  }
  return notes;
}
