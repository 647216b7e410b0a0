/* The admin's accounts: create, change roles and names, lock, issue and revoke API tokens. */

import { api } from './api.js';
import { $, badge, clear, h, setBusy, showMsg } from './dom.js';
import { fmtDate, fmtDateTime } from './format.js';
import { pattern, roleName, roles as allRoles } from './meta.js';
import { session } from './session.js';

let accounts = [];
let loadSeq = 0; // newest list request; an older answer (or the last admin's) is dropped
const tokenSeq = new WeakMap(); // a token list's newest request

export function init() {
  $('account-create').addEventListener('submit', onCreateAccount);
}

/** Once the constants are loaded: the role boxes of the creation form. */
export function setup() {
  roleBoxes($('c-roles'), 'c', []);
}

export function show(first) {
  if (first) loadAccounts();
}

export function reset() {
  loadSeq += 1;
  accounts = [];
  clear($('accounts-rows'));
  clear($('account-edit')).hidden = true;
  showMsg($('accounts-msg'), '');
}

function roleBoxes(container, prefix, checked) {
  clear(container).append(h('legend', null, 'Vai trò'));
  for (const { key: role, name } of allRoles()) {
    const id = `${prefix}-role-${role}`;
    const box = h('input', { type: 'checkbox', id, name: 'roles', value: role,
      'data-testid': id });
    box.checked = checked.includes(role);
    container.append(h('label', { class: 'check', for: id }, box, ' ', name));
  }
}

function checkedRoles(container) {
  return Array.from(container.querySelectorAll('input[name=roles]:checked'))
    .map((el) => el.value);
}

/** Load and show the accounts; true once this (still newest) list is shown. */
async function loadAccounts() {
  const msg = $('accounts-msg');
  const seq = ++loadSeq;
  let data;
  try {
    data = await api('GET', '/api/accounts');
  } catch (e) {
    if (seq === loadSeq) showMsg(msg, e.message, 'error');
    return false;
  }
  if (seq !== loadSeq) return false; // a newer list was asked for (or signed out)
  accounts = data.accounts || [];
  renderAccounts();
  showMsg(msg, '');
  return true;
}

function renderAccounts() {
  const rows = clear($('accounts-rows'));
  for (const a of accounts) {
    const edit = h('button', { type: 'button', class: 'btn btn-small',
      'data-testid': 'account-edit-open' }, 'Sửa, mã API');
    edit.addEventListener('click', () => openAccount(a.username));
    const self = session.me && a.username === session.me.username;
    const toggle = h('button', {
      type: 'button', class: 'btn btn-small' + (a.active ? ' btn-danger' : ''),
      'data-testid': 'account-toggle', disabled: self && a.active,
      title: self ? 'Không thể tự khoá tài khoản của mình' : null,
    }, a.active ? 'Khoá' : 'Mở khoá');
    toggle.addEventListener('click', () => changeAccount(a.username, { active: !a.active },
      a.active ? `Đã khoá tài khoản ${a.username}.` : `Đã mở khoá tài khoản ${a.username}.`));
    rows.append(h('tr', {
      'data-testid': 'account-row', 'data-username': a.username,
      class: a.active ? null : 'inactive',
    },
    h('td', { class: 'mono', 'data-label': 'Tên đăng nhập' }, a.username),
    h('td', { 'data-label': 'Họ tên' }, a.display_name || ''),
    h('td', { 'data-label': 'Vai trò' }, (a.roles || []).map(roleName).join(', ')),
    h('td', { 'data-label': 'Trạng thái' },
      a.active ? badge('Đang hoạt động', 'ok') : badge('Đã khoá', 'bad')),
    h('td', { class: 'nowrap', 'data-label': 'Tạo lúc' }, fmtDateTime(a.created_at)),
    h('td', { class: 'nowrap', 'data-label': 'Đăng nhập gần nhất' },
      a.last_login_at ? fmtDateTime(a.last_login_at) : 'Chưa'),
    h('td', { class: 'nowrap row-actions' }, edit, ' ', toggle)));
  }
}

