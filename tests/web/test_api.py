"""The HTTP API as its callers use it: an officer finds, checks and attaches a citizen's
papers; an auditor reads and exports the access log; an admin manages accounts and tokens;
and everything else is refused (401 without credentials, 403 without the role).

The warehouse is real (local folder store, SQLite index, demo-signed PDFs made by
``sohoa scan`` with the fake OCR engine); requests go through FastAPI's TestClient. The
whole API is also fuzzed against its own OpenAPI schema (schemathesis): no 5xx.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.checks import not_a_server_error

from common.settings import Settings
from pipeline.papers.doctypes import DOC_TYPES
from pipeline.papers.fields import REVIEW_CONFIDENCE
from pipeline.run.batch import SCAN_SUFFIXES
from reuse_index import EVENT_KINDS, ReuseIndex, refusal_text
from reuse_index.accounts import ROLES
from tests.conftest import lined_page, run_cli
from warehouse.scorecard import INDICATORS, NAMES_VI, THRESHOLD
from web import security
from web.app import STATIC, create_app
from web.models import KEY_FIELDS
from web.scans import ScanJob

OWNER_ID = "052190012345"
OWNER = "Nguyễn Thị Hồng Nhung"
PASSWORD = "mat-khau-2026"
ROLE_ACCOUNTS = {"canbo": ["officer"], "kiemtra": ["auditor"], "quantri": ["admin"],
                 "motcua": ["counter"], "tatca": ["officer", "auditor", "admin", "counter"]}


@dataclasses.dataclass
class Seeded:
    env: dict[str, str]
    home: Path
    doc_ids: list[str]
    expired_id: str
    tokens: dict[str, str]

    def index(self) -> ReuseIndex:
        return ReuseIndex.from_env(self.env, home=self.home)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """A warehouse with two signed papers of one citizen, one expired copy, and one
    account (password + API token) per role."""
    root = tmp_path_factory.mktemp("web")
    home = root / "home"
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith("SOHOA_"):
                mp.delenv(key)
        mp.setenv("SOHOA_HOME", str(home))
        mp.setenv("SOHOA_USER", "can-bo-mot-cua")
        from cli import main

        assert main(["keys", "demo"]) == 0
        scans = [lined_page(root / "khai_sinh.png", 20), lined_page(root / "to_khai.png", 40),
                 lined_page(root / "ban_cu.png", 60)]  # becomes the expired copy below
        assert main(["scan", *map(str, scans), "--dossier", "000.00.19.H12-261122-0001",
                     "--procedure", "1.001193", "--agency", "H12.19", "--agency-name",
                     "Ủy ban nhân dân xã Tân Lập", "--engine", "fake", "--owner-id", OWNER_ID,
                     "--owner-name", OWNER, "--type", "giay_khai_sinh", "--quiet",
                     "--workers", "1"]) == 0
        env = {k: v for k, v in os.environ.items() if k.startswith("SOHOA_")}
    index = ReuseIndex.from_env(env, home=home)
    try:
        docs = index.search(owner_id=OWNER_ID)
        assert len(docs) == 3
        # a real stored paper whose validity ended (the index's own field, as a paper with
        # an expiry date would have it): its signed PDF, metadata and originals stay intact
        expired = max(docs, key=lambda d: d.original_sha256s)
        docs = [d for d in docs if d.id != expired.id]
        import sqlite3

        with sqlite3.connect(home / "index.db") as conn:
            conn.execute("UPDATE documents SET valid_until = '2020-01-01' WHERE id = ?",
                         (expired.id,))
        password_hash = security.hash_password(PASSWORD)
        tokens = {}
        for name, roles in ROLE_ACCOUNTS.items():
            index.accounts.add(name, display_name=name.title(), password_hash=password_hash,
                               roles=roles)
            token_id, text = security.new_api_token()
            index.accounts.add_token(token_id, token_sha256=security.digest(text),
                                     username=name, label=f"test-{name}", expires_at=None)
            tokens[name] = text
    finally:
        index.close()
    yield Seeded(env, home, sorted(d.id for d in docs), expired.id, tokens)


@pytest.fixture(autouse=True)
def _forget_sign_in_failures(seeded: Seeded) -> None:
    """Every test's client comes from the same address ("testclient"): start each test
    without the wrong passwords earlier tests (and the fuzzer) sent from it."""
    with seeded.index() as index:
        index.accounts.clear_login_locks()


@pytest.fixture
def client(seeded: Seeded) -> Iterator[TestClient]:
    with TestClient(create_app(Settings.load(seeded.env))) as test_client:
        yield test_client


def bearer(seeded: Seeded, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.tokens[who]}"}


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Sign in with the cookie session; returns the CSRF header for unsafe requests."""
    response = client.post("/api/session", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


# -- open doors and locked doors ------------------------------------------------------------


def test_health_schema_and_page_need_no_sign_in(client: TestClient) -> None:
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["checks"] == {"index": "ok",
                                                                      "store": "ok"}
    schema = client.get("/openapi.json").json()
    assert {"/api/documents", "/api/documents/search", "/api/documents/{doc_id}/reuse",
            "/api/access-log",
            "/api/accounts", "/health"} <= set(schema["paths"])
    assert client.get("/").status_code in (200, 503)  # 503 only before the page is installed
    assert client.get("/api/nothing-here").json()["code"] == "not_found"


PROTECTED = [("GET", "/api/me"), ("DELETE", "/api/session"),
             ("GET", "/api/documents?type=can_cuoc"), ("POST", "/api/documents/search"),
             ("GET", "/api/documents/x"), ("PATCH", "/api/documents/x/fields/ho_ten"),
             ("POST", "/api/documents/x/download"), ("POST", "/api/documents/x/reuse"),
             ("GET", "/api/dossiers/x"), ("GET", "/api/access-log"),
             ("GET", "/api/access-log.csv"), ("GET", "/api/accounts"),
             ("POST", "/api/accounts"), ("PATCH", "/api/accounts/x"),
             ("GET", "/api/accounts/x/tokens"), ("POST", "/api/accounts/x/tokens"),
             ("DELETE", "/api/tokens/x"), ("POST", "/api/scans"), ("GET", "/api/scans/x"),
             ("DELETE", "/api/scans/x"),
             ("GET", "/api/reports/scorecard?from=2026-10-01&to=2026-12-31"),
             ("GET", "/api/reports/review?from=2026-10-01&to=2026-12-31"),
             ("GET", "/api/reports/portal/x"),
             ("GET", "/api/meta"), ("GET", "/api/thumbnails/x.y")]


def test_every_operation_but_the_public_ones_is_protected(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    operations = {(m.upper(), p) for p, item in schema["paths"].items() for m in item}
    public = {("GET", "/health"), ("POST", "/api/session"), ("GET", "/api/previews/{token}"),
              ("GET", "/api/files/{token}")}
    listed = {(m, p.split("?")[0].replace("/x/", "/{}/")) for m, p in PROTECTED}
    assert len(operations - public) == len(PROTECTED), "a new operation needs a 401 check"
    assert listed
    for method, path in PROTECTED:
        for headers in ({}, {"Authorization": "Bearer sohoa_nope_nope"},
                        {"Cookie": "sohoa_session=forged"}):
            response = client.request(method, path, headers=headers, json={})
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.json()["code"] == "unauthenticated"
            assert response.json()["message"] == "Cần đăng nhập"


@pytest.mark.parametrize(("who", "method", "path"), [
    ("motcua", "POST", "/api/documents/search"),
    ("kiemtra", "GET", "/api/documents?type=can_cuoc"),
    ("quantri", "POST", "/api/documents/x/reuse"),
    ("motcua", "PATCH", "/api/documents/x/fields/ho_ten"),
    ("kiemtra", "PATCH", "/api/documents/x/fields/ho_ten"),
    ("canbo", "GET", "/api/access-log"),
    ("canbo", "GET", "/api/accounts"),
    ("kiemtra", "POST", "/api/accounts"),
    ("canbo", "POST", "/api/scans"),
    ("canbo", "GET", "/api/reports/scorecard?from=2026-10-01&to=2026-12-31"),
    ("quantri", "GET", "/api/reports/review?from=2026-10-01&to=2026-12-31"),
    ("canbo", "GET", "/api/reports/portal/000.00.19.H12-261122-0001"),
])
def test_a_role_without_the_right_gets_403(client: TestClient, seeded: Seeded, who: str,
                                           method: str, path: str) -> None:
    body = {"dossier_code": "D-1"} if path.endswith("reuse") else {
        "value": "x", "reason": "y"} if "/fields/" in path else {
        "username": "moi", "password": "x", "roles": ["officer"]}
    response = client.request(method, path, headers=bearer(seeded, who), json=body)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


# -- signing in -----------------------------------------------------------------------------


def test_sign_in_csrf_and_sign_out(client: TestClient, seeded: Seeded) -> None:
    bad = client.post("/api/session", json={"username": "canbo", "password": "sai-mat-khau-1"})
    assert bad.status_code == 401 and bad.json()["message"] == "Sai tên đăng nhập hoặc mật khẩu"
    unknown = client.post("/api/session", json={"username": "ai-do", "password": PASSWORD})
    assert unknown.status_code == 401
    csrf = sign_in(client, "canbo")
    cookie = client.cookies.get("sohoa_session")
    assert cookie and len(cookie) > 30
    me = client.get("/api/me").json()
    assert me["username"] == "canbo" and me["roles"] == ["officer"] and me["via"] == "session"
    doc = seeded.doc_ids[0]
    # a cross-site form cannot post with the cookie alone
    assert client.post(f"/api/documents/{doc}/download", json={}).status_code == 403
    assert client.post(f"/api/documents/{doc}/download", json={}, headers=csrf).status_code == 200
    assert client.delete("/api/session", headers=csrf).status_code == 204
    client.cookies.set("sohoa_session", cookie)  # the old cookie is dead server-side too
    assert client.get("/api/me").status_code == 401
    with seeded.index() as index:  # stored as a digest only
        assert index.accounts.by_session(security.digest(cookie)) is None


def test_wrong_passwords_lock_the_account_for_a_while(client: TestClient, seeded: Seeded
                                                      ) -> None:
    with seeded.index() as index:
        index.accounts.add("khoa-thu", display_name="", roles=["officer"],
                           password_hash=security.hash_password(PASSWORD))
    for _ in range(5):
        response = client.post("/api/session", json={"username": "khoa-thu",
                                                     "password": "khong-dung-99"})
        assert response.status_code == 401
    locked = client.post("/api/session", json={"username": "khoa-thu", "password": PASSWORD})
    assert locked.status_code == 429 and locked.json()["code"] == "locked"
    assert "khoá" in locked.json()["message"]


def test_passwords_are_argon2id_hashes(seeded: Seeded) -> None:
    with seeded.index() as index:
        account = index.accounts.get("canbo")
    assert account and account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash


# -- the officer's day ----------------------------------------------------------------------


def test_search_by_unaccented_name_id_type_and_dates(client: TestClient, seeded: Seeded
                                                     ) -> None:
    headers = bearer(seeded, "canbo")

    def ids(**params: str) -> set[str]:
        response = client.post("/api/documents/search", json=params, headers=headers)
        assert response.status_code == 200, response.text
        return {r["id"] for r in response.json()["results"]}

    everything = set(seeded.doc_ids) | {seeded.expired_id}
    assert ids(name="nguyen thi hong nhung") == everything
    assert ids(name="NGUYỄN THỊ HỒNG") == everything  # NFC input
    assert ids(name="Nguye\u0302\u0303n thi\u0323 ho\u0302\u0300ng") == everything  # NFD input
    assert ids(owner_id=OWNER_ID) == everything
    assert ids(owner_id=OWNER_ID[:-1]) == set()
    assert ids(name="hong nhung", type="can_cuoc") == set()
    assert ids(name="hong nhung", agency="H12.19") == everything
    today = date.today()
    assert ids(digitized_from=str(today - timedelta(days=1)),
               digitized_to=str(today + timedelta(days=1))) == everything
    assert ids(owner_id=OWNER_ID, digitized_to=str(today - timedelta(days=2))) == set()
    # the ends of the calendar (found by the fuzzer: 0001-01-01 in Vietnam is year 0 in UTC)
    assert ids(owner_id=OWNER_ID, digitized_from="0001-01-01",
               digitized_to="9999-12-31") == everything
    assert ids(owner_id=OWNER_ID, digitized_to="0001-01-01") == set()
    nothing = client.post("/api/documents/search", json={}, headers=headers)
    assert nothing.status_code == 422 and nothing.json()["code"] == "invalid"
    # non-personal criteria may still go in a URL; personal ones never
    assert client.get("/api/documents", params={"agency": "H12.19"},
                      headers=headers).json()["count"] == len(everything)
    in_url = client.get("/api/documents", params={"owner_id": OWNER_ID}, headers=headers)
    assert in_url.status_code == 400 and in_url.json()["code"] == "personal_data_in_url"
    results = client.post("/api/documents/search", json={"owner_id": OWNER_ID},
                          headers=headers).json()["results"]
    expired = next(r for r in results if r["id"] == seeded.expired_id)
    assert expired["expired"] is True and expired["valid_until"] == "2020-01-01"
    fresh = next(r for r in results if r["id"] != seeded.expired_id)
    assert fresh["expired"] is False and fresh["signed"] is True
    assert fresh["type_name"] == "Giấy khai sinh" and fresh["owner_name"] == OWNER


def test_search_in_the_text_with_snippets_by_post_only(client: TestClient, seeded: Seeded
                                                       ) -> None:
    headers = bearer(seeded, "canbo")
    everything = set(seeded.doc_ids) | {seeded.expired_id}
    with seeded.index() as index:  # what the fake engine read on every page
        texts = index.texts(everything)
    assert set(texts) == everything and all("Văn bản mẫu" in (t or "") for t in texts.values())

    response = client.post("/api/documents/search", json={"text": "VAN BAN mau"},
                           headers=headers)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert {r["id"] for r in results} == everything
    snippet = results[0]["snippet"]
    assert [snippet["text"][a:b] for a, b in snippet["highlights"]] == ["Văn", "bản", "mẫu"]
    by_owner = client.post("/api/documents/search", json={"text": "hong nhung",
                                                          "type": "giay_khai_sinh"},
                           headers=headers).json()["results"]
    assert {r["id"] for r in by_owner} == everything  # the owner's name is searched too
    none = client.post("/api/documents/search", json={"text": "quyết định"}, headers=headers)
    assert none.status_code == 200 and none.json()["count"] == 0
    assert client.post("/api/documents/search", json={"number": "576/QĐ-UBND"},
                       headers=headers).json()["count"] == 0
    # the words searched for are personal data: never in a URL
    in_url = client.get("/api/documents", params={"text": "hong nhung"}, headers=headers)
    assert in_url.status_code == 400 and in_url.json()["code"] == "personal_data_in_url"
    auditor = bearer(seeded, "kiemtra")
    for _ in range(50):  # searches are written by the buffered writer, within ~0.1 s
        logged = client.get("/api/access-log", params={"action": "search", "limit": 5},
                            headers=auditor).json()["events"]
        if any(e["detail"]["query"].get("number") for e in logged):
            break
        time.sleep(0.05)
    queries = [e["detail"]["query"] for e in logged]
    assert {"number": "576/QĐ-UBND"} in queries and {"text": "quyết định"} in queries


def test_open_checks_the_signature_and_previews_come_by_signed_links(
        client: TestClient, seeded: Seeded) -> None:
    doc = seeded.doc_ids[0]
    view = client.get(f"/api/documents/{doc}", params={"dossier": "HS-XEM-1"},
                      headers=bearer(seeded, "canbo"))
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["verification"]["ok"] is True and body["verification"]["hash_ok"] is True
    assert body["verification"]["signature"]["intact"] is True
    assert body["metadata"]["MaChuGiayTo"] == OWNER_ID
    assert [p["page"] for p in body["previews"]] == [1]
    url = body["previews"][0]["url"]
    image = client.get(url)  # no credentials: the link is the credential
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.content[:3] == b"\xff\xd8\xff" and len(image.content) > 5000
    # a cached preview replaced on disk is never served: it is rendered again
    cached = next((seeded.home / "cache" / "previews").rglob("1-*.jpg"))
    cached.write_bytes(b"\xff\xd8\xff replaced by someone")
    assert client.get(url).content == image.content
    tampered = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    assert client.get(tampered).status_code == 403
    as_download = url.replace("/api/previews/", "/api/files/")  # a preview link is no file link
    assert client.get(as_download).status_code == 403
    assert client.get("/api/previews/%C2%80.x").status_code == 403  # found by the fuzzer
    with seeded.index() as index:
        views = index.events(document_id=doc, action="view")
    assert views[0].actor == "canbo" and views[0].dossier_code == "HS-XEM-1"
    assert views[0].detail["via"] == "token:test-canbo"


def test_search_results_have_thumbnails_for_their_officer_only(client: TestClient,
                                                               seeded: Seeded) -> None:
    officer = bearer(seeded, "canbo")
    found = client.post("/api/documents/search", json={"owner_id": OWNER_ID},
                        headers=officer).json()["results"]
    assert found and all(r["thumbnail_url"].startswith("/api/thumbnails/") for r in found)
    url = found[0]["thumbnail_url"]
    image = client.get(url, headers=officer)
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.content[:3] == b"\xff\xd8\xff"
    preview = client.get(f"/api/documents/{found[0]['id']}", headers=officer).json()
    full = client.get(preview["previews"][0]["url"]).content
    assert 500 < len(image.content) < len(full)  # small: a thumbnail, not the preview
    # the link alone is not enough, nor is it another officer's
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(seeded, "tatca")).status_code == 403
    assert client.get(url, headers=bearer(seeded, "kiemtra")).status_code == 403
    tampered = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    assert client.get(tampered, headers=officer).status_code == 403
    assert client.get(preview["previews"][0]["url"].replace("/api/previews/",
                      "/api/thumbnails/"), headers=officer).status_code == 403
    # the search that showed them names the papers in the access log
    with seeded.index() as index:
        search = index.events(action="search", actor="canbo", limit=1)[0]
    assert set(search.detail["shown"]) == {r["id"] for r in found}


def test_links_expire(client: TestClient, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
                      ) -> None:
    body = client.get(f"/api/documents/{seeded.doc_ids[0]}",
                      headers=bearer(seeded, "canbo")).json()
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 601)
    assert client.get(body["previews"][0]["url"]).status_code == 403


