"""The officers' web page in a real browser: Debian's chromium driven by Playwright against
``sohoa serve`` running as its own process.

A day at the counter PC (1366×768): the processing officer signs in, finds a citizen's
birth certificate by her name typed without accents, opens it (signature checked, page
preview shown), downloads the signed PDF, attaches it to the dossier being handled and
sees the attach in the dossier's record; the expired copy of the same paper cannot be
attached. An auditor then finds all of that in the access log (and its CSV export); an admin
creates an account and issues an API token; counter staff upload a dossier's scans and see
what was digitized and which file failed. The warehouse is real (local folder store, SQLite
index, demo-signed PDFs from ``sohoa scan`` and from the server's uploads, both with the fake
OCR engine).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from reuse_index import ReuseIndex
from tests.conftest import lined_page

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.integration, pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium (/usr/bin/chromium) is not installed: apt-get install chromium")]
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright (Python) is not installed: pip install -e .[dev]")
expect = sync_api.expect

OWNER_ID = "052190012345"
OWNER = "Nguyễn Thị Hồng Nhung"
OTHER_ID = "001089000111"
OTHER = "Trần Văn Bình"
SOURCE_DOSSIER = "000.00.19.H12-261122-0001"
NEW_DOSSIER = "000.00.19.H12-261122-0042"
SLASH_DOSSIER = "HS/2026/0007"  # codes with "/" travel as path segments
UPLOAD_DOSSIER = "000.00.19.H12-261122-0100"
PASSWORD = "mat-khau-2026"
VIEWPORT = {"width": 1366, "height": 768}
EXPIRED_FIELDS = {
    "ho_ten": {"value": OWNER, "confidence": 0.97, "needs_review": False},
    "ngay_sinh": {"value": "1990-03-15", "confidence": 0.93, "needs_review": False},
    "que_quan": {"value": "Xã Tân Lập, huyện Đan Phượng, Hà Nội", "confidence": 0.41,
                 "needs_review": True,
                 "reasons": [{"code": "low_confidence", "message": "Độ tin cậy thấp"}]},
}


@dataclasses.dataclass
class Site:
    url: str
    env: dict[str, str]
    home: Path
    doc_id: str
    expired_id: str
    other_id: str
    log: Path

    def index(self) -> ReuseIndex:
        return ReuseIndex.from_env(self.env, home=self.home)


def _sohoa() -> list[str]:
    script = Path(sys.executable).with_name("sohoa")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys, cli; sys.exit(cli.main())"]


def _run(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([*_sohoa(), *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"sohoa {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def _scan(env: dict[str, str], image: Path, owner_id: str, owner: str, doc_type: str) -> str:
    out = _run(env, "scan", str(image), "--dossier", SOURCE_DOSSIER, "--procedure",
               "1.001193", "--agency", "H12.19", "--agency-name",
               "Ủy ban nhân dân xã Tân Lập", "--engine", "fake", "--owner-id", owner_id,
               "--owner-name", owner, "--type", doc_type, "--json", "--quiet",
               "--workers", "1")
    docs = json.loads(out)["documents"]
    assert len(docs) == 1 and docs[0]["signed"]
    return docs[0]["id"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"sohoa serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    pytest.fail(f"sohoa serve did not answer /health within {timeout_s:.0f} s:\n"
                f"{log.read_text()}")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A clean SOHOA_HOME with three signed papers (the citizen's birth certificate, an
    expired copy of it, someone else's ID card), an officer, an auditor, an admin and a
    counter clerk, and ``sohoa serve`` on a free loopback port digitizing uploads with the
    fake OCR engine."""
    root = tmp_path_factory.mktemp("web-e2e")
    home = root / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), SOHOA_USER="can-bo-mot-cua")
    _run(env, "keys", "demo")
    doc_id = _scan(env, lined_page(root / "khai_sinh.png", 20), OWNER_ID, OWNER,
                   "giay_khai_sinh")
    other_id = _scan(env, lined_page(root / "cccd.png", 40), OTHER_ID, OTHER, "can_cuoc")
    # An older copy of the citizen's paper, stored and signed like the others, whose
    # validity ended in 2020 (the index's own columns, as a paper with an expiry date
    # would have them), with fields as OCR reads them (the fake engine reads none) and one
    # of them flagged for a human to check. Its PDF, metadata and originals stay intact.
    expired_id = _scan(env, lined_page(root / "ban_cu.png", 60), OWNER_ID, OWNER,
                       "giay_khai_sinh")
    with sqlite3.connect(home / "index.db") as conn:
        conn.execute("UPDATE documents SET valid_until = '2020-01-01', birth_date = "
                     "'1990-03-15', fields_json = ? WHERE id = ?",
                     (json.dumps(EXPIRED_FIELDS, ensure_ascii=False), expired_id))
    for username, role, name in (("canbo", "officer", "Lê Văn Cán Bộ"),
                                 ("kiemtra", "auditor", "Phạm Thị Kiểm Tra"),
                                 ("quantri", "admin", "Quản Trị Viên"),
                                 ("motcua", "counter", "Đỗ Thị Một Cửa")):
        _run(env, "users", "add", username, "--role", role, "--name", name,
             "--password-stdin", stdin=PASSWORD + "\n")

    # Uploads are digitized by the server itself, with the engine its environment names.
    env["SOHOA_OCR_ENGINE"] = "fake"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = root / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([*_sohoa(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(url, proc, log)
        yield Site(url, env, home, doc_id, expired_id, other_id, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def open_page(browser, site: Site) -> Iterator:
    """A fresh browser profile at the counter PC's screen size, Vietnamese, Hà Nội time.
    Script errors on the page fail the test."""
    contexts = []
    errors: list[str] = []

    def new_page(viewport: dict[str, int] = VIEWPORT, locale: str = "vi-VN"):
        context = browser.new_context(viewport=viewport, locale=locale,
                                      timezone_id="Asia/Ho_Chi_Minh", accept_downloads=True,
                                      has_touch=viewport["width"] < 800)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(site.url + "/")
        return page

    yield new_page
    for context in contexts:
        context.close()
    assert not errors, f"script errors on the page: {errors}"


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    expect(page.get_by_test_id("signin-username")).to_be_visible()
    page.get_by_test_id("signin-username").fill(username)
    page.get_by_test_id("signin-password").fill(password)
    page.get_by_test_id("signin-password").press("Enter")
    expect(page.locator("#who")).to_be_visible()


def _dmy(iso: str) -> str:
    """'YYYY-MM-DD' as the page shows and takes it: dd/mm/yyyy."""
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"page is {width}px wide at 1366×768"


# -- the officer's day, then the auditor ---------------------------------------------------


def test_officer_finds_checks_and_attaches_then_auditor_sees_it(open_page, site: Site,
                                                                tmp_path: Path) -> None:
    page = open_page()
    sign_in(page, "canbo")
    expect(page.get_by_test_id("who-name")).to_have_text("Lê Văn Cán Bộ")
    expect(page.get_by_test_id("tab-search")).to_be_visible()
    expect(page.get_by_test_id("tab-audit")).to_be_hidden()
    expect(page.get_by_test_id("tab-accounts")).to_be_hidden()

    # An empty search is refused with a message, not sent.
    page.get_by_test_id("search-submit").click()
    expect(page.get_by_test_id("search-msg")).to_contain_text("ít nhất một điều kiện")

    # Her name without accents, Enter to search: her two papers, not the other citizen's.
    page.get_by_test_id("q-name").fill("nguyen thi hong nhung")
    page.get_by_test_id("q-name").press("Enter")
    results = page.get_by_test_id("result")
    expect(results).to_have_count(2)
    expect(page.get_by_test_id("results")).not_to_contain_text(OTHER)
    valid = page.locator(f'#results [data-doc-id="{site.doc_id}"]')
    expired = page.locator(f'#results [data-doc-id="{site.expired_id}"]')
    for card in (valid, expired):
        expect(card).to_contain_text("Giấy khai sinh")
        expect(card).to_contain_text(OWNER)
        expect(card).to_contain_text(OWNER_ID)
    expect(valid).to_contain_text("Không thời hạn")
    expect(valid.get_by_test_id("badge-expired")).to_have_count(0)
    expect(expired.get_by_test_id("badge-expired")).to_have_text("Hết hiệu lực")
    expect(expired).to_contain_text("01/01/2020")
    expect(expired).to_contain_text("Ngày sinh: 15/03/1990")
    expect(expired.get_by_test_id("badge-review")).to_have_text("Cần kiểm tra")
    expect(page.get_by_test_id("search-msg")).to_contain_text("Tìm thấy 2 giấy tờ")

    # Open it: signature checked now, a page preview that really loaded.
    valid.click()
    doc = page.get_by_test_id("doc")
    expect(doc).to_have_attribute("data-doc-id", site.doc_id)
    expect(page.get_by_test_id("doc-owner")).to_contain_text(OWNER)
    verification = page.get_by_test_id("verification")
    expect(verification).to_contain_text("Nguyên vẹn, chữ ký hợp lệ")
    expect(verification).to_have_attribute("data-ok", "true")
    expect(page.get_by_test_id("validity")).to_have_text("Không thời hạn")
    expect(page.get_by_test_id("preview").first).to_be_visible()
    page.wait_for_function("() => { const img = document.querySelector("
                           "'[data-testid=preview]'); return img && img.complete && "
                           "img.naturalWidth > 0; }")
    no_horizontal_scroll(page)
    page.screenshot(path=str(tmp_path / "officer-document-1366x768.png"))

    # Enlarge the page, close with Escape.
    page.get_by_test_id("preview-open").first.click()
    expect(page.get_by_test_id("lightbox")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("lightbox")).to_be_hidden()

    # Download the signed PDF (a short-lived link, recorded).
    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    # Attach it to the dossier being handled: confirmation and the dossier's record.
    page.get_by_test_id("attach-dossier").fill(NEW_DOSSIER)
    page.get_by_test_id("attach-component").fill("ban-sao-giay-khai-sinh")
    page.get_by_test_id("attach-procedure").fill("1.001193")
    page.get_by_test_id("attach-submit").click()
    expect(page.get_by_test_id("attach-success")).to_contain_text(NEW_DOSSIER)
    dossier = page.get_by_test_id("dossier")
    expect(dossier).to_have_attribute("data-code", NEW_DOSSIER)
    expect(dossier).to_contain_text("1.001193")
    reused = page.get_by_test_id("dossier-reused-row")
    expect(reused).to_have_count(1)
    expect(reused).to_have_attribute("data-document-id", site.doc_id)
    expect(reused).to_contain_text("canbo")
    expect(reused).to_contain_text("ban-sao-giay-khai-sinh")
    expect(reused).to_contain_text(OWNER)
    no_horizontal_scroll(page)

    # Back on the paper, the attach is listed among its reuses.
    page.get_by_test_id("back-to-doc").click()
    expect(page.get_by_test_id("reuses")).to_contain_text(NEW_DOSSIER)

    # The expired copy: marked, and its attach is disabled with the reason...
    expired.click()
    expect(page.get_by_test_id("doc")).to_have_attribute("data-doc-id", site.expired_id)
    expect(page.get_by_test_id("validity")).to_contain_text("Hết hiệu lực")
    expect(page.get_by_test_id("attach-submit")).to_be_disabled()
    expect(page.get_by_test_id("attach-blocked")).to_contain_text("hết hiệu lực")
    expect(page.locator('[data-testid=field][data-key="ho_ten"]')).to_contain_text("Họ và tên")
    expect(page.locator('[data-testid=field][data-key="ngay_sinh"]')).to_contain_text(
        "15/03/1990")
    flagged = page.locator('[data-testid=field][data-key="que_quan"]')
    expect(flagged).to_contain_text("Quê quán")
    expect(flagged.get_by_test_id("field-review")).to_have_text("Cần kiểm tra")
    expect(flagged).to_contain_text("Độ tin cậy thấp")
    # ... and the server refuses it too, should anyone post it anyway.
    status = page.evaluate(
        """async ([id, code]) => {
             const r = await fetch(`/api/documents/${id}/reuse`, {method: 'POST',
               headers: {'Content-Type': 'application/json',
                         'X-CSRF-Token': sessionStorage.getItem('sohoa.csrf')},
               body: JSON.stringify({dossier_code: code})});
             return [r.status, (await r.json()).code];
           }""", [site.expired_id, NEW_DOSSIER])
    assert status == [409, "expired"]
    no_horizontal_scroll(page)

    # The dossier's record from the lookup box.
    page.get_by_test_id("lookup-code").fill(NEW_DOSSIER)
    page.get_by_test_id("lookup-code").press("Enter")
    expect(page.get_by_test_id("dossier")).to_have_attribute("data-code", NEW_DOSSIER)
    expect(page.get_by_test_id("dossier-reused-row")).to_have_count(1)
    page.screenshot(path=str(tmp_path / "officer-dossier-1366x768.png"))

    # A dossier code with "/": attached to, then its record (the code URL-encoded whole).
    valid.click()
    expect(page.get_by_test_id("doc")).to_have_attribute("data-doc-id", site.doc_id)
    expect(page.get_by_test_id("attach-dossier")).to_have_value(NEW_DOSSIER)
    page.get_by_test_id("attach-dossier").fill(SLASH_DOSSIER)
    page.get_by_test_id("attach-submit").click()
    expect(page.get_by_test_id("attach-success")).to_contain_text(SLASH_DOSSIER)
    expect(page.get_by_test_id("dossier")).to_have_attribute("data-code", SLASH_DOSSIER)
    expect(page.get_by_test_id("dossier-reused-row")).to_have_attribute("data-document-id",
                                                                        site.doc_id)
    page.get_by_test_id("back-to-doc").click()  # viewed for the dossier just attached to
    expect(page.get_by_test_id("reuses")).to_contain_text(SLASH_DOSSIER)
    page.get_by_test_id("lookup-code").fill(SLASH_DOSSIER)
    page.get_by_test_id("lookup-code").press("Enter")
    expect(page.get_by_test_id("dossier")).to_have_attribute("data-code", SLASH_DOSSIER)
    expect(page.get_by_test_id("dossier-reused-row")).to_have_count(1)
    no_horizontal_scroll(page)

    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("signin-username")).to_be_visible()
    expect(page.get_by_test_id("results")).to_be_hidden()

    # The index holds the reuses: who, which paper, which dossier, how; and the views, each
    # for the dossier in the attach form when the paper was opened (none at first).
    index = site.index()
    try:
        events = index.events(kind="reused", actor="canbo")
        refused = index.events(kind="reuse_refused", document_id=site.expired_id)
        views = {(e.document_id, e.dossier_code)
                 for e in index.events(kind="accessed", action="view", actor="canbo")}
    finally:
        index.close()
    assert [(e.document_id, e.dossier_code) for e in events] == [
        (site.doc_id, SLASH_DOSSIER), (site.doc_id, NEW_DOSSIER)]
    first = events[-1]
    assert first.detail["via"] == "session"
    assert first.detail["component"] == "ban-sao-giay-khai-sinh"
    assert refused and refused[0].actor == "canbo"
    assert {(site.doc_id, None), (site.doc_id, NEW_DOSSIER), (site.expired_id, NEW_DOSSIER),
            (site.doc_id, SLASH_DOSSIER)} <= views

    # The auditor, on another PC, finds all of it in the access log.
    audit = open_page()
    sign_in(audit, "kiemtra")
    expect(audit.get_by_test_id("tab-audit")).to_have_attribute("aria-selected", "true")
    expect(audit.get_by_test_id("tab-search")).to_be_hidden()
    audit.get_by_test_id("a-actor").fill("canbo")
    audit.get_by_test_id("a-actor").press("Enter")
    rows = audit.get_by_test_id("audit-row")
    expect(rows.first).to_be_visible()
    expect(audit.locator("[data-testid=audit-row]:not([data-actor=canbo])")).to_have_count(0)
    for action in ("search", "view", "download", "dossier"):
        expect(audit.locator(f"[data-testid=audit-row][data-action={action}]").first
               ).to_be_visible()
    attach = audit.locator("[data-testid=audit-row][data-kind=reused]")
    expect(attach).to_have_count(2)
    attach = audit.locator(f'[data-testid=audit-row][data-kind=reused]'
                           f'[data-dossier-code="{NEW_DOSSIER}"]')
    expect(attach).to_have_count(1)
    expect(attach).to_have_attribute("data-document-id", site.doc_id)
    expect(attach).to_contain_text("Gắn vào hồ sơ")
    expect(audit.locator(f'[data-testid=audit-row][data-kind=reused]'
                         f'[data-dossier-code="{SLASH_DOSSIER}"]')).to_have_count(1)
    refused_row = audit.locator(f"[data-testid=audit-row][data-kind=reuse_refused]"
                                f'[data-document-id="{site.expired_id}"]')
    expect(refused_row).to_have_count(1)
    # the paper named, the recorded reason ("expired on 2020-01-01") said in Vietnamese
    expect(refused_row).to_contain_text("Giấy khai sinh — Nguyễn Thị Hồng Nhung")
    expect(refused_row).to_contain_text("hết hiệu lực (có giá trị đến hết ngày 01/01/2020)")
    viewed = audit.locator(f"[data-testid=audit-row][data-action=view]"
                           f'[data-document-id="{site.doc_id}"]')
    expect(viewed.first).to_contain_text("Xem giấy tờ")
    no_horizontal_scroll(audit)
    audit.screenshot(path=str(tmp_path / "auditor-log-1366x768.png"))

    # The CSV export carries the same filter.
    href = audit.get_by_test_id("audit-csv").get_attribute("href")
    assert href and href.startswith("/api/access-log.csv?") and "actor=canbo" in href
    response = audit.request.get(site.url + href)
    assert response.ok
    table = list(csv.DictReader(io.StringIO(response.text().lstrip("\ufeff"))))
    assert {row["actor"] for row in table} == {"canbo"}
    assert any(row["kind"] == "reused" and row["dossier_code"] == NEW_DOSSIER for row in table)


# -- the auditor's reports -------------------------------------------------------------------


def test_auditor_reads_the_scorecard_and_the_ocr_review(open_page, site: Site,
                                                        tmp_path: Path) -> None:
    """The fixture received one dossier today (SOURCE_DOSSIER: both scans, no result paper,
    nothing reused into it; the officer's attaches above go to dossiers never received) and
    digitized three papers in it, one page each from the fake engine (0.99), the expired copy
    with "que_quan" flagged at 0.41. Runs before the counter's upload adds a dossier."""
    page = open_page()
    sign_in(page, "kiemtra")
    expect(page.get_by_test_id("tab-audit")).to_have_attribute("aria-selected", "true")
    page.get_by_test_id("tab-reports").click()
    expect(page.get_by_test_id("tab-reports")).to_have_attribute("aria-selected", "true")

    # The period defaults to this quarter so far (days in Việt Nam, as the browser is).
    today = page.evaluate("""() => new Intl.DateTimeFormat('en-CA', {timeZone:
        'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit'})
        .format(new Date())""")
    year, month, _ = today.split("-")
    quarter = f"{year}-{(int(month) - 1) // 3 * 3 + 1:02d}-01"
    expect(page.get_by_test_id("r-from")).to_have_value(_dmy(quarter))  # typed dd/mm/yyyy
    expect(page.get_by_test_id("r-to")).to_have_value(_dmy(today))

    # A period that ends before it starts is refused here, with the reason.
    page.get_by_test_id("r-to").fill(f"31/12/{int(year) - 1}")
    page.get_by_test_id("r-submit").click()
    expect(page.get_by_test_id("reports-msg")).to_contain_text("“Đến ngày” phải sau")
    expect(page.get_by_test_id("scorecard")).to_be_hidden()
    # ... and so is the server (422, in Vietnamese).
    answer = page.evaluate("""async (q) => { const r = await fetch(
        '/api/reports/scorecard?' + q); return [r.status, (await r.json()).message]; }""",
                           f"from={today}&to={int(year) - 1}-12-31")
    assert answer[0] == 422 and "trước ngày đầu kỳ" in answer[1]

    # A period with nothing in it says so.
    page.get_by_test_id("r-from").fill("01/01/2001")
    page.get_by_test_id("r-to").fill("31/03/2001")
    page.get_by_test_id("r-submit").click()
    expect(page.get_by_test_id("score-msg")).to_contain_text("Không có hồ sơ nào được tiếp nhận")
    expect(page.get_by_test_id("review-msg")).to_contain_text("Không có giấy tờ nào được số hoá")
    expect(page.get_by_test_id("score-row")).to_have_count(0)

    # This quarter, every page listed (threshold 100 %): the seeded dossier counted.
    page.get_by_test_id("r-from").fill(_dmy(quarter))
    page.get_by_test_id("r-to").fill(_dmy(today))
    page.get_by_test_id("r-threshold").fill("100")
    page.get_by_test_id("r-submit").click()
    row = page.locator('[data-testid=score-row][data-agency="H12.19"]')
    expect(row).to_have_count(1)
    expect(page.get_by_test_id("score-row")).to_have_count(1)  # one agency: no total row
    digitized = row.get_by_test_id("score-digitization")
    expect(digitized.get_by_test_id("score-rate")).to_have_text("100,00 %")
    expect(digitized.get_by_test_id("score-fraction")).to_have_text("1/1")
    expect(digitized.get_by_test_id("score-points")).to_have_text("4,00/4 điểm")  # portal-2026
    expect(digitized).to_have_attribute("data-below", "false")
    reused = row.get_by_test_id("score-reuse")
    expect(reused.get_by_test_id("score-rate")).to_have_text("0,00 %")
    expect(reused.get_by_test_id("score-fraction")).to_have_text("0/1")
    expect(reused).to_have_attribute("data-below", "true")
    expect(reused).to_have_class(re.compile(r"\bind-below\b"))  # highlighted
    expect(reused).to_contain_text("Dưới 80 %")
    # the portal counts electronic results over every dossier received: 0/1, not N/A
    electronic = row.get_by_test_id("score-electronic_results")
    expect(electronic.get_by_test_id("score-rate")).to_have_text("0,00 %")
    expect(electronic.get_by_test_id("score-fraction")).to_have_text("0/1")
    expect(electronic).to_have_attribute("data-below", "true")
    expect(page.get_by_test_id("score-msg")).to_contain_text("2 chỉ số dưới 80 %")

    # The OCR review: three papers of one page each, all below 100 %; the flagged field's
    # paper first; an auditor who is not an officer cannot open them from here.
    agency = page.locator('[data-testid=review-agency-row][data-agency="H12.19"]')
    for key, count in (("documents", 3), ("pages", 3), ("documents_to_review", 3),
                       ("pages_to_review", 3), ("fields_to_review", 1)):
        expect(agency.locator(f"td[data-key={key}]")).to_have_text(str(count))
    expect(agency).to_contain_text("Quê quán (1)")
    items = page.get_by_test_id("review-item")
    expect(items).to_have_count(3)
    expect(page.get_by_test_id("review-msg")).to_contain_text("3 giấy tờ cần xem lại")
    first = items.first
    expect(first).to_have_attribute("data-document-id", site.expired_id)
    expect(first).to_contain_text("41 %")
    expect(first.get_by_test_id("review-field")).to_contain_text("Quê quán")
    expect(first.get_by_test_id("review-field")).to_contain_text("đọc không chắc chắn")
    expect(first.get_by_test_id("review-page")).to_have_text("Trang 1: 99 %")
    listed = {items.nth(i).get_attribute("data-document-id") for i in range(3)}
    assert listed == {site.doc_id, site.expired_id, site.other_id}
    expect(page.get_by_test_id("review-open")).to_have_count(0)
    expect(page.get_by_test_id("review-doc-id")).to_have_count(3)
    no_horizontal_scroll(page)
    page.screenshot(path=str(tmp_path / "auditor-reports-1366x768.png"))

    # The full report (HTML) in a new tab, for the same period.
    with page.context.expect_page() as opened:
        page.get_by_test_id("r-html").click()
    report = opened.value
    report.wait_for_load_state()
    assert "format=html" in report.url and f"from={quarter}" in report.url
    expect(report.locator("h1")).to_contain_text("QĐ 766/QĐ-TTg")
    expect(report.locator("section.agency h2")).to_have_text("Cơ quan H12.19")
    expect(report.locator("section.agency tbody tr.first")).to_contain_text("1.001193")
    expect(report.locator("section.agency tbody tr.first")).to_contain_text("1 / 1")
    expect(report.locator("section.agency tbody tr.first td.rate").first).to_have_text(
        "100,00 %")
    expect(report.locator("body")).to_contain_text("≥ 80 %")
    report.close()

    # The CSV of the same figures.
    with page.expect_download() as download:
        page.get_by_test_id("r-csv").click()
    assert download.value.suggested_filename.startswith("chi-so-")
    table = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    total = next(r for r in table if r["level"] == "total")
    assert (total["digitization_numerator"], total["digitization_denominator"],
            total["digitization_rate"], total["reuse_rate"],
            total["electronic_results_rate"]) == ("1", "1", "100.00", "0.00", "0.00")

    # Signing out forgets the figures.
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("signin-username")).to_be_visible()
    expect(page.get_by_test_id("score-row")).to_have_count(0)
    expect(page.get_by_test_id("review-item")).to_have_count(0)

    # An auditor who is also an officer opens a listed paper in the search view.
    _run(site.env, "users", "add", "kiemtra-canbo", "--role", "auditor", "--role", "officer",
         "--name", "Kiểm Tra Cán Bộ", "--password-stdin", stdin=PASSWORD + "\n")
    sign_in(page, "kiemtra-canbo")
    page.get_by_test_id("tab-reports").click()
    page.get_by_test_id("r-submit").click()  # default threshold (80 %): the flagged field
    expect(page.get_by_test_id("review-item")).to_have_count(1)
    opener = page.get_by_test_id("review-open")
    expect(opener).to_have_text(site.expired_id)
    opener.click()
    expect(page.get_by_test_id("tab-search")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("doc")).to_have_attribute("data-doc-id", site.expired_id)
    expect(page.locator('[data-testid=field][data-key="que_quan"]')).to_contain_text(
        "Cần kiểm tra")

    # Each report asked for is in the access log.
    index = site.index()
    try:
        asked = index.events(kind="accessed", actor="kiemtra")
    finally:
        index.close()
    actions = [e.detail.get("action") for e in asked]
    assert "report" in actions and "review" in actions


# -- signing in ------------------------------------------------------------------------------


def test_sign_in_message_reload_and_sign_out(open_page, site: Site) -> None:
    page = open_page()
    expect(page.get_by_test_id("signin-username")).to_be_visible()
    page.get_by_test_id("signin-username").fill("canbo")
    page.get_by_test_id("signin-password").fill("sai-mat-khau-1")
    page.get_by_test_id("signin-submit").click()
    expect(page.get_by_test_id("signin-msg")).to_have_text("Sai tên đăng nhập hoặc mật khẩu")
    expect(page.locator("#who")).to_be_hidden()

    sign_in(page, "canbo")
    page.reload()  # the session cookie and the CSRF token survive a reload
    expect(page.get_by_test_id("who-name")).to_have_text("Lê Văn Cán Bộ")
    page.get_by_test_id("q-owner-id").fill(OTHER_ID)
    page.get_by_test_id("q-owner-id").press("Enter")
    expect(page.get_by_test_id("result")).to_have_count(1)
    expect(page.get_by_test_id("result")).to_contain_text("Căn cước")
    expect(page.get_by_test_id("result")).to_contain_text(OTHER)

    page.get_by_test_id("sign-out").click()  # DELETE with the CSRF token kept over the reload
    expect(page.get_by_test_id("signin-msg")).to_have_text("Đã đăng xuất.")
    assert page.request.get(site.url + "/api/me").status == 401
    page.reload()
    expect(page.get_by_test_id("signin-username")).to_be_visible()


# -- the admin -------------------------------------------------------------------------------


def test_admin_creates_an_account_and_issues_a_token(open_page, site: Site) -> None:
    page = open_page()
    sign_in(page, "quantri")
    expect(page.get_by_test_id("tab-accounts")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("tab-search")).to_be_hidden()
    expect(page.locator("[data-testid=account-row][data-username=canbo]")).to_contain_text(
        "Cán bộ xử lý")

    page.locator("#account-create-box summary").click()
    page.get_by_test_id("c-username").fill("motcua2")
    page.get_by_test_id("c-display").fill("Đỗ Thị Một Cửa")
    page.get_by_test_id("c-password").fill("mot-cua-2026!")
    page.get_by_test_id("c-role-counter").check()
    page.get_by_test_id("c-submit").click()
    row = page.locator("[data-testid=account-row][data-username=motcua2]")
    expect(row).to_contain_text("Đỗ Thị Một Cửa")
    expect(row).to_contain_text("Đang hoạt động")

    row.get_by_test_id("account-toggle").click()
    expect(row).to_contain_text("Đã khoá")

    row.get_by_test_id("account-edit-open").click()
    page.get_by_test_id("t-label").fill("mot-cua-tinh")
    page.get_by_test_id("t-submit").click()
    token = page.get_by_test_id("token-text")
    expect(token).to_be_visible()
    expect(page.get_by_test_id("token-out")).to_contain_text("không được hiển thị lại")
    text = token.input_value()
    assert text.startswith("sohoa_")
    expect(page.get_by_test_id("token-list")).to_contain_text("mot-cua-tinh")
    no_horizontal_scroll(page)

    index = site.index()
    try:
        account = index.accounts.get("motcua2")
        tokens = index.accounts.tokens("motcua2")
    finally:
        index.close()
    assert account is not None and not account.active and list(account.roles) == ["counter"]
    assert [t.label for t in tokens] == ["mot-cua-tinh"]


# -- the counter -----------------------------------------------------------------------------


def test_counter_uploads_a_dossier_and_sees_what_was_digitized(open_page, site: Site,
                                                               tmp_path: Path) -> None:
    page_png = lined_page(tmp_path / "to-khai-trang-1.png", 70)
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(b"%PDF-1.7 cut short")
    extra = lined_page(tmp_path / "nham-tep.png", 90)

    page = open_page()
    sign_in(page, "motcua")
    expect(page.get_by_test_id("who-name")).to_have_text("Đỗ Thị Một Cửa")
    expect(page.get_by_test_id("tab-upload")).to_have_attribute("aria-selected", "true")
    for other in ("tab-search", "tab-audit", "tab-accounts"):
        expect(page.get_by_test_id(other)).to_be_hidden()
    expect(page.locator("#norole-view")).to_be_hidden()

    # Nothing filled in: refused here with a message, not sent.
    page.get_by_test_id("scan-submit").click()
    expect(page.get_by_test_id("scan-msg")).to_contain_text("Nhập mã hồ sơ")

    page.get_by_test_id("scan-dossier").fill(UPLOAD_DOSSIER)
    page.get_by_test_id("scan-procedure").fill("1.000894")
    page.get_by_test_id("scan-agency").fill("H12.19")
    page.get_by_test_id("scan-agency-name").fill("Ủy ban nhân dân xã Tân Lập")
    expect(page.locator("#scan-type option").first).to_have_text("Tự nhận dạng")
    page.get_by_test_id("scan-type").select_option("to_khai")
    page.get_by_test_id("scan-owner-id").fill(OTHER_ID)
    page.get_by_test_id("scan-owner-name").fill(OTHER)

    # Files chosen in two goes add up; one chosen by mistake is taken off again.
    page.get_by_test_id("scan-files").set_input_files([page_png, broken])
    page.get_by_test_id("scan-files").set_input_files([extra])
    files = page.get_by_test_id("scan-file")
    expect(files).to_have_count(3)
    page.locator('[data-testid=scan-file][data-name="nham-tep.png"]').get_by_test_id(
        "scan-file-remove").click()
    expect(files).to_have_count(2)
    expect(page.get_by_test_id("scan-file-list")).to_contain_text("to-khai-trang-1.png")
    expect(page.get_by_test_id("scan-file-list")).to_contain_text("hong.pdf")
    expect(page.get_by_test_id("scan-files-total")).to_contain_text("2 tệp, tổng")
    expect(page.get_by_test_id("scan-files-total")).to_contain_text("KB")
    no_horizontal_scroll(page)

    page.get_by_test_id("scan-submit").click()
    job = page.get_by_test_id("scan-job")
    expect(job).to_have_count(1)
    expect(job).to_have_attribute("data-dossier-code", UPLOAD_DOSSIER)
    expect(page.get_by_test_id("scan-msg")).to_contain_text("Đã nhận 2 tệp")
    # The next dossier starts clean, with the procedure and the agency kept.
    expect(page.get_by_test_id("scan-dossier")).to_have_value("")
    expect(page.get_by_test_id("scan-owner-id")).to_have_value("")
    expect(page.get_by_test_id("scan-file")).to_have_count(0)
    expect(page.get_by_test_id("scan-procedure")).to_have_value("1.000894")
    expect(page.get_by_test_id("scan-agency")).to_have_value("H12.19")

    # Polled until done: one paper created from the page, the broken PDF named.
    expect(job).to_have_attribute("data-state", "done", timeout=90_000)
    expect(job.get_by_test_id("scan-state")).to_have_text("Đã số hoá xong")
    expect(job.get_by_test_id("scan-progress-text")).to_have_text("1/1 trang")
    docs = job.get_by_test_id("scan-doc")
    expect(docs).to_have_count(1)
    expect(docs).to_have_attribute("data-source", "to-khai-trang-1.png")
    expect(docs).to_have_attribute("data-skipped", "false")
    expect(docs).to_contain_text("Tờ khai")
    expect(docs).to_contain_text("1 trang")
    problem = job.locator('[data-testid=scan-problem][data-source="hong.pdf"]')
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("Cả tệp")
    expect(job).not_to_contain_text("uploads")  # no folder of the server on the page
    expect(job.get_by_test_id("scan-problem-file")).to_have_count(1)
    expect(job.get_by_test_id("scan-problem-file")).to_contain_text("hong.pdf")
    expect(job.get_by_test_id("scan-summary")).to_contain_text("Đã tạo 1 giấy tờ, 1 lỗi")
    doc_id = docs.get_attribute("data-doc-id")
    assert doc_id
    no_horizontal_scroll(page)
    page.screenshot(path=str(tmp_path / "counter-upload-1366x768.png"))

    # The counter PC remembers the procedure and the agency for the next dossier.
    page.reload()
    expect(page.get_by_test_id("scan-procedure")).to_have_value("1.000894")
    expect(page.get_by_test_id("scan-agency")).to_have_value("H12.19")
    expect(page.get_by_test_id("scan-agency-name")).to_have_value("Ủy ban nhân dân xã Tân Lập")
    expect(page.get_by_test_id("scan-dossier")).to_be_focused()

    # The paper is in the index, signed, in the dossier, ready for the officers.
    index = site.index()
    try:
        record = index.get(doc_id)
        in_dossier = [r.id for r in index.dossier_documents(UPLOAD_DOSSIER)]
        received = index.events(kind="received", dossier_code=UPLOAD_DOSSIER)
    finally:
        index.close()
    assert record is not None
    assert record.doc_type == "to_khai" and record.owner_id == OTHER_ID
    assert record.dossier_code == UPLOAD_DOSSIER and record.pages == 1
    assert in_dossier == [doc_id]
    assert received and received[0].actor == "motcua"

    # A counter account may not search.
    status = page.evaluate("async () => (await fetch('/api/documents?type=can_cuoc')).status")
    assert status == 403


# -- an officer corrects a flagged field; /docs offline ------------------------------------


def test_officer_corrects_a_flagged_field(open_page, site: Site, tmp_path: Path) -> None:
    owner_id, owner = "079190000321", "Võ Thị Sửa"
    doc_id = _scan(site.env, lined_page(tmp_path / "sua.png", 97), owner_id, owner,
                   "giay_khai_sinh")
    fields = {"ho_ten": {"value": owner, "confidence": 0.9, "needs_review": False},
              "ngay_sinh": {"value": "3?/07/1990", "confidence": 0.4, "needs_review": True,
                            "reasons": [{"code": "date_invalid", "message": "Ngày sai"}]}}
    with sqlite3.connect(site.home / "index.db") as conn:
        conn.execute("UPDATE documents SET fields_json = ? WHERE id = ?",
                     (json.dumps(fields, ensure_ascii=False), doc_id))
    page = open_page()
    sign_in(page, "canbo")
    page.get_by_test_id("q-name").fill("vo thi sua")
    page.get_by_test_id("q-name").press("Enter")
    page.locator(f'#results [data-doc-id="{doc_id}"]').click()
    row = page.locator('[data-testid=field][data-key="ngay_sinh"]')
    expect(row.get_by_test_id("field-review")).to_be_visible()
    row.get_by_test_id("field-fix").click()
    page.get_by_test_id("fix-value").fill("30/07/1990")
    page.get_by_test_id("fix-reason").fill("đối chiếu bản chính")
    page.get_by_test_id("fix-save").click()
    row = page.locator('[data-testid=field][data-key="ngay_sinh"]')
    expect(row).to_contain_text("1990")
    expect(row.get_by_test_id("field-review")).to_have_count(0)
    expect(page.get_by_test_id("verification")).to_have_attribute("data-ok", "true")
    no_horizontal_scroll(page)
    page.screenshot(path=str(tmp_path / "officer-fix-1366x768.png"))
    index = site.index()
    try:
        record = index.get(doc_id)
        [event] = index.events(document_id=doc_id, kind="corrected")
    finally:
        index.close()
    assert record.fields["ngay_sinh"]["value"] == "1990-07-30"
    assert event.actor == "canbo" and event.detail["reason"] == "đối chiếu bản chính"


# -- phones, tablets, desktops; a browser that is not Vietnamese ---------------------------

SCREENS = ({"width": 360, "height": 740}, {"width": 390, "height": 844},
           {"width": 768, "height": 1024}, {"width": 1366, "height": 768})


def _artifacts(tmp_path: Path) -> Path:
    """Where the screenshots go: $SOHOA_E2E_ARTIFACTS (kept for a person to look at) or the
    test's own temporary folder."""
    root = Path(os.environ.get("SOHOA_E2E_ARTIFACTS") or tmp_path) / "screens"
    root.mkdir(parents=True, exist_ok=True)
    return root


def fits(page, label: str) -> None:
    """No sideways scroll: the document is no wider than the window."""
    width, inner = page.evaluate(
        "[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{label}: the page is {width}px wide in a {inner}px window"


def reachable(page, testid, label: str) -> None:
    """Visible, inside the window's width, and would take a click (``testid``: a test id
    or a locator)."""
    target = page.get_by_test_id(testid) if isinstance(testid, str) else testid
    expect(target).to_be_visible()
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    inner = page.evaluate("window.innerWidth")
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= inner + 0.5, \
        f"{label}: {testid} is outside the window ({box}, {inner}px)"
    target.click(trial=True)


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s['width']}x{s['height']}")
def test_every_role_works_from_phone_to_desktop(open_page, site: Site, tmp_path: Path,
                                                screen: dict[str, int]) -> None:
    """Each role at phone, tablet and desktop size, in an English-speaking browser: no
    sideways scroll, every tab and "Đăng xuất" on screen, the opened paper readable
    (panes stacked on narrow screens), dates shown and typed dd/mm/yyyy, previews zoomed,
    results with thumbnails, the access log naming each paper."""
    shots = _artifacts(tmp_path)
    size = f"{screen['width']}x{screen['height']}"

    # The officer: search (a birth date typed the Vietnamese way), open, zoom.
    page = open_page(screen, "en-US")
    sign_in(page, "canbo")
    fits(page, f"officer {size}")
    for testid in ("sign-out", "tab-search", "search-submit"):
        reachable(page, testid, f"officer {size}")
    birth = page.get_by_test_id("q-birth-date")
    expect(birth).to_have_attribute("placeholder", "dd/mm/yyyy")
    birth.fill("31/02/1990")  # no such day: said in Vietnamese, nothing sent
    page.get_by_test_id("search-submit").click()
    expect(page.get_by_test_id("search-msg")).to_contain_text("không phải là ngày hợp lệ")
    expect(page.get_by_test_id("search-msg")).to_contain_text("ngày/tháng/năm")
    expect(birth).to_have_attribute("aria-invalid", "true")
    birth.fill("15031990")  # the expired copy's birth date, from a phone's digit pad
    birth.blur()
    expect(birth).to_have_value("15/03/1990")
    expect(birth).not_to_have_attribute("aria-invalid", "true")
    page.get_by_test_id("search-submit").click()
    result = page.locator(f'#results [data-doc-id="{site.expired_id}"]')
    expect(result).to_have_count(1)
    thumb = result.get_by_test_id("result-thumb")
    expect(thumb).to_have_attribute("loading", "lazy")
    thumb.scroll_into_view_if_needed()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                           arg=thumb.element_handle())
    expect(result).to_contain_text("Hiệu lực đến: 01/01/2020")  # dd/mm/yyyy in en-US
    fits(page, f"officer results {size}")
    page.screenshot(path=str(shots / f"officer-results-{size}.png"))
    result.click()
    doc = page.get_by_test_id("doc")
    expect(doc).to_be_visible()
    page.screenshot(path=str(shots / f"officer-paper-{size}.png"))
    expect(page.get_by_test_id("validity")).to_contain_text("01/01/2020")
    flagged = page.locator('[data-testid=field][data-key="que_quan"]')
    expect(flagged).to_contain_text("Quê quán")
    fits(page, f"officer paper {size}")
    pane = page.get_by_test_id("detail").bounding_box()
    assert pane and pane["width"] >= min(screen["width"] - 40, 600), \
        f"the paper's pane is {pane and pane['width']}px wide at {size}"
    value = flagged.locator(".value").bounding_box()
    assert value and value["width"] >= 100, f"a field's value is squeezed at {size}: {value}"
    for testid in ("attach-dossier", "download", "preview-open"):
        reachable(page, testid, f"officer paper {size}")
    page.screenshot(path=str(shots / f"officer-paper-actions-{size}.png"))

    page.get_by_test_id("preview-open").first.click()
    expect(page.get_by_test_id("lightbox")).to_be_visible()
    image = page.locator("#lightbox-img")
    page.wait_for_function("() => document.getElementById('lightbox-img').naturalWidth > 0")
    zoom = page.get_by_test_id("lightbox-zoom")
    expect(zoom).to_have_text(re.compile(r"^\d+ %$"))
    fitted = image.bounding_box()["width"]
    body = page.locator(".lightbox-body").bounding_box()["width"]
    assert fitted <= body and fitted >= body - 40, (fitted, body)  # fitted to the width
    for testid in ("lightbox-zoom-in", "lightbox-zoom-out", "lightbox-fit-width",
                   "lightbox-fit-page", "lightbox-close"):
        reachable(page, testid, f"lightbox {size}")
    page.get_by_test_id("lightbox-zoom-in").click()
    page.get_by_test_id("lightbox-zoom-in").click()
    assert image.bounding_box()["width"] > fitted * 1.5
    page.get_by_test_id("lightbox-fit-page").click()
    whole = image.bounding_box()
    window = page.locator(".lightbox-body").bounding_box()
    assert whole["height"] <= window["height"] + 1 and whole["width"] <= window["width"] + 1
    page.screenshot(path=str(shots / f"officer-zoom-{size}.png"))
    page.get_by_test_id("lightbox-fit-width").click()
    assert abs(image.bounding_box()["width"] - fitted) <= 2
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("lightbox")).to_be_hidden()
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("signin-username")).to_be_visible()

    # The auditor: the log names each paper's type and owner; dates typed dd/mm/yyyy.
    audit = open_page(screen, "en-US")
    sign_in(audit, "kiemtra")
    for testid in ("sign-out", "tab-audit", "tab-reports", "audit-submit", "audit-csv"):
        reachable(audit, testid, f"auditor {size}")
    audit.get_by_test_id("a-document").fill(site.expired_id)
    audit.get_by_test_id("a-since").fill("01/01/2001")
    audit.get_by_test_id("audit-submit").click()
    viewed = audit.locator("[data-testid=audit-row][data-action=view]").first
    expect(viewed).to_contain_text("Giấy khai sinh — Nguyễn Thị Hồng Nhung")
    expect(viewed.get_by_test_id("event-paper")).to_be_visible()  # no officer: no link
    audit.get_by_test_id("a-until").fill("2001-13-45")
    audit.get_by_test_id("audit-submit").click()
    expect(audit.get_by_test_id("audit-msg")).to_contain_text("“Đến ngày”")
    audit.get_by_test_id("a-until").fill("")
    audit.get_by_test_id("audit-submit").click()
    expect(viewed).to_be_visible()
    fits(audit, f"auditor log {size}")
    audit.screenshot(path=str(shots / f"auditor-log-{size}.png"))
    audit.get_by_test_id("tab-reports").click()
    expect(audit.get_by_test_id("r-from")).to_have_value(re.compile(r"^\d\d/\d\d/\d{4}$"))
    audit.get_by_test_id("r-submit").click()
    expect(audit.get_by_test_id("scorecard")).to_be_visible()
    fits(audit, f"auditor reports {size}")
    reachable(audit, "r-html", f"auditor reports {size}")
    audit.screenshot(path=str(shots / f"auditor-reports-{size}.png"))
    reachable(audit, "sign-out", f"auditor reports {size}")

    # The admin and the counter clerk: their views fit too.
    admin = open_page(screen, "en-US")
    sign_in(admin, "quantri")
    expect(admin.get_by_test_id("accounts-table")).to_be_visible()
    fits(admin, f"admin {size}")
    reachable(admin, "sign-out", f"admin {size}")
    account = admin.locator("[data-testid=account-row][data-username=canbo]")
    for testid in ("account-edit-open", "account-toggle"):
        reachable(admin, account.get_by_test_id(testid), f"admin {size}")
    admin.screenshot(path=str(shots / f"admin-{size}.png"))
    counter = open_page(screen, "en-US")
    sign_in(counter, "motcua")
    for testid in ("sign-out", "scan-submit", "scan-next"):
        reachable(counter, testid, f"counter {size}")
    fits(counter, f"counter {size}")
    counter.screenshot(path=str(shots / f"counter-{size}.png"))

    # An auditor who is also an officer opens the paper from the log.
    if not _has_account(site, "giamsat-canbo"):
        _run(site.env, "users", "add", "giamsat-canbo", "--role", "auditor", "--role",
             "officer", "--name", "Giám Sát", "--password-stdin", stdin=PASSWORD + "\n")
    both = open_page(screen, "en-US")
    sign_in(both, "giamsat-canbo")
    both.get_by_test_id("tab-audit").click()
    both.get_by_test_id("a-document").fill(site.expired_id)
    both.get_by_test_id("audit-submit").click()
    both.locator("[data-testid=audit-row][data-action=view]").first.get_by_test_id(
        "event-open").click()
    expect(both.get_by_test_id("doc")).to_have_attribute("data-doc-id", site.expired_id)
    fits(both, f"auditor-officer paper {size}")