async function onCreateAccount(event) {
  event.preventDefault();
  const msg = $('accounts-msg');
  const username = $('c-username').value.trim();
  const displayName = $('c-display').value.trim();
  const password = $('c-password').value;
  const roles = checkedRoles($('c-roles'));
  if (!pattern('username').test(username)) {
    showMsg(msg, 'Tên đăng nhập: chữ thường không dấu, số, dấu . _ - (2–63 ký tự).', 'error');
    $('c-username').focus();
    return;
  }
  if (!roles.length) {
    showMsg(msg, 'Chọn ít nhất một vai trò.', 'error');
    return;
  }
  try {
    await api('POST', '/api/accounts', {
      username, display_name: displayName, password: password || null, roles,
    });
  } catch (e) {
    showMsg(msg, e.message, 'error');
    return;
  }
  $('account-create').reset();
  roleBoxes($('c-roles'), 'c', []);
  if (await loadAccounts()) showMsg(msg, `Đã tạo tài khoản ${username}.`, 'ok');
}

async function changeAccount(username, body, done) {
  const msg = $('accounts-msg');
  try {
    await api('PATCH', `/api/accounts/${encodeURIComponent(username)}`, body);
  } catch (e) {
    showMsg(msg, e.message, 'error');
    return false;
  }
  if (await loadAccounts()) showMsg(msg, done, 'ok');
  return true;
}

async function openAccount(username) {
  const a = accounts.find((x) => x.username === username);
  if (!a) return;
  const panel = clear($('account-edit'));
  panel.hidden = false;
  panel.setAttribute('data-username', username);
  const nameInput = h('input', { id: 'e-display', maxlength: 200, autocomplete: 'off' });
  nameInput.value = a.display_name || '';
  const passInput = h('input', { id: 'e-password', type: 'password',
    autocomplete: 'new-password' });
  const roles = h('fieldset', { class: 'roles' });
  roleBoxes(roles, 'e', a.roles || []);
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Lưu thay đổi');
  const form = h('form', { class: 'filters', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'e-display' }, 'Họ tên hiển thị'),
      nameInput),
    h('div', { class: 'field' }, h('label', { for: 'e-password' },
      'Mật khẩu mới (để trống: giữ nguyên)'), passInput),
    roles,
    h('div', { class: 'actions' }, save));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {};
    if (nameInput.value.trim() !== (a.display_name || '')) {
      body.display_name = nameInput.value.trim();
    }
    const chosen = checkedRoles(roles);
    if (!chosen.length) {
      showMsg($('accounts-msg'), 'Chọn ít nhất một vai trò.', 'error');
      return;
    }
    if (chosen.slice().sort().join() !== (a.roles || []).slice().sort().join()) {
      body.roles = chosen;
    }
    if (passInput.value) body.password = passInput.value;
    if (!Object.keys(body).length) {
      showMsg($('accounts-msg'), 'Không có gì thay đổi.', 'info');
      return;
    }
    setBusy(save, true);
    const ok = await changeAccount(username, body, `Đã lưu tài khoản ${username}.`);
    setBusy(save, false);
    if (ok) openAccount(username);
  });

  const tokenOut = h('div', { 'data-testid': 'token-out' });
  const label = h('input', { id: 't-label', maxlength: 100, autocomplete: 'off',
    placeholder: 'vd: mot-cua-tinh', 'data-testid': 't-label' });
  const days = h('select', { id: 't-days', 'data-testid': 't-days' },
    [['30', '30 ngày'], ['90', '90 ngày'], ['365', '1 năm'], ['730', '2 năm'],
      ['', 'Không hết hạn']].map(([v, t]) => h('option', { value: v }, t)));
  days.value = '365';
  const issue = h('button', { type: 'submit', class: 'btn', 'data-testid': 't-submit' },
    'Cấp mã truy cập API');
  const tokenForm = h('form', { class: 'filters', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 't-label' }, 'Nhãn (hệ thống dùng mã)'),
      label),
    h('div', { class: 'field' }, h('label', { for: 't-days' }, 'Thời hạn'), days),
    h('div', { class: 'actions' }, issue));
  const tokenList = h('div', { 'data-testid': 'token-list' });
  tokenForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!label.value.trim()) {
      showMsg($('accounts-msg'), 'Nhập nhãn cho mã truy cập.', 'error');
      label.focus();
      return;
    }
    setBusy(issue, true);
    try {
      const t = await api('POST', `/api/accounts/${encodeURIComponent(username)}/tokens`, {
        label: label.value.trim(), expires_days: days.value ? Number(days.value) : null,
      });
      const text = h('input', { class: 'token-text mono', readonly: true,
        'data-testid': 'token-text', 'aria-label': 'Mã truy cập' });
      text.value = t.token;
      text.addEventListener('focus', () => text.select());
      clear(tokenOut).append(h('div', { class: 'msg msg-warn', role: 'alert' },
        h('strong', null, 'Sao chép mã này ngay: mã sẽ không được hiển thị lại. '),
        `Nhãn “${t.label}”, ` + (t.expires_at ? `hết hạn ${fmtDate(t.expires_at)}.`
          : 'không hết hạn.'), text));
      text.focus();
      label.value = '';
      loadTokens(username, tokenList);
    } catch (e) {
      showMsg($('accounts-msg'), e.message, 'error');
    } finally {
      setBusy(issue, false);
    }
  });
  const close = h('button', { type: 'button', class: 'btn btn-small' }, 'Đóng');
  close.addEventListener('click', () => {
    clear(panel).hidden = true;
  });
  panel.append(
    h('div', { class: 'panel-head' }, h('h2', null, 'Tài khoản ',
      h('span', { class: 'mono' }, username)), close),
    form,
    h('h3', null, 'Mã truy cập API'),
    tokenForm, tokenOut, tokenList);
  loadTokens(username, tokenList);
  panel.scrollIntoView({ block: 'nearest' });
}

