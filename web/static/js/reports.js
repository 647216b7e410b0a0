/* The auditor's reports: the scorecard indicators (Decision 766) and the OCR quality audit
 * ("Cần xem lại"), side by side for one period. */

import { api, query } from './api.js';
import { $, badge, clear, h, setBusy, showMsg } from './dom.js';
import {
  dayError, fmtConf, fmtDate, fmtDateTime, fmtPoints, fmtRate, ISO_DATE_RE, parseDay, quarterStart,
  todayVN,
} from './format.js';
import {
  fieldLabel, fullPointsRate, indicators, pattern, reasonName, reviewConfidence, typeName,
} from './meta.js';
import { hasRole, session } from './session.js';

const REVIEW_LIMIT = 200; // documents listed in "Cần xem lại (OCR)"

let reportSeq = 0; // newest report request; older answers (and the last user's) are dropped
let openPaper = null; // opens a paper in the search view (officers)

export function init(hooks) {
  openPaper = hooks.openDocument;
  $('reports-form').addEventListener('submit', (event) => {
    event.preventDefault();
    loadReports();
  });
  $('reports-form').addEventListener('input', syncReportLinks);
  $('reports-form').addEventListener('change', syncReportLinks);
  for (const id of ['r-html', 'r-csv']) $(id).addEventListener('click', onReportLink);
}

/** Once the constants are loaded: the indicator columns, the threshold texts and the
 * default OCR review threshold. */
export function setup() {
  const head = $('score-head');
  while (head.children.length > 1) head.removeChild(head.lastChild);
  for (const ind of indicators()) head.append(h('th', null, ind.name));
  const target = fullPointsRate();
  $('score-hint').textContent = 'Hồ sơ tính theo ngày tiếp nhận. Tỷ lệ làm tròn 2 chữ số; ' +
    `đủ điểm khi đạt từ ${target} % trở lên (dưới ${target} %: tô màu); N/A khi không có ` +
    'hồ sơ để tính.';
  const threshold = $('r-threshold');
  const percent = Math.round(reviewConfidence() * 100);
  threshold.defaultValue = String(percent);
  threshold.title = 'Trang đọc với độ tin cậy dưới ngưỡng này phải xem lại ' +
    `(mặc định ${percent})`;
}

export function show(first) {
  if (first) prepareReports();
}

export function reset() {
  reportSeq += 1;
  $('reports-form').reset();
  clearReports();
  showMsg($('reports-msg'), '');
  setBusy($('r-submit'), false);
}

/** Fill the period (this quarter so far) unless the auditor already chose one. */
function prepareReports() {
  if (!$('r-from').value && !$('r-to').value) {
    const today = todayVN();
    $('r-from').value = fmtDate(quarterStart(today));
    $('r-to').value = fmtDate(today);
  }
  syncReportLinks();
  if ($('score-box').hidden && $('review-box').hidden && $('reports-msg').hidden) {
    showMsg($('reports-msg'), 'Chọn kỳ báo cáo (mặc định: từ đầu quý đến hôm nay) rồi bấm ' +
      '“Xem chỉ số”.', 'info');
  }
  $('r-submit').focus();
}

function reportValues() {
  return {
    from: parseDay($('r-from').value),
    to: parseDay($('r-to').value),
    fromText: $('r-from').value,
    toText: $('r-to').value,
    agency: $('r-agency').value.trim(),
    threshold: $('r-threshold').value.trim(),
  };
}

/** The first thing wrong with the report form, as [message, field id], or null. */
function reportProblem(v) {
  if (v.from === null) return [dayError('Từ ngày', v.fromText), 'r-from'];
  if (v.to === null) return [dayError('Đến ngày', v.toText), 'r-to'];
  if (!ISO_DATE_RE.test(v.from)) return ['Nhập “Từ ngày” (ngày đầu kỳ báo cáo).', 'r-from'];
  if (!ISO_DATE_RE.test(v.to)) return ['Nhập “Đến ngày” (ngày cuối kỳ báo cáo).', 'r-to'];
  if (v.from < '1900-01-01' || v.to > '9000-12-31') {
    return ['Kỳ báo cáo phải nằm trong khoảng năm 1900 – 9000.', 'r-from'];
  }
  if (v.to < v.from) {
    return ['“Đến ngày” phải sau hoặc bằng “Từ ngày”: kỳ báo cáo không hợp lệ.', 'r-to'];
  }
  if (v.agency && !pattern('agency_code').test(v.agency)) {
    return ['Mã cơ quan không hợp lệ (chỉ chữ, số và . _ / -, tối đa 64 ký tự).', 'r-agency'];
  }
  if (!/^\d{1,3}$/.test(v.threshold) || +v.threshold < 1 || +v.threshold > 100) {
    return ['Ngưỡng xem lại OCR là một số nguyên từ 1 đến 100 (%).', 'r-threshold'];
  }
  return null;
}

function scorecardUrl(v, format) {
  return '/api/reports/scorecard?' + query({ from: v.from, to: v.to, agency: v.agency, format });
}