def _has_account(site: Site, username: str) -> bool:
    index = site.index()
    try:
        return index.accounts.get(username) is not None
    finally:
        index.close()


def test_officer_finds_papers_by_their_text(open_page, site: Site) -> None:
    """The words of the paper, typed without accents: each result shows where they are,
    marked in the text as read."""
    page = open_page()
    sign_in(page, "canbo")
    page.get_by_test_id("q-text").fill("VAN BAN mau")
    page.get_by_test_id("q-name").fill("nguyen thi hong nhung")
    page.get_by_test_id("q-text").press("Enter")
    results = page.get_by_test_id("result")
    expect(results).to_have_count(2)
    snippet = results.first.get_by_test_id("result-snippet")
    expect(snippet).to_contain_text("Văn bản mẫu")
    expect(snippet.locator("mark")).to_have_text(["Văn", "bản", "mẫu"])
    page.get_by_test_id("q-text").fill("quyết định 576/QĐ-UBND")
    page.get_by_test_id("q-text").press("Enter")
    expect(page.get_by_test_id("search-msg")).to_contain_text("Không tìm thấy")



# -- answers that arrive late ---------------------------------------------------------------


class Held:
    """Requests to ``pattern`` held back (answered only when the test says so): an answer
    that takes long, made certain instead of left to chance."""

    def __init__(self, page, pattern: str, *, count: int = 1) -> None:
        self.page, self.pattern, self.count = page, pattern, count
        self.routes: list = []
        page.route(pattern, self._route)

    def _route(self, route) -> None:
        if len(self.routes) < self.count:
            self.routes.append(route)  # its answer waits for release()
        else:
            route.continue_()

    def wait(self, n: int = 1) -> None:
        deadline = time.monotonic() + 15
        while len(self.routes) < n:
            assert time.monotonic() < deadline, f"no request to {self.pattern} was made"
            self.page.wait_for_timeout(20)

    def release(self, **fulfil) -> None:
        """Let the first held request's answer through (the server's, or ``fulfil``'s), and
        give the page time to take it."""
        route = self.routes.pop(0)
        with self.page.expect_response(self.pattern) as answer:
            route.fulfill(**fulfil) if fulfil else route.continue_()
        answer.value.finished()
        self.page.evaluate("() => new Promise((done) => setTimeout(done, 150))")


