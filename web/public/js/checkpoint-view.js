// What the audit-log watch (js/checkpoint-watch.js) shows: a quiet chip in the top bar while
// the log extends the checkpoint kept ("log ✓ #123", the details in its tooltip); when it does
// not, a red "⚠ AUDIT" indicator that never leaves the bar, and a notice under the top bar with
// the full text (role="alert", so it is announced) that stays until the viewer dismisses the
// warning after reading it. The indicator opens and closes the notice.

import { store } from './store.js';
import { h } from './util.js';
import { quietTitle, utcStamp } from './checkpoint.js';
import { dismissWarning, watchState } from './checkpoint-watch.js';

let chip = null;
let notice = null;
let toast = () => {};
let relayout = () => {};
// The warning whose notice the viewer hid (the indicator stays red): by when it was noticed.
let hiddenFor = null;

/** `chipEl` in the top bar, `noticeEl` under it; `say(text)` shows a short notice. */
export function initCheckpointView(chipEl, noticeEl, say, onResize) {
  chip = chipEl;
  notice = noticeEl;
  toast = say || toast;
  relayout = onResize || relayout;
  chip.addEventListener('click', () => {
    const w = watchState();
    if (w.warning) {
      hiddenFor = notice.hidden ? null : w.warning.noticed_at;
      render(w);
      if (!notice.hidden) notice.querySelector('[data-testid=audit-dismiss]')?.focus();
    } else if (w.kept) {
      toast(chip.title);
    }
  });
  store.on('audit-watch', render);
  render(watchState());
}

function render(w) {
  if (!chip) return;
  const warn = w.warning;
  if (warn) {
    const title = warn.title.replace(/^AUDIT:\s*/, '');
    chip.hidden = false;
    chip.className = 'audit-chip warn';
    chip.textContent = '⚠ AUDIT';
    chip.title = `${warn.text}\n(click for the notice)`;
    chip.setAttribute('aria-label', `Audit log warning: ${title}`);
    chip.setAttribute('aria-expanded', String(hiddenFor !== warn.noticed_at));
    chip.dataset.state = 'warning';
    chip.dataset.kind = warn.kind;
    chip.dataset.seq = warn.seq === null ? '' : String(warn.seq);
    renderNotice(w, title);
  } else {
    hiddenFor = null;
    notice.hidden = true;
    notice.replaceChildren();
    delete notice.dataset.noticed;
    chip.removeAttribute('aria-expanded');
    if (w.kept) {
      chip.hidden = false;
      chip.className = 'audit-chip ok';
      chip.textContent = `log ✓ #${w.kept.seq}`;
      chip.title = quietTitle(w.kept, w.how, w.signature) + (w.note ? `\n(${w.note})` : '');
      chip.setAttribute('aria-label', chip.title);
      chip.dataset.state = w.note ? 'unchecked' : 'ok';
      chip.dataset.seq = String(w.kept.seq);
      delete chip.dataset.kind;
    } else {
      chip.hidden = true;
      chip.dataset.state = 'none';
    }
  }
  relayout();
}

function renderNotice(w, title) {
  const warn = w.warning;
  if (hiddenFor === warn.noticed_at) {
    notice.hidden = true;
    return;
  }
  const later = w.latest && (!warn.incoming || w.latest.signature !== warn.incoming.signature)
    ? ` · since then the cell signed up to entry ${w.latest.seq} (${utcStamp(w.latest.time)} UTC), not checked until you dismiss this`
    : '';
  const next = w.latest || (warn.kind !== 'bad-signature' ? warn.incoming : null) || w.kept;
  if (notice.dataset.noticed !== String(warn.noticed_at)) {
    // Built once per warning: only the part with role="alert" is announced, once; the line
    // about later checkpoints changes beside it without being announced again.
    notice.dataset.noticed = String(warn.noticed_at);
    notice.dataset.kind = warn.kind;
    notice.replaceChildren(
      h('div', { class: 'audit-notice-body' },
        h('div', { role: 'alert', class: 'audit-notice-alert' },
          h('div', { class: 'audit-notice-head' }, h('span', { class: 'audit-notice-tag' }, 'AUDIT LOG'), ' ', h('span', { testid: 'audit-warning-title' }, title)),
          h('div', { class: 'audit-notice-text', testid: 'audit-warning-text' }, warn.text)),
        h('div', { class: 'audit-notice-meta', testid: 'audit-warning-meta' })),
      h('div', { class: 'audit-notice-acts' },
        h('button', { type: 'button', testid: 'audit-hide', title: 'Hide this notice; the AUDIT indicator in the top bar stays and opens it again', onclick: () => { hiddenFor = warn.noticed_at; render(watchState()); chip.focus(); } }, 'Hide'),
        h('button', { type: 'button', class: 'danger', testid: 'audit-dismiss', onclick: () => { dismissWarning(); chip.focus(); } }, 'Dismiss — I have read this')));
  }
  notice.querySelector('[data-testid=audit-warning-meta]').textContent = `noticed ${utcStamp(warn.noticed_at)} UTC${later}`;
  notice.querySelector('[data-testid=audit-dismiss]').title = next
    ? `Clear the warning and watch the log from checkpoint ${next.seq} (signed ${utcStamp(next.time)} UTC) on`
    : 'Clear the warning';
  notice.hidden = false;
}
