/* One digitized paper as the officer sees it: its card in a list, and the whole paper
 * (signature check, validity, fields, page previews, reuses, portal metadata). Builders
 * only: what happens on a click comes from the caller (search.js). */

import { api } from './api.js';
import { badge, h, safeUrl, setBusy, showMsg } from './dom.js';
import { eventsTable } from './events.js';
import { fmtConf, fmtDate, fmtDateTime, nextDay, plainValue } from './format.js';
import { openLightbox } from './lightbox.js';
import { fieldLabel, fieldOrder, hasFieldLabel, metadataLabel, reasonName } from './meta.js';

function summaryBadges(s) {
  return [
    s.expired ? badge('Hết hiệu lực', 'bad', 'badge-expired') : null,
    s.signed ? null : badge('Chưa ký', 'warn', 'badge-unsigned'),
    s.needs_review && s.needs_review.length
      ? badge('Cần kiểm tra', 'warn', 'badge-review') : null,
  ];
}

/** A document summary as a button that opens it (onOpen). */
export function resultCard(s, selected, onOpen) {
  const meta1 = [
    s.owner_id ? `Số ĐD: ${s.owner_id}` : 'Chưa có số định danh',
    s.birth_date ? `Ngày sinh: ${fmtDate(s.birth_date)}` : null,
  ].filter(Boolean).join(' · ');
  const meta2 = [
    `Số hoá: ${fmtDate(s.digitized_at)}`,
    s.valid_until ? `Hiệu lực đến: ${fmtDate(s.valid_until)}` : 'Không thời hạn',
  ].join(' · ');
  const thumbUrl = s.thumbnail_url ? safeUrl(s.thumbnail_url) : null;
  let thumb = null;
  if (thumbUrl) {
    // loaded when scrolled into view; the officer's session and the link both checked
    const img = h('img', { src: thumbUrl, alt: '', loading: 'lazy', decoding: 'async',
      width: 56, height: 80, 'data-testid': 'result-thumb' });
    img.addEventListener('error', () => img.classList.add('thumb-failed'));
    thumb = h('span', { class: 'result-thumb', 'aria-hidden': 'true' }, img);
  }
  return h('button', {
    type: 'button',
    class: 'result' + (s.expired ? ' result-expired' : '') + (selected ? ' selected' : '') +
      (thumb ? ' has-thumb' : ''),
    'data-testid': 'result',
    'data-doc-id': s.id,
    'aria-pressed': selected ? 'true' : 'false',
    onclick: () => onOpen(s.id),
  },
  thumb,
  h('span', { class: 'result-text' },
    h('span', { class: 'result-top' },
      h('span', { class: 'result-type', 'data-testid': 'result-type' }, s.type_name),
      h('span', { class: 'badges' }, summaryBadges(s))),
    h('span', { class: 'result-owner', 'data-testid': 'result-owner' },
      s.owner_name || '(chưa rõ chủ giấy tờ)'),
    h('span', { class: 'result-meta' }, meta1),
    h('span', { class: 'result-meta' }, meta2)));
}

/** The whole paper (the answer of GET /api/documents/{id}); actions: the attach form;
 * onCorrected: called after a field was corrected (to reopen the paper). */
export function documentArticle(data, actions, onCorrected) {
  const s = data.document;
  const v = data.verification || {};
  const origin = [
    `Mã giấy tờ: ${s.id}`,
    `Số hoá ngày ${fmtDate(s.digitized_at)}`,
    s.agency_name || s.agency_code
      ? `tại ${[s.agency_name, s.agency_code && `(${s.agency_code})`].filter(Boolean).join(' ')}`
      : null,
    s.dossier_code ? `hồ sơ gốc ${s.dossier_code}` : null,
    `${s.pages} trang`,
  ].filter(Boolean).join(' · ');

  return h('article', { class: 'doc', 'data-testid': 'doc', 'data-doc-id': s.id },
    h('header', { class: 'doc-head' },
      h('div', { class: 'doc-title' },
        h('h2', { 'data-testid': 'doc-type' }, s.type_name),
        h('p', { class: 'doc-owner', 'data-testid': 'doc-owner' },
          s.owner_name || '(chưa rõ chủ giấy tờ)',
          s.owner_id ? h('span', { class: 'muted' }, ` — Số định danh: ${s.owner_id}`) : null),
        h('p', { class: 'muted small' }, origin)),
      h('div', { class: 'badges' }, summaryBadges(s))),
    h('div', { class: 'status-row' }, verificationBox(v, s), validityBox(s)),
    actions,
    h('div', { class: 'doc-body' },
      fieldsSection(data.fields || {}, s.id, onCorrected),
      previewsSection(data.previews || [], s)),
    reusesSection(data.reuses || []),
    metadataSection(data.metadata || {}));
}

