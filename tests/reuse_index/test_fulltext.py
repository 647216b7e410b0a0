"""Full-text and document-number search in the index, on SQLite and PostgreSQL: case,
diacritics and normal form ignored; snippets show the words in the text as read (with
its diacritics); a correction, a text read back later and an erasure all reach the index.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from reuse_index import DocumentRecord, ReuseIndex, migrations
from reuse_index.fulltext import (
    fold_aligned,
    number_key,
    parse_query,
    snippet,
    tokens,
    tsvector_literal,
)
from reuse_index.schema import document_text

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
DECISION = ("ỦY BAN NHÂN DÂN TỈNH BẮC GIANG\nSố: 576/QĐ-UBND\nQUYẾT ĐỊNH\n"
            "Về việc giao đất cho ông Đỗ Văn Đức tại thửa đất số 12, tờ bản đồ số 3")
LETTER = ("SỞ TƯ PHÁP\nSố: 5760/STP-HCTP\nV/v hướng dẫn đăng ký khai sinh\n"
          "Kính gửi: Ủy ban nhân dân các huyện")
CARD = "CĂN CƯỚC CÔNG DÂN\nHọ và tên: NGUYỄN THỊ HỒNG NHUNG\nQuê quán: Đông Anh, Hà Nội"


def record(doc_id: str, text: str | None, *, number: str | None = None,
           name: str | None = None, minutes: int = 0, **fields: str) -> DocumentRecord:
    values = {k: {"value": v, "confidence": 0.9} for k, v in fields.items()}
    if number:
        values["so_ky_hieu"] = {"value": number, "confidence": 0.95}
    return DocumentRecord(id=doc_id, doc_type="van_ban_hanh_chinh" if number else "can_cuoc",
                          owner_id=None, owner_name=name, fields=values,
                          digitized_at=T0 + timedelta(minutes=minutes), text=text)


@pytest.fixture
def index(db_url: str) -> Iterator[ReuseIndex]:
    with ReuseIndex(db_url) as ix:
        ix.add_document(record("qd", DECISION, number="576/QĐ-UBND", minutes=1,
                               trich_yeu="Về việc giao đất"))
        ix.add_document(record("cv", LETTER, number="5760/STP-HCTP", minutes=2))
        ix.add_document(record("cc", CARD, name="Nguyễn Thị Hồng Nhung", minutes=3,
                               ho_ten="Nguyễn Thị Hồng Nhung"))
        yield ix


def found(index: ReuseIndex, **query: str) -> list[str]:
    return [r.id for r in index.search(**query)]


# -- the text side, no database ---------------------------------------------------------


def test_folding_keeps_every_offset() -> None:
    original = "ĐỖ Văn Đức, Ủy ban nhân dân Thị trấn Quế Võ — Hợp đồng số 12/HĐ"
    folded = fold_aligned(original)
    assert len(folded) == len(original)
    assert folded == "do van duc, uy ban nhan dan thi tran que vo — hop dong so 12/hd"
    assert len(fold_aligned("İstanbul")) == len("İstanbul")  # lower() would add a char
    nfd = unicodedata.normalize("NFD", original)
    assert tokens(nfd) == tokens(original)


def test_queries_words_and_phrases() -> None:
    assert parse_query('Quyết định "ủy ban  nhân dân" 576/QĐ-UBND quyết') == [
        ("quyet",), ("dinh",), ("uy", "ban", "nhan", "dan"), ("576", "qd", "ubnd")]
    assert parse_query(" - / ") == []
    assert number_key(" 576 / qđ – ubnd ") == number_key("576/QĐ-UBND") == "576/qd-ubnd"
    assert tsvector_literal("a b a") == "'a':1,3 'b':2"


def test_snippet_highlights_the_accented_original() -> None:
    long_text = " ".join(["lời"] * 60) + " " + DECISION + " " + " ".join(["cuối"] * 60)
    found = snippet(long_text, parse_query("DO VAN DUC giao dat"))
    assert found is not None
    marked = found.marked()
    assert "[Đỗ Văn Đức]" not in marked  # three words, each its own group
    assert "[Đỗ] [Văn] [Đức]" in marked and "[giao] [đất]" in marked
    assert marked.startswith("… ") and marked.endswith(" …")  # a window, not everything
    for start, end in found.highlights:
        assert fold_aligned(found.text[start:end]) in {"do", "van", "duc", "giao", "dat"}
    phrase = snippet(DECISION, parse_query("576/qd-ubnd"))
    assert phrase is not None and phrase.marked().count("[576/QĐ-UBND]") == 1
    assert snippet(DECISION, parse_query("khai sinh")) is None


# -- the index ---------------------------------------------------------------------------


def test_text_search_ignores_case_diacritics_and_normal_form(index: ReuseIndex) -> None:
    assert found(index, text="quyết định") == ["qd"]
    assert found(index, text="QUYET DINH") == ["qd"]
    nfd = unicodedata.normalize("NFD", "Đỗ Văn Đức")
    assert found(index, text=nfd) == ["qd"]
    assert found(index, text="do van duc") == ["qd"]
    assert found(index, text="ủy ban nhân dân") == ["cv", "qd"]  # newest first
    assert found(index, text="nhan dan") == ["cv", "qd"]
    assert found(index, text="dong anh") == ["cc"]  # Đông Anh, đ→d
    assert found(index, text="dang ky khai sinh") == ["cv"]


def test_every_word_must_occur_and_whole_words_only(index: ReuseIndex) -> None:
    assert found(index, text="giao đất khai sinh") == []
    assert found(index, text="quyet") == ["qd"]
    assert found(index, text="quye") == []  # whole words
    assert found(index, text='"ban nhan"') == ["cv", "qd"]  # a phrase, in that order
    assert found(index, text='"nhan ban"') == []
    assert found(index, text="!!") == []  # no word at all: nothing, not everything


def test_fields_are_searchable_too(index: ReuseIndex) -> None:
    assert found(index, text="hong nhung") == ["cc"]  # the owner and ho_ten
    assert found(index, text="hong nhung", doc_type="van_ban_hanh_chinh") == []
    assert found(index, text="nhung", name="nguyen thi") == ["cc"]


def test_document_numbers(index: ReuseIndex) -> None:
    for typed in ("576/QĐ-UBND", "576/qd-ubnd", "576/QD-UBND", " 576 / qđ - ubnd "):
        assert found(index, number=typed) == ["qd"], typed
    assert found(index, number="576/QĐ") == ["qd"]  # up to a separator
    assert found(index, number="576") == ["qd"]  # not 5760/STP-HCTP
    assert found(index, number="5760/stp-hctp") == ["cv"]
    assert found(index, number="57") == []
    assert found(index, number="\x00") == [] and found(index, text="\x00 \x01") == []
    assert found(index, text="576/QĐ-UBND") == ["qd"]  # in the text: a phrase


def test_snippets_come_from_the_text_or_else_the_fields(index: ReuseIndex) -> None:
    results = index.search(text="giao dat do van duc")
    [qd] = index.snippets(results, "giao dat do van duc").values()
    assert "[giao] [đất] cho ông [Đỗ] [Văn] [Đức]" in qd.marked()
    cards = index.search(text="nguyen thi hong nhung")
    assert index.snippets(cards, "nguyen thi hong nhung")["cc"].marked().count("[") == 4


def test_a_correction_reindexes_the_fields_and_keeps_the_text(index: ReuseIndex) -> None:
    rec = index.get("qd")
    assert rec is not None and rec.text is None  # the text is kept apart
    fields = {**rec.fields, "so_ky_hieu": {"value": "577/QĐ-UBND", "confidence": 1.0},
              "trich_yeu": {"value": "Về việc thu hồi rừng phòng hộ", "confidence": 1.0}}
    index.update_document(dataclasses.replace(rec, fields=fields))
    assert found(index, number="577/qđ-ubnd") == ["qd"]
    assert found(index, number="576/QĐ-UBND") == []
    assert found(index, text="thu hoi rung") == ["qd"]
    assert found(index, text="do van duc") == ["qd"]  # the OCR text is still indexed
    assert index.texts(["qd"]) == {"qd": DECISION}


def test_erasure_takes_the_text_out_of_the_index(index: ReuseIndex) -> None:
    assert index.delete_document("qd") is True
    assert index.delete_document("qd") is False
    assert found(index, text="do van duc") == []
    assert found(index, number="576/QĐ-UBND") == []
    assert index.texts(["qd"]) == {}
    assert found(index, text="nhan dan") == ["cv"]  # the others are untouched
    with index._engine.connect() as conn:
        assert conn.execute(select(document_text.c.document_id)).scalars().all() != []
        if index.dialect == "sqlite":  # nothing of it left in the FTS5 index either
            left = conn.execute(text("SELECT count(*) FROM document_fts WHERE document_fts "
                                     "MATCH 'duc'")).scalar()
            assert left == 0


def test_bulk_loads_are_searchable(db_url: str) -> None:
    with ReuseIndex(db_url) as ix:
        ix.bulk_add([record(f"b{i}", f"Trang số {i} của hồ sơ lô {i % 3}",
                            number=f"{i}/QĐ-UBND", minutes=i) for i in range(30)], batch=7)
        assert len(ix.search(text="ho so", limit=100)) == 30
        ix.analyze()  # PostgreSQL: a frequent pair walks the newest rows, a rare one GIN
        assert [r.id for r in ix.search(text="ho so", limit=3)] == ["b29", "b28", "b27"]
        assert [r.id for r in ix.search(text="lo 1", limit=3)] == ["b28", "b25", "b22"]
        assert [r.id for r in ix.search(text="trang so 7")] == ["b7"]
        assert [r.id for r in ix.search(number="12/qd-ubnd")] == ["b12"]
        ix.bulk_add([record("late", "hồ sơ muộn")])  # indexes live
        assert [r.id for r in ix.search(text="muon")] == ["late"]
        ix.analyze()
        assert [r.id for r in ix.search(text="trang so 7")] == ["b7"]


def test_the_migration_indexes_documents_stored_before_it(db_url: str) -> None:
    """Documents of a version-6 index: their fields become searchable by migrating, their
    text once read back (``set_text``, what ``sohoa reindex`` does)."""
    with ReuseIndex(db_url, migrate=False) as ix:
        with ix._engine.begin() as conn:
            from reuse_index.migrations import MIGRATIONS
            from reuse_index.schema import schema_version

            schema_version.create(conn)
            for version, steps in MIGRATIONS[:6]:
                migrations._apply(conn, version, steps)
            conn.execute(text(
                "INSERT INTO documents (id, doc_type, owner_id, owner_name, fields_json, "
                "metadata_json, original_keys_json, original_sha256s_json, digitized_at, "
                "signed, pages) VALUES ('old', 'van_ban_hanh_chinh', NULL, NULL, :fields, "
                "'{}', '[]', '[]', :at, :signed, 1)"),
                {"fields": '{"so_ky_hieu": {"value": "576/QĐ-UBND"}, "trich_yeu": '
                           '"Về việc giao đất"}', "at": T0.replace(tzinfo=None), "signed": True})
        assert ix.migrate() == migrations.LATEST_VERSION
        assert found(ix, number="576/qd-ubnd") == ["old"]
        assert found(ix, text="giao dat") == ["old"]
        assert ix.ids_without_text() == ["old"]
        ix.set_text("old", DECISION)
        assert found(ix, text="do van duc") == ["old"]
        assert found(ix, text="giao dat") == ["old"]
        assert ix.ids_without_text() == []
