"""WARC input: every response record accounted for, only on-topic pages extracted
and kept, a truncated archive reported and survived."""
from __future__ import annotations

import gzip
import json
import sqlite3
import uuid
from pathlib import Path

import pytest

from conftest import release_rows, run_build
from policy_debates.article import RawArticle, Rejection
from policy_debates.sources.warc import Prefilter, decode_html, warc, warc_file_counts

DE_PAGE = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>Stadtrat stoppt Gesichtserkennung am Hauptbahnhof</title></head><body>
<nav><a href="/">Startseite</a> <a href="/politik">Politik</a></nav>
<article><h1>Stadtrat stoppt Gesichtserkennung am Hauptbahnhof</h1>
<p>Der Stadtrat hat am Dienstag beschlossen, den Testlauf mit automatischer Gesichtserkennung am Hauptbahnhof
sofort zu beenden. Die Kameras hatten seit dem Frühjahr die Gesichter von Reisenden mit einer Fahndungsdatei abgeglichen.</p>
<p>Datenschützer hatten kritisiert, dass für die Gesichtserkennung keine ausreichende Rechtsgrundlage bestehe und
Unbeteiligte in großer Zahl erfasst würden. Die Polizei verwies dagegen auf zwei Festnahmen, die der Test ermöglicht habe.</p>
<p>Die Mehrheit im Rat folgte am Ende einem Antrag, der ein Verbot biometrischer Überwachung im öffentlichen Raum fordert,
bis der Landtag ein eigenes Gesetz beschlossen hat. Die Verwaltung soll die gespeicherten Aufnahmen innerhalb eines Monats löschen.</p>
</article><footer>© 2026 Stadtanzeiger</footer></body></html>"""

FR_PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="iso-8859-1">
<title>Reconnaissance faciale : la CNIL met en garde la métropole</title></head><body>
<article><h1>Reconnaissance faciale : la CNIL met en garde la métropole</h1>
<p>La Commission nationale de l'informatique et des libertés a adressé mardi un avertissement à la métropole,
qui souhaitait généraliser la reconnaissance faciale dans les stations de tramway avant la fin de l'année.</p>
<p>Selon l'autorité, le traitement de données biométriques dans l'espace public exige une base légale précise,
que le projet ne fournit pas. La reconnaissance faciale ne pourrait être utilisée que pour des recherches ciblées.</p>
<p>Les associations de défense des libertés saluent la décision et demandent l'abandon complet du dispositif,
tandis que la majorité municipale promet une nouvelle version du projet au printemps prochain.</p>
</article></body></html>"""

