/* Who is signed in, the CSRF token of the session, and the sign-out epoch.
 *
 * The session cookie is HttpOnly; the CSRF token from the sign-in is kept in memory and in
 * sessionStorage (so a reload of the tab keeps working) and sent as X-CSRF-Token on every
 * POST, PATCH and DELETE (api.js).
 */

const CSRF_KEY = 'sohoa.csrf';

export const session = {
  me: null, // the answer of /api/me or of the sign-in
  csrf: null,
  epoch: 0, // bumped on sign-out: whatever the last user started stops
};

export function hasRole(role) {
  return Boolean(session.me && (session.me.roles || []).includes(role));
}

/** The CSRF token kept by this tab before a reload. */
export function restoreCsrf() {
  try {
    session.csrf = window.sessionStorage.getItem(CSRF_KEY);
  } catch (e) {
    session.csrf = null;
  }
}

export function keepCsrf() {
  try {
    if (session.csrf) window.sessionStorage.setItem(CSRF_KEY, session.csrf);
  } catch (e) {
    /* private mode: memory only */
  }
}

export function forgetCsrf() {
  try {
    window.sessionStorage.removeItem(CSRF_KEY);
  } catch (e) {
    /* ignore */
  }
}
