"""Readers: bytes in, raw articles or the exact rejection reason out."""
from __future__ import annotations

from conftest import FIXTURES
from policy_debates.article import RawArticle, Rejection
from policy_debates.sources import html_page, jsonl_export, text_dump


def test_text_dump_reads_utf8_with_bom():
    [raw] = text_dump("a/b.txt", "\ufeffTitel\n\nText".encode("utf-8"))
    assert isinstance(raw, RawArticle)
    assert raw.text == "Titel\n\nText" and raw.group == "a" and len(raw.raw_sha256) == 64


def test_binary_is_rejected_as_undecodable():
    [rej] = text_dump("x.txt", b"\x00\x9f\xff\xfe garbage \x00\x01")
    assert isinstance(rej, Rejection) and rej.reason == "undecodable"


def test_empty_and_whitespace_files_are_rejected_as_empty():
    assert next(text_dump("e.txt", b"")).reason == "empty"
    assert next(html_page("e.html", b"  \n\t ")).reason == "empty"


def test_legacy_cp1252_text_is_accepted():
    [raw] = text_dump("x.txt", "Überwachung – Café".encode("cp1252"))
    assert raw.text == "Überwachung – Café"


def test_jsonl_export_accounts_for_every_line():
    data = (FIXTURES / "articles" / "es_export.jsonl").read_bytes()
    out = list(jsonl_export("crawl/es_export.jsonl", data))
    assert [type(o).__name__ for o in out] == ["RawArticle", "RawArticle", "Rejection", "Rejection"]
    first = out[0]
    assert first.origin == "crawl/es_export.jsonl#L1"
    assert first.title == "No toquen el cifrado de extremo a extremo"
    assert first.authors == ["Lucía Ferrer"] and first.published == "2026-02-01T10:00:00+01:00"
    assert first.group == "diario-ejemplo.example"
    assert out[2].reason == "malformed_json" and out[2].origin.endswith("#L3")
    assert out[3].reason == "missing_text" and out[3].origin.endswith("#L4")


def test_jsonl_non_object_line():
    [rej] = jsonl_export("c.jsonl", b'["a", "b"]\n')
    assert rej.reason == "malformed_json" and "list" in rej.detail
