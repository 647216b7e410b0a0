/* The officer's view: search papers, open one (signature checked, previews), download it,
 * attach it to the dossier being handled, and look up a dossier's record. */

import { api, ApiFailure, query } from './api.js';
import { $, badge, clear, fillOptions, h, safeUrl, setBusy, showMsg } from './dom.js';
import { documentArticle, resultCard } from './document.js';
import { eventsTable } from './events.js';
import { fmtDate, fmtDateTime, fmtTime, nextDay, readDays } from './format.js';
import { channelName, docTypes, pattern } from './meta.js';
import { session } from './session.js';

const SEARCH_LIMIT = 50;
const STACKED = '(max-width: 1000px)'; // style.css: the panes one above the other

const state = {
  detailSeq: 0, // newest document / dossier request; older answers are dropped
  searchSeq: 0, // newest search (or refused form, or reset); older answers are dropped
  searchSent: 0, // the newest search sent: its answer frees the button
  selectedId: null,
  lastDossier: '', // the dossier the officer last attached to (pre-fills the form)
};

export function init() {
  addTextField();
  $('search-form').addEventListener('submit', onSearch);
  $('search-form').addEventListener('reset', () => {
    for (const input of $('search-form').querySelectorAll('[aria-invalid]')) {
      input.removeAttribute('aria-invalid');
    }
    forgetSearch();
    showMsg($('search-msg'), '');
    clear($('results'));
  });
  $('dossier-lookup').addEventListener('submit', onLookup);
}

/** Once the constants are loaded: the type filter. */
export function setup() {
  fillOptions($('q-type'), docTypes());
}

export function show(first) {
  if (first) $('q-owner-id').focus();
}

/** Forget what the last user searched and saw. */
export function reset() {
  state.detailSeq += 1;
  forgetSearch();
  state.selectedId = null;
  state.lastDossier = '';
  $('search-form').reset();
  $('dossier-lookup').reset();
  clear($('results'));
  showMsg($('search-msg'), '');
  renderPlaceholder();
}

// -- search ------------------------------------------------------------------------------

/** A search still on its way is dropped (it must not fill the emptied list, nor show the
 * last user's results to the next), and the button takes a new search at once. */
function forgetSearch() {
  state.searchSeq += 1;
  state.searchSent = 0;
  setBusy($('search-submit'), false);
}

/** The full-text box, first in the search form: words of the paper's text or fields, or a
 * document number (576/QĐ-UBND); sent in the POST body like the other criteria. */
function addTextField() {
  const input = h('input', {
    id: 'q-text', name: 'text', maxlength: 300, autocomplete: 'off', type: 'search',
    placeholder: 'vd: quyết định giao đất, 576/QĐ-UBND', 'data-testid': 'q-text',
  });
  const field = h('div', { class: 'field', 'data-testid': 'q-text-field' },
    h('label', { for: 'q-text' }, 'Nội dung, số ký hiệu ', h('small', null,
      '(không cần dấu; "cụm từ" trong ngoặc kép)')),
    input);
  field.style.gridColumn = '1 / -1'; // the whole row of the two-column grid
  const grid = $('search-form').querySelector('.grid2') || $('search-form');
  grid.prepend(field);
}

/** A text search's snippet: the words found, marked, in the text as read. */
function snippetLine(snippet) {
  const parts = [];
  let at = 0;
  for (const [start, end] of snippet.highlights || []) {
    if (start < at || end > snippet.text.length) continue;
    parts.push(snippet.text.slice(at, start), h('mark', null, snippet.text.slice(start, end)));
    at = end;
  }
  parts.push(snippet.text.slice(at));
  return h('span', { class: 'result-meta result-snippet', 'data-testid': 'result-snippet' },
    parts);
}

