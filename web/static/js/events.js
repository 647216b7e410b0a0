/* Access-log events as table rows: a paper's reuses, a dossier's log, the audit view. */

import { h } from './dom.js';
import { fmtDate, fmtDateTime } from './format.js';
import { actionName, fieldLabel, kindName, refusalName, termName } from './meta.js';

function eventAction(e) {
  const action = e.detail && e.detail.action;
  if (e.kind === 'accessed' && action) return actionName(action, action);
  if (e.kind === 'account' && action) return actionName(action, `Tài khoản: ${action}`);
  return kindName(e.kind);
}

/** A search or filter value: days and moments dd/mm/yyyy (Việt Nam time), the rest as is. */
function termValue(v) {
  const text = String(v);
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return fmtDate(text);
  if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(text)) return fmtDateTime(text.replace(' ', 'T'));
  return text;
}

/** An event's reason in Vietnamese: a refused attach's by its code (reuse_index/records.py
 * REFUSAL_REASONS, named by /api/meta), one recorded before codes by its English sentence
 * ("expired on 2020-01-01", "integrity: …"); a person's reason (a correction) as typed. */
function reasonText(d) {
  const reason = String(d.reason);
  let code = d.reason_code;
  let until = d.valid_until;
  let problems = Array.isArray(d.problems) ? d.problems.join(', ') : '';
  if (!code) {
    const expired = /^expired on (\d{4}-\d{2}-\d{2})$/.exec(reason);
    if (expired) [code, until] = ['expired', expired[1]];
    else if (reason.startsWith('integrity: ')) [code, problems] = ['integrity', reason.slice(11)];
    else return reason;
  }
  const name = refusalName(code);
  if (code === 'expired' && until) return `${name} (có giá trị đến hết ngày ${fmtDate(until)})`;
  return problems ? `${name} (${problems})` : name;
}

function eventDetail(e) {
  const d = e.detail || {};
  const parts = [];
  const terms = (obj) => Object.entries(obj).map(([k, v]) => `${termName(k)}: ${termValue(v)}`)
    .join('; ');
  if (d.query && typeof d.query === 'object') parts.push(`điều kiện: ${terms(d.query)}`);
  if (d.filters && typeof d.filters === 'object') parts.push(`lọc: ${terms(d.filters)}`);
  if (typeof d.results === 'number') parts.push(`${d.results} kết quả`);
  if (d.component) parts.push(`thành phần: ${d.component}`);
  if (typeof d.field === 'string') parts.push(`trường: ${fieldLabel(d.field)}`);
  if (d.reason) parts.push(`lý do: ${reasonText(d)}`);
  if (d.ok === false) parts.push('kiểm tra chữ ký không đạt');
  if (d.username) parts.push(`tài khoản: ${d.username}`);
  if (Array.isArray(d.roles)) parts.push(`vai trò: ${d.roles.join(', ')}`);
  if (Array.isArray(d.changed)) parts.push(`đổi: ${d.changed.join(', ')}`);
  if (d.label) parts.push(`nhãn: ${d.label}`);
  if (typeof d.period === 'string') {
    parts.push('kỳ: ' + d.period.split('..').map(fmtDate).join(' – '));
  }
  if (d.agency && (d.action === 'report' || d.action === 'review')) {
    parts.push(`cơ quan: ${d.agency}`);
  }
  if (d.via) parts.push(d.via === 'session' ? 'qua trang web' : `qua ${d.via}`);
  if (d.ip) parts.push(`IP ${d.ip}`);
  return parts.join(' · ');
}

/** The paper of an event: its type and owner (audit view), a link that opens it when
 * onOpen is given (officers), its id below. */
function eventDocument(e, onOpen) {
  if (!e.document_id) return '';
  const paper = e.document;
  if (!paper) return h('span', { class: 'mono break' }, e.document_id);
  const text = paper.type_name + (paper.owner_name ? ` — ${paper.owner_name}` : '');
  const head = onOpen
    ? h('button', { type: 'button', class: 'link', 'data-testid': 'event-open',
      title: 'Mở giấy tờ', onclick: () => onOpen(e.document_id) }, text)
    : h('span', { 'data-testid': 'event-paper' }, text);
  return [head, h('span', { class: 'mono small muted block break' }, e.document_id)];
}

const EVENT_COLUMNS = {
  at: ['Thời gian', (e) => fmtDateTime(e.at), 'nowrap'],
  actor: ['Người thực hiện', (e) => e.actor || '—', ''],
  action: ['Hành động', eventAction, ''],
  document: ['Giấy tờ', (e, opts) => eventDocument(e, opts.onOpen), 'col-doc'],
  dossier: ['Hồ sơ', (e) => e.dossier_code || '', 'break mono'],
  detail: ['Chi tiết', eventDetail, 'break small'],
};

/** One event as a row of the given columns (keys of EVENT_COLUMNS); opts.onOpen(id)
 * opens an event's paper. */
export function eventRow(e, columns, testid, opts) {
  return h('tr', {
    'data-testid': testid, 'data-kind': e.kind, 'data-action': (e.detail || {}).action || '',
    'data-actor': e.actor || '', 'data-document-id': e.document_id || '',
    'data-dossier-code': e.dossier_code || '', class: e.kind === 'reuse_refused' ? 'refused'
      : null,
  }, columns.map((c) => {
    const [label, get, cls] = EVENT_COLUMNS[c];
    const raw = c === 'detail' && e.detail && Object.keys(e.detail).length
      ? JSON.stringify(e.detail) : null; // no "{}" tooltip on an event without details
    return h('td', { class: cls || null, 'data-label': label, title: raw }, get(e, opts || {}));
  }));
}

export function eventsTable(events, columns, testid) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
    h('thead', null, h('tr', null, columns.map((c) => h('th', null, EVENT_COLUMNS[c][0])))),
    h('tbody', null, events.map((e) => eventRow(e, columns, testid || 'event')))));
}