/** The HTML and CSV links follow the form; marked unusable while the form is wrong. */
function syncReportLinks() {
  const v = reportValues();
  const problem = reportProblem(v);
  for (const [id, format] of [['r-html', 'html'], ['r-csv', 'csv']]) {
    const link = $(id);
    link.href = scorecardUrl(v, format);
    link.setAttribute('aria-disabled', problem ? 'true' : 'false');
    link.classList.toggle('disabled', Boolean(problem));
  }
}

function onReportLink(event) {
  const problem = reportProblem(reportValues());
  if (!problem) return;
  event.preventDefault();
  showMsg($('reports-msg'), problem[0], 'error');
  $(problem[1]).focus();
}

function clearReports() {
  clear($('score-rows'));
  clear($('review-agency-rows'));
  clear($('review-rows'));
  for (const id of ['score-msg', 'review-msg']) showMsg($(id), '');
  $('score-box').hidden = true;
  $('review-box').hidden = true;
}

async function loadReports() {
  const msg = $('reports-msg');
  const v = reportValues();
  const problem = reportProblem(v);
  const seq = ++reportSeq; // a refused period also outdates an answer still on its way
  if (problem) {
    showMsg(msg, problem[0], 'error');
    $(problem[1]).focus();
    return;
  }
  syncReportLinks();
  const button = $('r-submit');
  setBusy(button, true);
  showMsg(msg, 'Đang tính chỉ số và danh sách cần xem lại…', 'info');
  const period = query({ from: v.from, to: v.to, agency: v.agency });
  const [score, review] = await Promise.allSettled([
    api('GET', `/api/reports/scorecard?${period}&format=json`),
    api('GET', `/api/reports/review?${period}&threshold=${Number(v.threshold) / 100}` +
      `&limit=${REVIEW_LIMIT}`),
  ]);
  if (seq !== reportSeq || !session.me) return;
  setBusy(button, false);
  clearReports();
  const failures = [score, review].filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (failures.some((e) => e.status === 401)) return; // signed out by api()
  if (score.status === 'fulfilled') renderScorecard(score.value);
  if (review.status === 'fulfilled') renderReview(review.value);
  if (!failures.length) {
    showMsg(msg, '');
    return;
  }
  const texts = Array.from(new Set(failures.map(reportFailure)));
  const what = failures.length === 2 ? 'Không xem được báo cáo'
    : score.status === 'rejected' ? 'Không xem được chỉ số'
      : 'Không xem được danh sách cần xem lại';
  showMsg(msg, `${what}: ${texts.join(' ')}`, 'error');
}

function reportFailure(e) {
  if (e.status === 422) return `kỳ báo cáo hoặc điều kiện không hợp lệ (${e.message}).`;
  if (e.status === 403) return 'tài khoản không có vai trò Kiểm tra, giám sát.';
  return e.message;
}

function periodText(data) {
  return `Từ ${fmtDate(data.from)} đến ${fmtDate(data.to)} · ` +
    (data.agency ? `cơ quan ${data.agency}` : 'tất cả cơ quan');
}

function agencyName(code) {
  return code || '(không rõ cơ quan)';
}

// -- the scorecard -----------------------------------------------------------------------

function indicatorCell(key, ind, ratio) {
  const target = fullPointsRate();
  const na = ind.rate === null || ind.rate === undefined;
  const below = !na && ind.rate < target;
  return h('td', {
    class: 'ind' + (below ? ' ind-below' : '') + (na ? ' ind-na' : ''),
    'data-testid': `score-${key}`, 'data-rate': na ? 'N/A' : ind.rate.toFixed(2),
    'data-numerator': ind.numerator, 'data-denominator': ind.denominator,
    'data-points': na ? '' : ind.points, 'data-below': below ? 'true' : 'false',
    title: `${ratio}: ${ind.numerator}/${ind.denominator}`,
  },
  h('span', { class: 'ind-rate', 'data-testid': 'score-rate' }, fmtRate(ind.rate)),
  below ? [' ', badge(`Dưới ${target} %`, 'warn')] : null,
  h('span', { class: 'ind-detail' },
    h('span', { 'data-testid': 'score-fraction' }, `${ind.numerator}/${ind.denominator}`),
    ' hồ sơ · ',
    h('span', { 'data-testid': 'score-points' }, fmtPoints(ind))));
}

function scoreRow(label, agency, inds, cls) {
  return h('tr', { 'data-testid': 'score-row', 'data-agency': agency, class: cls || null },
    h('th', { scope: 'row', class: 'break' }, label),
    indicators().map(({ key, ratio }) => indicatorCell(key, inds[key], ratio)));
}