def test_download_gives_the_signed_pdf_and_is_recorded(client: TestClient, seeded: Seeded
                                                       ) -> None:
    doc = seeded.doc_ids[1]
    link = client.post(f"/api/documents/{doc}/download", json={"dossier_code": "HS-TAI-1"},
                       headers=bearer(seeded, "canbo"))
    assert link.status_code == 200
    pdf = client.get(link.json()["url"])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    with seeded.index() as index:
        record = index.get(doc)
        event = index.events(document_id=doc, action="download")[0]
    assert hashlib.sha256(pdf.content).hexdigest() == record.pdf_sha256
    assert (event.actor, event.dossier_code) == ("canbo", "HS-TAI-1")


def test_attach_records_reuse_without_touching_the_stored_paper(client: TestClient,
                                                                seeded: Seeded) -> None:
    doc = seeded.doc_ids[0]
    store_files = sorted(p for p in (seeded.home / "store").rglob("*") if p.is_file())
    before = {p: p.stat().st_mtime_ns for p in store_files}
    response = client.post(f"/api/documents/{doc}/reuse", headers=bearer(seeded, "canbo"),
                           json={"dossier_code": "000.00.19.H12-261123-0042",
                                 "component": "TP-KS", "procedure_code": "1.000656"})
    assert response.status_code == 200, response.text
    assert response.json()["reused"] is True and response.json()["document_id"] == doc
    after = sorted(p for p in (seeded.home / "store").rglob("*") if p.is_file())
    assert after == store_files and all(p.stat().st_mtime_ns == before[p] for p in after)

    record = client.get("/api/dossiers/000.00.19.H12-261123-0042",
                        headers=bearer(seeded, "canbo")).json()
    assert record["dossier"]["procedure_code"] == "1.000656"
    assert [r["document_id"] for r in record["reused"]] == [doc]
    assert record["reused"][0]["actor"] == "canbo" and record["reused"][0]["component"] == "TP-KS"
    with seeded.index() as index:
        event = index.events(kind="reused", dossier_code="000.00.19.H12-261123-0042")[0]
    assert event.document_id == doc and event.detail["DuocTaiSuDung"] is True