def test_a_late_answer_never_overwrites_a_newer_one(open_page, site: Site) -> None:
    """An answer that arrives after the user asked again (or after the form refused what
    was typed, or after another sign-in) is dropped: it does not replace the newer results
    or message, and a late 401 of the last session does not sign the next user out."""
    # The auditor: a slow access log, then a refused day; the refused day's message stays.
    audit = open_page()
    sign_in(audit, "kiemtra")
    msg = audit.get_by_test_id("audit-msg")
    expect(msg).to_contain_text("sự kiện")  # the first page of the log, shown on opening
    held = Held(audit, "**/api/access-log?*")
    audit.get_by_test_id("a-document").fill(site.expired_id)
    audit.get_by_test_id("audit-submit").click()
    held.wait()
    expect(msg).to_contain_text("Đang tải nhật ký")
    audit.get_by_test_id("a-until").fill("2001-13-45")
    audit.get_by_test_id("audit-submit").click()
    expect(msg).to_contain_text("“Đến ngày”")
    held.release()
    expect(msg).to_contain_text("“Đến ngày”")
    expect(msg).not_to_contain_text("Đang hiện")
    # A slow filter, then a quick one: the quick one's rows stay.
    held = Held(audit, "**/api/access-log?*")
    audit.get_by_test_id("a-until").fill("")
    audit.get_by_test_id("a-document").fill(site.other_id)
    audit.get_by_test_id("audit-submit").click()
    held.wait()
    audit.get_by_test_id("a-document").fill(site.doc_id)
    audit.get_by_test_id("audit-submit").click()
    expect(msg).to_contain_text("Đang hiện")
    rows = audit.get_by_test_id("audit-row")
    shown = rows.count()
    assert shown >= 1  # its digitization at least
    expect(rows.first).to_contain_text(OWNER)
    held.release()
    expect(rows).to_have_count(shown)
    expect(audit.locator("#audit-rows")).not_to_contain_text(OTHER)

    # The officer: a slow search for one citizen, the form cleared, a quick search for
    # another: the quick one's results stay.
    page = open_page()
    sign_in(page, "canbo")
    held = Held(page, "**/api/documents/search")
    page.get_by_test_id("q-owner-id").fill(OTHER_ID)
    page.get_by_test_id("search-submit").click()
    held.wait()
    page.locator("#search-reset").click()
    page.get_by_test_id("q-owner-id").fill(OWNER_ID)
    page.get_by_test_id("search-submit").click()
    results = page.get_by_test_id("result")
    expect(results).to_have_count(2)
    held.release()
    expect(results).to_have_count(2)
    expect(page.locator(f'#results [data-doc-id="{site.other_id}"]')).to_have_count(0)
    expect(page.get_by_test_id("search-msg")).to_contain_text("Tìm thấy 2 giấy tờ")
    expect(page.get_by_test_id("search-submit")).to_be_enabled()

    # A search sent before signing out answers 401 once the next officer has signed in:
    # that officer stays signed in and sees nothing of it.
    held = Held(page, "**/api/documents/search")
    page.get_by_test_id("search-submit").click()
    held.wait()
    page.get_by_test_id("sign-out").click()
    sign_in(page, "canbo")
    expect(page.get_by_test_id("search-submit")).to_be_enabled()
    held.release(status=401, json={"code": "unauthorized", "message": "Chưa đăng nhập."})
    expect(page.get_by_test_id("who-name")).to_be_visible()
    expect(page.get_by_test_id("signin-username")).to_be_hidden()
    expect(page.get_by_test_id("search-msg")).to_be_hidden()
    expect(results).to_have_count(0)