function verificationBox(v, s) {
  const signature = v.signature || null;
  const checked = v.checked_at ? `Kiểm tra lúc ${fmtDateTime(v.checked_at)}` : '';
  if (v.ok && signature && signature.ok !== false) {
    const signer = signerName(signature.signer);
    const details = [
      signer ? `Ký bởi: ${signer}` : null,
      signature.signed_at ? `ký lúc ${fmtDateTime(signature.signed_at)}` : null,
      checked,
    ].filter(Boolean).join(' · ');
    return h('div', { class: 'verify verify-ok', role: 'status', 'data-testid': 'verification',
      'data-ok': 'true' },
    h('strong', null, '✔ Nguyên vẹn, chữ ký hợp lệ'),
    h('span', { class: 'small' }, details));
  }
  if (v.ok && !signature) {
    return h('div', { class: 'verify verify-warn', role: 'status',
      'data-testid': 'verification', 'data-ok': 'true' },
    h('strong', null, s.signed ? '✔ Nguyên vẹn' : '✔ Nguyên vẹn (giấy tờ chưa ký số)'),
    h('span', { class: 'small' }, checked));
  }
  const problems = (v.problems || []).slice();
  if (!v.stored) problems.unshift('không tìm thấy tệp lưu trữ');
  else if (v.hash_ok === false) problems.unshift('mã băm không khớp: tệp đã bị thay đổi');
  return h('div', { class: 'verify verify-bad', role: 'alert', 'data-testid': 'verification',
    'data-ok': 'false' },
  h('strong', null, '✖ Không đạt kiểm tra toàn vẹn / chữ ký số'),
  h('ul', { class: 'problems' }, problems.map((p) => h('li', null, p))),
  h('span', { class: 'small' }, checked));
}

function signerName(dn) {
  if (!dn) return '';
  const m = /(?:^|,)\s*CN=((?:\\,|[^,])+)/.exec(String(dn));
  return m ? m[1].replace(/\\,/g, ',') : String(dn);
}

function validityText(s) {
  if (!s.valid_until) return 'Không thời hạn';
  if (s.expired) {
    return `Hết hiệu lực từ ${fmtDate(nextDay(s.valid_until))} ` +
      `(có giá trị đến hết ngày ${fmtDate(s.valid_until)})`;
  }
  return `Còn hiệu lực đến ${fmtDate(s.valid_until)}`;
}

function validityBox(s) {
  const kind = !s.valid_until ? 'none' : s.expired ? 'bad' : 'ok';
  return h('div', { class: 'validity validity-' + kind, 'data-testid': 'validity' },
    validityText(s));
}

function fieldsSection(fields, docId, onCorrected) {
  const keys = Object.keys(fields);
  const known = fieldOrder().filter((k) => keys.includes(k));
  const rest = keys.filter((k) => !hasFieldLabel(k)).sort();
  const ordered = known.concat(rest);
  const section = h('section', { class: 'doc-fields', 'data-testid': 'fields' },
    h('h3', null, 'Thông tin trên giấy tờ'));
  if (!ordered.length) {
    section.append(h('p', { class: 'muted' }, 'Không có trường thông tin nào được trích xuất ' +
      '(xem ảnh trang bên cạnh).'));
    return section;
  }
  const body = h('tbody');
  for (const key of ordered) {
    const f = fields[key] || {};
    const review = Boolean(f.needs_review);
    const conf = typeof f.confidence === 'number' ? `${Math.round(f.confidence * 100)}%` : '';
    body.append(h('tr', {
      class: review ? 'review' : null, 'data-testid': 'field', 'data-key': key,
    },
    h('th', { scope: 'row', title: key }, fieldLabel(key)),
    h('td', null, h('span', { class: 'value' }, plainValue(f.value) || '—'),
      review ? h('span', { class: 'review-note' },
        badge('Cần kiểm tra', 'warn', 'field-review'),
        (f.reasons || []).length ? ' ' + f.reasons.map(reasonName).join('; ') : '') : null),
    h('td', { class: 'conf muted', title: 'Độ tin cậy nhận dạng' }, conf),
    h('td', { class: 'fix' }, onCorrected ? h('button', {
      type: 'button', class: review ? 'btn btn-small btn-primary' : 'btn btn-small',
      'data-testid': 'field-fix', 'aria-label': `Sửa ${fieldLabel(key)}`,
      onclick: (ev) => openFixBox(ev.currentTarget.closest('tr'), docId, key, f,
        onCorrected),
    }, 'Sửa') : null)));
  }
  section.append(h('table', { class: 'table table-fields' }, body));
  return section;
}

/** The edit box under a field's row: the right value and why (PATCH …/fields/{key}). The
 * signed copy is not changed; the server keeps a new metadata version and logs the edit. */
