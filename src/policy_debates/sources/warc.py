"""WARC files (Common Crawl news): one raw article per HTML response record.

``warc(origin, data)`` reads a ``.warc`` or ``.warc.gz`` (gzip members per
record, or one member for the whole file) record by record. ``data`` is the
file's bytes or an open binary file: the build passes the open file
(``warc.streaming``), so a 1 GB crawl file is never held in memory.

Every **response** record is one input, ``origin#R<n>`` (``n`` counts all records
of the file from 1), and ends as exactly one of:

- a ``RawArticle`` (url from ``WARC-Target-URI``, ``raw_sha256`` of the HTTP
  payload as archived, HTML decoded per the HTTP charset, a ``<meta charset>``,
  or UTF-8 → cp1252), which trafilatura extracts later;
- ``Rejection(reason="prefiltered")`` when the page names no term of any topic
  of the taxonomy, in any language (``Prefilter``): the cheap test that spares
  trafilatura most of a crawl;
- ``Rejection`` ``not_html`` (images, PDFs, feeds), ``redirect`` (3xx),
  ``http_status`` (other non-2xx), ``undecodable``, ``empty``, ``too_large``.

Other records (warcinfo, request, metadata, revisit) carry no page and are not
inputs. A damaged file keeps the records read before the damage and ends with
one ``Rejection(reason="truncated_archive")`` (or ``corrupt_archive``) for the
unreadable rest; it never stops the build.

Per-file counts (records read, prefiltered, extracted, kept) are not a side
channel of the reader: they follow from the ledger, where every response record
has its row (``warc_file_counts``).
"""
from __future__ import annotations

import hashlib
import html as html_lib
import io
import re
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO, Iterable, Iterator
from urllib.parse import urlsplit

from ..article import RawArticle, Rejection
from . import decode

MAX_RECORD_BYTES = 32 * 1024 * 1024  # a larger response is rejected (too_large), not read into memory
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHUNK = 1 << 16


class ArchiveDamaged(Exception):
    def __init__(self, reason: str, detail: str, partial: bytes = b""):
        super().__init__(detail)
        self.reason, self.detail, self.partial = reason, detail, partial


# ---------------------------------------------------------------- the byte stream


class _Inflated(io.RawIOBase):
    """The decompressed bytes of a gzip file of any number of members.

    A file that ends inside a member raises ``ArchiveDamaged("truncated_archive")``
    rather than ending quietly, so a cut-off crawl never passes as a short one.
    """

    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.d = zlib.decompressobj(wbits=31)
        self.src = b""  # compressed bytes not yet fed
        self.out = b""  # decompressed bytes not yet returned
        self.in_member = False

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        while not self.out:
            if not self.src:
                self.src = self.raw.read(_CHUNK)
                if not self.src:
                    if self.in_member:
                        raise ArchiveDamaged("truncated_archive", "the file ends inside a gzip member")
                    return 0
            if self.d.eof:  # the previous member is complete: the next one starts here
                self.d = zlib.decompressobj(wbits=31)
            try:
                self.out = self.d.decompress(self.src)
            except zlib.error as exc:
                raise ArchiveDamaged("corrupt_archive", f"gzip data is damaged ({exc})") from None
            self.in_member = not self.d.eof
            self.src = self.d.unused_data if self.d.eof else b""
        n = min(len(buf), len(self.out))
        buf[:n] = self.out[:n]
        self.out = self.out[n:]
        return n


