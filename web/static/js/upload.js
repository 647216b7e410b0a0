/* Counter staff: upload a dossier's scans and follow their digitization (this session's
 * uploads, newest first). */

import { api } from './api.js';
import { $, badge, clear, fillOptions, h, setBusy, showMsg } from './dom.js';
import { fmtSize, fmtTime } from './format.js';
import { docTypes, jobState, pattern, scanSuffixes, typeName } from './meta.js';
import { session } from './session.js';

const COUNTER_KEY = 'sohoa.counter'; // last procedure / agency the counter typed
const POLL_MS = 1000;
const POLL_MAX_MS = 10000; // a job that does not move (waiting its turn, at the workers)

const state = {
  files: [], // File objects chosen for the next upload
  // this session's uploads: { id, job, card, timer, failures, idle, note, sent, shown }
  jobs: [],
};

export function init() {
  $('scan-form').addEventListener('submit', onUpload);
  $('scan-next').addEventListener('click', () => {
    nextDossier();
    showMsg($('scan-msg'), '');
  });
  $('scan-files').addEventListener('change', () => addFiles($('scan-files').files));
  const drop = $('scan-drop');
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    if (!$('scan-fieldset').disabled) addFiles(event.dataTransfer.files);
  });
}

/** Once the constants are loaded: the type select ("recognize it" first) and the file
 * types offered. */
export function setup() {
  fillOptions($('scan-type'), docTypes());
  $('scan-files').setAttribute('accept', scanSuffixes().map((s) => `.${s}`).join(','));
}

export function show(first) {
  if (first) focusUpload();
}

/** Stop following the last user's uploads and forget them. */
export function reset() {
  for (const entry of state.jobs) {
    if (entry.timer) window.clearTimeout(entry.timer);
  }
  state.jobs = [];
  state.files = [];
  clear($('scan-jobs'));
  $('scan-jobs-empty').hidden = false;
  $('scan-form').reset();
  $('scan-fieldset').disabled = false;
  setBusy($('scan-submit'), false);
  renderFiles();
  showMsg($('scan-msg'), '');
}

// -- the form ----------------------------------------------------------------------------

function loadCounterDefaults() {
  let saved = null;
  try {
    saved = JSON.parse(window.localStorage.getItem(COUNTER_KEY) || 'null');
  } catch (e) {
    saved = null;
  }
  if (!saved || typeof saved !== 'object') return;
  for (const [id, key] of [['scan-procedure', 'procedure_code'], ['scan-agency', 'agency_code'],
    ['scan-agency-name', 'agency_name']]) {
    if (typeof saved[key] === 'string' && !$(id).value) $(id).value = saved[key];
  }
}

function saveCounterDefaults(values) {
  try {
    window.localStorage.setItem(COUNTER_KEY, JSON.stringify({
      procedure_code: values.procedure_code, agency_code: values.agency_code,
      agency_name: values.agency_name || '',
    }));
  } catch (e) {
    /* storage off: the counter types them again */
  }
}

function focusUpload() {
  loadCounterDefaults();
  const first = ['scan-dossier', 'scan-procedure', 'scan-agency'].find((id) => !$(id).value);
  $(first || 'scan-dossier').focus();
}

function isScanFile(name) {
  const dot = name.lastIndexOf('.');
  return dot >= 0 && scanSuffixes().includes(name.slice(dot + 1).toLowerCase());
}

function addFiles(list) {
  for (const file of Array.from(list || [])) {
    const same = state.files.some((f) => f.name === file.name && f.size === file.size &&
      f.lastModified === file.lastModified);
    if (!same) state.files.push(file);
  }
  $('scan-files').value = ''; // the same file can be chosen again after removing it
  renderFiles();
}

function renderFiles() {
  const list = clear($('scan-file-list'));
  let total = 0;
  state.files.forEach((file, i) => {
    total += file.size;
    const odd = !isScanFile(file.name);
    const remove = h('button', { type: 'button', class: 'btn btn-small',
      'data-testid': 'scan-file-remove', 'aria-label': `Bỏ tệp ${file.name}` }, 'Bỏ');
    remove.addEventListener('click', () => {
      state.files.splice(i, 1);
      renderFiles();
    });
    list.append(h('li', { 'data-testid': 'scan-file', 'data-name': file.name },
      h('span', { class: 'file-name', title: file.name }, file.name),
      odd ? badge('Không phải PDF/TIFF/JPEG/PNG?', 'warn') : null,
      h('span', { class: 'file-size muted' }, fmtSize(file.size)),
      remove));
  });
  const n = state.files.length;
  $('scan-files-total').textContent = n ? `${n} tệp, tổng ${fmtSize(total)}`
    : 'Chưa chọn tệp nào.';
}

