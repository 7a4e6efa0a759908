// Calls to our own API with the session cookie (sent by the browser; page scripts never see it).
// State-changing calls carry the session's CSRF token, which GET /ui/session hands out.

let csrfToken;

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function request(method, path, body, contentType = 'application/json') {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = await sessionCsrfToken();
  if (body !== undefined) headers['content-type'] = contentType;
  const payloadText = body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(path, { method, headers, body: payloadText, credentials: 'same-origin' });
  if (response.status === 401) {
    window.location.assign('/ui/login?error=expired');
    throw new ApiError(401, 'E_UNAUTHORIZED', 'session expired');
  }
  const payload = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(response.status, payload?.error?.code ?? `E_HTTP_${response.status}`, payload?.error?.message ?? `${method} ${path} answered ${response.status}`);
  }
  return payload;
}

export async function session() {
  const response = await fetch('/ui/session', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (!response.ok) {
    window.location.assign('/ui/login?error=expired');
    throw new ApiError(response.status, 'E_UNAUTHORIZED', 'no session');
  }
  const body = await response.json();
  csrfToken = body.csrfToken;
  return body;
}

async function sessionCsrfToken() {
  if (!csrfToken) await session();
  return csrfToken;
}

/** GET /api/v1<path> with query parameters (arrays repeat the parameter). */
export function get(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) query.append(name, String(item));
  }
  const text = query.toString();
  return request('GET', `/api/v1${path}${text ? `?${text}` : ''}`);
}

export const post = (path, body) => request('POST', `/api/v1${path}`, body);
/** POST a text body of its own type (a CSV import). */
export const postText = (path, text, contentType) => request('POST', `/api/v1${path}`, text, contentType);
export const del = (path) => request('DELETE', `/api/v1${path}`);

/**
 * The `dimension` of GET /api/v1/rates/daily that holds a subject kind's counts ('sender' or
 * 'domain'): the API serves the stored dimension values, which the server maps in one place
 * (rollupDimensionOf, src/db/rollups.ts); the dashboard cannot import it, so this mirrors it.
 */
export const rollupDimensionOf = (kind) => (kind === 'sender' ? 'sender' : 'sender_domain');
