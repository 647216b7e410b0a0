/* The HTTP API (web/API.md): JSON in and out, the CSRF header, errors in Vietnamese. */

import { session } from './session.js';

export class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let sessionExpired = null;

/** What to do when a signed-in call answers 401 (the session ended on the server). */
export function whenSessionExpires(handler) {
  sessionExpired = handler;
}

/** Call the API; resolves to the JSON answer, rejects with ApiFailure (Vietnamese text).
 * options.quiet401: a 401 is the caller's business (sign-in, sign-out, the first /api/me). */
export async function api(method, path, body, options) {
  const opts = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  if (body instanceof FormData) {
    opts.body = body; // multipart: the browser sets Content-Type with its boundary
  } else if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  if (method !== 'GET' && session.csrf) opts.headers['X-CSRF-Token'] = session.csrf;
  const epoch = session.epoch; // a 401 to a call the last user made says nothing of this one
  let response;
  try {
    response = await fetch(path, opts);
  } catch (e) {
    throw new ApiFailure(0, 'network',
      'Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại.');
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch (e) {
    data = null;
  }
  if (!response.ok) {
    const message = data && typeof data.message === 'string' && data.message
      ? data.message : `Máy chủ báo lỗi (HTTP ${response.status}).`;
    const failure = new ApiFailure(response.status, (data && data.code) || 'error', message);
    if (response.status === 401 && !(options && options.quiet401) && session.me &&
        epoch === session.epoch && sessionExpired) {
      sessionExpired();
    }
    throw failure;
  }
  return data;
}

/** A query string of the non-empty values (trimmed). */
export function query(params) {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && String(value).trim() !== '') {
      out.set(key, String(value).trim());
    }
  }
  return out.toString();
}