/** Clear what belongs to one dossier; keep the procedure and the agency. */
function nextDossier() {
  for (const id of ['scan-dossier', 'scan-component', 'scan-owner-id', 'scan-owner-name']) {
    $(id).value = '';
  }
  $('scan-type').value = '';
  state.files = [];
  renderFiles();
  focusUpload();
}

function scanValues() {
  const get = (id) => $(id).value.trim();
  return {
    dossier_code: get('scan-dossier'),
    procedure_code: get('scan-procedure'),
    agency_code: get('scan-agency'),
    agency_name: get('scan-agency-name'),
    doc_type: $('scan-type').value,
    component: get('scan-component'),
    owner_id: get('scan-owner-id'),
    owner_name: get('scan-owner-name'),
  };
}

/** The first thing wrong with the form, as [message, field id], or null. */
function scanProblem(v) {
  if (!v.dossier_code) return ['Nhập mã hồ sơ.', 'scan-dossier'];
  if (!pattern('dossier_code').test(v.dossier_code)) {
    return ['Mã hồ sơ không hợp lệ (chỉ chữ, số và . _ / -, tối đa 64 ký tự).', 'scan-dossier'];
  }
  if (!pattern('procedure_code').test(v.procedure_code)) {
    return ['Mã TTHC có dạng 1.001193 (một chữ số, dấu chấm, sáu chữ số).', 'scan-procedure'];
  }
  if (!v.agency_code) return ['Nhập mã cơ quan.', 'scan-agency'];
  if (!pattern('agency_code').test(v.agency_code)) {
    return ['Mã cơ quan không hợp lệ (chỉ chữ, số và . _ / -).', 'scan-agency'];
  }
  if (v.owner_id && !pattern('personal_id').test(v.owner_id)) {
    return ['Số định danh gồm đúng 12 chữ số.', 'scan-owner-id'];
  }
  if (v.component.length > 64) return ['Mã thành phần tối đa 64 ký tự.', 'scan-component'];
  if (!state.files.length) return ['Chọn ít nhất một tệp ảnh quét.', 'scan-files'];
  return null;
}

async function onUpload(event) {
  event.preventDefault();
  const msg = $('scan-msg');
  const values = scanValues();
  const problem = scanProblem(values);
  if (problem) {
    showMsg(msg, problem[0], 'error');
    $(problem[1]).focus();
    return;
  }
  const files = state.files.slice();
  const form = new FormData();
  for (const file of files) form.append('files', file, file.name);
  for (const [key, value] of Object.entries(values)) {
    if (value) form.append(key, value);
  }
  const total = files.reduce((sum, f) => sum + f.size, 0);
  const epoch = session.epoch;
  $('scan-fieldset').disabled = true;
  setBusy($('scan-submit'), true);
  showMsg(msg, `Đang tải ${files.length} tệp (${fmtSize(total)}) của hồ sơ ` +
    `${values.dossier_code} lên máy chủ…`, 'info');
  let job;
  try {
    job = await api('POST', '/api/scans', form);
  } catch (e) {
    if (epoch !== session.epoch) return;
    const text = e.status === 413 && e.code !== 'too_large'
      ? 'Tệp tải lên quá lớn so với giới hạn của máy chủ.' : e.message;
    showMsg(msg, 'Chưa tải lên được: ' + text, 'error');
    return;
  } finally {
    if (epoch === session.epoch) {
      $('scan-fieldset').disabled = false;
      setBusy($('scan-submit'), false);
    }
  }
  if (epoch !== session.epoch) return;
  saveCounterDefaults(values);
  showMsg(msg, `Đã nhận ${job.files.length} tệp của hồ sơ ${job.dossier_code}; ` +
    'máy chủ đang số hoá (xem bên phải). Có thể nhập hồ sơ tiếp theo.', 'ok');
  trackJob(job);
  nextDossier();
}

// -- following the jobs ------------------------------------------------------------------

