"""Exact pre-checks read from a regex's parse tree.

Cleaning runs hundreds of patterns over every line, and almost no line matches
any of them: each failing alternative still costs the regex engine a try. From
``re``'s own parse of a pattern we read facts that every match must satisfy —
the characters it can start with, how long it can be, strings it must contain —
so that callers can leave out the patterns a text cannot match. Every function
here errs only towards "may match", so leaving a pattern out never changes an
answer.
"""
from __future__ import annotations

import math
import re
from re import _constants as sre
from re import _parser

_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
_CATEGORIES = {
    sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s", sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w", sre.CATEGORY_NOT_WORD: r"\W",
}


def parse(pattern: str, flags: int = 0):
    return _parser.parse(pattern, flags)


def char_class(op, av) -> str | None:
    """A one-character item (``a``, ``[^a-z\\d]``) as the source of a character class;
    None for anything else."""
    if op is sre.LITERAL:
        return f"[{re.escape(chr(av))}]"
    if op is sre.NOT_LITERAL:
        return f"[^{re.escape(chr(av))}]"
    if op is not sre.IN:
        return None
    parts = []
    for o, a in av:
        if o is sre.NEGATE:
            parts.append("^")
        elif o is sre.LITERAL:
            parts.append(re.escape(chr(a)))
        elif o is sre.RANGE:
            parts.append(f"{re.escape(chr(a[0]))}-{re.escape(chr(a[1]))}")
        elif o is sre.CATEGORY and a in _CATEGORIES:
            parts.append(_CATEGORIES[a])
        else:
            return None
    return f"[{''.join(parts)}]"


def _subs(op, av):
    """(sub-sequences, whether one of them must match) of a group, alternation or repeat."""
    if op is sre.SUBPATTERN and not (av[1] or av[2]):  # a group that changes flags is left opaque
        return [av[3]], True
    if op is sre.BRANCH:
        return av[1], True
    if op in _REPEATS:
        return [av[2]], av[0] > 0
    return None, False


def first_chars(items) -> list[str] | None:
    """Character classes a non-empty match must start with; None: any character."""
    out: list[str] = []
    for op, av in items:
        if op in _ZERO_WIDTH:  # lookarounds and anchors only narrow the choice
            continue
        cls = char_class(op, av)
        if cls:
            return out + [cls]
        subs, required = _subs(op, av)
        if subs is None:
            return None
        for sub in subs:
            firsts = first_chars(sub)
            if firsts is None:
                return None
            out += firsts
            # an alternative or a repeat that can match nothing lets the next item start the match
            required = required and not _can_be_empty(sub)
        if required:
            return out
    return out


def _can_be_empty(items) -> bool:
    return width(items)[0] == 0


def width(items, *, single_spaces: bool = False) -> tuple[int, float]:
    """Shortest and longest match. ``single_spaces``: the text never has two whitespace
    characters in a row (a normalised line), so a repeat of whitespace matches one at most."""
    lo, hi = 0, 0
    for op, av in items:
        if op in (sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY):
            w = (1, 1)
        elif op in _ZERO_WIDTH:
            w = (0, 0)
        elif op is sre.SUBPATTERN:
            w = width(av[3], single_spaces=single_spaces)
        elif op is sre.BRANCH:
            ws = [width(b, single_spaces=single_spaces) for b in av[1]]
            w = (min(l for l, _ in ws), max(h for _, h in ws))
        elif op in _REPEATS:
            l, h = width(av[2], single_spaces=single_spaces)
            times = math.inf if av[1] == sre.MAXREPEAT else av[1]
            if single_spaces and _only_whitespace(av[2]):
                times = min(times, 1)
            w = (l * av[0], 0 if h == 0 or times == 0 else h * times)
        else:
            w = (0, math.inf)
        lo, hi = lo + w[0], hi + w[1]
    return lo, hi


def _only_whitespace(items) -> bool:
    if len(items) != 1:
        return False
    op, av = items[0]
    members = av if op is sre.IN else [(op, av)]
    return all((o is sre.LITERAL and chr(a).isspace()) or (o is sre.CATEGORY and a == sre.CATEGORY_SPACE) for o, a in members)


_SPELLED_OUT_LIMIT = 500


def beginnings(items, k: int, char_ok, *, single_spaces: bool = False) -> set[str]:
    """Lower-cased beginnings, at most k characters long, one of which every match starts
    with. A beginning shorter than k ends where the pattern stops spelling out characters
    (a class like ``\\d``, a repeat, a character ``char_ok`` rejects) or the match ends;
    "" means the pattern may start with anything. ``single_spaces`` as for ``width``."""
    return {b for b, _ in _beginnings(items, k, char_ok, single_spaces)}


_ANYTHING = frozenset({("", False)})


def _beginnings(items, k, char_ok, single_spaces):
    """(beginning, whether it is the whole match so the next item may extend it)."""
    out = {("", True)}
    for op, av in items:
        if not any(whole for _, whole in out):
            break
        step = _item_beginnings(op, av, k, char_ok, single_spaces)
        grown = set()
        for b, whole in out:
            if not whole:
                grown.add((b, False))
                continue
            for s, whole_s in step:
                grown.add(((b + s)[:k], whole_s and len(b + s) < k))
        if len(grown) > _SPELLED_OUT_LIMIT:
            return _ANYTHING
        out = grown
    return out


