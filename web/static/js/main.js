/* Trang tra cứu giấy tờ đã số hoá (sohoa serve): boot, sign-in and sign-out, tabs by role.
 *
 * Plain JavaScript modules, no build step, no outside resources. Everything shown comes
 * from the API (web/API.md) and is put on the page with textContent / setAttribute only
 * (dom.js): no innerHTML with data. The domain constants (document types, roles, input
 * patterns, labels) come from GET /api/meta once signed in (meta.js).
 *
 * Tabs by role: counter staff upload a dossier's scans and follow their digitization,
 * officers search / open / attach papers, auditors read the access log and the reports (the
 * Decision 766 scorecard and the OCR quality audit), admins manage accounts.
 */

import * as accounts from './accounts.js';
import { api, whenSessionExpires } from './api.js';
import * as audit from './audit.js';
import { $ } from './dom.js';
import { tidyDayInput } from './format.js';
import { closeLightbox, initLightbox } from './lightbox.js';
import { loadMeta, roleName } from './meta.js';
import * as reports from './reports.js';
import * as search from './search.js';
import { forgetCsrf, keepCsrf, restoreCsrf, session } from './session.js';
import * as signin from './signin.js';
import * as upload from './upload.js';

// Which tab each role opens, in the order shown, and the module of its view.
const TABS = [
  { id: 'tab-upload', view: 'upload-view', role: 'counter', module: upload },
  { id: 'tab-search', view: 'search-view', role: 'officer', module: search },
  { id: 'tab-audit', view: 'audit-view', role: 'auditor', module: audit },
  { id: 'tab-reports', view: 'reports-view', role: 'auditor', module: reports },
  { id: 'tab-accounts', view: 'accounts-view', role: 'admin', module: accounts },
];
const VIEWS = [upload, search, audit, reports, accounts];

let currentView = null;
let setUp = false; // the views' selects and texts filled from /api/meta

async function boot() {
  signin.init({ signedIn });
  $('sign-out').addEventListener('click', onSignOut);
  for (const tab of TABS) $(tab.id).addEventListener('click', () => showView(tab.view));
  upload.init();
  search.init();
  const openDocument = (id) => {
    showView('search-view');
    search.openDocument(id);
  };
  audit.init({ openDocument });
  reports.init({ openDocument });
  accounts.init();
  initLightbox();
  document.addEventListener('change', tidyDayInput);
  whenSessionExpires(() => signedOut('Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.',
    'error'));
  restoreCsrf();
  let me;
  try {
    me = await api('GET', '/api/me', undefined, { quiet401: true });
  } catch (e) {
    signedOut(e.status === 401 ? '' : e.message, 'error');
    return;
  }
  signedIn(me);
}

async function signedIn(me) {
  session.me = me;
  if (me.csrf_token) session.csrf = me.csrf_token;
  keepCsrf();
  const epoch = session.epoch;
  $('signin-view').hidden = true;
  $('boot-msg').hidden = false;
  try {
    await loadMeta();
  } catch (e) {
    if (epoch !== session.epoch) return; // signed out meanwhile (a 401)
    signedOut(`Không tải được danh mục dùng chung của trang: ${e.message}`, 'error');
    return;
  }
  if (epoch !== session.epoch) return;
  if (!setUp) {
    for (const view of VIEWS) view.setup();
    setUp = true;
  }
  $('boot-msg').hidden = true;
  $('who-name').textContent = me.display_name || me.username;
  $('who-name').title = 'Tên đăng nhập: ' + me.username;
  $('who-roles').textContent = (me.roles || []).map(roleName).join(', ');
  $('who').hidden = false;
  const allowed = TABS.filter((t) => (me.roles || []).includes(t.role));
  for (const tab of TABS) $(tab.id).hidden = !allowed.includes(tab);
  $('tabs').hidden = allowed.length === 0;
  for (const tab of TABS) $(tab.view).hidden = true;
  $('norole-view').hidden = true;
  if (allowed.length) showView(allowed[0].view);
  else {
    $('norole-view').hidden = false;
    currentView = 'norole-view';
  }
}

/** Back to the sign-in form; forget everything the last user saw. */
function signedOut(message, kind) {
  session.me = null;
  session.csrf = null;
  session.epoch += 1;
  currentView = null;
  forgetCsrf();
  closeLightbox();
  for (const id of ['upload-view', 'search-view', 'audit-view', 'reports-view', 'accounts-view',
    'norole-view', 'tabs', 'who', 'boot-msg']) {
    $(id).hidden = true;
  }
  for (const view of VIEWS) view.reset();
  signin.show(message, kind);
}

async function onSignOut() {
  try {
    await api('DELETE', '/api/session', undefined, { quiet401: true });
  } catch (e) {
    /* the cookie may already be gone; sign out here anyway */
  }
  signedOut('Đã đăng xuất.', 'info');
}

function showView(view) {
  for (const tab of TABS) {
    const active = tab.view === view;
    $(tab.view).hidden = !active;
    $(tab.id).setAttribute('aria-selected', active ? 'true' : 'false');
    $(tab.id).classList.toggle('active', active);
  }
  $('norole-view').hidden = true;
  const first = currentView !== view;
  currentView = view;
  const tab = TABS.find((t) => t.view === view);
  if (tab) tab.module.show(first);
}

boot();