async function onSearch(event) {
  event.preventDefault();
  const form = $('search-form');
  const msg = $('search-msg');
  // Each search (or refused form) takes a new number; a slower earlier answer is dropped
  // instead of replacing the results or the message of a newer one.
  const seq = ++state.searchSeq;
  let days;
  try {
    days = readDays(form); // typed dd/mm/yyyy, sent as YYYY-MM-DD
  } catch (e) {
    showMsg(msg, e.message, 'error');
    e.input.focus();
    return;
  }
  const values = { ...Object.fromEntries(new FormData(form).entries()), ...days };
  const params = query(values);
  if (!params) {
    showMsg(msg, 'Nhập ít nhất một điều kiện tìm kiếm (nội dung, số định danh, họ tên…).',
      'error');
    $('q-owner-id').focus();
    return;
  }
  if (values.digitized_from && values.digitized_to &&
      values.digitized_from > values.digitized_to) {
    showMsg(msg, '“Số hoá từ ngày” phải trước hoặc bằng “đến ngày”.', 'error');
    return;
  }
  const button = $('search-submit');
  setBusy(button, true);
  state.searchSent = seq;
  showMsg(msg, 'Đang tìm…', 'info');
  try {
    // POST: the personal ID, name and birth date never go into a URL (proxy logs)
    const body = Object.fromEntries(new URLSearchParams(params));
    const data = await api('POST', '/api/documents/search', { ...body, limit: SEARCH_LIMIT });
    if (seq === state.searchSeq) renderResults(data);
  } catch (e) {
    if (seq === state.searchSeq) showMsg(msg, e.message, 'error');
  } finally {
    if (seq === state.searchSent) setBusy(button, false); // not while a newer one is out
  }
}

function renderResults(data) {
  const list = clear($('results'));
  const results = data.results || [];
  const msg = $('search-msg');
  if (!results.length) {
    showMsg(msg, 'Không tìm thấy giấy tờ nào phù hợp.', 'info');
    return;
  }
  let text = `Tìm thấy ${data.count} giấy tờ.`;
  if (data.count >= data.limit) {
    text += ` Chỉ hiện ${data.limit} giấy tờ đầu: thu hẹp điều kiện tìm kiếm.`;
  }
  showMsg(msg, text, 'info');
  for (const s of results) list.append(h('li', null, card(s)));
}

function card(s) {
  const el = resultCard(s, s.id === state.selectedId, openDocument);
  if (s.snippet) el.append(snippetLine(s.snippet));
  return el;
}

function markSelected(id) {
  state.selectedId = id;
  for (const el of document.querySelectorAll('#results .result')) {
    const on = el.getAttribute('data-doc-id') === id;
    el.classList.toggle('selected', on);
    el.setAttribute('aria-pressed', on ? 'true' : 'false');
  }
}

// -- right pane --------------------------------------------------------------------------

function renderPlaceholder() {
  clear($('detail')).append(h('div', { class: 'placeholder' },
    h('p', null, 'Nhập điều kiện bên trái rồi bấm ', h('strong', null, 'Tìm kiếm'),
      ' (hoặc Enter).'),
    h('p', null, 'Chọn một giấy tờ trong kết quả để xem nội dung, kiểm tra chữ ký số và gắn ' +
      'vào hồ sơ đang giải quyết.')));
}

function renderPaneMessage(text, kind) {
  clear($('detail')).append(h('p', {
    class: 'msg msg-' + kind, role: kind === 'error' ? 'alert' : 'status',
    'data-testid': 'detail-msg',
  }, text));
}

// -- one document ------------------------------------------------------------------------

/** The dossier being handled: the code in the open paper's attach form (or, with no paper
 * open, the one the next form will be pre-filled with). The view is logged against it,
 * and the next paper's form keeps it. */
function handlingDossier() {
  const input = $('attach-dossier');
  if (input) state.lastDossier = input.value.trim();
  return pattern('dossier_code').test(state.lastDossier) ? state.lastDossier : '';
}

/** Open a paper in the right pane (also from the reports view). */
export async function openDocument(id) {
  const seq = ++state.detailSeq;
  const dossier = handlingDossier();
  markSelected(id);
  renderPaneMessage('Đang mở giấy tờ và kiểm tra chữ ký…', 'info');
  let data;
  try {
    data = await api('GET', `/api/documents/${encodeURIComponent(id)}` +
      (dossier ? `?dossier=${encodeURIComponent(dossier)}` : ''));
  } catch (e) {
    if (seq === state.detailSeq && session.me) renderPaneMessage(e.message, 'error');
    return;
  }
  if (seq !== state.detailSeq) return;
  const pane = clear($('detail'));
  pane.scrollTop = 0;
  // a corrected field reopens the paper, unless the officer has opened another meanwhile
  pane.append(documentArticle(data, actionsBox(data.document, data.verification || {}),
    () => {
      if (seq === state.detailSeq) openDocument(id);
    }));
  showStackedPane();
}

