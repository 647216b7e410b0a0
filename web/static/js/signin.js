/* The sign-in form. */

import { api } from './api.js';
import { $, setBusy, showMsg } from './dom.js';

let signedIn = null;

/** hooks.signedIn(me): called with the answer of a successful sign-in. */
export function init(hooks) {
  signedIn = hooks.signedIn;
  $('signin-form').addEventListener('submit', onSignIn);
}

/** Show the form (with a message, e.g. why the user is back here). */
export function show(message, kind) {
  $('signin-form').reset();
  showMsg($('signin-msg'), message || '', kind);
  $('signin-view').hidden = false;
  $('signin-username').focus();
}

async function onSignIn(event) {
  event.preventDefault();
  const username = $('signin-username').value.trim();
  const password = $('signin-password').value;
  if (!username || !password) {
    showMsg($('signin-msg'), 'Nhập tên đăng nhập và mật khẩu.', 'error');
    return;
  }
  const button = $('signin-submit');
  setBusy(button, true);
  showMsg($('signin-msg'), '');
  let me;
  try {
    me = await api('POST', '/api/session', { username, password }, { quiet401: true });
  } catch (e) {
    $('signin-password').value = '';
    showMsg($('signin-msg'), e.message, 'error');
    $('signin-password').focus();
    return;
  } finally {
    setBusy(button, false);
  }
  $('signin-password').value = '';
  signedIn(me);
}