def test_dossier_codes_with_slashes_work_both_ways(client: TestClient, seeded: Seeded) -> None:
    headers = bearer(seeded, "canbo")
    code = "HS/2026/0007"
    assert client.post(f"/api/documents/{seeded.doc_ids[1]}/reuse", headers=headers,
                       json={"dossier_code": code}).status_code == 200
    record = client.get("/api/dossiers/HS%2F2026%2F0007", headers=headers)
    assert record.status_code == 200 and record.json()["code"] == code
    assert [r["document_id"] for r in record.json()["reused"]] == [seeded.doc_ids[1]]


def test_an_expired_paper_is_refused_and_the_refusal_recorded(client: TestClient,
                                                              seeded: Seeded) -> None:
    response = client.post(f"/api/documents/{seeded.expired_id}/reuse",
                           headers=bearer(seeded, "canbo"), json={"dossier_code": "HS-HH-1"})
    assert response.status_code == 409 and response.json()["code"] == "expired"
    assert "hết hiệu lực" in response.json()["message"]
    with seeded.index() as index:
        refused = index.events(kind="reuse_refused", dossier_code="HS-HH-1")
        assert index.events(kind="reused", dossier_code="HS-HH-1") == []
    assert refused[0].document_id == seeded.expired_id and refused[0].actor == "canbo"
    # a reason code, named in Vietnamese by /api/meta and in the CSV; the English sentence
    # earlier events carry is kept for whoever reads it
    detail = refused[0].detail
    assert detail["reason_code"] == "expired" and detail["valid_until"] == "2020-01-01"
    assert detail["reason"] == "expired on 2020-01-01"
    meta = client.get("/api/meta", headers=bearer(seeded, "canbo")).json()
    assert {r["key"]: r["name"] for r in meta["refusal_reasons"]} == {
        "expired": "hết hiệu lực", "integrity": "không đạt kiểm tra toàn vẹn / chữ ký số"}
    exported = client.get("/api/access-log.csv?kind=reuse_refused&dossier_code=HS-HH-1",
                          headers=bearer(seeded, "kiemtra"))
    [row] = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert row["refusal_reason"] == "hết hiệu lực (có giá trị đến hết ngày 01/01/2020)"