function openFixBox(row, docId, key, f, onCorrected) {
  const next = row.nextElementSibling;
  if (next && next.classList.contains('fix-row')) {
    next.remove();
    return;
  }
  const value = h('input', { name: 'value', maxlength: 500, required: true,
    autocomplete: 'off', 'data-testid': 'fix-value', 'aria-label': 'Giá trị đúng' });
  value.value = plainValue(f.value) || '';
  const reason = h('input', { name: 'reason', maxlength: 500, required: true,
    autocomplete: 'off', 'data-testid': 'fix-reason', 'aria-label': 'Lý do sửa',
    placeholder: 'Lý do sửa (vd: đối chiếu bản chính)' });
  const msg = h('p', { class: 'msg', role: 'status', 'data-testid': 'fix-msg', hidden: true });
  const save = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'fix-save' },
    'Lưu');
  const form = h('form', { class: 'fix-form', 'data-testid': 'fix-form' },
    h('label', null, 'Giá trị đúng ', value),
    h('label', null, 'Lý do ', reason),
    save,
    h('button', { type: 'button', class: 'btn', onclick: () => box.remove() }, 'Huỷ'),
    h('p', { class: 'muted small' }, 'Ngày nhập dạng dd/mm/yyyy. Bản ký số giữ nguyên; ' +
      'lần sửa được ghi vào nhật ký.'),
    msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    setBusy(save, true);
    try {
      await api('PATCH', `/api/documents/${encodeURIComponent(docId)}/fields/` +
        encodeURIComponent(key), { value: value.value.trim(), reason: reason.value.trim() });
      onCorrected();
    } catch (e) {
      showMsg(msg, e.message, 'error');
    } finally {
      setBusy(save, false);
    }
  });
  const box = h('tr', { class: 'fix-row' }, h('td', { colspan: 4 }, form));
  row.after(box);
  value.focus();
}

function previewsSection(previews, s) {
  const section = h('section', { class: 'doc-previews', 'data-testid': 'previews' },
    h('h3', null, `Ảnh trang (${s.pages})`));
  if (!previews.length) {
    section.append(h('p', { class: 'muted' }, 'Không có ảnh xem trước (tệp lưu trữ không ' +
      'đọc được).'));
    return section;
  }
  const pages = [];
  const grid = h('div', { class: 'thumbs' });
  previews.forEach((p, i) => {
    const url = safeUrl(p.url);
    if (!url) return;
    pages.push({ url, page: p.page });
    const img = h('img', {
      src: url, alt: `Trang ${p.page}`, 'data-testid': 'preview', decoding: 'async',
      loading: i < 4 ? 'eager' : 'lazy',
    });
    img.addEventListener('error', () => {
      img.replaceWith(h('span', { class: 'thumb-error' },
        'Không tải được ảnh (liên kết có thể đã hết hạn: mở lại giấy tờ).'));
    });
    const index = pages.length - 1;
    grid.append(h('figure', { class: 'thumb' },
      h('button', {
        type: 'button', class: 'thumb-btn', 'data-testid': 'preview-open',
        title: 'Bấm để phóng to', onclick: () => openLightbox(pages, index),
      }, img),
      h('figcaption', null, `Trang ${p.page}`)));
  });
  section.append(grid);
  return section;
}

function reusesSection(reuses) {
  const section = h('section', { class: 'doc-reuses', 'data-testid': 'reuses' },
    h('h3', null, 'Các lần tái sử dụng giấy tờ này'));
  if (!reuses.length) {
    section.append(h('p', { class: 'muted' }, 'Chưa được gắn vào hồ sơ nào.'));
    return section;
  }
  section.append(eventsTable(reuses, ['at', 'action', 'dossier', 'actor', 'detail']));
  return section;
}

/** A metadata value as people read it: field keys by their labels, per-page confidences
 * in percent, the last correction in words, dates dd/mm/yyyy. */
function metadataText(key, value) {
  if (value === null || value === undefined || value === '') return '';
  if (key === 'NgaySoHoa') return fmtDateTime(value);
  if (key === 'CanKiemTra' && Array.isArray(value)) return value.map(fieldLabel).join(', ');
  if (key === 'DoTinCayOCR' && Array.isArray(value)) {
    return value.map((c, i) => `trang ${i + 1}: ${fmtConf(c)}`).join('; ');
  }
  if (key === 'SuaDoi' && value && typeof value === 'object') {
    return [`${fieldLabel(value.field)}: “${plainValue(value.old)}” → “${plainValue(value.new)}”`,
      value.reason ? `lý do: ${value.reason}` : null,
      value.by ? `người sửa: ${value.by}` : null,
      value.at ? fmtDateTime(value.at) : null].filter(Boolean).join(' · ');
  }
  return plainValue(value);
}

function metadataSection(metadata) {
  const body = h('tbody');
  for (const [key, value] of Object.entries(metadata)) {
    body.append(h('tr', { 'data-testid': 'metadata-row', 'data-key': key },
      h('th', { scope: 'row', title: key }, metadataLabel(key)),
      h('td', { class: 'break' }, metadataText(key, value) || '—')));
  }
  return h('details', { class: 'doc-meta' },
    h('summary', null, 'Thông tin đặc tả của giấy tờ số hoá (metadata)'),
    h('table', { class: 'table table-fields' }, body));
}
