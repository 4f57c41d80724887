// Hotline: messages between parties (to one party or to all), with read state and
// acknowledgements. Opening the tab marks the viewer's unread messages as read.

import { get, post } from '../api.js';
import { isReadOnly, refusal } from '../read-only.js';
import { store } from '../store.js';
import { h, utcTime, partyColour } from '../util.js';

let panel;
let list;
let toSelect;
let subject;
let body;
let toast;

export function initHotline(el, showToast) {
  panel = el;
  toast = showToast;
  list = h('div', { class: 'messages', testid: 'message-list' });
  toSelect = h('select', { testid: 'hotline-to' });
  subject = h('input', { testid: 'hotline-subject', placeholder: 'subject' });
  // The message box spans the panel and grows with its text; Enter sends, Shift+Enter starts
  // a new line (Ctrl+Enter sends too).
  body = h('textarea', {
    rows: 2, class: 'hotline-body', testid: 'hotline-body', placeholder: 'message — Enter sends, Shift+Enter new line',
    oninput: () => grow(),
    onkeydown: (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        send();
      }
    },
  });
  // Observers read the hotline and write nothing on it.
  if (isReadOnly(store.me)) {
    for (const el of [toSelect, subject, body]) el.disabled = true;
    body.placeholder = refusal('observers send no message');
  }
  panel.append(
    h('div', { class: 'form hotline-form' },
      h('label', {}, 'To'), toSelect,
      h('label', {}, 'Subject'), subject,
      h('div', { class: 'full' }, body),
      h('div', { class: 'full toolbar' }, h('button', { class: 'primary', testid: 'hotline-send', onclick: send }, 'Send'))),
    list);
  store.on('messages', render);
  store.on('parties', fillParties);
  fillParties();
}

/** Fits the message box's height to its text, up to about ten lines (then it scrolls). */
function grow() {
  body.style.height = 'auto';
  body.style.height = `${Math.min(body.scrollHeight + 2, 180)}px`;
}

export function fillParties() {
  if (!toSelect) return;
  const me = store.me && store.me.party;
  const current = toSelect.value;
  const parties = (store.parties || []).map((p) => p.id).filter((p) => p && p !== me);
  toSelect.replaceChildren(h('option', { value: '' }, 'all parties'), ...parties.map((p) => h('option', { value: p }, p)));
  toSelect.value = [...toSelect.options].some((o) => o.value === current) ? current : '';
}

async function send() {
  if (isReadOnly(store.me)) {
    toast(refusal('observers send no message'), true);
    return;
  }
  const text = body.value.trim();
  if (!text) {
    toast('Type a message first', true);
    return;
  }
  try {
    const m = await post('/messages', { to: toSelect.value || null, subject: subject.value.trim() || '(no subject)', body: text });
    store.upsert('messages', m.message || m);
    body.value = '';
    subject.value = '';
    grow();
  } catch (e) {
    toast(`Message not sent: ${e.message}`, true);
  }
}

async function act(m, what) {
  try {
    const r = await post(`/messages/${encodeURIComponent(m.id)}/${what}`, {});
    store.upsert('messages', r.message || r);
  } catch (e) {
    toast(`${what} failed: ${e.message}`, true);
  }
}

/** Marks unread messages addressed to the viewer as read (called when the tab is shown). */
const readSent = new Set();

/** Only an addressee may mark read or acknowledge: the named party, or anyone but the sender of a message to all. */
function isAddressee(m, me) {
  // Observers read every message and mark none.
  if (isReadOnly(store.me)) return false;
  return m.to === me || (m.to === null && m.from !== me);
}

export function markRead() {
  const me = store.me && store.me.party;
  for (const m of store.messages.values()) {
    // Once per message: a server that keeps `read` false (e.g. for broadcasts) must not loop.
    if (!m.read && isAddressee(m, me) && !readSent.has(m.id)) {
      readSent.add(m.id);
      act(m, 'read');
    }
  }
}

export function refresh() {
  return get('/messages').then((r) => store.replace('messages', r.messages)).catch(() => {});
}

function render() {
  if (!list) return;
  const me = store.me && store.me.party;
  const msgs = [...store.messages.values()].sort((a, b) => (a.sent_at || 0) - (b.sent_at || 0));
  list.replaceChildren(...msgs.map((m) => {
    const mine = m.from === me;
    const acked = (m.acks || []).includes(me);
    return h('div', { class: `msg ${mine ? 'mine' : ''} ${isAddressee(m, me) && !m.read ? 'unread' : ''}`, testid: 'message-item', dataset: { id: String(m.id), from: m.from } },
      h('div', { class: 'head' },
        h('span', { style: { color: partyColour(m.from) } }, m.from), '→', h('span', {}, m.to ?? 'all'),
        h('span', {}, `${utcTime(m.sent_at)}Z`),
        h('span', { class: 'spacer' }),
        (m.acks || []).length ? h('span', {}, `ack: ${m.acks.join(', ')}`) : null,
        isAddressee(m, me) && !acked ? h('button', { testid: 'message-ack', onclick: () => act(m, 'ack') }, 'Ack') : null),
      h('div', {}, h('b', {}, m.subject || '')),
      h('div', { class: 'body' }, m.body || ''));
  }));
  list.scrollTop = list.scrollHeight;
  const unread = msgs.filter((m) => !m.read && isAddressee(m, me)).length;
  const badge = document.getElementById('badge-hotline');
  badge.textContent = unread ? String(unread) : '';
  badge.classList.toggle('hot', unread > 0);
  if (!panel.hidden && unread) markRead();
}
