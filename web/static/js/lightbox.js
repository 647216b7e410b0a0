/* Page previews, enlarged: Esc closes, ← → turn the pages. */

import { $ } from './dom.js';

const box = { pages: [], index: 0 };

export function initLightbox() {
  $('lightbox-close').addEventListener('click', closeLightbox);
  $('lightbox').addEventListener('click', (event) => {
    if (event.target === $('lightbox') || event.target.classList.contains('lightbox-body')) {
      closeLightbox();
    }
  });
  document.addEventListener('keydown', onKey);
}

/** Show pages[index] ({ url, page }) enlarged. */
export function openLightbox(pages, index) {
  box.pages = pages;
  box.index = index;
  showPage();
  $('lightbox').hidden = false;
  $('lightbox-close').focus();
}

export function closeLightbox() {
  const el = $('lightbox');
  if (!el || el.hidden) return;
  el.hidden = true;
  $('lightbox-img').removeAttribute('src');
}

function showPage() {
  const { pages, index } = box;
  const p = pages[index];
  if (!p) return;
  $('lightbox-img').src = p.url;
  $('lightbox-img').alt = `Trang ${p.page}`;
  $('lightbox-title').textContent = `Trang ${p.page} / ${pages.length}` +
    (pages.length > 1 ? ' (phím ← → để chuyển trang)' : '');
}

function onKey(event) {
  if ($('lightbox').hidden) return;
  if (event.key === 'Escape') closeLightbox();
  else if (event.key === 'ArrowRight' && box.index < box.pages.length - 1) {
    box.index += 1;
    showPage();
  } else if (event.key === 'ArrowLeft' && box.index > 0) {
    box.index -= 1;
    showPage();
  }
}
