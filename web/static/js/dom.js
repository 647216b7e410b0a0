/* Element helpers. Data reaches the page only as text nodes, textContent or setAttribute:
 * never innerHTML with data. */

export const $ = (id) => document.getElementById(id);

/** Build an element; strings become text nodes (never parsed as HTML). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Show a message in a .msg element (kind: info, ok, warn, error); no text hides it. */
export function showMsg(el, text, kind) {
  if (!text) {
    el.hidden = true;
    el.textContent = '';
    return;
  }
  el.textContent = text;
  el.className = 'msg' + (kind ? ' msg-' + kind : '');
  el.hidden = false;
}

export function badge(text, kind, testid) {
  return h('span', { class: 'badge badge-' + kind, 'data-testid': testid || null }, text);
}

export function setBusy(button, busy) {
  if (!button) return;
  button.disabled = busy;
  button.classList.toggle('busy', busy);
}

/** Only http(s) links and paths on this server. */
export function safeUrl(url) {
  try {
    const u = new URL(String(url), window.location.href);
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.href;
  } catch (e) {
    /* fall through */
  }
  return null;
}

/** Replace a select's options after its first one ("Tất cả", "Tự nhận dạng"…). */
export function fillOptions(select, items) {
  while (select.options.length > 1) select.remove(1);
  for (const { key, name } of items) select.append(h('option', { value: key }, name));
}
