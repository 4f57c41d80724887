// Makes a new warning impossible to miss: a flashing banner across the top of the console and,
// unless muted, a WebAudio beep (generated, no audio file). The banner stays until every
// warning that raised it is acknowledged or the operator silences it.

import { store } from './store.js';
import { Budgeted } from './budget.js';
import { levelLabel, isWarning } from './levels.js';
import { BANNER } from './palette.js';
import { mmss } from './encounter.js';
import { encounterNow } from './encounter-now.js';
import { complianceWords, noticeWords } from './panels/alerts.js';
import { isNoticeIntrusion } from './notice.js';

let audio = null;
let soundOn = true;
const alarmed = new Set();
const silenced = new Set();
let beepTimer = null;
let banner = null;
let onSelect = () => {};

export function initAlarm(bannerEl, select) {
  banner = bannerEl;
  onSelect = select;
  // The banner's own colours (white on deep red, flashing darker; palette.js checks 4.5:1 on
  // both), set on the element so that it is right whatever the stylesheet's fallback says.
  banner.style.setProperty('--banner-bg', BANNER.bg);
  banner.style.setProperty('--banner-flash', BANNER.flash);
  banner.style.setProperty('--banner-text', BANNER.text);
  // At once for a new warning, but one update for a burst of alert events (js/budget.js).
  const soon = new Budgeted(update, { share: 0.2 });
  store.on('conflicts', () => soon.request());
  store.on('intrusions', () => soon.request());
  // Every time in the banner counts down each second.
  setInterval(() => {
    if (!banner.hidden) update();
  }, 1000);
  setInterval(() => {
    if (soundOn && !banner.hidden && active().some((a) => !silenced.has(a.key))) beep();
  }, 8000);
}

/** Creates the audio context; must be called from a user gesture (the sign-in click). */
export function unlockAudio() {
  try {
    audio = audio || new AudioContext();
    if (audio.state === 'suspended') audio.resume();
  } catch {
    audio = null;
  }
}

export function setSound(on) {
  soundOn = on;
}

export function soundEnabled() {
  return soundOn;
}

export function beep() {
  if (!audio || !soundOn) return;
  const t0 = audio.currentTime;
  for (let i = 0; i < 3; i++) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'square';
    osc.frequency.value = i % 2 ? 660 : 880;
    gain.gain.setValueAtTime(0.0001, t0 + i * 0.22);
    gain.gain.exponentialRampToValueAtTime(0.12, t0 + i * 0.22 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.22 + 0.18);
    osc.connect(gain).connect(audio.destination);
    osc.start(t0 + i * 0.22);
    osc.stop(t0 + i * 0.22 + 0.2);
  }
}

function myParty() {
  return store.me && store.me.party;
}

/** Warnings not yet acknowledged by the viewer's side. */
function active() {
  const me = myParty();
  const out = [];
  for (const c of store.conflicts.values()) {
    if (!isWarning(c.level)) continue;
    const mine = c.a_party === me || c.b_party === me;
    const acked = mine ? c.acks && c.acks[me] : c.acks && Object.values(c.acks).every(Boolean);
    if (!acked) out.push({ key: `c:${c.id}`, id: c.id, kind: 'conflict', item: c });
  }
  for (const i of store.intrusions.values()) {
    if (!isWarning(i.level)) continue;
    out.push({ key: `i:${i.id}`, id: i.id, kind: 'intrusion', item: i });
  }
  return out;
}

function callsign(id, state) {
  const t = store.tracks.get(id);
  return (t && t.callsign) || (state && state.callsign) || id;
}

function update() {
  if (!banner) return;
  const list = active();
  let fresh = false;
  for (const a of list) {
    if (!alarmed.has(a.key)) {
      alarmed.add(a.key);
      fresh = true;
    }
  }
  const shown = list.filter((a) => !silenced.has(a.key));
  if (!shown.length) {
    banner.hidden = true;
    document.title = 'Deconflict console';
    return;
  }
  const top = shown[0];
  let text;
  let losS = null;
  if (top.kind === 'conflict') {
    const c = top.item;
    // Counted down to this second from the latest prediction (js/encounter.js), as the card.
    const e = encounterNow(c);
    losS = e.times.losS;
    text = `${levelLabel(c.level)}: ${callsign(c.a, c.a_state)} (${c.a_party || 'civil'}) / ${callsign(c.b, c.b_state)} (${c.b_party || 'civil'}) — ${e.text}`;
  } else {
    const i = top.item;
    // Before an exclusion's deadline: the aircraft must leave it ("COMPLIANCE · RAVEN51 must leave …").
    const compliance = complianceWords(i);
    // An advance notice's advisory, worded as a notice even if it ever rose to a warning.
    if (isNoticeIntrusion(i)) text = `${levelLabel(i.level)}: ${noticeWords(i)}`;
    else if (compliance) text = `${levelLabel(i.level)}: ${compliance}`;
    else text = `${levelLabel(i.level)}: ${callsign(i.track_id, i.track_state)} ${i.inside_now ? 'inside' : 'entering'} ${i.reservation_name || store.reservations.get(i.reservation_id)?.name || i.reservation_id}${i.inside_now ? '' : ` in ${mmss(i.time_to_entry_s - (store.now() - (i.updated_at || i.raised_at || store.now())))}`}`;
  }
  banner.replaceChildren();
  const label = document.createElement('span');
  label.textContent = shown.length > 1 ? `${text}  (+${shown.length - 1} more)` : text;
  label.dataset.testid = 'alarm-text';
  if (losS !== null) label.dataset.losS = losS.toFixed(1);
  const silence = document.createElement('button');
  silence.textContent = 'Silence';
  silence.dataset.testid = 'alarm-silence';
  silence.addEventListener('click', (e) => {
    e.stopPropagation();
    for (const a of active()) silenced.add(a.key);
    banner.hidden = true;
    document.title = 'Deconflict console';
  });
  banner.append(label, silence);
  banner.dataset.level = String(top.item.level);
  banner.dataset.alertId = top.id;
  banner.dataset.kind = top.kind;
  banner.dataset.compliance = String(top.kind === 'intrusion' && !isNoticeIntrusion(top.item) && !!complianceWords(top.item));
  banner.dataset.notice = String(top.kind === 'intrusion' && isNoticeIntrusion(top.item));
  banner.onclick = () => onSelect(top);
  banner.hidden = false;
  document.title = `⚠ ${levelLabel(top.item.level)} — Deconflict`;
  if (fresh) beep();
}
