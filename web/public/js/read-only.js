// Observers watch and change nothing (docs/api.md "Conventions": roles). The console says so
// in the top bar ("observer — read-only"), shows no control that writes, and sends no request
// that would: every POST, PUT, PATCH and DELETE an observer's console would make is refused
// here, before it leaves the page, with the reason in words. Pure: node imports it.

/** What the top bar says of an observer. */
export const READ_ONLY_TEXT = 'observer — read-only';
/** The top bar's tooltip for it. */
export const READ_ONLY_TITLE = 'You are signed in as an observer: you see every aircraft, alert, reservation, request and message, and change nothing (no acknowledgements, filings, answers or messages).';

/** Whether the viewer (`{role}` as GET /me gives it) only reads. */
export function isReadOnly(me) {
  return !!me && me.role === 'observer';
}

/** Whether an HTTP method changes something on the server. */
export function isMutating(method) {
  return !/^(GET|HEAD|OPTIONS)$/i.test(String(method || 'GET'));
}

/** What an observer is told when something would write: "observer — read-only: acknowledging is for the parties and the cell". */
export function refusal(what) {
  return `${READ_ONLY_TEXT}: ${what || 'an observer changes nothing'}`;
}

/** The words for an API route an observer's console refused to send (method and path). */
export function refusalFor(method, path) {
  const p = String(path || '');
  if (/\/ack$/.test(p) && /^\/(conflicts|intrusions)\//.test(p)) return refusal('observers acknowledge no alert; alerts are shown for awareness');
  if (/^\/requests\/[^/]+\/(accept|decline|ack)$/.test(p)) return refusal('only the addressee answers a request');
  if (/^\/requests/.test(p)) return refusal('observers send no request or notice');
  if (/^\/reservations|^\/zones/.test(p)) return refusal('observers file, change and cancel no reservation');
  if (/^\/messages/.test(p)) return refusal('observers send, mark and acknowledge no message');
  return refusal(`${String(method).toUpperCase()} ${p} is not sent`);
}
