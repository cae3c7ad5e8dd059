"""Unicode repair: ftfy, but only where a cheap check says the text needs it."""
from __future__ import annotations

import re
import unicodedata

import ftfy
from ftfy import chardata
from ftfy.badness import BADNESS_RE

from . import prefilter

# Signs of mojibake or control junk: one of these characters, or an HTML entity; clean
# text (the vast majority) skips ftfy. Two regexes rather than one alternation, so that
# the engine can skip ahead to a candidate character instead of trying every position.
_SUSPECT_CHAR = re.compile("[\u0080-\u009f\u00c2\u00c3\u00c5\u00e2\u00ef\u00d0\u00d1\ufffd\u00a0\u00ad\u200b\u2028\u2029\x00-\x08\x0b\x0c\x0e-\x1f]")
_SUSPECT_ENTITY = re.compile("&[a-z]+;|&#")

_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, fix_latin_ligatures=True, normalization="NFC")

# A suspect text is mostly fine: "â" is common in Portuguese and French. ftfy.fix_text
# (see ftfy.fix_and_explain) changes a line only if it holds one of these characters,
# is not NFC, or looks like mojibake (badness.is_bad); if none holds, it returns the text.
_FTFY_REWRITES = re.compile(
    "[%s\ud800-\udfff]"  # and lone surrogates
    % re.escape(
        "".join(
            set("&\x1b\r\u2028\u2029\u0085")  # HTML entities, terminal escapes, line breaks
            | {chr(c) for c in range(0x80, 0xA0)}  # C1 controls
            | {chr(c) for table in (chardata.LIGATURES, chardata.WIDTH_MAP, chardata.CONTROL_CHARS) for c in table}
        )
    )
)  # (curly quotes would belong here too if _CONFIG uncurled them)

# is_bad is a slow regex over every position. None of its matches is made only of ASCII
# and these lower-case letters (checked below from its parse), so it is enough to search
# next to the other characters, a match's length (7 at most) either side, within the line.
_PLAIN = "".join(map(chr, range(0x80))) + "ßàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿąćęłńśźż"
_NOT_PLAIN = re.compile(f"[^{re.escape(_PLAIN)}]+")
_BAD = prefilter.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
_REACH = _BAD.getwidth()[1] - 1
_WINDOWS_WORK = (
    not prefilter.possible(_BAD, _PLAIN, BADNESS_RE.flags)
    and _REACH < 100
    and not prefilter.has_lookaround_or_end(_BAD)  # "^" is fine: a window starts at its line's start or later
)


def _looks_bad(text: str) -> bool:
    """Whether ``is_bad`` holds for some line of text (may say yes when it does not)."""
    if not _WINDOWS_WORK:
        return True
    for m in _NOT_PLAIN.finditer(text):
        start, end = m.span()
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end + 1  # ftfy's lines keep their "\n"
        if BADNESS_RE.search(text[max(line_start, start - _REACH) : min(line_end, end + _REACH)]):
            return True
    return False


def _ftfy_would_change(text: str) -> bool:
    return (
        len(text) > _CONFIG.max_decode_length  # ftfy would cut it up differently
        or _FTFY_REWRITES.search(text) is not None
        or not unicodedata.is_normalized("NFC", text)
        or _looks_bad(text)
    )


def fix_text(text: str) -> str:
    """Repair mojibake and junk characters, leaving typographic quotes alone.

    >>> fix_text("Die BÃ¼rger sagen â€žNeinâ€œ")
    'Die Bürger sagen „Nein“'
    """
    if (_SUSPECT_CHAR.search(text) or ("&" in text and _SUSPECT_ENTITY.search(text))) and _ftfy_would_change(text):
        text = ftfy.fix_text(text, config=_CONFIG)
    elif not text.isascii():
        text = unicodedata.normalize("NFC", text)  # a no-op where ftfy was skipped: the text is NFC
    return text