def test_a_tampered_stored_pdf_is_refused(client: TestClient, seeded: Seeded) -> None:
    with seeded.index() as index:
        original = index.get(seeded.doc_ids[1])
        index.add_document(dataclasses.replace(original, id="hong-0001",
                                               pdf_sha256="0" * 64))
    headers = bearer(seeded, "canbo")
    view = client.get("/api/documents/hong-0001", headers=headers).json()
    assert view["verification"]["ok"] is False and "sha256 mismatch" in \
        view["verification"]["problems"]
    response = client.post("/api/documents/hong-0001/reuse", headers=headers,
                           json={"dossier_code": "HS-HONG-1"})
    assert response.status_code == 409 and response.json()["code"] == "integrity"
    with seeded.index() as index:
        [refused] = index.events(kind="reuse_refused", dossier_code="HS-HONG-1")
    assert refused.detail["reason_code"] == "integrity"
    assert "sha256 mismatch" in refused.detail["problems"]
    assert refusal_text(refused.detail).startswith("không đạt kiểm tra toàn vẹn / chữ ký số (")
    assert refusal_text(refused.detail, "en").startswith("failed the integrity check (")
    link = client.post("/api/documents/hong-0001/download", headers=headers, json={}).json()
    assert client.get(link["url"]).status_code == 409