/** On a narrow screen the panes are stacked: bring the opened paper or dossier into view. */
function showStackedPane() {
  if (window.matchMedia(STACKED).matches) $('detail').scrollIntoView({ block: 'start' });
}

function actionsBox(s, v) {
  const msg = h('p', { class: 'msg', role: 'status', 'data-testid': 'attach-msg', hidden: true });
  const downloadOut = h('p', { class: 'small', 'data-testid': 'download-out', hidden: true });
  const dossierInput = h('input', {
    id: 'attach-dossier', name: 'dossier_code', maxlength: 64, autocomplete: 'off',
    required: true, placeholder: 'vd: 000.00.19.H12-261122-0001',
    'data-testid': 'attach-dossier',
  });
  dossierInput.value = state.lastDossier;
  const componentInput = h('input', {
    id: 'attach-component', name: 'component', maxlength: 64, autocomplete: 'off',
    'data-testid': 'attach-component',
  });
  const procedureInput = h('input', {
    id: 'attach-procedure', name: 'procedure_code', maxlength: 8, autocomplete: 'off',
    placeholder: 'vd: 1.001193', inputmode: 'decimal', 'data-testid': 'attach-procedure',
  });
  let blocked = null;
  if (s.expired) {
    blocked = `Không thể gắn vào hồ sơ: giấy tờ đã hết hiệu lực từ ` +
      `${fmtDate(nextDay(s.valid_until))}. Đề nghị công dân nộp bản còn hiệu lực.`;
  } else if (!v.ok) {
    blocked = 'Không thể gắn vào hồ sơ: bản lưu trữ không đạt kiểm tra toàn vẹn / chữ ký số. ' +
      'Báo quản trị hệ thống.';
  }
  const submit = h('button', {
    type: 'submit', class: 'btn btn-primary', 'data-testid': 'attach-submit',
    disabled: Boolean(blocked),
  }, 'Gắn vào hồ sơ');
  if (blocked) {
    componentInput.disabled = true;
    procedureInput.disabled = true;
  }
  const download = h('button', {
    type: 'button', class: 'btn', 'data-testid': 'download', disabled: !v.ok,
    title: v.ok ? 'Tải bản PDF đã ký số (liên kết dùng được 5 phút)'
      : 'Bản lưu trữ không đạt kiểm tra; không cấp bản sao',
  }, 'Tải PDF');
  download.addEventListener('click', () => onDownload(s, download, dossierInput, downloadOut));

  const form = h('form', { class: 'attach', 'data-testid': 'attach-form', novalidate: true },
    h('h3', null, 'Gắn vào hồ sơ'),
    h('div', { class: 'attach-fields' },
      h('div', { class: 'field' },
        h('label', { for: 'attach-dossier' }, 'Mã hồ sơ ', h('span', { class: 'req' }, '*')),
        dossierInput),
      h('div', { class: 'field' }, h('label', { for: 'attach-component' }, 'Mã thành phần'),
        componentInput),
      h('div', { class: 'field field-narrow' },
        h('label', { for: 'attach-procedure' }, 'Mã TTHC'), procedureInput),
      h('div', { class: 'field field-buttons' }, submit, download)),
    blocked ? h('p', { class: 'msg msg-error', 'data-testid': 'attach-blocked' }, blocked)
      : null,
    msg, downloadOut);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!blocked) {
      onAttach(s, {
        dossier: dossierInput, component: componentInput, procedure: procedureInput,
      }, submit, msg);
    }
  });
  return form;
}