function renderScorecard(data) {
  $('score-box').hidden = false;
  $('score-period').textContent = periodText(data) + ' (theo ngày tiếp nhận hồ sơ)' +
    (data.generated_at ? ` · lập lúc ${fmtDateTime(data.generated_at)}` : '');
  const agencies = data.agencies || [];
  const rows = $('score-rows');
  $('score-table').hidden = !agencies.length;
  $('score-hint').hidden = !agencies.length;
  if (!agencies.length) {
    showMsg($('score-msg'), 'Không có hồ sơ nào được tiếp nhận trong kỳ này' +
      (data.agency ? ` tại cơ quan ${data.agency}` : '') + ': không có chỉ số để tính. ' +
      'Chọn kỳ báo cáo khác.', 'info');
    return;
  }
  for (const a of agencies) rows.append(scoreRow(agencyName(a.agency), a.agency || '', a));
  if (agencies.length > 1 && data.total) {
    rows.append(scoreRow('Tổng cộng', '*', data.total, 'total'));
  }
  const below = rows.querySelectorAll('.ind-below').length;
  showMsg($('score-msg'), below
    ? `${below} chỉ số dưới ${fullPointsRate()} % (tô màu): chưa đạt điểm tối đa.` : '', 'warn');
}

// -- the OCR quality audit ---------------------------------------------------------------

function renderReview(data) {
  $('review-box').hidden = false;
  $('review-period').textContent = periodText(data) + ' (theo ngày số hoá) · ngưỡng độ tin ' +
    `cậy trang ${fmtConf(data.threshold)}`;
  const total = data.total || {};
  const agencies = data.agencies || [];
  const msg = $('review-msg');
  $('review-agencies-wrap').hidden = !agencies.length;
  $('review-items-wrap').hidden = true;
  if (!agencies.length || !total.documents) {
    showMsg(msg, 'Không có giấy tờ nào được số hoá trong kỳ này' +
      (data.agency ? ` tại cơ quan ${data.agency}` : '') + '.', 'info');
    return;
  }
  const arows = $('review-agency-rows');
  const agencyRow = (label, agency, a, cls) => h('tr', {
    'data-testid': 'review-agency-row', 'data-agency': agency, class: cls || null,
  },
  h('th', { scope: 'row', class: 'break' }, label),
  ['documents', 'pages', 'documents_to_review', 'pages_to_review', 'fields_to_review']
    .map((k) => h('td', { class: 'num', 'data-key': k }, String(a[k] || 0))),
  h('td', { class: 'small' }, Object.entries(a.fields_by_key || {}).slice(0, 3)
    .map(([k, n]) => `${fieldLabel(k)} (${n})`).join(', ')));
  for (const a of agencies) arows.append(agencyRow(agencyName(a.agency), a.agency || '', a));
  if (agencies.length > 1) arows.append(agencyRow('Tất cả', '*', total, 'total'));

  const items = data.items || [];
  if (!items.length) {
    showMsg(msg, `Không có giấy tờ nào cần xem lại: mọi trang đạt ngưỡng ` +
      `${fmtConf(data.threshold)} và không có trường nào bị đánh dấu.`, 'ok');
    return;
  }
  let text = `${data.items_total} giấy tờ cần xem lại, độ tin cậy thấp nhất trước.`;
  if (data.items_shown < data.items_total) {
    text += ` Đang hiện ${data.items_shown} giấy tờ đầu: thu hẹp kỳ hoặc chọn một cơ quan ` +
      'để xem các giấy tờ còn lại.';
  }
  showMsg(msg, text, 'info');
  const officer = hasRole('officer');
  const rows = $('review-rows');
  for (const item of items) rows.append(reviewRow(item, officer));
  $('review-items-wrap').hidden = false;
}

function reviewRow(item, officer) {
  let id;
  if (officer) {
    id = h('button', {
      type: 'button', class: 'link mono break', 'data-testid': 'review-open',
      title: 'Mở giấy tờ (lượt xem được ghi vào nhật ký)',
    }, item.document_id);
    // an auditor who is also an officer opens the paper in the search view
    id.addEventListener('click', () => openPaper(item.document_id));
  } else {
    id = h('span', { class: 'mono break', 'data-testid': 'review-doc-id' }, item.document_id);
  }
  const what = [
    ...(item.pages || []).map((p) => h('li', { 'data-testid': 'review-page',
      'data-page': p.page }, `Trang ${p.page}: ${fmtConf(p.confidence)}`)),
    ...(item.fields || []).map((f) => h('li', { 'data-testid': 'review-field',
      'data-key': f.key, title: f.key },
    `${fieldLabel(f.key)}` + (typeof f.confidence === 'number'
      ? `: ${fmtConf(f.confidence)}` : '') + ((f.reasons || []).length
      ? ` (${f.reasons.map(reasonName).join('; ')})` : ''))),
  ];
  return h('tr', {
    'data-testid': 'review-item', 'data-document-id': item.document_id,
    'data-lowest': item.lowest_confidence === null ? '' : item.lowest_confidence,
  },
  h('td', { class: 'num nowrap conf-low' }, fmtConf(item.lowest_confidence)),
  h('td', null, id),
  h('td', null, typeName(item.type)),
  h('td', { class: 'break' }, item.agency || '—'),
  h('td', { class: 'mono break' }, item.dossier_code || '—'),
  h('td', null, h('ul', { class: 'review-what' }, what)),
  h('td', { class: 'nowrap small' }, fmtDateTime(item.digitized_at)));
}