FOOTBALL_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Derby ends in a draw</title></head><body>
<article><h1>Derby ends in a draw</h1>
<p>The home side dominated possession for most of the afternoon but could not find a winner in the second half,
as the visitors defended deep and counted on quick breaks along the left wing.</p>
<p>The coach praised the spirit of his young squad and said the point would count at the end of the season,
while the supporters sang long after the final whistle despite the rain.</p>
<p>Next weekend the team travels north for a cup tie against a side from the second division.</p>
</article></body></html>"""

# Off-topic article whose only topic word sits in the sidebar: the prefilter lets the
# page through, extraction drops the sidebar, the topic tagger finds nothing.
SIDEBAR_PAGE = FOOTBALL_PAGE.replace(
    "</article>",
    '</article><aside class="related"><h2>Read more</h2><ul><li><a href="/x">Facial recognition at the stadium?</a></li></ul></aside>',
).replace("Derby ends in a draw", "Late goal settles the cup tie")


def warc_record(rtype: str, uri: str, block: bytes, content_type: str = "application/http; msgtype=response") -> bytes:
    head = (
        f"WARC/1.0\r\nWARC-Type: {rtype}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2026-10-01T10:00:00Z\r\n"
        f"WARC-Record-ID: <urn:uuid:{uuid.UUID(int=len(block) * 7919 + len(uri))}>\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(block)}\r\n\r\n"
    ).encode()
    return head + block + b"\r\n\r\n"


def http(body: bytes, content_type: str | None = "text/html; charset=utf-8", status: str = "200 OK", extra: str = "") -> bytes:
    headers = f"HTTP/1.1 {status}\r\n" + (f"Content-Type: {content_type}\r\n" if content_type else "") + f"Content-Length: {len(body)}\r\n{extra}\r\n"
    return headers.encode() + body


def mixed_records() -> list[bytes]:
    """R1 warcinfo, R2 request, R3 de (kept), R4 fr latin-1 (kept), R5 football (prefiltered),
    R6 sidebar (extracted, off-topic), R7 png (not_html), R8 redirect, R9 metadata."""
    return [
        warc_record("warcinfo", "", b"software: policy-debates tests\r\n", "application/warc-fields"),
        warc_record("request", "https://stadtanzeiger.example/gesichtserkennung", b"GET /gesichtserkennung HTTP/1.1\r\n\r\n", "application/http; msgtype=request"),
        warc_record("response", "https://stadtanzeiger.example/gesichtserkennung", http(DE_PAGE.encode("utf-8"))),
        warc_record("response", "https://journal-metropole.example/cnil", http(FR_PAGE.encode("latin-1"), "text/html; charset=ISO-8859-1")),
        warc_record("response", "https://sport.example/derby", http(FOOTBALL_PAGE.encode())),
        warc_record("response", "https://sport.example/cup", http(SIDEBAR_PAGE.encode())),
        warc_record("response", "https://sport.example/logo.png", http(b"\x89PNG\r\n\x1a\n" + bytes(range(64)), "image/png")),
        warc_record("response", "https://stadtanzeiger.example/old", http(b"", None, "301 Moved Permanently", "Location: https://stadtanzeiger.example/gesichtserkennung\r\n")),
        warc_record("metadata", "https://stadtanzeiger.example/gesichtserkennung", b"fetchTimeMs: 120\r\n", "application/warc-fields"),
    ]


def gz(records: list[bytes]) -> bytes:
    return b"".join(gzip.compress(r, mtime=0) for r in records)


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("crawl")
    (d / "CC-NEWS-1.warc.gz").write_bytes(gz(mixed_records()))
    (d / "CC-NEWS-2.warc").write_bytes(b"".join(mixed_records()[4:6]))  # plain WARC: football + sidebar
    damaged = gz(mixed_records()[:5])
    (d / "CC-NEWS-3.warc.gz").write_bytes(damaged[: len(damaged) - 200])  # cut inside the football record
    return d


def test_reader_yields_one_outcome_per_response_record():
    out = list(warc("c/x.warc.gz", gz(mixed_records())))
    got = [(o.origin, o.reason if isinstance(o, Rejection) else "article") for o in out]
    assert got == [
        ("c/x.warc.gz#R3", "article"),
        ("c/x.warc.gz#R4", "article"),
        ("c/x.warc.gz#R5", "prefiltered"),
        ("c/x.warc.gz#R6", "article"),  # the sidebar names a topic: extraction decides
        ("c/x.warc.gz#R7", "not_html"),
        ("c/x.warc.gz#R8", "redirect"),
    ]
    de, fr = out[0], out[1]
    assert isinstance(de, RawArticle) and de.url == "https://stadtanzeiger.example/gesichtserkennung"
    assert de.group == "stadtanzeiger.example" and len(de.raw_sha256) == 64
    assert "Reconnaissance faciale" in fr.html and "métropole" in fr.html  # decoded as the HTTP header says
    assert "https://stadtanzeiger.example/gesichtserkennung" in out[5].detail


def test_plain_and_gzipped_files_read_the_same():
    records = mixed_records()
    a = [(o.origin.split("#")[1], getattr(o, "reason", None), o.raw_sha256) for o in warc("a", gz(records))]
    b = [(o.origin.split("#")[1], getattr(o, "reason", None), o.raw_sha256) for o in warc("a", b"".join(records))]
    assert a == b


def test_truncated_archive_keeps_what_came_before():
    damaged = gz(mixed_records()[:5])
    out = list(warc("c/cut.warc.gz", damaged[: len(damaged) - 200]))
    assert [(o.origin, getattr(o, "reason", "article")) for o in out] == [
        ("c/cut.warc.gz#R3", "article"),
        ("c/cut.warc.gz#R4", "article"),
        ("c/cut.warc.gz#R5", "truncated_archive"),
    ]
    assert "the rest of the file is unreadable" in out[-1].detail
    plain = b"".join(mixed_records()[:5])
    out = list(warc("c/cut.warc", plain[:-300]))
    assert out[-1].reason == "truncated_archive" and out[-1].origin == "c/cut.warc#R5"


def test_garbage_is_a_corrupt_archive_not_a_crash():
    [rej] = list(warc("c/junk.warc.gz", b"\x1f\x8b" + b"\x00" * 50))
    assert rej.reason == "corrupt_archive"
    [rej] = list(warc("c/junk.warc", b"<html>not a warc</html>"))
    assert rej.reason == "corrupt_archive"


def test_prefilter_sees_through_markup_and_entities():
    pf = Prefilter.from_topics()
    assert pf.passes("<p>La vid&eacute;osurveillance algorithmique</p>")
    assert pf.passes("<p>Gesichts&shy;erkennung</p>")
    assert pf.passes("<title>Facial recognition</title>")
    assert not pf.passes("<p>The derby ended in a draw.</p><script>var facialRecognition = 1;</script>")


def test_charset_from_meta_and_sniffing():
    assert decode_html('<meta charset="windows-1252"><p>caf\xe9</p>'.encode("cp1252")) == '<meta charset="windows-1252"><p>café</p>'
    assert decode_html("<p>Überwachung</p>".encode("utf-8"), "text/html") == "<p>Überwachung</p>"
    assert decode_html("<p>Überwachung</p>".encode("cp1252"), "text/html; charset=utf-8") == "<p>Überwachung</p>"  # wrong label: sniffed


@pytest.fixture(scope="module")
def built(raw, tmp_path_factory):
    return run_build("common_crawl_news", raw, tmp_path_factory.mktemp("out"))


def test_build_keeps_exactly_the_on_topic_articles(built):
    rows = release_rows(built.release_dir)
    assert sorted((r["url"], r["language"]) for r in rows) == [
        ("https://journal-metropole.example/cnil", "fr"),
        ("https://stadtanzeiger.example/gesichtserkennung", "de"),
    ]
    assert all("facial_recognition" in r["topics"] for r in rows)


def test_every_response_record_is_accounted_for(built):
    c = built.counts
    # file 1: 6 responses; file 2: 2; file 3: 2 read + the damaged rest
    assert c["inputs"] == 6 + 2 + 3
    assert c["kept"] == 2 and c["duplicate"] == 2  # the truncated file's de and fr pages repeat file 1's
    assert dict(built.rejected_by_reason) == {"prefiltered": 2, "off_topic": 2, "not_html": 1, "redirect": 1, "truncated_archive": 1}
    rejects = {r["origin"]: r for r in map(json.loads, built.rejects_file.read_text().splitlines())}
    assert rejects["CC-NEWS-3.warc.gz#R5"]["reason"] == "truncated_archive"
    assert rejects["CC-NEWS-1.warc.gz#R6"]["reason"] == "off_topic"


def test_per_file_counts_follow_from_the_ledger(built):
    db = sqlite3.connect(built.release_dir.parent / "ledger.sqlite")
    counts = warc_file_counts(db.execute("SELECT origin, outcome, reason FROM inputs"))
    db.close()
    assert counts == {
        "CC-NEWS-1.warc.gz": {"read": 6, "prefiltered": 1, "extracted": 3, "kept": 2, "damaged": 0},
        "CC-NEWS-2.warc": {"read": 2, "prefiltered": 1, "extracted": 1, "kept": 0, "damaged": 0},
        "CC-NEWS-3.warc.gz": {"read": 2, "prefiltered": 0, "extracted": 2, "kept": 0, "damaged": 1},
    }