def test_the_server_log_names_no_citizen(seeded: Seeded, tmp_path: Path) -> None:
    """``sohoa serve --log-level debug`` (uvicorn's access log on): an officer's searches
    by ID, name and birth date, in the URL where a caller put them there (refused, but the
    request line is logged) and in the body, an opened paper, its dossier: the log lines
    at INFO and above show the ID's last 3 digits at most, no name, no birth date
    (Decree 13/2023)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(seeded.env)
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-c", "import sys, cli; sys.exit(cli.main())",
                                   "serve", "--host", "127.0.0.1", "--port", str(port),
                                   "--log-level", "debug"],
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
    officer = {"Authorization": f"Bearer {seeded.tokens['canbo']}"}

    def call(method: str, path: str, body: dict | None = None) -> int:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url + path, data=data, method=method, headers={
            **officer, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            try:
                if call("GET", "/health") == 200:
                    break
            except urllib.error.URLError:  # not listening yet
                time.sleep(0.2)
        name = urllib.parse.quote("Nguyễn Thị Hồng Nhung")
        assert call("GET", f"/api/documents?owner_id={OWNER_ID}&name={name}"
                           "&birth_date=1990-03-15&type=giay_khai_sinh") == 400
        assert call("GET", "/api/documents?name=nguyen+thi+hong+nhung") == 400
        assert call("POST", "/api/documents/search", {"owner_id": OWNER_ID,
                                                       "name": "nguyen thi hong nhung"}) == 200
        doc_id = seeded.doc_ids[0]
        assert call("GET", f"/api/documents/{doc_id}") == 200
        assert call("GET", "/api/dossiers/000.00.19.H12-261122-0001") == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = log.read_text("utf-8").splitlines()
    assert any("/api/documents?owner_id=***" in line for line in lines), lines  # logged
    shown = [line for line in lines if not line.startswith("DEBUG")]
    leaks = [line for line in shown if OWNER_ID in line or "1990-03-15" in line
             or "nguyen" in line.lower() or "Nguy" in line or "Nhung" in line]
    assert leaks == []


def test_bad_input_gets_clear_4xx(client: TestClient, seeded: Seeded) -> None:
    headers = bearer(seeded, "canbo")
    assert client.get("/api/documents/khong-co", headers=headers).status_code == 404
    bad = client.post(f"/api/documents/{seeded.doc_ids[0]}/reuse", headers=headers,
                      json={"dossier_code": "", "procedure_code": "1001193"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid"
    assert "dossier_code" in bad.json()["message"]
    assert client.post("/api/documents/search", json={"birth_date": "31/12/1990"},
                      headers=headers).status_code == 422


# -- the counter ----------------------------------------------------------------------------


def test_counter_uploads_a_dossier_and_follows_it(seeded: Seeded, tmp_path: Path) -> None:
    settings = Settings.load({**seeded.env, "SOHOA_OCR_ENGINE": "fake"})
    page = lined_page(tmp_path / "giay to.png", 30)
    with TestClient(create_app(settings)) as client:
        headers = bearer(seeded, "motcua")
        response = client.post("/api/scans", headers=headers, data={
            "dossier_code": "000.00.19.H12-261124-0007", "procedure_code": "1.001193",
            "agency_code": "H12.19", "doc_type": "to_khai", "owner_id": "001099000123",
            "owner_name": "Lê Văn Tám"}, files=[
            ("files", ("../../giay to.png", page.read_bytes(), "image/png")),
            ("files", ("hong.pdf", b"%PDF-1.7 cut short", "application/pdf"))])
        assert response.status_code == 202, response.text
        job = response.json()
        assert job["files"] == ["giay to.png", "hong.pdf"] and job["actor"] == "motcua"
        for _ in range(300):
            job = client.get(f"/api/scans/{job['id']}", headers=headers).json()
            if job["state"] not in ("queued", "running"):
                break
            time.sleep(0.1)
        assert job["state"] == "done", job
        assert [d["type"] for d in job["documents"]] == ["to_khai"]
        assert job["pages_done"] == job["pages_total"] == 1
        assert [p["source"] for p in job["problems"]] == ["hong.pdf"]
        assert [d["source"] for d in job["documents"]] == ["giay to.png"]
        assert str(seeded.home) not in str(job)  # no server folders in what the counter sees
        assert job["problems"][0]["message"].startswith("hong.pdf")
        assert not (seeded.home / "jobs" / "uploads" / job["id"]).exists()
        found = client.post("/api/documents/search", json={"owner_id": "001099000123"},
                           headers=bearer(seeded, "canbo")).json()["results"]
        assert [r["id"] for r in found] == [job["documents"][0]["id"]]
        assert client.get("/api/scans/0123456789abcdef", headers=headers).status_code == 404
        # a finished job cannot be cancelled; another counter cannot cancel it either
        assert client.delete(f"/api/scans/{job['id']}", headers=headers).status_code == 409
        assert client.delete(f"/api/scans/{job['id']}",
                             headers=bearer(seeded, "tatca")).status_code == 409
    with seeded.index() as index:
        dossier = index.get_dossier("000.00.19.H12-261124-0007")
        assert dossier and dossier.channel == 1 and dossier.received_at is not None


# -- the auditor ----------------------------------------------------------------------------


def test_auditor_lists_filters_and_exports_the_access_log(client: TestClient,
                                                          seeded: Seeded) -> None:
    officer = bearer(seeded, "canbo")
    # an older read of this officer's, whichever tests ran before on this worker
    client.post("/api/documents/search", json={"type": "can_cuoc"}, headers=officer)
    client.post("/api/documents/search", json={"name": "hong nhung"}, headers=officer)
    client.get(f"/api/documents/{seeded.doc_ids[0]}", headers=officer)
    auditor = bearer(seeded, "kiemtra")
    log = client.get("/api/access-log", params={"actor": "canbo", "limit": 2}, headers=auditor)
    assert log.status_code == 200
    events = log.json()["events"]
    assert len(events) == 2 and all(e["actor"] == "canbo" for e in events)
    assert [e["detail"]["action"] for e in events] == ["view", "search"]
    # the viewed paper's type and owner come with the event (added to the answer)
    with seeded.index() as index:
        viewed = index.get(seeded.doc_ids[0])
    assert viewed is not None and events[0]["document_id"] == viewed.id
    assert events[0]["document"] == {"type": viewed.doc_type,
                                     "type_name": DOC_TYPES[viewed.doc_type],
                                     "owner_name": viewed.owner_name}
    assert events[1]["document"] is None  # a search names no paper
    older = client.get("/api/access-log", headers=auditor, params={
        "actor": "canbo", "before_id": log.json()["next_before_id"]}).json()["events"]
    assert older and all(e["id"] < events[-1]["id"] for e in older)
    searches = client.get("/api/access-log", params={"action": "search"},
                          headers=auditor).json()["events"]
    assert searches[0]["detail"]["query"] == {"name": "hong nhung"}

    exported = client.get("/api/access-log.csv", params={"actor": "canbo"}, headers=auditor)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith(
        "text/csv")
    assert exported.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows and {r["actor"] for r in rows} == {"canbo"}
    assert {"search", "view"} <= {r["action"] for r in rows}
    view_row = next(r for r in rows if r["action"] == "view")
    assert view_row["document_type"] == DOC_TYPES[viewed.doc_type]
    assert view_row["owner_name"] == (viewed.owner_name or "")
    with seeded.index() as index:
        assert index.events(action="export")[0].actor == "kiemtra"


# -- the admin ------------------------------------------------------------------------------


def test_admin_manages_accounts_and_tokens(client: TestClient, seeded: Seeded) -> None:
    admin = bearer(seeded, "quantri")
    weak = client.post("/api/accounts", headers=admin, json={
        "username": "mot-cua-tinh", "password": "12345", "roles": ["officer"]})
    assert weak.status_code == 422 and "ít nhất" in weak.json()["message"]
    made = client.post("/api/accounts", headers=admin, json={
        "username": "mot-cua-tinh", "display_name": "Phần mềm một cửa tỉnh",
        "roles": ["officer"]})
    assert made.status_code == 201 and made.json()["roles"] == ["officer"]
    again = client.post("/api/accounts", headers=admin, json={
        "username": "mot-cua-tinh", "roles": ["officer"]})
    assert again.status_code == 409
    issued = client.post("/api/accounts/mot-cua-tinh/tokens", headers=admin,
                         json={"label": "mot-cua", "expires_days": 30})
    assert issued.status_code == 201
    token = issued.json()["token"]
    system = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/documents/search", json={"owner_id": OWNER_ID},
                      headers=system).status_code == 200
    listed = client.get("/api/accounts/mot-cua-tinh/tokens", headers=admin).json()["tokens"]
    assert [t["label"] for t in listed] == ["mot-cua"] and "token" not in listed[0]
    assert client.delete(f"/api/tokens/{issued.json()['id']}", headers=admin).status_code == 200
    assert client.get("/api/me", headers=system).status_code == 401  # revoked

    issued = client.post("/api/accounts/mot-cua-tinh/tokens", headers=admin,
                         json={"label": "lan-2"}).json()
    system = {"Authorization": f"Bearer {issued['token']}"}
    assert client.get("/api/me", headers=system).status_code == 200
    off = client.patch("/api/accounts/mot-cua-tinh", headers=admin, json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert client.get("/api/me", headers=system).status_code == 401  # disabled account
    assert client.patch("/api/accounts/quantri", headers=admin,
                        json={"roles": ["officer"]}).status_code == 422  # not yourself
    assert client.patch("/api/accounts/khong-co-ai", headers=admin,
                        json={"active": False}).status_code == 404
    with seeded.index() as index:
        actions = [e.detail["action"] for e in index.events(kind="account", actor="quantri")]
    assert actions[:4] == ["change", "token_issued", "token_revoked", "token_issued"]


def test_users_cli_creates_accounts_and_tokens(home: Path, capsys,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-dai-2026\n"))
    code, _, err = run_cli(capsys, "users", "add", "lan", "--role", "officer", "--role",
                           "auditor", "--name", "Trần Thị Lan", "--password-stdin")
    assert code == 0, err
    monkeypatch.setattr("sys.stdin", io.StringIO("ngan\n"))
    code, _, err = run_cli(capsys, "users", "add", "yeu", "--role", "officer",
                           "--password-stdin")
    assert code == 2 and "ít nhất" in err
    code, listed, _ = run_cli(capsys, "users", "list", "--json")
    assert [(a["username"], a["roles"]) for a in listed] == [("lan", ["officer", "auditor"])]
    code, token, _ = run_cli(capsys, "users", "token", "lan", "--label", "thu", "--json")
    assert code == 0 and token["token"].startswith("sohoa_")
    with TestClient(create_app(Settings.load())) as test_client:
        me = test_client.get("/api/me", headers={"Authorization": f"Bearer {token['token']}"})
        assert me.json()["display_name"] == "Trần Thị Lan"
        assert run_cli(capsys, "users", "revoke", token["id"])[0] == 0
        assert test_client.get("/api/me", headers={
            "Authorization": f"Bearer {token['token']}"}).status_code == 401


# -- fuzzing against the schema -------------------------------------------------------------


FUZZ_EXAMPLES = int(os.environ.get("SOHOA_FUZZ_EXAMPLES", "40"))


@pytest.mark.slow
def test_api_fuzzed_against_its_schema_has_no_server_errors(seeded: Seeded) -> None:
    """Every operation, generated from /openapi.json, with an all-roles token and with
    none: never a 5xx (schemathesis; SOHOA_FUZZ_EXAMPLES cases per operation)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json",
                                            create_app(Settings.load(seeded.env)))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18
    for operation in operations:
        for headers in (bearer(seeded, "tatca"), {}):
            _fuzz(operation, headers)