def _item_beginnings(op, av, k, char_ok, single_spaces):
    if op in _ZERO_WIDTH:
        return {("", True)}
    if op in (sre.LITERAL, sre.IN):
        chars = _spelled_chars(op, av, single_spaces)
        if chars is None or not all(map(char_ok, chars)):
            return _ANYTHING
        return {(c.lower(), True) for c in chars}
    if op is sre.SUBPATTERN and not (av[1] or av[2]):
        return _beginnings(av[3], k, char_ok, single_spaces)
    if op is sre.BRANCH:
        return set().union(*(_beginnings(b, k, char_ok, single_spaces) for b in av[1]))
    if op in _REPEATS:
        lo, hi, sub = av
        if hi == 0:
            return {("", True)}
        once = _beginnings(sub, k, char_ok, single_spaces)
        if hi > 1 and not (single_spaces and _only_whitespace(sub)):
            once = {(b, False) for b, _ in once}  # what further repeats add is not spelled out
        return once | ({("", True)} if lo == 0 else set())
    return _ANYTHING


def _spelled_chars(op, av, single_spaces) -> list[str] | None:
    """The characters a one-character item matches if it lists them (a few at most)."""
    if op is sre.LITERAL:
        return [chr(av)]
    chars = []
    for o, a in av:
        if o is sre.LITERAL:
            chars.append(chr(a))
        elif o is sre.RANGE and a[1] - a[0] < 32:
            chars += map(chr, range(a[0], a[1] + 1))
        elif o is sre.CATEGORY and a == sre.CATEGORY_SPACE and single_spaces:
            chars.append(" ")  # the only whitespace left in a normalised line
        else:
            return None
    return chars


def needles(items) -> set[str] | None:
    """Strings one of which every text the items match contains (a lookaround's text
    included, so the text, not just the match); None if no such set was found.
    Case-sensitive: the caller deals with IGNORECASE."""
    found: list[set[str]] = []
    run = ""
    for op, av in list(items) + [(None, None)]:
        if op is sre.LITERAL:
            run += chr(av)
            continue
        if run:
            found.append({run})
            run = ""
        if op is sre.IN and all(o is sre.LITERAL for o, _ in av):
            found.append({chr(a) for _, a in av})
            continue
        subs, required = _subs(op, av)
        if op is sre.ASSERT:
            subs, required = [av[1]], True
        if subs and required:
            sets = [needles(sub) for sub in subs]
            if None not in sets:
                found.append(set().union(*sets))
    # the longest shortest needle: short ones ("a") are in every text and filter nothing
    return max(found, key=lambda s: (min(map(len, s)), -len(s)), default=None)


def anchored_at_start(items) -> bool:
    """Starts with ``^`` or ``\\A``: (without MULTILINE) it can only match at the text's start."""
    return bool(items) and items[0][0] is sre.AT and items[0][1] in (sre.AT_BEGINNING, sre.AT_BEGINNING_STRING)


def may_contain(items, char: str, flags: int = 0) -> bool:
    """Whether a match may include ``char`` (lookarounds, which consume nothing, aside)."""
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        cls = char_class(op, av)
        if cls:
            if re.fullmatch(cls, char, flags):
                return True
            continue
        subs, _ = _subs(op, av)
        if subs is None:  # "." and what is not looked into
            return True
        if any(may_contain(sub, char, flags) for sub in subs):
            return True
    return False


def _walk(items):
    """Every item, nested ones included."""
    for op, av in items:
        yield op, av
        if op is sre.SUBPATTERN:
            children = [av[3]]
        elif op is sre.BRANCH:
            children = av[1]
        elif op in _REPEATS:
            children = [av[2]]
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            children = [av[1]]
        elif op is sre.ATOMIC_GROUP:
            children = [av]
        elif op is sre.GROUPREF_EXISTS:
            children = [c for c in av[1:] if c is not None]
        else:
            children = []
        for child in children:
            yield from _walk(child)


def has_backreference(items) -> bool:
    return any(op in (sre.GROUPREF, sre.GROUPREF_EXISTS) for op, _ in _walk(items))


def has_lookaround_or_end(items) -> bool:
    """Whether a match depends on text around it other than the text's start (``^``)."""
    return any(op in (sre.ASSERT, sre.ASSERT_NOT) or (op is sre.AT and av != sre.AT_BEGINNING) for op, av in _walk(items))


def minimal(strings) -> set[str]:
    """Drop the strings that contain another one: a text containing them contains it too."""
    strings = set(strings)
    return {s for s in strings if not any(t != s and t in s for t in strings)}


def possible(items, alphabet: str, flags: int = 0) -> bool:
    """Whether the items might match a text made only of ``alphabet``'s characters
    (False only if some required one-character item matches none of them)."""
    for op, av in items:
        cls = char_class(op, av)
        if cls:
            if not re.search(cls, alphabet, flags):
                return False
            continue
        subs, required = _subs(op, av)
        if subs and required and not any(possible(sub, alphabet, flags) for sub in subs):
            return False
    return True
