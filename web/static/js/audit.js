/* The auditor's access log: filters, newest first, paged back, CSV export. */

import { api, query } from './api.js';
import { $, clear, fillOptions, setBusy, showMsg } from './dom.js';
import { eventRow } from './events.js';
import { readDays } from './format.js';
import { eventKinds } from './meta.js';
import { hasRole } from './session.js';

const AUDIT_LIMIT = 100;
const COLUMNS = ['at', 'actor', 'action', 'document', 'dossier', 'detail'];

let paging = { params: null, next: null };

// Each load (or a refused filter) takes a new number; an answer that arrives after a newer
// load started is stale and must not overwrite the rows or the message the user now sees.
let loadSeq = 0;

let openPaper = null; // opens a paper in the search view (auditors who are officers)

export function init(hooks) {
  openPaper = hooks && hooks.openDocument;
  $('audit-form').addEventListener('submit', (event) => {
    event.preventDefault();
    loadAudit(false);
  });
  $('audit-more').addEventListener('click', () => loadAudit(true));
}

/** Once the constants are loaded: the event kind filter. */
export function setup() {
  fillOptions($('a-kind'), eventKinds());
}

export function show(first) {
  if (first) loadAudit(false);
}

export function reset() {
  loadSeq += 1;
  paging = { params: null, next: null };
  $('audit-form').reset();
  clear($('audit-rows'));
  showMsg($('audit-msg'), '');
  $('audit-more').hidden = true;
}

async function loadAudit(more) {
  const msg = $('audit-msg');
  const seq = ++loadSeq;
  if (!more) {
    let days;
    try {
      days = readDays($('audit-form')); // typed dd/mm/yyyy, sent as YYYY-MM-DD
    } catch (e) {
      showMsg(msg, e.message, 'error');
      e.input.focus();
      return;
    }
    const values = { ...Object.fromEntries(new FormData($('audit-form')).entries()), ...days };
    if (values.since && values.until && values.since > values.until) {
      showMsg(msg, '“Từ ngày” phải trước hoặc bằng “Đến ngày”.', 'error');
      return;
    }
    paging = { params: query(values), next: null };
    $('audit-csv').href = '/api/access-log.csv' + (paging.params ? '?' + paging.params : '');
  }
  const params = [paging.params, `limit=${AUDIT_LIMIT}`,
    more && paging.next ? `before_id=${paging.next}` : ''].filter(Boolean).join('&');
  const button = more ? $('audit-more') : null;
  setBusy(button, true);
  showMsg(msg, 'Đang tải nhật ký…', 'info');
  let data;
  try {
    data = await api('GET', `/api/access-log?${params}`);
  } catch (e) {
    setBusy(button, false);
    if (seq === loadSeq) showMsg(msg, e.message, 'error');
    return;
  }
  setBusy(button, false);
  if (seq !== loadSeq) return; // a newer load or a refused filter came after this one
  const rows = $('audit-rows');
  if (!more) clear(rows);
  const onOpen = hasRole('officer') && openPaper ? openPaper : null;
  for (const e of data.events || []) rows.append(eventRow(e, COLUMNS, 'audit-row', { onOpen }));
  paging.next = data.next_before_id;
  $('audit-more').hidden = !data.next_before_id;
  const shown = rows.children.length;
  showMsg(msg, shown ? `Đang hiện ${shown} sự kiện, mới nhất trước.` + (data.next_before_id
    ? ' Bấm “Xem các sự kiện cũ hơn” để xem tiếp.' : '')
    : 'Không có sự kiện nào phù hợp.', 'info');
}