def _fuzz(operation, headers: dict[str, str]) -> None:
    @hypothesis.given(case=operation.as_strategy())
    @hypothesis.settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
                         suppress_health_check=list(hypothesis.HealthCheck))
    def call(case) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    call()


# -- the access log's buffered writes (web/eventlog.py) -------------------------------------


def _buffering_app(seeded: Seeded):
    """An app whose access-log writer holds reads for a minute after the first write, so
    what the tests see comes from flushing, not from the writer's timer."""
    app = create_app(Settings.load(seeded.env))
    app.state.service.events.interval_s = 60.0
    return app


def _accessed(seeded: Seeded, actor: str) -> list:
    with seeded.index() as index:
        return index.events(kind="accessed", actor=actor, limit=50)


def test_buffered_reads_show_in_the_access_log_at_once(seeded: Seeded) -> None:
    officer, auditor = bearer(seeded, "canbo"), bearer(seeded, "kiemtra")
    doc = seeded.doc_ids[0]
    with TestClient(_buffering_app(seeded)) as client:
        before = client.get("/api/access-log", params={"limit": 1}, headers=auditor).json()
        last_id = before["events"][0]["id"] if before["events"] else 0
        assert client.post("/api/documents/search", json={"owner_id": OWNER_ID},
                          headers=officer).status_code == 200
        assert client.get(f"/api/documents/{doc}", params={"dossier": "HS-BUF-1"},
                          headers=officer).status_code == 200
        assert client.post(f"/api/documents/{doc}/download", json={},
                           headers=officer).status_code == 200
        assert client.app.state.service.events.pending >= 1  # really held back
        log = client.get("/api/access-log", params={"actor": "canbo", "limit": 3},
                         headers=auditor).json()["events"]
        assert [e["detail"]["action"] for e in log] == ["download", "view", "search"]
        assert all(e["id"] > last_id for e in log)
        assert log[1]["document_id"] == doc and log[1]["dossier_code"] == "HS-BUF-1"
        assert log[0]["at"] >= log[1]["at"] >= log[2]["at"]  # stamped at the request
        assert client.app.state.service.events.pending == 0
        # a dossier's record shows the views made for it, too
        client.get(f"/api/documents/{doc}", params={"dossier": "HS-BUF-2"}, headers=officer)
        record = client.get("/api/dossiers/HS-BUF-2", headers=officer).json()
        assert [e["detail"]["action"] for e in record["events"]] == ["view"]


def test_buffered_reads_are_written_on_shutdown(seeded: Seeded) -> None:
    officer = bearer(seeded, "canbo")
    with seeded.index() as index:
        last = max((e.id for e in index.events(limit=1)), default=0)
    with TestClient(_buffering_app(seeded)) as client:
        for name in ("hong nhung", "nguyen thi", "nhung"):
            assert client.post("/api/documents/search", json={"name": name},
                              headers=officer).status_code == 200
        assert client.app.state.service.events.pending >= 2
    queries = [e.detail["query"]["name"] for e in _accessed(seeded, "canbo") if e.id > last]
    assert queries == ["nhung", "nguyen thi", "hong nhung"]


