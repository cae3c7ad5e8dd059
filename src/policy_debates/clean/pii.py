"""Personal data that scraped widgets leak: e-mail addresses and phone numbers.

Commenters' names go with the comment block (``widgets``: ``[tail]``); what is
left of contact data anywhere in the text is replaced by a placeholder.
"""
from __future__ import annotations

import re

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?![\w-])", re.IGNORECASE)
# International (+49 30 1234567, 0049 …), trunk-prefixed (030/1234567, 0171-1234567),
# or North American (555-123-4567, (555) 123-4567); at least 8 digits in all.
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\d{1,3}[\s./-]?(?:\(0\)\s?)?\d[\d\s./-]{5,}\d"
    r"|0\d{2,4}[\s./-]\d[\d\s.-]{4,}\d"
    r"|\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4})(?![\w])"
)


# Only a match with 8 or more digits is replaced, and a match is made of digits, spaces
# and ./()+- only: a text without such a run of 8 digits keeps all its numbers, so the
# slow PHONE scan (it tries every position) can be skipped.
_EIGHT_DIGITS = re.compile(r"\d(?:[\s./()+-]*\d){7}")


def _digits(s: str) -> int:
    return sum(c.isdigit() for c in s)


def scrub(text: str) -> tuple[str, int]:
    """Replace e-mail addresses and phone numbers; return the text and how many.

    >>> scrub("Schreiben Sie an max@example.org oder rufen Sie +49 30 1234567 an.")
    ('Schreiben Sie an [email] oder rufen Sie [phone] an.', 2)
    """
    # every EMAIL match holds an @; the PHONE scan is skipped without a run of 8 digits
    return replace(text, emails="@" in text, phones=_EIGHT_DIGITS.search(text) is not None)


def replace(text: str, *, emails: bool = True, phones: bool = True) -> tuple[str, int]:
    """The substitutions themselves, without ``scrub``'s cheap pre-checks."""
    count = 0

    def email(_m):
        nonlocal count
        count += 1
        return "[email]"

    def phone(m):
        nonlocal count
        if _digits(m.group(0)) < 8:
            return m.group(0)
        count += 1
        return "[phone]"

    if emails:
        text = EMAIL.sub(email, text)
    if phones:
        text = PHONE.sub(phone, text)
    return text, count