def _open(data: bytes | BinaryIO) -> BinaryIO:
    """A buffered stream of the WARC's records, gunzipped when the file is gzip."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw: BinaryIO = io.BytesIO(data)
        magic = bytes(data[:2])
    else:
        raw = data if hasattr(data, "peek") else io.BufferedReader(data, buffer_size=_CHUNK)
        magic = raw.peek(2)[:2]
    if magic == b"\x1f\x8b":
        return io.BufferedReader(_Inflated(raw), buffer_size=_CHUNK)
    return raw


# ---------------------------------------------------------------- WARC records


@dataclass
class WarcRecord:
    number: int  # 1-based position in the file
    headers: dict  # lowercased names
    block: bytes | None  # None when skipped unread (not a response, or too large)
    length: int

    @property
    def type(self) -> str:
        return self.headers.get("warc-type", "").lower()


def records(stream: BinaryIO) -> Iterator[WarcRecord]:
    """Every record of a WARC stream; only response blocks are read into memory.

    Raises ``ArchiveDamaged`` where the stream stops making sense.
    """
    n = 0
    while True:
        line = stream.readline()
        while line in (b"\r\n", b"\n"):
            line = stream.readline()
        if not line:
            return
        n += 1
        if not line.startswith(b"WARC/"):
            raise ArchiveDamaged("corrupt_archive", f"record {n} does not start with a WARC version line", line[:200])
        raw_head = [line]
        headers: dict[str, str] = {}
        while True:
            h = stream.readline()
            raw_head.append(h)
            if not h:
                raise ArchiveDamaged("truncated_archive", f"the file ends inside the headers of record {n}", b"".join(raw_head))
            if h in (b"\r\n", b"\n"):
                break
            name, _, value = h.decode("utf-8", "replace").partition(":")
            headers[name.strip().lower()] = value.strip()
        try:
            length = int(headers.get("content-length", ""))
        except ValueError:
            raise ArchiveDamaged("corrupt_archive", f"record {n} has no valid Content-Length", b"".join(raw_head)) from None
        if headers.get("warc-type", "").lower() == "response" and length <= MAX_RECORD_BYTES:
            block = stream.read(length)
            got = len(block)
        else:
            block, got = None, _skip(stream, length)
        if got < length:
            raise ArchiveDamaged("truncated_archive", f"the file ends inside record {n} ({got} of {length} bytes)",
                                 b"".join(raw_head) + (block or b""))
        yield WarcRecord(n, headers, block, length)


def _skip(stream: BinaryIO, n: int) -> int:
    got = 0
    while got < n:
        chunk = stream.read(min(_CHUNK, n - got))
        if not chunk:
            break
        got += len(chunk)
    return got


# ---------------------------------------------------------------- HTTP


@dataclass
class HttpResponse:
    status: int
    headers: dict  # lowercased names; repeated headers keep the last value
    body: bytes


def parse_http(block: bytes) -> HttpResponse | None:
    """``b"HTTP/1.1 200 OK\\r\\nContent-Type: text/html\\r\\n\\r\\n<html>…"`` → status, headers, body."""
    end = block.find(b"\r\n\r\n")
    sep = 4
    if end < 0:
        end, sep = block.find(b"\n\n"), 2
    if end < 0 or not block.startswith(b"HTTP/"):
        return None
    lines = block[:end].decode("iso-8859-1").splitlines()
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return None
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return HttpResponse(status, headers, block[end + sep :])


def _dechunk(body: bytes) -> bytes:
    out, pos = [], 0
    while pos < len(body):
        eol = body.find(b"\r\n", pos)
        if eol < 0:
            break
        try:
            size = int(body[pos:eol].split(b";")[0], 16)
        except ValueError:
            return body  # not chunked after all
        if size == 0:
            break
        out.append(body[eol + 2 : eol + 2 + size])
        pos = eol + 2 + size + 2
    return b"".join(out)


def _content_decoded(resp: HttpResponse) -> bytes | None:
    body = resp.body
    if "chunked" in resp.headers.get("transfer-encoding", "").lower():
        body = _dechunk(body)
    enc = resp.headers.get("content-encoding", "").lower().strip()
    if enc in ("", "identity", "none"):
        return body
    try:
        if enc in ("gzip", "x-gzip"):
            return zlib.decompress(body, wbits=47)
        if enc == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, wbits=-15)
        if enc == "br":
            import brotli  # optional: archives usually store decoded payloads

            return brotli.decompress(body)
    except Exception:
        return None
    return None


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_HTML_START = re.compile(rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL)


def _charset(content_type: str) -> str | None:
    m = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    return m.group(1) if m else None


def decode_html(body: bytes, content_type: str = "") -> str | None:
    """The page's text per its HTTP charset, else its ``<meta charset>``, else
    UTF-8 or a legacy single-byte encoding; None when it is not text."""
    for declared in (_charset(content_type), _meta_charset(body)):
        if not declared:
            continue
        try:
            return body.decode(_python_codec(declared))
        except (LookupError, UnicodeDecodeError):
            continue  # a wrong or unknown declaration: sniff instead
    return decode(body)


def _meta_charset(body: bytes) -> str | None:
    m = _META_CHARSET.search(body[:4096])
    return m.group(1).decode("ascii", "replace") if m else None


def _python_codec(name: str) -> str:
    name = name.strip().lower()
    # WHATWG: pages labelled latin-1/ascii are decoded as windows-1252
    return {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252"}.get(name, name)


def is_html(resp: HttpResponse) -> bool:
    ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype:
        return ctype in _HTML_TYPES
    return bool(_HTML_START.match(resp.body[:1024]))  # no declared type: sniff


# ---------------------------------------------------------------- prefilter


class Prefilter:
    """Does a page name any topic of the taxonomy, in any language? A cheap superset
    of the topic tagger's test, run on the whole page (markup stripped, entities
    decoded) before trafilatura.

    The tagger assigns a topic when one of its terms occurs, or both terms of an
    ``A & B`` rule occur in one sentence; the prefilter lets a page through when a
    term occurs anywhere, or both terms of a rule do, so it never drops a page the
    tagger would keep. All terms are matched in one pass (``tag.prescan``).
    """

    _TAGS = re.compile(r"<(?:script|style)\b.*?</(?:script|style)\s*>|<[^>]*>", re.IGNORECASE | re.DOTALL)

    def __init__(self, terms: list[re.Pattern], rules: list[tuple[re.Pattern, re.Pattern]] = ()):
        from ..tag.prescan import MultiScan

        pats = list(dict.fromkeys([*terms, *(t for ab in rules for t in ab)]))
        self.index = {id(p): i for i, p in enumerate(pats)}
        self.terms = [self.index[id(t)] for t in terms]
        self.rules = [(self.index[id(a)], self.index[id(b)]) for a, b in rules]
        self.scan = MultiScan(pats, first_only=range(len(pats))) if pats else None

    @classmethod
    @lru_cache(maxsize=1)
    def from_topics(cls) -> "Prefilter":
        from ..tag.topics import _patterns

        terms, rules = [], []
        for value in _patterns().values():
            single, pairs = value if isinstance(value, tuple) else (value, ())
            if single is not None:
                terms.append(single)
            rules += list(pairs)
        return cls(terms, rules)

    def page_text(self, page: str) -> str:
        text = self._TAGS.sub(" ", page)
        if "&" in text:
            text = html_lib.unescape(text)
        text = text.replace("\u00ad", "")  # soft hyphens split words in the source, not on screen
        return text if text.isascii() else unicodedata.normalize("NFC", text)

    def passes(self, page: str) -> bool:
        if self.scan is None:  # no topic terms at all: nothing can be judged off-topic
            return True
        found = self.scan.matches(self.page_text(page))
        return any(i in found for i in self.terms) or any(a in found and b in found for a, b in self.rules)


# ---------------------------------------------------------------- the reader


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _site(url: str | None) -> str:
    host = urlsplit(url).hostname if url else None
    return (host or "").removeprefix("www.")


def warc(origin: str, data: bytes | BinaryIO, prefilter: Prefilter | None = None) -> Iterator[RawArticle | Rejection]:
    """A WARC file → one RawArticle or Rejection per response record (see the module doc)."""
    prefilter = prefilter or Prefilter.from_topics()
    stream = _open(data)
    last = 0
    try:
        for rec in records(stream):
            last = rec.number
            if rec.type != "response":
                continue
            yield _response(origin, rec, prefilter)
    except ArchiveDamaged as exc:
        where = f"{origin}#R{last + 1}"
        yield Rejection(where, _sha(exc.partial or where.encode()), exc.reason,
                        f"{exc.detail}; {last} records before it were read, the rest of the file is unreadable")


warc.streaming = True  # the build hands this reader an open file, not the file's bytes


def _response(origin: str, rec: WarcRecord, prefilter: Prefilter) -> RawArticle | Rejection:
    where = f"{origin}#R{rec.number}"
    url = rec.headers.get("warc-target-uri", "").strip("<>") or None
    if rec.block is None:
        return Rejection(where, _sha(f"{where}:{rec.length}".encode()), "too_large",
                         f"a {rec.length}-byte response is over the {MAX_RECORD_BYTES}-byte limit")
    resp = parse_http(rec.block)
    if resp is None:
        return Rejection(where, _sha(rec.block), "malformed_http", "the response record holds no HTTP response")
    digest = _sha(resp.body)
    if 300 <= resp.status < 400:
        return Rejection(where, digest, "redirect", f"HTTP {resp.status} to {resp.headers.get('location', '?')}")
    if not 200 <= resp.status < 300:
        return Rejection(where, digest, "http_status", f"HTTP {resp.status}")
    if not is_html(resp):
        return Rejection(where, digest, "not_html", f"content type {resp.headers.get('content-type') or 'unknown'}")
    body = _content_decoded(resp)
    if body is None:
        return Rejection(where, digest, "undecodable", f"content encoding {resp.headers.get('content-encoding')} could not be decoded")
    if not body.strip():
        return Rejection(where, digest, "empty", "the page has no content")
    page = decode_html(body, resp.headers.get("content-type", ""))
    if page is None:
        return Rejection(where, digest, "undecodable", "not text in the declared or any sensible encoding")
    if not prefilter.passes(page):
        return Rejection(where, digest, "prefiltered", "no topic term of any language on the page (checked before extraction)")
    return RawArticle(origin=where, raw_sha256=digest, html=page, url=url, group=_site(url) or origin.rsplit("/", 1)[0])


# ---------------------------------------------------------------- per-file counts


def warc_file_counts(rows: Iterable[tuple[str, str, str | None]]) -> dict[str, dict[str, int]]:
    """Per WARC file: response records read, prefiltered, extracted, kept.

    ``rows`` are the ledger's ``(origin, outcome, reason)`` for the build's inputs;
    non-WARC origins are ignored. "extracted" counts records that reached
    trafilatura (not prefiltered and not rejected by the reader), so
    ``read = prefiltered + extracted + other reader rejections``.
    """
    reader_reasons = {"prefiltered", "not_html", "redirect", "http_status", "undecodable", "empty", "too_large",
                      "malformed_http", "truncated_archive", "corrupt_archive"}
    out: dict[str, dict[str, int]] = {}
    for origin, outcome, reason in rows:
        path, sep, rec = origin.rpartition("#R")
        if not sep or not rec.isdigit():
            continue
        c = out.setdefault(path, {"read": 0, "prefiltered": 0, "extracted": 0, "kept": 0, "damaged": 0})
        if reason in ("truncated_archive", "corrupt_archive"):
            c["damaged"] += 1
            continue
        c["read"] += 1
        if reason == "prefiltered":
            c["prefiltered"] += 1
        elif outcome != "rejected" or reason not in reader_reasons:
            c["extracted"] += 1
        if outcome == "kept":
            c["kept"] += 1
    return dict(sorted(out.items()))