def test_an_index_failure_while_writing_reads_fails_no_request(
        seeded: Seeded, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
        ) -> None:
    from reuse_index import IndexStoreError

    officer = bearer(seeded, "canbo")
    with seeded.index() as index:
        last = max((e.id for e in index.events(limit=1)), default=0)
    with TestClient(create_app(Settings.load(seeded.env))) as client:
        service = client.app.state.service
        index = service.warehouse.index
        working = index.record_events

        def broken(batch):
            raise IndexStoreError("sqlite:///index.db: OperationalError: disk I/O error")

        monkeypatch.setattr(index, "record_events", broken)
        with caplog.at_level("WARNING", logger="web.eventlog"):
            for _ in range(4):
                found = client.post("/api/documents/search", json={"owner_id": OWNER_ID},
                                   headers=officer)
                assert found.status_code == 200 and found.json()["count"] >= 3
            view = client.get(f"/api/documents/{seeded.doc_ids[1]}", headers=officer)
            assert view.status_code == 200
            assert service.events.flush(timeout=1) is False
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and not any(
                    r.levelname == "ERROR" for r in caplog.records):
                time.sleep(0.05)
        errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
        assert errors and "event(s) not written yet" in errors[0]
        assert all(OWNER_ID not in r.getMessage() and "canbo" not in r.getMessage()
                   for r in caplog.records)  # counts, never who or what
        monkeypatch.setattr(index, "record_events", working)
        assert service.events.flush() is True
    written = [e for e in _accessed(seeded, "canbo") if e.id > last]
    assert [e.detail["action"] for e in written] == ["view"] + ["search"] * 4
    assert service.events.dropped == 0


# -- reports for auditors -------------------------------------------------------------------


def test_auditor_reports_scorecard_and_review(client: TestClient, seeded: Seeded) -> None:
    today = date.today()
    # one agency: the fuzz test's uploads (same module) receive dossiers of made-up ones
    period = {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1)),
              "agency": "H12.19"}
    auditor = bearer(seeded, "kiemtra")
    report = client.get("/api/reports/scorecard", params=period, headers=auditor)
    assert report.status_code == 200, report.text
    total = report.json()["total"]
    # the seeded dossier (and any the counter uploaded) was received and digitized today;
    # none has a result file: the portal counts electronic results over every dossier
    # received (0 %); the legacy profile only over those returning a paper (none: N/A)
    assert total["digitization"]["denominator"] >= 1
    assert total["digitization"]["numerator"] == total["digitization"]["denominator"]
    assert total["digitization"]["rate"] == 100.0
    assert total["reuse"]["denominator"] == total["digitization"]["denominator"]
    assert total["electronic_results"]["denominator"] == total["digitization"]["denominator"]
    assert total["electronic_results"]["rate"] == 0.0
    old = client.get("/api/reports/scorecard", params={**period, "profile": "legacy"},
                     headers=auditor).json()["total"]
    assert old["electronic_results"]["denominator"] == 0
    assert old["electronic_results"]["rate"] is None
    assert {r["agency"] for r in report.json()["rows"]} == {"H12.19"}
    page = client.get("/api/reports/scorecard", params={**period, "format": "html"},
                      headers=auditor)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "H12.19" in page.text and "80" in page.text
    policy = page.headers["content-security-policy"]  # its inline styles load, no script
    assert "style-src 'unsafe-inline'" in policy and "script" not in policy
    sheet = client.get("/api/reports/scorecard", params={**period, "format": "csv"},
                       headers=auditor)
    assert sheet.status_code == 200 and "H12.19" in sheet.text
    portal = client.get("/api/reports/portal/000.00.19.H12-261122-0001", headers=auditor)
    assert portal.status_code == 200, portal.text
    record = portal.json()
    assert record["MaHoSoDungCauTruc"] is True and record["HoSoCoThanhPhanSoHoa"] == "1"
    assert {f["DuocSoHoa"] for f in record["TaiLieuNop"]} == {"1"}
    assert client.get("/api/reports/portal/khong-co", headers=auditor).status_code == 404
    review = client.get("/api/reports/review", params={**period, "threshold": 1.0},
                        headers=auditor)
    assert review.status_code == 200, review.text
    body = review.json()
    assert body["total"]["documents"] >= 3 and body["items_total"] >= 2
    assert OWNER_ID not in review.text and "Nhung" not in review.text
    backwards = client.get("/api/reports/review", params={"from": period["to"],
                                                         "to": period["from"]},
                           headers=auditor)
    assert backwards.status_code == 422 and backwards.json()["code"] == "invalid"
    for path in ("/api/reports/scorecard", "/api/reports/review"):
        assert client.get(path, params=period,
                          headers=bearer(seeded, "canbo")).status_code == 403
    with seeded.index() as index:
        actions = [e.detail.get("action") for e in index.events(actor="kiemtra")]
    assert actions.count("report") == 4 and actions.count("review") == 1
    assert actions.count("portal") == 1


# -- the page and its constants (web/meta.py, web/static/) ---------------------------------

WEB = Path(__file__).parents[2] / "web"
PAPERS = Path(__file__).parents[2] / "pipeline" / "papers"


def _keys(items: list[dict]) -> list[str]:
    return [item["key"] for item in items]


def _names(items: list[dict]) -> dict[str, str]:
    return {item["key"]: item["name"] for item in items}