def _fake_job(state: str, *, done: int, message: str = "", documents: tuple = ()) -> dict:
    return {"id": "00c0ffee00c0ffee", "state": state, "dossier_code": UPLOAD_DOSSIER,
            "procedure_code": "1.000894", "agency_code": "H12.19", "actor": "motcua",
            "files": ["to-khai.png"], "created_at": "2026-11-22T01:00:00Z",
            "updated_at": "2026-11-22T01:00:00Z", "pages_done": done, "pages_total": 3,
            "documents": list(documents), "problems": [], "message": message}


def test_a_job_at_the_workers_is_followed_until_it_ends(open_page, site: Site,
                                                        tmp_path: Path) -> None:
    """An upload handed to the queue's workers (a server with SOHOA_BROKER_URL) is followed
    while the workers read its pages, less often while nothing moves, until it is done;
    it offers no cancel (only the workers could stop it). The server's answers are played
    by the test, and the page's clock is the test's."""
    page = open_page()
    page.clock.install()
    page.reload()
    sign_in(page, "motcua")
    # the page's clock stands still from here: its timers fire when the test says so
    page.clock.pause_at(datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1))
    answers = [_fake_job("queued_to_workers", done=0, message=f"lượt hỏi {n}")
               for n in range(1, 4)]
    answers += [_fake_job("queued_to_workers", done=2, message="lượt hỏi 4"),
                _fake_job("done", done=3, documents=(
                    {"id": "a" * 24, "type": "to_khai", "source": "to-khai.png",
                     "pages": 3, "skipped": False},))]
    asked: list[str] = []

    def job(route) -> None:
        if route.request.method == "POST":
            route.fulfill(status=202, json=_fake_job("queued_to_workers", done=0))
            return
        asked.append(route.request.url)
        route.fulfill(json=answers[min(len(asked), len(answers)) - 1])

    page.route("**/api/scans**", job)
    page.get_by_test_id("scan-dossier").fill(UPLOAD_DOSSIER)
    page.get_by_test_id("scan-procedure").fill("1.000894")
    page.get_by_test_id("scan-agency").fill("H12.19")
    page.get_by_test_id("scan-files").set_input_files([lined_page(tmp_path / "to-khai.png", 70)])
    page.get_by_test_id("scan-submit").click()
    card = page.get_by_test_id("scan-job")
    expect(card).to_have_attribute("data-state", "queued_to_workers")
    expect(card.get_by_test_id("scan-state")).to_have_text("Đã chuyển cho hàng đợi xử lý")
    expect(card.get_by_test_id("scan-cancel")).to_have_count(0)
    expect(card.get_by_test_id("scan-progress-text")).to_contain_text("0/3 trang")

    def after(ms: int, polls: int, message: str | None = None) -> None:
        page.clock.run_for(ms)
        if message:
            expect(card.get_by_test_id("scan-job-msg")).to_have_text(message)
        else:  # a request made too early would have reached the route by now
            page.wait_for_timeout(150)
        assert len(asked) == polls, (ms, asked)

    after(999, 0)
    after(1, 1, "lượt hỏi 1")  # 1 s after the upload
    after(1_999, 1)  # nothing moved: 2 s
    after(1, 2, "lượt hỏi 2")
    after(3_999, 2)  # still nothing: 4 s
    after(1, 3, "lượt hỏi 3")
    after(8_000, 4, "lượt hỏi 4")  # 8 s; two pages done
    expect(card.get_by_test_id("scan-progress-text")).to_contain_text("2/3 trang")
    after(1_000, 5)  # it moved: 1 s again, and the job is done
    expect(card).to_have_attribute("data-state", "done")
    expect(card.get_by_test_id("scan-summary")).to_contain_text("Đã tạo 1 giấy tờ")
    expect(card.get_by_test_id("scan-doc")).to_have_count(1)
    after(60_000, 5)  # and no more asking

def test_api_docs_work_offline(browser, site: Site) -> None:
    """/docs draws the API from /openapi.json with files from this server only: every
    other request is refused, and the CSP reports nothing."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        outside: list[str] = []

        def only_local(route) -> None:
            if route.request.url.startswith(site.url):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", only_local)
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda msg: problems.append(msg.text)
                if msg.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.goto(site.url + "/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("sohoa")
        expect(page.locator(".opblock").first).to_be_visible()
        assert outside == [] and not [p for p in problems if "Content Security" in p], problems
    finally:
        context.close()