async function onDownload(s, button, dossierInput, out) {
  const code = dossierInput.value.trim();
  if (code && !pattern('dossier_code').test(code)) {
    showMsg(out, 'Mã hồ sơ không hợp lệ (chỉ chữ, số và . _ / -).', 'error');
    dossierInput.focus();
    return;
  }
  setBusy(button, true);
  showMsg(out, 'Đang tạo liên kết tải…', 'info');
  const epoch = session.epoch;
  try {
    const res = await api('POST', `/api/documents/${encodeURIComponent(s.id)}/download`,
      { dossier_code: code || null });
    if (epoch !== session.epoch) return; // signed out meanwhile: no download for the next user
    const url = safeUrl(res.url);
    if (!url) throw new ApiFailure(0, 'error', 'Máy chủ trả về liên kết tải không hợp lệ.');
    const sameOrigin = new URL(url).origin === window.location.origin;
    const name = `${s.type}-${s.id}.pdf`;
    const link = h('a', {
      href: url, 'data-testid': 'download-link', rel: 'noopener',
      target: sameOrigin ? null : '_blank', download: sameOrigin ? name : null,
    }, 'Mở bản PDF');
    clear(out).append('Liên kết tải bản PDF đã ký (dùng đến ', fmtTime(res.expires_at),
      '): ', link);
    out.className = 'small';
    out.hidden = false;
    link.click();
  } catch (e) {
    showMsg(out, e.message, 'error');
  } finally {
    setBusy(button, false);
  }
}

async function onAttach(s, inputs, button, msg) {
  const dossier = inputs.dossier.value.trim();
  const component = inputs.component.value.trim();
  const procedure = inputs.procedure.value.trim();
  if (!dossier) {
    showMsg(msg, 'Nhập mã hồ sơ đang giải quyết.', 'error');
    inputs.dossier.focus();
    return;
  }
  if (!pattern('dossier_code').test(dossier)) {
    showMsg(msg, 'Mã hồ sơ không hợp lệ (chỉ chữ, số và . _ / -, tối đa 64 ký tự).', 'error');
    inputs.dossier.focus();
    return;
  }
  if (procedure && !pattern('procedure_code').test(procedure)) {
    showMsg(msg, 'Mã TTHC có dạng 1.001193 (một chữ số, dấu chấm, sáu chữ số).', 'error');
    inputs.procedure.focus();
    return;
  }
  setBusy(button, true);
  showMsg(msg, 'Đang kiểm tra và gắn vào hồ sơ…', 'info');
  const seq = state.detailSeq; // the pane showing this paper
  let result;
  try {
    result = await api('POST', `/api/documents/${encodeURIComponent(s.id)}/reuse`, {
      dossier_code: dossier, component: component || null, procedure_code: procedure || null,
    });
  } catch (e) {
    const prefix = e.status === 409 ? 'Từ chối: ' : '';
    showMsg(msg, prefix + e.message, 'error');
    setBusy(button, false);
    return;
  }
  setBusy(button, false);
  if (seq !== state.detailSeq) { // another paper opened meanwhile (or signed out): say it here
    showMsg(msg, `Đã gắn vào hồ sơ ${result.dossier_code}. Mã sự kiện #${result.event_id}.`,
      'ok');
    return;
  }
  state.lastDossier = result.dossier_code;
  const banner = `Đã gắn “${s.type_name}” của ${s.owner_name || 'công dân'} vào hồ sơ ` +
    `${result.dossier_code}` + (result.component ? ` (thành phần ${result.component})` : '') +
    `. Mã sự kiện #${result.event_id}.`;
  openDossier(result.dossier_code, { banner, backTo: s.id });
}

// -- dossier record ----------------------------------------------------------------------

async function onLookup(event) {
  event.preventDefault();
  const code = $('lookup-code').value.trim();
  if (!code) {
    showMsg($('search-msg'), 'Nhập mã hồ sơ cần tra cứu.', 'error');
    $('lookup-code').focus();
    return;
  }
  openDossier(code, {});
}

async function openDossier(code, options) {
  const seq = ++state.detailSeq;
  markSelected(null);
  if (!options.banner) renderPaneMessage(`Đang mở hồ sơ ${code}…`, 'info');
  let data;
  try {
    data = await api('GET', `/api/dossiers/${encodeURIComponent(code)}`);
  } catch (e) {
    if (seq !== state.detailSeq || !session.me) return;
    if (options.banner) {
      renderDossierShell(options).append(h('p', { class: 'msg msg-error', role: 'alert' },
        e.message));
    } else renderPaneMessage(e.message, 'error');
    return;
  }
  if (seq !== state.detailSeq) return;
  renderDossier(data, options);
}