def test_meta_answers_every_role_and_nobody_else(client: TestClient, seeded: Seeded) -> None:
    assert client.get("/api/meta").status_code == 401
    answers = []
    for who in ROLE_ACCOUNTS:
        response = client.get("/api/meta", headers=bearer(seeded, who))
        assert response.status_code == 200, (who, response.text)
        assert response.headers["cache-control"] == "no-store"
        answers.append(response.json())
    sign_in(client, "motcua")  # the page's way: the session cookie
    answers.append(client.get("/api/meta").json())
    assert all(answer == answers[0] for answer in answers)
    schema = client.get("/openapi.json").json()
    ok = schema["paths"]["/api/meta"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Meta"}


def test_meta_serves_the_python_constants(client: TestClient, seeded: Seeded) -> None:
    meta = client.get("/api/meta", headers=bearer(seeded, "canbo")).json()
    assert _names(meta["doc_types"]) == DOC_TYPES
    assert _keys(meta["doc_types"]) == list(DOC_TYPES)
    assert _keys(meta["roles"]) == list(ROLES)
    assert _names(meta["roles"])["auditor"] == "Kiểm tra, giám sát"
    assert _keys(meta["indicators"]) == list(INDICATORS)
    assert {i["key"]: i["name"] for i in meta["indicators"]} == NAMES_VI
    assert all(i["ratio"] for i in meta["indicators"])
    assert meta["full_points_rate"] == float(THRESHOLD)
    assert meta["review_confidence"] == REVIEW_CONFIDENCE
    assert set(_keys(meta["event_kinds"])) == EVENT_KINDS
    assert sorted(meta["scan_suffixes"]) == sorted(s.lstrip(".") for s in SCAN_SUFFIXES)
    assert [c["code"] for c in meta["channels"]] == [1, 2, 3]  # sohoa batch's channels
    # the job states ScanJob documents, and which of them the page keeps following
    documented = ScanJob.model_fields["state"].description
    assert set(_keys(meta["job_states"])) == set(documented.replace(" ", "").split(","))
    # a job handed to the workers is followed until they finish it, but not cancelled here
    assert {s["key"] for s in meta["job_states"] if s["active"]} == {
        "queued", "running", "queued_to_workers"}
    assert {s["key"] for s in meta["job_states"] if s["cancellable"]} == {"queued", "running"}
    # every reason code the pipeline flags fields with, every action web/ records
    flagged = {m for f in PAPERS.glob("*.py")
               for m in re.findall(r'Problem\(\s*"(\w+)"', f.read_text("utf-8"))}
    assert flagged and flagged <= set(_keys(meta["review_reasons"]))
    recorded = {m for f in WEB.glob("*.py")
                for m in re.findall(r'action="(\w+)"', f.read_text("utf-8"))}
    assert recorded and recorded == set(_keys(meta["event_actions"]))
    assert set(KEY_FIELDS) <= set(_keys(meta["field_labels"]))
    assert _names(meta["field_labels"])["ho_ten"] == "Họ và tên"


def test_meta_patterns_are_the_ones_the_server_enforces(client: TestClient,
                                                        seeded: Seeded) -> None:
    patterns = client.get("/api/meta", headers=bearer(seeded, "canbo")).json()["patterns"]
    schemas = client.get("/openapi.json").json()["components"]["schemas"]

    def enforced(model: str, field: str) -> str:
        prop = schemas[model]["properties"][field]
        found = {p["pattern"] for p in [prop, *prop.get("anyOf", [])] if "pattern" in p}
        assert len(found) == 1, (model, field, prop)
        return found.pop()

    upload = next(name for name in schemas if name.startswith("Body_upload"))
    assert patterns == {
        "dossier_code": enforced("ReuseRequest", "dossier_code"),
        "agency_code": enforced(upload, "agency_code"),
        "procedure_code": enforced("ReuseRequest", "procedure_code"),
        "username": enforced("AccountCreate", "username"),
        "personal_id": enforced(upload, "owner_id"),
    }
    assert enforced(upload, "dossier_code") == patterns["dossier_code"]
    assert enforced(upload, "procedure_code") == patterns["procedure_code"]


def test_meta_labels_every_metadata_key_of_a_stored_paper(client: TestClient,
                                                         seeded: Seeded) -> None:
    officer = bearer(seeded, "canbo")
    labels = set(_keys(client.get("/api/meta", headers=officer).json()["metadata_labels"]))
    view = client.get(f"/api/documents/{seeded.doc_ids[0]}", headers=officer).json()
    assert view["metadata"] and set(view["metadata"]) <= labels


def test_the_page_is_es_modules_under_the_csp(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy
    assert '<script type="module" src="/static/js/main.js"></script>' in page.text
    modules = sorted((STATIC / "js").glob("*.js"))
    assert len(modules) >= 10 and not (STATIC / "app.js").exists()
    for module in modules:
        source = module.read_text("utf-8")
        for imported in re.findall(r"""from '(\.[^']+)'""", source):
            assert (module.parent / imported).resolve().is_file(), (module.name, imported)
        assert not re.search(r"\.(inner|outer)HTML|insertAdjacentHTML|document\.write|"
                             r"https?://", source), module.name
        served = client.get(f"/static/js/{module.name}")
        assert served.status_code == 200, module.name
        assert served.headers["content-type"].startswith("text/javascript"), module.name
        assert served.headers["cache-control"] == "no-cache"  # one version of every module
    # the constants are served (GET /api/meta), not copied into the page's sources
    sources = (STATIC / "index.html").read_text("utf-8") + "".join(
        m.read_text("utf-8") for m in modules)
    for copied in [*DOC_TYPES, *DOC_TYPES.values(), "token_revoked", "low_confidence",
                   "ho_ten_nguoi_di_khai_sinh", "SHA256BanGoc", "Bưu chính"]:
        assert copied not in sources, copied
    assert r"\d{12}" not in sources and r"\d{6}" not in sources


# -- correcting a field (warehouse/corrections.py) ------------------------------------------


def test_an_officer_corrects_a_field_with_csrf(client: TestClient, seeded: Seeded) -> None:
    doc = seeded.expired_id  # a paper of its own: the others' metadata stays as signed
    path = f"/api/documents/{doc}/fields/ngay_cap"
    body = {"value": "05/03/2021", "reason": "đối chiếu bản chính"}
    csrf = sign_in(client, "canbo")
    refused = client.patch(path, json=body)  # the session cookie alone: no
    assert refused.status_code == 403 and "CSRF" in refused.json()["message"]
    bad = client.patch(path, json={**body, "value": "31/02/2021"}, headers=csrf)
    assert bad.status_code == 422 and "dd/mm/yyyy" in bad.json()["message"]
    done = client.patch(path, json=body, headers=csrf)
    assert done.status_code == 200, done.text
    assert done.json()["new"] == "2021-03-05" and done.json()["version"] >= 2
    view = client.get(f"/api/documents/{doc}", headers=csrf).json()
    assert view["verification"]["ok"], view["verification"]
    assert view["fields"]["ngay_cap"]["value"] == "2021-03-05"
    assert view["metadata"]["NgayCap"] == "2021-03-05"  # the portal metadata is current
    assert view["metadata"]["PhienBan"] == done.json()["version"]
    with seeded.index() as index:
        event = index.events(document_id=doc, kind="corrected", limit=1)[0]
    assert event.actor == "canbo" and event.detail["via"] == "session"
    assert event.detail["new"] == "2021-03-05" and event.detail["reason"] == body["reason"]
    missing = client.patch("/api/documents/nope/fields/ngay_cap", json=body, headers=csrf)
    assert missing.status_code == 404


def test_api_docs_are_served_from_this_server(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "http" not in page.text  # no CDN
    assert "script-src 'self'" in page.headers["content-security-policy"]
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert scripts and "<script>" not in page.text  # no inline script: the CSP forbids it
    for path in [*scripts, *re.findall(r'href="([^"]+)"', page.text)]:
        served = client.get(path)
        assert served.status_code == 200 and len(served.content) > 50, path