async function loadTokens(username, container) {
  const seq = (tokenSeq.get(container) || 0) + 1;
  tokenSeq.set(container, seq); // an earlier answer (before an issue or a revoke) is dropped
  let data;
  try {
    data = await api('GET', `/api/accounts/${encodeURIComponent(username)}/tokens`);
  } catch (e) {
    if (tokenSeq.get(container) === seq) {
      clear(container).append(h('p', { class: 'msg msg-error' }, e.message));
    }
    return;
  }
  if (tokenSeq.get(container) !== seq) return;
  const tokens = data.tokens || [];
  clear(container);
  if (!tokens.length) {
    container.append(h('p', { class: 'muted' }, 'Chưa có mã truy cập nào.'));
    return;
  }
  const body = h('tbody');
  for (const t of tokens) {
    const status = t.revoked_at ? `Đã thu hồi ${fmtDateTime(t.revoked_at)}`
      : t.expires_at && new Date(t.expires_at) < new Date() ? 'Đã hết hạn' : 'Đang dùng được';
    const revoke = h('button', { type: 'button', class: 'btn btn-small btn-danger' },
      'Thu hồi');
    revoke.addEventListener('click', async () => {
      if (!window.confirm(`Thu hồi mã “${t.label}”? Hệ thống đang dùng mã này sẽ mất ` +
        'quyền truy cập ngay.')) return;
      try {
        await api('DELETE', `/api/tokens/${encodeURIComponent(t.id)}`);
        showMsg($('accounts-msg'), `Đã thu hồi mã “${t.label}”.`, 'ok');
      } catch (e) {
        showMsg($('accounts-msg'), e.message, 'error');
      }
      loadTokens(username, container);
    });
    body.append(h('tr', null,
      h('td', null, t.label),
      h('td', { class: 'nowrap' }, fmtDateTime(t.created_at)),
      h('td', { class: 'nowrap' }, t.expires_at ? fmtDate(t.expires_at) : 'Không'),
      h('td', { class: 'nowrap' }, t.last_used_at ? fmtDateTime(t.last_used_at) : 'Chưa'),
      h('td', null, status),
      h('td', null, t.revoked_at ? null : revoke)));
  }
  container.append(h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
    h('thead', null, h('tr', null, ['Nhãn', 'Cấp lúc', 'Hết hạn', 'Dùng gần nhất',
      'Trạng thái', ''].map((x) => h('th', null, x)))), body)));
}
