"""Unicode repair: ftfy, but only where a cheap check says the text needs it."""
from __future__ import annotations

import re
import unicodedata

import ftfy

# Signs of mojibake or control junk; clean text (the vast majority) skips ftfy.
_SUSPECT = re.compile("[\u0080-\u009f\u00c2\u00c3\u00c5\u00e2\u00ef\u00d0\u00d1\ufffd\u00a0\u00ad\u200b\u2028\u2029\x00-\x08\x0b\x0c\x0e-\x1f]|&[a-z]+;|&#")

_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, fix_latin_ligatures=True, normalization="NFC")


def fix_text(text: str) -> str:
    """Repair mojibake and junk characters, leaving typographic quotes alone.

    >>> fix_text("Die BÃ¼rger sagen â€žNeinâ€œ")
    'Die Bürger sagen „Nein“'
    """
    if _SUSPECT.search(text):
        text = ftfy.fix_text(text, config=_CONFIG)
    elif not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text
