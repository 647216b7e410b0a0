/* Trang tra cứu giấy tờ đã số hoá (sohoa serve).
 *
 * Plain JavaScript, no build step, no outside resources. Everything shown comes from the
 * API (web/API.md) and is put on the page with textContent / setAttribute only: no
 * innerHTML with data. The session cookie is HttpOnly; the CSRF token from the sign-in is
 * kept in memory and in sessionStorage (so a reload of the tab keeps working) and is sent
 * as X-CSRF-Token on every POST, PATCH and DELETE.
 *
 * Tabs by role: counter staff upload a dossier's scans and follow their digitization,
 * officers search / open / attach papers, auditors read the access log and the reports (the
 * Decision 766 scorecard and the OCR quality audit), admins manage accounts.
 */
'use strict';

(function () {
  // -- constants ---------------------------------------------------------------------------

  const VN_TZ = 'Asia/Ho_Chi_Minh';
  const CSRF_KEY = 'sohoa.csrf';
  const COUNTER_KEY = 'sohoa.counter'; // last procedure / agency the counter typed
  const POLL_MS = 1000;
  const POLL_MAX_MS = 10000;
  const SEARCH_LIMIT = 50;
  const AUDIT_LIMIT = 100;
  const REVIEW_LIMIT = 200; // documents listed in "Cần xem lại (OCR)"
  const RATE_TARGET = 80; // percent: full points at or above (pipeline/report.py THRESHOLD)
  const CODE_RE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;
  const PROCEDURE_RE = /^\d\.\d{6}$/;
  const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{1,62}$/;
  const OWNER_ID_RE = /^\d{12}$/;
  const SCAN_EXT_RE = /\.(pdf|tiff?|jpe?g|png)$/i;
  const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

  const ROLES = [
    ['counter', 'Cán bộ một cửa'],
    ['officer', 'Cán bộ xử lý'],
    ['auditor', 'Kiểm tra, giám sát'],
    ['admin', 'Quản trị'],
  ];
  const ROLE_NAMES = Object.fromEntries(ROLES);

  // Which tab each role opens, in the order shown.
  const TABS = [
    { id: 'tab-upload', view: 'upload-view', role: 'counter' },
    { id: 'tab-search', view: 'search-view', role: 'officer' },
    { id: 'tab-audit', view: 'audit-view', role: 'auditor' },
    { id: 'tab-reports', view: 'reports-view', role: 'auditor' },
    { id: 'tab-accounts', view: 'accounts-view', role: 'admin' },
  ];

  // pipeline/doctypes.py DOC_TYPES (a job's papers carry only the key).
  const TYPE_NAMES = {
    can_cuoc: 'Căn cước / Căn cước công dân',
    giay_khai_sinh: 'Giấy khai sinh',
    to_khai: 'Tờ khai',
    giay_chung_nhan_ket_hon: 'Giấy chứng nhận kết hôn',
    giay_xac_nhan_tinh_trang_hon_nhan: 'Giấy xác nhận tình trạng hôn nhân',
    giay_chung_nhan_qsdd: 'Giấy chứng nhận quyền sử dụng đất',
    van_ban_hanh_chinh: 'Văn bản hành chính',
    khac: 'Giấy tờ khác',
  };

  // A scan job's states (web/scans.py), as shown, and which of them are still moving.
  const JOB_STATES = {
    queued: ['Đang chờ số hoá', 'info'],
    running: ['Đang số hoá', 'info'],
    done: ['Đã số hoá xong', 'ok'],
    failed: ['Không số hoá được', 'bad'],
    interrupted: ['Bị gián đoạn', 'bad'],
    queued_to_workers: ['Đã chuyển cho hàng đợi xử lý', 'ok'],
  };
  const JOB_ACTIVE = new Set(['queued', 'running']);

  const FIELD_LABELS = {
    ho_ten: 'Họ và tên',
    so_dinh_danh: 'Số định danh',
    ngay_sinh: 'Ngày sinh',
    ngay_sinh_bang_chu: 'Ngày sinh (bằng chữ)',
    nam_sinh: 'Năm sinh',
    gioi_tinh: 'Giới tính',
    dan_toc: 'Dân tộc',
    quoc_tich: 'Quốc tịch',
    que_quan: 'Quê quán',
    noi_sinh: 'Nơi sinh',
    noi_thuong_tru: 'Nơi thường trú',
    noi_cu_tru: 'Nơi cư trú',
    dac_diem_nhan_dang: 'Đặc điểm nhận dạng',
    co_gia_tri_den: 'Có giá trị đến',
    so: 'Số',
    so_ky_hieu: 'Số, ký hiệu',
    so_hieu: 'Số hiệu',
    so_phat_hanh: 'Số phát hành',
    so_vao_so: 'Số vào sổ',
    ngay_cap: 'Ngày cấp',
    noi_cap: 'Nơi cấp',
    ngay_ban_hanh: 'Ngày ban hành',
    ngay_dang_ky: 'Ngày đăng ký',
    ngay_ghi: 'Ngày ghi',
    ngay_lam: 'Ngày làm',
    co_quan_ban_hanh: 'Cơ quan ban hành',
    trich_yeu: 'Trích yếu',
    ho_ten_me: 'Họ tên mẹ',
    ho_ten_cha: 'Họ tên cha',
    ho_ten_chong: 'Họ tên chồng',
    ho_ten_vo: 'Họ tên vợ',
    ho_ten_nguoi_di_khai_sinh: 'Người đi khai sinh',
    noi_dang_ky_khai_sinh: 'Nơi đăng ký khai sinh',
    noi_dang_ky_ket_hon: 'Nơi đăng ký kết hôn',
    tinh_trang_hon_nhan: 'Tình trạng hôn nhân',
    nguoi_yeu_cau: 'Người yêu cầu',
    thua_dat_so: 'Thửa đất số',
    to_ban_do_so: 'Tờ bản đồ số',
  };

  const META_LABELS = {
    MaGiayTo: 'Mã loại giấy tờ',
    TenGiayTo: 'Tên giấy tờ',
    SoKyHieu: 'Số, ký hiệu',
    TrichYeuNoiDung: 'Trích yếu nội dung',
    NgayCap: 'Ngày cấp',
    ThoiHanHieuLuc: 'Thời hạn hiệu lực',
    PhamViHieuLuc: 'Phạm vi hiệu lực',
    MaCoQuan: 'Mã cơ quan số hoá',
    TenCoQuan: 'Tên cơ quan số hoá',
    CoQuanBanHanh: 'Cơ quan ban hành',
    LoaiDinhDanhCHS: 'Loại định danh chủ sở hữu',
    MaChuGiayTo: 'Mã chủ giấy tờ',
    TenChuGiayTo: 'Tên chủ giấy tờ',
    NgaySoHoa: 'Ngày số hoá',
    MaHoSo: 'Mã hồ sơ',
    MaTTHC: 'Mã thủ tục hành chính',
    MaThanhPhanHoSo: 'Mã thành phần hồ sơ',
    DuocSoHoa: 'Được số hoá',
    DuocTaiSuDung: 'Được tái sử dụng',
    SHA256: 'Mã băm SHA-256 (bản PDF)',
    SHA256BanGoc: 'Mã băm SHA-256 (bản quét gốc)',
    CanKiemTra: 'Trường cần kiểm tra',
  };

  // The scorecard's indicators (pipeline/report.py INDICATORS), as shown.
  const INDICATORS = [
    ['digitization', 'Số hoá', 'hồ sơ đã số hoá / hồ sơ tiếp nhận'],
    ['reuse', 'Tái sử dụng', 'hồ sơ tái sử dụng dữ liệu số hoá / hồ sơ tiếp nhận'],
    ['electronic_results', 'Kết quả điện tử', 'hồ sơ cấp kết quả điện tử / hồ sơ có kết quả'],
  ];

  // Why a field was marked for review (the codes of pipeline/fields.py, validate.py).
  const REASON_NAMES = {
    low_confidence: 'đọc không chắc chắn',
    readings_differ: 'hai lần đọc khác nhau',
    disagrees: 'không khớp thông tin khác',
    date_invalid: 'ngày không hợp lệ',
    date_future: 'ngày ở tương lai',
    date_implausible: 'ngày không hợp lý',
    id_format: 'số định danh sai dạng',
    id_province: 'mã tỉnh không có trong danh mục',
    id_century: 'chữ số thế kỷ không khớp',
    id_sex: 'chữ số giới tính không khớp',
    id_year: 'năm sinh không khớp số định danh',
    name_length: 'họ tên sai độ dài',
    name_family: 'họ ít gặp',
    name_syllable: 'không phải tiếng Việt',
    name_partial: 'có chữ không đọc được cạnh họ tên',
    name_corrected: 'họ đã được sửa tự động',
    not_in_list: 'không có trong danh mục',
    format: 'sai dạng',
  };

  const KIND_NAMES = {
    accessed: 'Truy cập',
    reused: 'Gắn vào hồ sơ',
    reuse_refused: 'Từ chối gắn vào hồ sơ',
    received: 'Tiếp nhận hồ sơ',
    digitized: 'Số hoá',
    account: 'Tài khoản',
  };
  const ACTION_NAMES = {
    search: 'Tra cứu',
    view: 'Xem giấy tờ',
    download: 'Tải bản PDF',
    dossier: 'Xem hồ sơ',
    attach: 'Gắn vào hồ sơ',
    export: 'Xuất nhật ký',
    create: 'Tạo tài khoản',
    change: 'Sửa tài khoản',
    token_issued: 'Cấp mã truy cập API',
    token_revoked: 'Thu hồi mã truy cập API',
    report: 'Xem báo cáo chỉ số',
    review: 'Xem danh sách cần xem lại (OCR)',
  };
  const QUERY_NAMES = {
    owner_id: 'số định danh',
    name: 'họ tên',
    birth_date: 'ngày sinh',
    type: 'loại',
    agency: 'cơ quan',
    digitized_from: 'từ ngày',
    digitized_to: 'đến ngày',
    since: 'từ',
    until: 'đến',
    actor: 'người',
    document_id: 'giấy tờ',
    dossier_code: 'hồ sơ',
    kind: 'loại',
    action: 'hành động',
  };
  const CHANNELS = { 1: 'Trực tiếp tại Bộ phận Một cửa', 2: 'Trực tuyến', 3: 'Bưu chính' };

  // -- state -------------------------------------------------------------------------------

  const state = {
    me: null,
    csrf: null,
    view: null,
    detailSeq: 0, // newest document / dossier request; older answers are dropped
    selectedId: null,
    lastDossier: '', // the dossier the officer last attached to (pre-fills the form)
    audit: { params: null, next: null },
    reportSeq: 0, // newest report request; older answers (and the last user's) are dropped
    accounts: [],
    lightbox: { pages: [], index: 0 },
    epoch: 0, // bumped on sign-out: pending polls of the last user stop
    scanFiles: [], // File objects chosen for the next upload
    scanJobs: [], // this session's uploads: { id, job, card, timer, failures }
  };

  const $ = (id) => document.getElementById(id);

  // -- small helpers -----------------------------------------------------------------------

  /** Build an element; strings become text nodes (never parsed as HTML). */
  function h(tag, attrs, ...children) {
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

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  function showMsg(el, text, kind) {
    if (!text) {
      el.hidden = true;
      el.textContent = '';
      return;
    }
    el.textContent = text;
    el.className = 'msg' + (kind ? ' msg-' + kind : '');
    el.hidden = false;
  }

  /** 'YYYY-MM-DD' (a day) or an ISO date-time (shown as the day in Việt Nam): dd/mm/yyyy. */
  function fmtDate(value) {
    if (!value) return '';
    const text = String(value);
    const m = ISO_DATE_RE.exec(text);
    if (m) return `${m[3]}/${m[2]}/${m[1]}`;
    const p = vnParts(text);
    return p ? `${p.day}/${p.month}/${p.year}` : text;
  }

  /** An ISO date-time as dd/mm/yyyy HH:MM:SS in Việt Nam time. */
  function fmtDateTime(value) {
    if (!value) return '';
    const p = vnParts(String(value));
    return p ? `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}:${p.second}` : String(value);
  }

  function fmtTime(value) {
    const p = vnParts(String(value || ''));
    return p ? `${p.hour}:${p.minute}` : '';
  }

  const vnFormat = new Intl.DateTimeFormat('en-GB', {
    timeZone: VN_TZ, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  });

  function vnParts(text) {
    const d = new Date(text);
    if (Number.isNaN(d.getTime())) return null;
    const out = {};
    for (const part of vnFormat.formatToParts(d)) out[part.type] = part.value;
    return out;
  }

  /** The day after 'YYYY-MM-DD', as 'YYYY-MM-DD'. */
  function nextDay(iso) {
    const m = ISO_DATE_RE.exec(String(iso || ''));
    if (!m) return null;
    const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3] + 1));
    return d.toISOString().slice(0, 10);
  }

  function fieldLabel(key) {
    return FIELD_LABELS[key] || key;
  }

  function plainValue(value) {
    if (value === null || value === undefined || value === '') return '';
    if (typeof value === 'boolean') return value ? 'Có' : 'Không';
    if (Array.isArray(value)) return value.map(plainValue).join(', ');
    if (typeof value === 'object') return JSON.stringify(value);
    const text = String(value);
    return ISO_DATE_RE.test(text) ? fmtDate(text) : text;
  }

  /** Only http(s) links and paths on this server. */
  function safeUrl(url) {
    try {
      const u = new URL(String(url), window.location.href);
      if (u.protocol === 'http:' || u.protocol === 'https:') return u.href;
    } catch (e) {
      /* fall through */
    }
    return null;
  }

  function badge(text, kind, testid) {
    return h('span', { class: 'badge badge-' + kind, 'data-testid': testid || null }, text);
  }

  function summaryBadges(s) {
    return [
      s.expired ? badge('Hết hiệu lực', 'bad', 'badge-expired') : null,
      s.signed ? null : badge('Chưa ký', 'warn', 'badge-unsigned'),
      s.needs_review && s.needs_review.length
        ? badge('Cần kiểm tra', 'warn', 'badge-review') : null,
    ];
  }

  function validityText(s) {
    if (!s.valid_until) return 'Không thời hạn';
    if (s.expired) {
      return `Hết hiệu lực từ ${fmtDate(nextDay(s.valid_until))} ` +
        `(có giá trị đến hết ngày ${fmtDate(s.valid_until)})`;
    }
    return `Còn hiệu lực đến ${fmtDate(s.valid_until)}`;
  }

  function setBusy(button, busy) {
    if (!button) return;
    button.disabled = busy;
    button.classList.toggle('busy', busy);
  }

  // -- API ---------------------------------------------------------------------------------

  class ApiFailure extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  /** Call the API; resolves to the JSON answer, rejects with ApiFailure (Vietnamese text). */
  async function api(method, path, body, options) {
    const opts = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
    if (body instanceof FormData) {
      opts.body = body; // multipart: the browser sets Content-Type with its boundary
    } else if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    if (method !== 'GET' && state.csrf) opts.headers['X-CSRF-Token'] = state.csrf;
    let response;
    try {
      response = await fetch(path, opts);
    } catch (e) {
      throw new ApiFailure(0, 'network',
        'Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại.');
    }
    if (response.status === 204) return null;
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (!response.ok) {
      const message = data && typeof data.message === 'string' && data.message
        ? data.message : `Máy chủ báo lỗi (HTTP ${response.status}).`;
      const failure = new ApiFailure(response.status, (data && data.code) || 'error', message);
      if (response.status === 401 && !(options && options.quiet401) && state.me) {
        signedOut('Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.', 'error');
      }
      throw failure;
    }
    return data;
  }

  function query(params) {
    const out = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== null && value !== undefined && String(value).trim() !== '') {
        out.set(key, String(value).trim());
      }
    }
    return out.toString();
  }

  // -- sign in / out -----------------------------------------------------------------------

  async function boot() {
    bindStatic();
    try {
      state.csrf = window.sessionStorage.getItem(CSRF_KEY);
    } catch (e) {
      state.csrf = null;
    }
    try {
      const me = await api('GET', '/api/me', undefined, { quiet401: true });
      signedIn(me);
    } catch (e) {
      signedOut(e.status === 401 ? '' : e.message, 'error');
    }
  }

  function signedIn(me) {
    state.me = me;
    if (me.csrf_token) state.csrf = me.csrf_token;
    try {
      if (state.csrf) window.sessionStorage.setItem(CSRF_KEY, state.csrf);
    } catch (e) {
      /* private mode: memory only */
    }
    $('boot-msg').hidden = true;
    $('signin-view').hidden = true;
    $('who-name').textContent = me.display_name || me.username;
    $('who-name').title = 'Tên đăng nhập: ' + me.username;
    $('who-roles').textContent = (me.roles || []).map((r) => ROLE_NAMES[r] || r).join(', ');
    $('who').hidden = false;
    const allowed = TABS.filter((t) => (me.roles || []).includes(t.role));
    for (const tab of TABS) $(tab.id).hidden = !allowed.includes(tab);
    $('tabs').hidden = allowed.length === 0;
    for (const tab of TABS) $(tab.view).hidden = true;
    $('norole-view').hidden = true;
    if (allowed.length) showView(allowed[0].view);
    else {
      $('norole-view').hidden = false;
      state.view = 'norole-view';
    }
  }

  /** Back to the sign-in form; forget everything the last user saw. */
  function signedOut(message, kind) {
    state.me = null;
    state.csrf = null;
    state.view = null;
    state.detailSeq += 1;
    state.selectedId = null;
    state.lastDossier = '';
    state.audit = { params: null, next: null };
    state.reportSeq += 1;
    state.accounts = [];
    state.epoch += 1;
    forgetScans();
    try {
      window.sessionStorage.removeItem(CSRF_KEY);
    } catch (e) {
      /* ignore */
    }
    closeLightbox();
    for (const id of ['upload-view', 'search-view', 'audit-view', 'reports-view', 'accounts-view',
      'norole-view', 'tabs', 'who', 'boot-msg']) {
      $(id).hidden = true;
    }
    $('search-form').reset();
    $('dossier-lookup').reset();
    clear($('results'));
    showMsg($('search-msg'), '');
    renderPlaceholder();
    $('audit-form').reset();
    clear($('audit-rows'));
    showMsg($('audit-msg'), '');
    $('audit-more').hidden = true;
    $('reports-form').reset();
    clearReports();
    showMsg($('reports-msg'), '');
    setBusy($('r-submit'), false);
    clear($('accounts-rows'));
    clear($('account-edit')).hidden = true;
    showMsg($('accounts-msg'), '');
    $('signin-form').reset();
    showMsg($('signin-msg'), message || '', kind);
    $('signin-view').hidden = false;
    $('signin-username').focus();
  }

  async function onSignIn(event) {
    event.preventDefault();
    const username = $('signin-username').value.trim();
    const password = $('signin-password').value;
    if (!username || !password) {
      showMsg($('signin-msg'), 'Nhập tên đăng nhập và mật khẩu.', 'error');
      return;
    }
    const button = $('signin-submit');
    setBusy(button, true);
    showMsg($('signin-msg'), '');
    try {
      const me = await api('POST', '/api/session', { username, password }, { quiet401: true });
      $('signin-password').value = '';
      signedIn(me);
    } catch (e) {
      $('signin-password').value = '';
      showMsg($('signin-msg'), e.message, 'error');
      $('signin-password').focus();
    } finally {
      setBusy(button, false);
    }
  }

  async function onSignOut() {
    try {
      await api('DELETE', '/api/session', undefined, { quiet401: true });
    } catch (e) {
      /* the cookie may already be gone; sign out here anyway */
    }
    signedOut('Đã đăng xuất.', 'info');
  }

  // -- tabs --------------------------------------------------------------------------------

  function showView(view) {
    for (const tab of TABS) {
      const active = tab.view === view;
      $(tab.view).hidden = !active;
      $(tab.id).setAttribute('aria-selected', active ? 'true' : 'false');
      $(tab.id).classList.toggle('active', active);
    }
    $('norole-view').hidden = true;
    const first = state.view !== view;
    state.view = view;
    if (view === 'upload-view' && first) focusUpload();
    if (view === 'search-view' && first) $('q-owner-id').focus();
    if (view === 'audit-view' && first) loadAudit(false);
    if (view === 'reports-view' && first) prepareReports();
    if (view === 'accounts-view' && first) loadAccounts();
  }

  // -- search ------------------------------------------------------------------------------

  async function onSearch(event) {
    event.preventDefault();
    const form = $('search-form');
    const values = Object.fromEntries(new FormData(form).entries());
    const params = query(values);
    const msg = $('search-msg');
    if (!params) {
      showMsg(msg, 'Nhập ít nhất một điều kiện tìm kiếm (số định danh, họ tên, ngày sinh…).',
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
    showMsg(msg, 'Đang tìm…', 'info');
    try {
      const data = await api('GET', `/api/documents?${params}&limit=${SEARCH_LIMIT}`);
      renderResults(data);
    } catch (e) {
      showMsg(msg, e.message, 'error');
    } finally {
      setBusy(button, false);
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
    for (const s of results) list.append(h('li', null, resultCard(s)));
  }

  /** A document summary as a button that opens it. */
  function resultCard(s) {
    const meta1 = [
      s.owner_id ? `Số ĐD: ${s.owner_id}` : 'Chưa có số định danh',
      s.birth_date ? `Ngày sinh: ${fmtDate(s.birth_date)}` : null,
    ].filter(Boolean).join(' · ');
    const meta2 = [
      `Số hoá: ${fmtDate(s.digitized_at)}`,
      s.valid_until ? `Hiệu lực đến: ${fmtDate(s.valid_until)}` : 'Không thời hạn',
    ].join(' · ');
    const button = h('button', {
      type: 'button',
      class: 'result' + (s.expired ? ' result-expired' : '') +
        (s.id === state.selectedId ? ' selected' : ''),
      'data-testid': 'result',
      'data-doc-id': s.id,
      'aria-pressed': s.id === state.selectedId ? 'true' : 'false',
      onclick: () => openDocument(s.id),
    },
    h('span', { class: 'result-top' },
      h('span', { class: 'result-type', 'data-testid': 'result-type' }, s.type_name),
      h('span', { class: 'badges' }, summaryBadges(s))),
    h('span', { class: 'result-owner', 'data-testid': 'result-owner' },
      s.owner_name || '(chưa rõ chủ giấy tờ)'),
    h('span', { class: 'result-meta' }, meta1),
    h('span', { class: 'result-meta' }, meta2));
    return button;
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
    return CODE_RE.test(state.lastDossier) ? state.lastDossier : '';
  }

  async function openDocument(id) {
    const seq = ++state.detailSeq;
    const dossier = handlingDossier();
    markSelected(id);
    renderPaneMessage('Đang mở giấy tờ và kiểm tra chữ ký…', 'info');
    let data;
    try {
      data = await api('GET', `/api/documents/${encodeURIComponent(id)}` +
        (dossier ? `?dossier=${encodeURIComponent(dossier)}` : ''));
    } catch (e) {
      if (seq === state.detailSeq && state.me) renderPaneMessage(e.message, 'error');
      return;
    }
    if (seq !== state.detailSeq) return;
    renderDocument(data);
  }

  function renderDocument(data) {
    const s = data.document;
    const v = data.verification || {};
    const pane = clear($('detail'));
    pane.scrollTop = 0;
    const origin = [
      `Mã giấy tờ: ${s.id}`,
      `Số hoá ngày ${fmtDate(s.digitized_at)}`,
      s.agency_name || s.agency_code
        ? `tại ${[s.agency_name, s.agency_code && `(${s.agency_code})`].filter(Boolean).join(' ')}`
        : null,
      s.dossier_code ? `hồ sơ gốc ${s.dossier_code}` : null,
      `${s.pages} trang`,
    ].filter(Boolean).join(' · ');

    const article = h('article', { class: 'doc', 'data-testid': 'doc', 'data-doc-id': s.id },
      h('header', { class: 'doc-head' },
        h('div', { class: 'doc-title' },
          h('h2', { 'data-testid': 'doc-type' }, s.type_name),
          h('p', { class: 'doc-owner', 'data-testid': 'doc-owner' },
            s.owner_name || '(chưa rõ chủ giấy tờ)',
            s.owner_id ? h('span', { class: 'muted' }, ` — Số định danh: ${s.owner_id}`) : null),
          h('p', { class: 'muted small' }, origin)),
        h('div', { class: 'badges' }, summaryBadges(s))),
      h('div', { class: 'status-row' }, verificationBox(v, s), validityBox(s)),
      actionsBox(s, v),
      h('div', { class: 'doc-body' },
        fieldsSection(data.fields || {}),
        previewsSection(data.previews || [], s)),
      reusesSection(data.reuses || []),
      metadataSection(data.metadata || {}));
    pane.append(article);
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

  function validityBox(s) {
    const kind = !s.valid_until ? 'none' : s.expired ? 'bad' : 'ok';
    return h('div', { class: 'validity validity-' + kind, 'data-testid': 'validity' },
      validityText(s));
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
    if (code && !CODE_RE.test(code)) {
      showMsg(out, 'Mã hồ sơ không hợp lệ (chỉ chữ, số và . _ / -).', 'error');
      dossierInput.focus();
      return;
    }
    setBusy(button, true);
    showMsg(out, 'Đang tạo liên kết tải…', 'info');
    try {
      const res = await api('POST', `/api/documents/${encodeURIComponent(s.id)}/download`,
        { dossier_code: code || null });
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
    if (!CODE_RE.test(dossier)) {
      showMsg(msg, 'Mã hồ sơ không hợp lệ (chỉ chữ, số và . _ / -, tối đa 64 ký tự).', 'error');
      inputs.dossier.focus();
      return;
    }
    if (procedure && !PROCEDURE_RE.test(procedure)) {
      showMsg(msg, 'Mã TTHC có dạng 1.001193 (một chữ số, dấu chấm, sáu chữ số).', 'error');
      inputs.procedure.focus();
      return;
    }
    setBusy(button, true);
    showMsg(msg, 'Đang kiểm tra và gắn vào hồ sơ…', 'info');
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
    state.lastDossier = result.dossier_code;
    const banner = `Đã gắn “${s.type_name}” của ${s.owner_name || 'công dân'} vào hồ sơ ` +
      `${result.dossier_code}` + (result.component ? ` (thành phần ${result.component})` : '') +
      `. Mã sự kiện #${result.event_id}.`;
    openDossier(result.dossier_code, { banner, backTo: s.id });
  }

  function fieldsSection(fields) {
    const keys = Object.keys(fields);
    const known = Object.keys(FIELD_LABELS).filter((k) => keys.includes(k));
    const rest = keys.filter((k) => !(k in FIELD_LABELS)).sort();
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
          (f.reasons || []).length ? ' ' + f.reasons.join('; ') : '') : null),
      h('td', { class: 'conf muted', title: 'Độ tin cậy nhận dạng' }, conf)));
    }
    section.append(h('table', { class: 'table table-fields' }, body));
    return section;
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

  function metadataSection(metadata) {
    const body = h('tbody');
    for (const [key, value] of Object.entries(metadata)) {
      let text = plainValue(value);
      if (key === 'NgaySoHoa' && value) text = fmtDateTime(value);
      body.append(h('tr', null,
        h('th', { scope: 'row' }, META_LABELS[key] || key, h('span', { class: 'key' }, key)),
        h('td', { class: 'break' }, text || '—')));
    }
    return h('details', { class: 'doc-meta' },
      h('summary', null, 'Thông tin đặc tả của giấy tờ số hoá (metadata)'),
      h('table', { class: 'table table-fields' }, body));
  }

  // -- events (reuses, dossier log, access log) --------------------------------------------

  function eventAction(e) {
    const action = e.detail && e.detail.action;
    if (e.kind === 'accessed' && action) return ACTION_NAMES[action] || action;
    if (e.kind === 'account' && action) return ACTION_NAMES[action] || `Tài khoản: ${action}`;
    return KIND_NAMES[e.kind] || e.kind;
  }

  function eventDetail(e) {
    const d = e.detail || {};
    const parts = [];
    const terms = (obj) => Object.entries(obj).map(([k, v]) => `${QUERY_NAMES[k] || k}: ${v}`)
      .join('; ');
    if (d.query && typeof d.query === 'object') parts.push(`điều kiện: ${terms(d.query)}`);
    if (d.filters && typeof d.filters === 'object') parts.push(`lọc: ${terms(d.filters)}`);
    if (typeof d.results === 'number') parts.push(`${d.results} kết quả`);
    if (d.component) parts.push(`thành phần: ${d.component}`);
    if (d.reason) parts.push(`lý do: ${d.reason}`);
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

  const EVENT_COLUMNS = {
    at: ['Thời gian', (e) => fmtDateTime(e.at), 'nowrap'],
    actor: ['Người thực hiện', (e) => e.actor || '—', ''],
    action: ['Hành động', eventAction, ''],
    document: ['Giấy tờ', (e) => e.document_id || '', 'break mono'],
    dossier: ['Hồ sơ', (e) => e.dossier_code || '', 'break mono'],
    detail: ['Chi tiết', eventDetail, 'break small'],
  };

  function eventRow(e, columns, testid) {
    return h('tr', {
      'data-testid': testid, 'data-kind': e.kind, 'data-action': (e.detail || {}).action || '',
      'data-actor': e.actor || '', 'data-document-id': e.document_id || '',
      'data-dossier-code': e.dossier_code || '', class: e.kind === 'reuse_refused' ? 'refused'
        : null,
    }, columns.map((c) => {
      const [, get, cls] = EVENT_COLUMNS[c];
      return h('td', { class: cls || null, title: c === 'detail'
        ? JSON.stringify(e.detail || {}) : null }, get(e));
    }));
  }

  function eventsTable(events, columns, testid) {
    return h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('thead', null, h('tr', null, columns.map((c) => h('th', null, EVENT_COLUMNS[c][0])))),
      h('tbody', null, events.map((e) => eventRow(e, columns, testid || 'event')))));
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
      if (seq !== state.detailSeq || !state.me) return;
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
    article.setAttribute('data-code', data.code);
    const d = data.dossier;
    article.append(h('h2', null, 'Hồ sơ ', h('span', { class: 'mono' }, data.code)));
    const info = d ? [
      ['Mã TTHC', d.procedure_code],
      ['Cơ quan', d.agency_code],
      ['Tiếp nhận lúc', fmtDateTime(d.received_at)],
      ['Kênh tiếp nhận', d.channel ? (CHANNELS[d.channel] || String(d.channel)) : ''],
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
        docs.map((s) => h('li', null, resultCard(s)))));
    }
    article.append(docsSection);

    const events = data.events || [];
    if (events.length) {
      article.append(h('details', { class: 'doc-meta' },
        h('summary', null, `Nhật ký của hồ sơ (${events.length} sự kiện)`),
        eventsTable(events, ['at', 'action', 'document', 'actor', 'detail'], 'dossier-event')));
    }
  }

  // -- counter: upload a dossier's scans ---------------------------------------------------

  /** The type select of the upload form: the search's types, "recognize it" first. */
  function fillScanTypes() {
    const select = clear($('scan-type'));
    select.append(h('option', { value: '' }, 'Tự nhận dạng'));
    for (const option of $('q-type').options) {
      if (option.value) select.append(h('option', { value: option.value }, option.text));
    }
  }

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

  const sizeFormat = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 1 });

  function fmtSize(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${sizeFormat.format(bytes / 1024)} KB`;
    if (bytes < 1024 * 1024 * 1024) return `${sizeFormat.format(bytes / 1024 / 1024)} MB`;
    return `${sizeFormat.format(bytes / 1024 / 1024 / 1024)} GB`;
  }

  function addScanFiles(list) {
    for (const file of Array.from(list || [])) {
      const same = state.scanFiles.some((f) => f.name === file.name && f.size === file.size &&
        f.lastModified === file.lastModified);
      if (!same) state.scanFiles.push(file);
    }
    $('scan-files').value = ''; // the same file can be chosen again after removing it
    renderScanFiles();
  }

  function renderScanFiles() {
    const list = clear($('scan-file-list'));
    let total = 0;
    state.scanFiles.forEach((file, i) => {
      total += file.size;
      const odd = !SCAN_EXT_RE.test(file.name);
      const remove = h('button', { type: 'button', class: 'btn btn-small',
        'data-testid': 'scan-file-remove', 'aria-label': `Bỏ tệp ${file.name}` }, 'Bỏ');
      remove.addEventListener('click', () => {
        state.scanFiles.splice(i, 1);
        renderScanFiles();
      });
      list.append(h('li', { 'data-testid': 'scan-file', 'data-name': file.name },
        h('span', { class: 'file-name', title: file.name }, file.name),
        odd ? badge('Không phải PDF/TIFF/JPEG/PNG?', 'warn') : null,
        h('span', { class: 'file-size muted' }, fmtSize(file.size)),
        remove));
    });
    const n = state.scanFiles.length;
    $('scan-files-total').textContent = n ? `${n} tệp, tổng ${fmtSize(total)}`
      : 'Chưa chọn tệp nào.';
  }

  /** Clear what belongs to one dossier; keep the procedure and the agency. */
  function nextDossier() {
    for (const id of ['scan-dossier', 'scan-component', 'scan-owner-id', 'scan-owner-name']) {
      $(id).value = '';
    }
    $('scan-type').value = '';
    state.scanFiles = [];
    renderScanFiles();
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
    if (!CODE_RE.test(v.dossier_code)) {
      return ['Mã hồ sơ không hợp lệ (chỉ chữ, số và . _ / -, tối đa 64 ký tự).', 'scan-dossier'];
    }
    if (!PROCEDURE_RE.test(v.procedure_code)) {
      return ['Mã TTHC có dạng 1.001193 (một chữ số, dấu chấm, sáu chữ số).', 'scan-procedure'];
    }
    if (!v.agency_code) return ['Nhập mã cơ quan.', 'scan-agency'];
    if (!CODE_RE.test(v.agency_code)) {
      return ['Mã cơ quan không hợp lệ (chỉ chữ, số và . _ / -).', 'scan-agency'];
    }
    if (v.owner_id && !OWNER_ID_RE.test(v.owner_id)) {
      return ['Số định danh gồm đúng 12 chữ số.', 'scan-owner-id'];
    }
    if (v.component.length > 64) return ['Mã thành phần tối đa 64 ký tự.', 'scan-component'];
    if (!state.scanFiles.length) return ['Chọn ít nhất một tệp ảnh quét.', 'scan-files'];
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
    const files = state.scanFiles.slice();
    const form = new FormData();
    for (const file of files) form.append('files', file, file.name);
    for (const [key, value] of Object.entries(values)) {
      if (value) form.append(key, value);
    }
    const total = files.reduce((sum, f) => sum + f.size, 0);
    const epoch = state.epoch;
    $('scan-fieldset').disabled = true;
    setBusy($('scan-submit'), true);
    showMsg(msg, `Đang tải ${files.length} tệp (${fmtSize(total)}) của hồ sơ ` +
      `${values.dossier_code} lên máy chủ…`, 'info');
    let job;
    try {
      job = await api('POST', '/api/scans', form);
    } catch (e) {
      if (epoch !== state.epoch) return;
      const text = e.status === 413 && e.code !== 'too_large'
        ? 'Tệp tải lên quá lớn so với giới hạn của máy chủ.' : e.message;
      showMsg(msg, 'Chưa tải lên được: ' + text, 'error');
      return;
    } finally {
      if (epoch === state.epoch) {
        $('scan-fieldset').disabled = false;
        setBusy($('scan-submit'), false);
      }
    }
    if (epoch !== state.epoch) return;
    saveCounterDefaults(values);
    showMsg(msg, `Đã nhận ${job.files.length} tệp của hồ sơ ${job.dossier_code}; ` +
      'máy chủ đang số hoá (xem bên phải). Có thể nhập hồ sơ tiếp theo.', 'ok');
    trackJob(job);
    nextDossier();
  }

  function trackJob(job) {
    const entry = { id: job.id, job, card: null, timer: null, failures: 0, note: '' };
    state.scanJobs.unshift(entry);
    entry.card = h('li', { class: 'card scan-job', 'data-testid': 'scan-job',
      'data-job-id': job.id });
    $('scan-jobs').prepend(entry.card);
    $('scan-jobs-empty').hidden = true;
    renderJob(entry);
    schedulePoll(entry, POLL_MS);
  }

  function schedulePoll(entry, delay) {
    if (!JOB_ACTIVE.has(entry.job.state)) return;
    const epoch = state.epoch;
    entry.timer = window.setTimeout(() => pollJob(entry, epoch), delay);
  }

  async function pollJob(entry, epoch) {
    entry.timer = null;
    if (epoch !== state.epoch || !state.me) return;
    let job;
    try {
      job = await api('GET', `/api/scans/${encodeURIComponent(entry.id)}`);
    } catch (e) {
      if (epoch !== state.epoch || e.status === 401) return;
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
    if (epoch !== state.epoch) return;
    entry.failures = 0;
    entry.note = '';
    entry.job = job;
    renderJob(entry);
    schedulePoll(entry, POLL_MS);
  }

  function forgetScans() {
    for (const entry of state.scanJobs) {
      if (entry.timer) window.clearTimeout(entry.timer);
    }
    state.scanJobs = [];
    state.scanFiles = [];
    clear($('scan-jobs'));
    $('scan-jobs-empty').hidden = false;
    $('scan-form').reset();
    $('scan-fieldset').disabled = false;
    setBusy($('scan-submit'), false);
    renderScanFiles();
    showMsg($('scan-msg'), '');
  }

  function renderJob(entry) {
    const job = entry.job;
    const [stateName, stateKind] = JOB_STATES[job.state] || [job.state, 'warn'];
    const active = JOB_ACTIVE.has(job.state);
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
    if (active || (total && job.state !== 'queued_to_workers')) {
      const bar = h('progress', { class: 'scan-progress', 'data-testid': 'scan-progress',
        max: total || null, value: total ? Math.min(done, total) : null,
        'aria-label': 'Tiến độ số hoá' });
      const text = total ? `${done}/${total} trang`
        : job.state === 'queued' ? 'Đang chờ lượt…' : 'Đang đọc tệp…';
      card.append(h('div', { class: 'scan-progress-row' }, bar,
        h('span', { class: 'small', 'data-testid': 'scan-progress-text' }, text)));
    }
    if (job.state === 'queued_to_workers' && total) {
      card.append(h('p', { class: 'small', 'data-testid': 'scan-progress-text' },
        `${total} trang đã được chuyển cho các máy xử lý.`));
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
        h('td', null, TYPE_NAMES[d.type] || d.type),
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

  // -- access log (auditor) ----------------------------------------------------------------

  function auditFilters() {
    const values = Object.fromEntries(new FormData($('audit-form')).entries());
    return query(values);
  }

  async function loadAudit(more) {
    const msg = $('audit-msg');
    if (!more) {
      const values = Object.fromEntries(new FormData($('audit-form')).entries());
      if (values.since && values.until && values.since > values.until) {
        showMsg(msg, '“Từ ngày” phải trước hoặc bằng “Đến ngày”.', 'error');
        return;
      }
      state.audit = { params: auditFilters(), next: null };
      $('audit-csv').href = '/api/access-log.csv' +
        (state.audit.params ? '?' + state.audit.params : '');
    }
    const params = [state.audit.params, `limit=${AUDIT_LIMIT}`,
      more && state.audit.next ? `before_id=${state.audit.next}` : ''].filter(Boolean).join('&');
    const button = more ? $('audit-more') : null;
    setBusy(button, true);
    showMsg(msg, 'Đang tải nhật ký…', 'info');
    let data;
    try {
      data = await api('GET', `/api/access-log?${params}`);
    } catch (e) {
      showMsg(msg, e.message, 'error');
      setBusy(button, false);
      return;
    }
    setBusy(button, false);
    const rows = $('audit-rows');
    if (!more) clear(rows);
    const columns = ['at', 'actor', 'action', 'document', 'dossier', 'detail'];
    for (const e of data.events || []) rows.append(eventRow(e, columns, 'audit-row'));
    state.audit.next = data.next_before_id;
    $('audit-more').hidden = !data.next_before_id;
    const shown = rows.children.length;
    showMsg(msg, shown ? `Đang hiện ${shown} sự kiện, mới nhất trước.` + (data.next_before_id
      ? ' Bấm “Xem các sự kiện cũ hơn” để xem tiếp.' : '')
      : 'Không có sự kiện nào phù hợp.', 'info');
  }

  // -- reports (auditor): the scorecard and the OCR quality audit -------------------------

  const rateFormat = new Intl.NumberFormat('vi-VN', {
    minimumFractionDigits: 2, maximumFractionDigits: 2,
  });
  const pointsFormat = rateFormat;
  const confFormat = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 1 });

  /** Today in Việt Nam, 'YYYY-MM-DD'. */
  function todayVN() {
    const p = vnParts(new Date().toISOString());
    return `${p.year}-${p.month}-${p.day}`;
  }

  /** The first day of the quarter of 'YYYY-MM-DD'. */
  function quarterStart(iso) {
    const m = ISO_DATE_RE.exec(iso);
    const month = Math.floor((Number(m[2]) - 1) / 3) * 3 + 1;
    return `${m[1]}-${String(month).padStart(2, '0')}-01`;
  }

  /** Fill the period (this quarter so far) unless the auditor already chose one. */
  function prepareReports() {
    if (!$('r-from').value && !$('r-to').value) {
      const today = todayVN();
      $('r-from').value = quarterStart(today);
      $('r-to').value = today;
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
      from: $('r-from').value,
      to: $('r-to').value,
      agency: $('r-agency').value.trim(),
      threshold: $('r-threshold').value.trim(),
    };
  }

  /** The first thing wrong with the report form, as [message, field id], or null. */
  function reportProblem(v) {
    if (!ISO_DATE_RE.test(v.from)) return ['Chọn “Từ ngày” (ngày đầu kỳ báo cáo).', 'r-from'];
    if (!ISO_DATE_RE.test(v.to)) return ['Chọn “Đến ngày” (ngày cuối kỳ báo cáo).', 'r-to'];
    if (v.from < '1900-01-01' || v.to > '9000-12-31') {
      return ['Kỳ báo cáo phải nằm trong khoảng năm 1900 – 9000.', 'r-from'];
    }
    if (v.to < v.from) {
      return ['“Đến ngày” phải sau hoặc bằng “Từ ngày”: kỳ báo cáo không hợp lệ.', 'r-to'];
    }
    if (v.agency && !CODE_RE.test(v.agency)) {
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
    if (problem) {
      showMsg(msg, problem[0], 'error');
      $(problem[1]).focus();
      return;
    }
    syncReportLinks();
    const seq = ++state.reportSeq;
    const button = $('r-submit');
    setBusy(button, true);
    showMsg(msg, 'Đang tính chỉ số và danh sách cần xem lại…', 'info');
    const period = query({ from: v.from, to: v.to, agency: v.agency });
    const [score, review] = await Promise.allSettled([
      api('GET', `/api/reports/scorecard?${period}&format=json`),
      api('GET', `/api/reports/review?${period}&threshold=${Number(v.threshold) / 100}` +
        `&limit=${REVIEW_LIMIT}`),
    ]);
    if (seq !== state.reportSeq || !state.me) return;
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

  function fmtRate(rate) {
    return rate === null || rate === undefined ? 'N/A' : `${rateFormat.format(rate)} %`;
  }

  function fmtPoints(ind) {
    if (ind.points === null || ind.points === undefined) return 'không tính điểm';
    return `${pointsFormat.format(ind.points)}/${ind.max_points} điểm`;
  }

  function fmtConf(value) {
    return typeof value === 'number' ? `${confFormat.format(value * 100)} %` : '?';
  }

  function agencyName(code) {
    return code || '(không rõ cơ quan)';
  }

  function indicatorCell(key, ind, explain) {
    const na = ind.rate === null || ind.rate === undefined;
    const below = !na && ind.rate < RATE_TARGET;
    return h('td', {
      class: 'ind' + (below ? ' ind-below' : '') + (na ? ' ind-na' : ''),
      'data-testid': `score-${key}`, 'data-rate': na ? 'N/A' : ind.rate.toFixed(2),
      'data-numerator': ind.numerator, 'data-denominator': ind.denominator,
      'data-points': na ? '' : ind.points, 'data-below': below ? 'true' : 'false',
      title: `${explain}: ${ind.numerator}/${ind.denominator}`,
    },
    h('span', { class: 'ind-rate', 'data-testid': 'score-rate' }, fmtRate(ind.rate)),
    below ? [' ', badge(`Dưới ${RATE_TARGET} %`, 'warn')] : null,
    h('span', { class: 'ind-detail' },
      h('span', { 'data-testid': 'score-fraction' }, `${ind.numerator}/${ind.denominator}`),
      ' hồ sơ · ',
      h('span', { 'data-testid': 'score-points' }, fmtPoints(ind))));
  }

  function scoreRow(label, agency, inds, cls) {
    return h('tr', { 'data-testid': 'score-row', 'data-agency': agency, class: cls || null },
      h('th', { scope: 'row', class: 'break' }, label),
      INDICATORS.map(([key, , explain]) => indicatorCell(key, inds[key], explain)));
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
      ? `${below} chỉ số dưới ${RATE_TARGET} % (tô màu): chưa đạt điểm tối đa.` : '', 'warn');
  }

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
    const officer = Boolean(state.me && (state.me.roles || []).includes('officer'));
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
      id.addEventListener('click', () => openFromReview(item.document_id));
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
        ? ` (${f.reasons.map((r) => REASON_NAMES[r] || r).join('; ')})` : ''))),
    ];
    return h('tr', {
      'data-testid': 'review-item', 'data-document-id': item.document_id,
      'data-lowest': item.lowest_confidence === null ? '' : item.lowest_confidence,
    },
    h('td', { class: 'num nowrap conf-low' }, fmtConf(item.lowest_confidence)),
    h('td', null, id),
    h('td', null, TYPE_NAMES[item.type] || item.type),
    h('td', { class: 'break' }, item.agency || '—'),
    h('td', { class: 'mono break' }, item.dossier_code || '—'),
    h('td', null, h('ul', { class: 'review-what' }, what)),
    h('td', { class: 'nowrap small' }, fmtDateTime(item.digitized_at)));
  }

  /** An auditor who is also an officer opens the paper in the search view. */
  function openFromReview(id) {
    showView('search-view');
    openDocument(id);
  }

  // -- accounts (admin) --------------------------------------------------------------------

  function roleBoxes(container, prefix, checked) {
    clear(container).append(h('legend', null, 'Vai trò'));
    for (const [role, name] of ROLES) {
      const id = `${prefix}-role-${role}`;
      const box = h('input', { type: 'checkbox', id, name: 'roles', value: role,
        'data-testid': id });
      box.checked = checked.includes(role);
      container.append(h('label', { class: 'check', for: id }, box, ' ', name));
    }
  }

  function checkedRoles(container) {
    return Array.from(container.querySelectorAll('input[name=roles]:checked'))
      .map((el) => el.value);
  }

  async function loadAccounts() {
    const msg = $('accounts-msg');
    try {
      const data = await api('GET', '/api/accounts');
      state.accounts = data.accounts || [];
      renderAccounts();
      showMsg(msg, '');
    } catch (e) {
      showMsg(msg, e.message, 'error');
    }
  }

  function renderAccounts() {
    const rows = clear($('accounts-rows'));
    for (const a of state.accounts) {
      const edit = h('button', { type: 'button', class: 'btn btn-small',
        'data-testid': 'account-edit-open' }, 'Sửa, mã API');
      edit.addEventListener('click', () => openAccount(a.username));
      const self = state.me && a.username === state.me.username;
      const toggle = h('button', {
        type: 'button', class: 'btn btn-small' + (a.active ? ' btn-danger' : ''),
        'data-testid': 'account-toggle', disabled: self && a.active,
        title: self ? 'Không thể tự khoá tài khoản của mình' : null,
      }, a.active ? 'Khoá' : 'Mở khoá');
      toggle.addEventListener('click', () => changeAccount(a.username, { active: !a.active },
        a.active ? `Đã khoá tài khoản ${a.username}.` : `Đã mở khoá tài khoản ${a.username}.`));
      rows.append(h('tr', {
        'data-testid': 'account-row', 'data-username': a.username,
        class: a.active ? null : 'inactive',
      },
      h('td', { class: 'mono' }, a.username),
      h('td', null, a.display_name || ''),
      h('td', null, (a.roles || []).map((r) => ROLE_NAMES[r] || r).join(', ')),
      h('td', null, a.active ? badge('Đang hoạt động', 'ok') : badge('Đã khoá', 'bad')),
      h('td', { class: 'nowrap' }, fmtDateTime(a.created_at)),
      h('td', { class: 'nowrap' }, a.last_login_at ? fmtDateTime(a.last_login_at) : 'Chưa'),
      h('td', { class: 'nowrap' }, edit, ' ', toggle)));
    }
  }

  async function onCreateAccount(event) {
    event.preventDefault();
    const msg = $('accounts-msg');
    const username = $('c-username').value.trim();
    const displayName = $('c-display').value.trim();
    const password = $('c-password').value;
    const roles = checkedRoles($('c-roles'));
    if (!USERNAME_RE.test(username)) {
      showMsg(msg, 'Tên đăng nhập: chữ thường không dấu, số, dấu . _ - (2–63 ký tự).', 'error');
      $('c-username').focus();
      return;
    }
    if (!roles.length) {
      showMsg(msg, 'Chọn ít nhất một vai trò.', 'error');
      return;
    }
    try {
      await api('POST', '/api/accounts', {
        username, display_name: displayName, password: password || null, roles,
      });
    } catch (e) {
      showMsg(msg, e.message, 'error');
      return;
    }
    $('account-create').reset();
    roleBoxes($('c-roles'), 'c', []);
    await loadAccounts();
    showMsg(msg, `Đã tạo tài khoản ${username}.`, 'ok');
  }

  async function changeAccount(username, body, done) {
    const msg = $('accounts-msg');
    try {
      await api('PATCH', `/api/accounts/${encodeURIComponent(username)}`, body);
    } catch (e) {
      showMsg(msg, e.message, 'error');
      return false;
    }
    await loadAccounts();
    showMsg(msg, done, 'ok');
    return true;
  }

  async function openAccount(username) {
    const a = state.accounts.find((x) => x.username === username);
    if (!a) return;
    const panel = clear($('account-edit'));
    panel.hidden = false;
    panel.setAttribute('data-username', username);
    const nameInput = h('input', { id: 'e-display', maxlength: 200, autocomplete: 'off' });
    nameInput.value = a.display_name || '';
    const passInput = h('input', { id: 'e-password', type: 'password',
      autocomplete: 'new-password' });
    const roles = h('fieldset', { class: 'roles' });
    roleBoxes(roles, 'e', a.roles || []);
    const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Lưu thay đổi');
    const form = h('form', { class: 'filters', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: 'e-display' }, 'Họ tên hiển thị'),
        nameInput),
      h('div', { class: 'field' }, h('label', { for: 'e-password' },
        'Mật khẩu mới (để trống: giữ nguyên)'), passInput),
      roles,
      h('div', { class: 'actions' }, save));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = {};
      if (nameInput.value.trim() !== (a.display_name || '')) {
        body.display_name = nameInput.value.trim();
      }
      const chosen = checkedRoles(roles);
      if (!chosen.length) {
        showMsg($('accounts-msg'), 'Chọn ít nhất một vai trò.', 'error');
        return;
      }
      if (chosen.slice().sort().join() !== (a.roles || []).slice().sort().join()) {
        body.roles = chosen;
      }
      if (passInput.value) body.password = passInput.value;
      if (!Object.keys(body).length) {
        showMsg($('accounts-msg'), 'Không có gì thay đổi.', 'info');
        return;
      }
      setBusy(save, true);
      const ok = await changeAccount(username, body, `Đã lưu tài khoản ${username}.`);
      setBusy(save, false);
      if (ok) openAccount(username);
    });

    const tokenOut = h('div', { 'data-testid': 'token-out' });
    const label = h('input', { id: 't-label', maxlength: 100, autocomplete: 'off',
      placeholder: 'vd: mot-cua-tinh', 'data-testid': 't-label' });
    const days = h('select', { id: 't-days', 'data-testid': 't-days' },
      [['30', '30 ngày'], ['90', '90 ngày'], ['365', '1 năm'], ['730', '2 năm'],
        ['', 'Không hết hạn']].map(([v, t]) => h('option', { value: v }, t)));
    days.value = '365';
    const issue = h('button', { type: 'submit', class: 'btn', 'data-testid': 't-submit' },
      'Cấp mã truy cập API');
    const tokenForm = h('form', { class: 'filters', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: 't-label' }, 'Nhãn (hệ thống dùng mã)'),
        label),
      h('div', { class: 'field' }, h('label', { for: 't-days' }, 'Thời hạn'), days),
      h('div', { class: 'actions' }, issue));
    tokenForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!label.value.trim()) {
        showMsg($('accounts-msg'), 'Nhập nhãn cho mã truy cập.', 'error');
        label.focus();
        return;
      }
      setBusy(issue, true);
      try {
        const t = await api('POST', `/api/accounts/${encodeURIComponent(username)}/tokens`, {
          label: label.value.trim(), expires_days: days.value ? Number(days.value) : null,
        });
        const text = h('input', { class: 'token-text mono', readonly: true,
          'data-testid': 'token-text', 'aria-label': 'Mã truy cập' });
        text.value = t.token;
        text.addEventListener('focus', () => text.select());
        clear(tokenOut).append(h('div', { class: 'msg msg-warn', role: 'alert' },
          h('strong', null, 'Sao chép mã này ngay: mã sẽ không được hiển thị lại. '),
          `Nhãn “${t.label}”, ` + (t.expires_at ? `hết hạn ${fmtDate(t.expires_at)}.`
            : 'không hết hạn.'), text));
        text.focus();
        label.value = '';
        loadTokens(username, tokenList);
      } catch (e) {
        showMsg($('accounts-msg'), e.message, 'error');
      } finally {
        setBusy(issue, false);
      }
    });
    const tokenList = h('div', { 'data-testid': 'token-list' });
    const close = h('button', { type: 'button', class: 'btn btn-small' }, 'Đóng');
    close.addEventListener('click', () => {
      clear(panel).hidden = true;
    });
    panel.append(
      h('div', { class: 'panel-head' }, h('h2', null, 'Tài khoản ',
        h('span', { class: 'mono' }, username)), close),
      form,
      h('h3', null, 'Mã truy cập API'),
      tokenForm, tokenOut, tokenList);
    loadTokens(username, tokenList);
    panel.scrollIntoView({ block: 'nearest' });
  }

  async function loadTokens(username, container) {
    let data;
    try {
      data = await api('GET', `/api/accounts/${encodeURIComponent(username)}/tokens`);
    } catch (e) {
      clear(container).append(h('p', { class: 'msg msg-error' }, e.message));
      return;
    }
    const tokens = data.tokens || [];
    clear(container);
    if (!tokens.length) {
      container.append(h('p', { class: 'muted' }, 'Chưa có mã truy cập nào.'));
      return;
    }
    const body = h('tbody');
    for (const t of tokens) {
      const status = t.revoked_at ? `Đã thu hồi ${fmtDateTime(t.revoked_at)}`
        : t.expires_at && new Date(t.expires_at) < new Date() ? 'Đã hết hạn' : 'Đang dùng được';
      const revoke = h('button', { type: 'button', class: 'btn btn-small btn-danger' },
        'Thu hồi');
      revoke.addEventListener('click', async () => {
        if (!window.confirm(`Thu hồi mã “${t.label}”? Hệ thống đang dùng mã này sẽ mất ` +
          'quyền truy cập ngay.')) return;
        try {
          await api('DELETE', `/api/tokens/${encodeURIComponent(t.id)}`);
          showMsg($('accounts-msg'), `Đã thu hồi mã “${t.label}”.`, 'ok');
        } catch (e) {
          showMsg($('accounts-msg'), e.message, 'error');
        }
        loadTokens(username, container);
      });
      body.append(h('tr', null,
        h('td', null, t.label),
        h('td', { class: 'nowrap' }, fmtDateTime(t.created_at)),
        h('td', { class: 'nowrap' }, t.expires_at ? fmtDate(t.expires_at) : 'Không'),
        h('td', { class: 'nowrap' }, t.last_used_at ? fmtDateTime(t.last_used_at) : 'Chưa'),
        h('td', null, status),
        h('td', null, t.revoked_at ? null : revoke)));
    }
    container.append(h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('thead', null, h('tr', null, ['Nhãn', 'Cấp lúc', 'Hết hạn', 'Dùng gần nhất',
        'Trạng thái', ''].map((x) => h('th', null, x)))), body)));
  }

  // -- page previews, enlarged --------------------------------------------------------------

  function openLightbox(pages, index) {
    state.lightbox = { pages, index };
    showLightboxPage();
    $('lightbox').hidden = false;
    $('lightbox-close').focus();
  }

  function showLightboxPage() {
    const { pages, index } = state.lightbox;
    const p = pages[index];
    if (!p) return;
    $('lightbox-img').src = p.url;
    $('lightbox-img').alt = `Trang ${p.page}`;
    $('lightbox-title').textContent = `Trang ${p.page} / ${pages.length}` +
      (pages.length > 1 ? ' (phím ← → để chuyển trang)' : '');
  }

  function closeLightbox() {
    const box = $('lightbox');
    if (!box || box.hidden) return;
    box.hidden = true;
    $('lightbox-img').removeAttribute('src');
  }

  function onKey(event) {
    if ($('lightbox').hidden) return;
    const lb = state.lightbox;
    if (event.key === 'Escape') closeLightbox();
    else if (event.key === 'ArrowRight' && lb.index < lb.pages.length - 1) {
      lb.index += 1;
      showLightboxPage();
    } else if (event.key === 'ArrowLeft' && lb.index > 0) {
      lb.index -= 1;
      showLightboxPage();
    }
  }

  // -- wiring ------------------------------------------------------------------------------

  function bindStatic() {
    $('signin-form').addEventListener('submit', onSignIn);
    $('sign-out').addEventListener('click', onSignOut);
    for (const tab of TABS) $(tab.id).addEventListener('click', () => showView(tab.view));
    $('search-form').addEventListener('submit', onSearch);
    $('search-form').addEventListener('reset', () => {
      showMsg($('search-msg'), '');
      clear($('results'));
    });
    $('dossier-lookup').addEventListener('submit', onLookup);
    $('audit-form').addEventListener('submit', (event) => {
      event.preventDefault();
      loadAudit(false);
    });
    $('audit-more').addEventListener('click', () => loadAudit(true));
    $('reports-form').addEventListener('submit', (event) => {
      event.preventDefault();
      loadReports();
    });
    $('reports-form').addEventListener('input', syncReportLinks);
    $('reports-form').addEventListener('change', syncReportLinks);
    for (const id of ['r-html', 'r-csv']) $(id).addEventListener('click', onReportLink);
    $('account-create').addEventListener('submit', onCreateAccount);
    fillScanTypes();
    $('scan-form').addEventListener('submit', onUpload);
    $('scan-next').addEventListener('click', () => {
      nextDossier();
      showMsg($('scan-msg'), '');
    });
    $('scan-files').addEventListener('change', () => addScanFiles($('scan-files').files));
    const drop = $('scan-drop');
    drop.addEventListener('dragover', (event) => {
      event.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (event) => {
      event.preventDefault();
      drop.classList.remove('over');
      if (!$('scan-fieldset').disabled) addScanFiles(event.dataTransfer.files);
    });
    roleBoxes($('c-roles'), 'c', []);
    $('lightbox-close').addEventListener('click', closeLightbox);
    $('lightbox').addEventListener('click', (event) => {
      if (event.target === $('lightbox') || event.target.classList.contains('lightbox-body')) {
        closeLightbox();
      }
    });
    document.addEventListener('keydown', onKey);
  }

  boot();
})();