function trackJob(job) {
  const entry = { id: job.id, job, card: null, timer: null, failures: 0, idle: 0, note: '',
    sent: 0, shown: 0 }; // sent/shown: numbers of the newest request, of the answer shown
  state.jobs.unshift(entry);
  entry.card = h('li', { class: 'card scan-job', 'data-testid': 'scan-job',
    'data-job-id': job.id });
  $('scan-jobs').prepend(entry.card);
  $('scan-jobs-empty').hidden = true;
  renderJob(entry);
  schedulePoll(entry, POLL_MS);
}

function schedulePoll(entry, delay) {
  if (!jobState(entry.job.state).active || entry.timer) return;
  const epoch = session.epoch;
  entry.timer = window.setTimeout(() => pollJob(entry, epoch), delay);
}

/** How long to wait before asking again: 1 s while the job moves, twice as long after each
 * answer that shows no change (a job waiting its turn, or at the queue's workers), 10 s at
 * most. */
function pollDelay(entry, before, job) {
  const moved = !before || before.state !== job.state || before.pages_done !== job.pages_done ||
    before.pages_total !== job.pages_total ||
    (before.documents || []).length !== (job.documents || []).length;
  entry.idle = moved ? 0 : entry.idle + 1;
  return Math.min(POLL_MS * 2 ** entry.idle, POLL_MAX_MS);
}

/** Take an answer about the job unless a newer request's answer is already shown (a poll
 * sent before a cancel must not bring back the state from before it). */
function takeAnswer(entry, seq, job) {
  if (seq < entry.shown) return false;
  entry.shown = seq;
  entry.job = job;
  return true;
}

async function pollJob(entry, epoch) {
  entry.timer = null;
  if (epoch !== session.epoch || !session.me) return;
  const seq = ++entry.sent;
  let job;
  try {
    job = await api('GET', `/api/scans/${encodeURIComponent(entry.id)}`);
  } catch (e) {
    if (epoch !== session.epoch || e.status === 401) return;
    if (seq < entry.shown) {
      schedulePoll(entry, POLL_MS);
      return;
    }
    if (e.status === 0 || e.status >= 500 || e.status === 429) {
      entry.failures += 1;
      entry.note = `${e.message} Đang thử lại…`;
      renderJob(entry);
      schedulePoll(entry, Math.min(POLL_MS * 2 ** entry.failures, POLL_MAX_MS));
    } else {
      entry.note = `Không theo dõi được lượt tải lên: ${e.message}`;
      renderJob(entry);
    }
    return;
  }
  if (epoch !== session.epoch) return;
  const before = entry.job;
  if (takeAnswer(entry, seq, job)) {
    entry.failures = 0;
    entry.note = '';
    renderJob(entry);
  }
  schedulePoll(entry, pollDelay(entry, before, entry.job));
}

async function cancelJob(entry, button) {
  if (!window.confirm('Huỷ lượt số hoá này? Các giấy tờ đã xong vẫn được lưu.')) return;
  button.disabled = true;
  const epoch = session.epoch;
  const seq = ++entry.sent;
  try {
    const job = await api('DELETE', `/api/scans/${encodeURIComponent(entry.id)}`);
    if (epoch !== session.epoch || !takeAnswer(entry, seq, job)) return;
    entry.note = '';
  } catch (e) {
    if (epoch !== session.epoch) return;
    entry.note = `Không huỷ được: ${e.message}`;
  }
  renderJob(entry);
  entry.idle = 0;
  schedulePoll(entry, POLL_MS); // a running job stops after the page in hand
}

