/* Dates in Việt Nam time (Asia/Ho_Chi_Minh) and numbers the Vietnamese way. */

export const VN_TZ = 'Asia/Ho_Chi_Minh';
export const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

const vnFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: VN_TZ, year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});
const sizeFormat = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 1 });
const rateFormat = new Intl.NumberFormat('vi-VN', {
  minimumFractionDigits: 2, maximumFractionDigits: 2,
});
const pointsFormat = rateFormat;
const confFormat = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 1 });

/** The parts (year, month, day, hour, minute, second) of a date-time in Việt Nam. */
function vnParts(text) {
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) return null;
  const out = {};
  for (const part of vnFormat.formatToParts(d)) out[part.type] = part.value;
  return out;
}

/** 'YYYY-MM-DD' (a day) or an ISO date-time (shown as the day in Việt Nam): dd/mm/yyyy. */
export function fmtDate(value) {
  if (!value) return '';
  const text = String(value);
  const m = ISO_DATE_RE.exec(text);
  if (m) return `${m[3]}/${m[2]}/${m[1]}`;
  const p = vnParts(text);
  return p ? `${p.day}/${p.month}/${p.year}` : text;
}

/** An ISO date-time as dd/mm/yyyy HH:MM:SS in Việt Nam time. */
export function fmtDateTime(value) {
  if (!value) return '';
  const p = vnParts(String(value));
  return p ? `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}:${p.second}` : String(value);
}

/** An ISO date-time as HH:MM in Việt Nam time. */
export function fmtTime(value) {
  const p = vnParts(String(value || ''));
  return p ? `${p.hour}:${p.minute}` : '';
}

/** The day after 'YYYY-MM-DD', as 'YYYY-MM-DD'. */
export function nextDay(iso) {
  const m = ISO_DATE_RE.exec(String(iso || ''));
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3] + 1));
  return d.toISOString().slice(0, 10);
}

/** Today in Việt Nam, 'YYYY-MM-DD'. */
export function todayVN() {
  const p = vnParts(new Date().toISOString());
  return `${p.year}-${p.month}-${p.day}`;
}

/** The first day of the quarter of 'YYYY-MM-DD'. */
export function quarterStart(iso) {
  const m = ISO_DATE_RE.exec(iso);
  const month = Math.floor((Number(m[2]) - 1) / 3) * 3 + 1;
  return `${m[1]}-${String(month).padStart(2, '0')}-01`;
}

/** A field or metadata value as text: dates dd/mm/yyyy, booleans Có / Không. */
export function plainValue(value) {
  if (value === null || value === undefined || value === '') return '';
  if (typeof value === 'boolean') return value ? 'Có' : 'Không';
  if (Array.isArray(value)) return value.map(plainValue).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  const text = String(value);
  return ISO_DATE_RE.test(text) ? fmtDate(text) : text;
}

export function fmtSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${sizeFormat.format(bytes / 1024)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${sizeFormat.format(bytes / 1024 / 1024)} MB`;
  return `${sizeFormat.format(bytes / 1024 / 1024 / 1024)} GB`;
}

/** A rate in percent (two decimals), or N/A. */
export function fmtRate(rate) {
  return rate === null || rate === undefined ? 'N/A' : `${rateFormat.format(rate)} %`;
}

/** An indicator's points out of its maximum. */
export function fmtPoints(ind) {
  if (ind.points === null || ind.points === undefined) return 'không tính điểm';
  return `${pointsFormat.format(ind.points)}/${ind.max_points} điểm`;
}

/** A confidence (0..1) in percent. */
export function fmtConf(value) {
  return typeof value === 'number' ? `${confFormat.format(value * 100)} %` : '?';
}

// -- days typed by people: dd/mm/yyyy, whatever the browser's locale ----------------------

const DAY_INPUT_RE = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$|^(\d{2})(\d{2})(\d{4})$/;

/** A day typed as dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, ddmmyyyy from a phone's
 * digit pad, or a pasted yyyy-mm-dd) as 'YYYY-MM-DD'; '' when empty; null when it is no
 * day of the calendar. */
export function parseDay(text) {
  const t = String(text || '').trim();
  if (!t) return '';
  let y;
  let m;
  let d;
  const iso = ISO_DATE_RE.exec(t);
  const typed = DAY_INPUT_RE.exec(t);
  if (iso) [y, m, d] = [+iso[1], +iso[2], +iso[3]];
  else if (typed) {
    const [dd, mm, yyyy] = typed[1] ? typed.slice(1, 4) : typed.slice(4, 7);
    [d, m, y] = [+dd, +mm, +yyyy];
  }
  else return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 ||
      date.getUTCDate() !== d) {
    return null;
  }
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The Vietnamese message for a day input that cannot be read (its label given). */
export function dayError(label, text) {
  return `“${label}”: “${String(text).trim()}” không phải là ngày hợp lệ. ` +
    'Nhập theo dạng ngày/tháng/năm, ví dụ 05/03/2024.';
}

/** Read the day inputs (elements with data-day) of a form: { name: 'YYYY-MM-DD' | '' };
 * throws Error(Vietnamese message) with .input set on the first one that is no day. */
export function readDays(form) {
  const out = {};
  for (const input of form.querySelectorAll('input[data-day]')) {
    const iso = parseDay(input.value);
    input.setAttribute('aria-invalid', iso === null ? 'true' : 'false');
    if (iso === null) {
      const error = new Error(dayError(input.getAttribute('data-day'), input.value));
      error.input = input;
      throw error;
    }
    out[input.name] = iso;
  }
  return out;
}

/** Once a day input is left, show what was typed as dd/mm/yyyy (15031990 → 15/03/1990). */
export function tidyDayInput(event) {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.hasAttribute('data-day')) return;
  const iso = parseDay(input.value);
  if (iso) {
    input.value = fmtDate(iso);
    input.removeAttribute('aria-invalid');
  }
}
