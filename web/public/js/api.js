// REST client for the cell's /api/v1 (see docs/api.md): bearer token, JSON bodies,
// RFC 7807 problem+json errors turned into ApiError with the server's detail text.

export class ApiError extends Error {
  constructor(status, title, detail, body) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.body = body;
  }
}

let token = null;
// Decides whether a request that writes may leave the page: `(method, path)` → null to send
// it, or the reason it is not sent (an observer's console, js/read-only.js).
let writeGuard = null;

export function setWriteGuard(fn) {
  writeGuard = fn;
}

export function setToken(t) {
  token = t;
}

export function getToken() {
  return token;
}

/** Calls an API route; resolves to the parsed JSON body (null for 204). */
export async function api(method, path, body) {
  if (writeGuard && !/^(GET|HEAD|OPTIONS)$/i.test(method)) {
    const why = writeGuard(method, path);
    if (why) throw new ApiError(403, 'Forbidden', why, null);
  }
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(`/api/v1${path}`, init);
  } catch (e) {
    throw new ApiError(0, 'Network error', `cannot reach the server: ${e.message}`, null);
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const detail = (json && (json.detail || json.title)) || text || res.statusText;
    throw new ApiError(res.status, json && json.title, detail, json);
  }
  return json;
}

export const get = (p) => api('GET', p);
export const post = (p, b) => api('POST', p, b === undefined ? {} : b);
export const put = (p, b) => api('PUT', p, b);
export const del = (p) => api('DELETE', p);