function renderJob(entry) {
  const job = entry.job;
  const { name: stateName, tone: stateKind, active, cancellable } = jobState(job.state);
  const atWorkers = job.state === 'queued_to_workers';
  const card = clear(entry.card);
  card.setAttribute('data-state', job.state);
  card.setAttribute('data-dossier-code', job.dossier_code);

  card.append(h('div', { class: 'scan-job-head' },
    h('h3', null, 'Hồ sơ ', h('span', { class: 'mono' }, job.dossier_code)),
    badge(stateName, stateKind, 'scan-state')));
  card.append(h('p', { class: 'muted small break' }, [
    `Mã TTHC ${job.procedure_code}`, `cơ quan ${job.agency_code}`,
    `tải lên lúc ${fmtTime(job.created_at)}`,
    `${job.files.length} tệp: ${job.files.join(', ')}`,
  ].join(' · ')));

  const done = job.pages_done || 0;
  const total = job.pages_total || 0;
  if (active || total) {
    const bar = h('progress', { class: 'scan-progress', 'data-testid': 'scan-progress',
      max: total || null, value: total ? Math.min(done, total) : null,
      'aria-label': 'Tiến độ số hoá' });
    const text = atWorkers && total ? `${done}/${total} trang, các máy xử lý đang số hoá…`
      : total ? `${done}/${total} trang`
        : job.state === 'queued' ? 'Đang chờ lượt…' : 'Đang đọc tệp…';
    card.append(h('div', { class: 'scan-progress-row' }, bar,
      h('span', { class: 'small', 'data-testid': 'scan-progress-text' }, text)));
  }
  if (cancellable) {
    const stop = h('button', { type: 'button', class: 'btn btn-small btn-danger',
      'data-testid': 'scan-cancel' }, 'Huỷ lượt này');
    stop.addEventListener('click', () => cancelJob(entry, stop));
    card.append(h('p', null, stop));
  }
  if (entry.note) card.append(h('p', { class: 'msg msg-warn small' }, entry.note));
  if (job.message) {
    card.append(h('p', {
      class: 'msg ' + (stateKind === 'bad' ? 'msg-error' : 'msg-info'),
      'data-testid': 'scan-job-msg', role: stateKind === 'bad' ? 'alert' : null,
    }, job.message));
  }

  const docs = job.documents || [];
  const problems = job.problems || [];
  if (!active) {
    const created = docs.filter((d) => !d.skipped).length;
    const parts = [`Đã tạo ${created} giấy tờ`];
    if (docs.length > created) parts.push(`${docs.length - created} giấy tờ đã có từ trước`);
    parts.push(problems.length ? `${problems.length} lỗi` : 'không có lỗi');
    card.append(h('p', { class: 'scan-summary', 'data-testid': 'scan-summary' },
      parts.join(', ') + '.'));
  }
  if (docs.length) {
    const body = h('tbody');
    for (const d of docs) {
      const source = baseName(d.source);
      body.append(h('tr', {
        'data-testid': 'scan-doc', 'data-doc-id': d.id, 'data-type': d.type,
        'data-source': source, 'data-skipped': d.skipped ? 'true' : 'false',
      },
      h('td', null, typeName(d.type)),
      h('td', { class: 'break' }, source),
      h('td', { class: 'nowrap' }, `${d.pages} trang`),
      h('td', null, d.skipped ? badge('đã có từ trước', 'warn') : badge('mới', 'ok')),
      h('td', { class: 'mono small break' }, d.id)));
    }
    card.append(h('h4', null, `Giấy tờ (${docs.length})`),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
        h('thead', null, h('tr', null, ['Loại giấy tờ', 'Tệp', 'Số trang', '', 'Mã giấy tờ']
          .map((t) => h('th', null, t)))), body)));
  }
  if (problems.length) {
    card.append(h('h4', { class: 'bad' }, `Tệp, trang bị lỗi (${problems.length})`),
      h('ul', { class: 'scan-problems' }, problemsByFile(problems)));
  }
}

/** The uploaded file's own name (never a folder of the server). */
function baseName(source) {
  return String(source || '').split(/[\\/]/).pop();
}

/** A problem's message without the server's folders, nor the file name it is listed
 * under (“/srv/…/uploads/ab12/hong.pdf: Tệp bị hỏng” → “Tệp bị hỏng”). */
function problemText(message, source) {
  let text = String(message);
  if (source) {
    const name = source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    text = text.replace(new RegExp(`\\S*[\\\\/]${name}`, 'g'), source);
    text = text.replace(new RegExp(`^${name}:\\s*`), '');
  }
  return text;
}

/** Problems grouped by file, pages counted from 1. */
function problemsByFile(problems) {
  const groups = new Map();
  for (const p of problems) {
    const key = baseName(p.source);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(p);
  }
  const out = [];
  for (const [source, list] of groups) {
    out.push(h('li', { 'data-testid': 'scan-problem-file', 'data-source': source },
      h('strong', { class: 'break' }, source || '(không rõ tệp)'),
      h('ul', null, list.map((p) => h('li', {
        'data-testid': 'scan-problem', 'data-source': source,
        'data-page': typeof p.page === 'number' ? String(p.page + 1) : '',
        title: p.message_en || null,
      }, typeof p.page === 'number' ? `Trang ${p.page + 1}: ` : 'Cả tệp: ',
      problemText(p.message || p.message_en || p.code || 'lỗi', source))))));
  }
  return out;
}