function renderDossierShell(options) {
  const pane = clear($('detail'));
  pane.scrollTop = 0;
  const article = h('article', { class: 'dossier', 'data-testid': 'dossier' });
  if (options.banner) {
    article.append(h('p', { class: 'msg msg-ok', role: 'status',
      'data-testid': 'attach-success' }, '✔ ', options.banner));
  }
  if (options.backTo) {
    const back = h('button', { type: 'button', class: 'btn btn-small',
      'data-testid': 'back-to-doc' }, '← Quay lại giấy tờ');
    back.addEventListener('click', () => openDocument(options.backTo));
    article.append(h('p', null, back));
  }
  pane.append(article);
  return article;
}

function renderDossier(data, options) {
  const article = renderDossierShell(options);
  showStackedPane();
  article.setAttribute('data-code', data.code);
  const d = data.dossier;
  article.append(h('h2', null, 'Hồ sơ ', h('span', { class: 'mono' }, data.code)));
  const info = d ? [
    ['Mã TTHC', d.procedure_code],
    ['Cơ quan', d.agency_code],
    ['Tiếp nhận lúc', fmtDateTime(d.received_at)],
    ['Kênh tiếp nhận', d.channel ? channelName(d.channel) : ''],
  ].filter(([, v]) => v) : [];
  if (info.length) {
    article.append(h('dl', { class: 'facts' },
      info.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])));
  } else if (!d) {
    article.append(h('p', { class: 'muted' }, 'Hồ sơ chưa có thông tin tiếp nhận trong kho.'));
  }

  const reused = data.reused || [];
  const reusedSection = h('section', { 'data-testid': 'dossier-reused' },
    h('h3', null, `Giấy tờ được tái sử dụng vào hồ sơ (${reused.length})`));
  if (!reused.length) {
    reusedSection.append(h('p', { class: 'muted' }, 'Chưa có giấy tờ nào được gắn.'));
  } else {
    const body = h('tbody');
    for (const r of reused) {
      const doc = r.document;
      const open = h('button', { type: 'button', class: 'link' },
        doc ? doc.type_name : (r.document_id || '?'));
      open.addEventListener('click', () => openDocument(r.document_id));
      body.append(h('tr', {
        'data-testid': 'dossier-reused-row', 'data-document-id': r.document_id || '',
        'data-actor': r.actor || '',
      },
      h('td', { class: 'nowrap' }, fmtDateTime(r.at)),
      h('td', null, r.document_id ? open : '—',
        doc && doc.expired ? [' ', badge('Hết hiệu lực', 'bad')] : null),
      h('td', null, doc ? (doc.owner_name || '') : ''),
      h('td', null, r.component || ''),
      h('td', null, r.actor || '—')));
    }
    reusedSection.append(h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('thead', null, h('tr', null, ['Thời gian', 'Giấy tờ', 'Chủ giấy tờ', 'Thành phần',
        'Người gắn'].map((t) => h('th', null, t)))), body)));
  }
  article.append(reusedSection);

  const docs = data.documents || [];
  const docsSection = h('section', { 'data-testid': 'dossier-documents' },
    h('h3', null, `Giấy tờ được số hoá trong hồ sơ (${docs.length})`));
  if (!docs.length) {
    docsSection.append(h('p', { class: 'muted' }, 'Không có giấy tờ nào được số hoá trong ' +
      'hồ sơ này.'));
  } else {
    docsSection.append(h('ol', { class: 'results results-inline' },
      docs.map((s) => h('li', null, card(s)))));
  }
  article.append(docsSection);

  const events = data.events || [];
  if (events.length) {
    article.append(h('details', { class: 'doc-meta' },
      h('summary', null, `Nhật ký của hồ sơ (${events.length} sự kiện)`),
      eventsTable(events, ['at', 'action', 'document', 'actor', 'detail'], 'dossier-event')));
  }
}
