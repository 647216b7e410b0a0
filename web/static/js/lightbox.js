/* Page previews, enlarged: zoom in and out, fit to the width or to the whole window; Esc
 * closes, ← → (or the buttons) turn the pages, + − 0 zoom. The image's width is set
 * through the CSSOM (allowed by the page's CSP, which forbids style attributes). */

import { $ } from './dom.js';

const ZOOM_STEP = 1.25;
const ZOOM_MIN = 0.1;
const ZOOM_MAX = 4;

// mode: 'width' (fit the width), 'page' (whole page in the window) or 'zoom' (scale kept)
const box = { pages: [], index: 0, mode: 'width', scale: 1 };

export function initLightbox() {
  $('lightbox-close').addEventListener('click', closeLightbox);
  $('lightbox').addEventListener('click', (event) => {
    if (event.target === $('lightbox') || event.target.classList.contains('lightbox-body')) {
      closeLightbox();
    }
  });
  $('lightbox-zoom-in').addEventListener('click', () => zoomBy(ZOOM_STEP));
  $('lightbox-zoom-out').addEventListener('click', () => zoomBy(1 / ZOOM_STEP));
  $('lightbox-fit-width').addEventListener('click', () => fit('width'));
  $('lightbox-fit-page').addEventListener('click', () => fit('page'));
  $('lightbox-prev').addEventListener('click', () => turn(-1));
  $('lightbox-next').addEventListener('click', () => turn(1));
  $('lightbox-img').addEventListener('load', layout);
  window.addEventListener('resize', () => {
    if (!$('lightbox').hidden && box.mode !== 'zoom') layout();
  });
  document.addEventListener('keydown', onKey);
}

/** Show pages[index] ({ url, page }) enlarged, fitted to the width. */
export function openLightbox(pages, index) {
  box.pages = pages;
  box.index = index;
  box.mode = 'width';
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
  $('lightbox-title').textContent = `Trang ${p.page} / ${pages.length}`;
  $('lightbox-prev').disabled = index === 0;
  $('lightbox-next').disabled = index >= pages.length - 1;
  $('lightbox-prev').hidden = pages.length < 2;
  $('lightbox-next').hidden = pages.length < 2;
  layout();
}

function turn(step) {
  const next = box.index + step;
  if (next < 0 || next >= box.pages.length) return;
  box.index = next;
  showPage();
}

function fit(mode) {
  box.mode = mode;
  layout();
}

function zoomBy(factor) {
  const img = $('lightbox-img');
  if (!img.naturalWidth) return;
  box.scale = Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, currentScale() * factor));
  box.mode = 'zoom';
  layout();
}

function currentScale() {
  const img = $('lightbox-img');
  return img.naturalWidth ? img.getBoundingClientRect().width / img.naturalWidth : 1;
}

/** Size the image for the mode; the percentage shown is of the preview's own size. */
function layout() {
  const img = $('lightbox-img');
  const body = img.parentElement;
  if (!img.naturalWidth) return;
  const style = window.getComputedStyle(body);
  const width = body.clientWidth - parseFloat(style.paddingLeft) -
    parseFloat(style.paddingRight);
  const height = body.clientHeight - parseFloat(style.paddingTop) -
    parseFloat(style.paddingBottom);
  if (box.mode === 'width') box.scale = width / img.naturalWidth;
  else if (box.mode === 'page') {
    box.scale = Math.min(width / img.naturalWidth, height / img.naturalHeight);
  }
  img.style.width = `${Math.max(1, Math.round(img.naturalWidth * box.scale))}px`;
  $('lightbox-zoom').textContent = `${Math.round(box.scale * 100)} %`;
  $('lightbox-fit-width').setAttribute('aria-pressed', box.mode === 'width' ? 'true' : 'false');
  $('lightbox-fit-page').setAttribute('aria-pressed', box.mode === 'page' ? 'true' : 'false');
}

function onKey(event) {
  if ($('lightbox').hidden) return;
  if (event.key === 'Escape') closeLightbox();
  else if (event.key === 'ArrowRight') turn(1);
  else if (event.key === 'ArrowLeft') turn(-1);
  else if (event.key === '+' || event.key === '=') zoomBy(ZOOM_STEP);
  else if (event.key === '-') zoomBy(1 / ZOOM_STEP);
  else if (event.key === '0') fit('width');
}
