"""Fast, exact matching of many keyword patterns at once.

``re`` tries every branch of ``(?<!\\w)(?:term1)|(?<!\\w)(?:term2)|…`` at every
position of a text: with a thousand multilingual topic terms that is ~50 ms for
a 4 KB article, and the stance cues cost as much again. ``MultiScan`` gives
exactly what ``[list(p.finditer(text)) for p in patterns]`` gives, much faster:

1. From each pattern, Python's own regex parser gives the short regex prefixes
   (``gesi``, ``e[\\s\\-]ga``, ``de\\s+a``…) that every one of its matches must
   begin with.
2. One case-sensitive scan over the text mapped to lower case (the same
   mapping ``re.IGNORECASE`` compares with) finds every position where any
   prefix begins.
3. Only there, and only for the patterns whose prefix matched, the pattern
   itself runs on the original text (``pattern.match(text, pos)``), left to
   right and non-overlapping, as ``finditer`` does.

A pattern without a usable prefix (one that may begin with ``\\w*``), a
case-sensitive pattern, or a text with one of the few characters whose
case-insensitive matching is not a plain lower-casing (dotless ı, long ſ, Greek
variants) takes the plain ``finditer`` path: the answers never differ.

>>> import re
>>> p = re.compile(r"(?<!\\w)(?:gesichtserkenn)|(?:überwachungskamera)", re.IGNORECASE)
>>> MultiScan([p]).count_all("Videoüberwachungskameras und GESICHTSERKENNUNG")
[2]
"""
from __future__ import annotations

import pickle
import re
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import _sre

from ..cache import memo

try:  # Python ≥ 3.11
    from re import _casefix, _constants as _c, _parser as _p
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]
    from re import _casefix  # type: ignore[no-redef]

# Every character with a case mapping, a decimal digit or a space is below this
# (the planes above hold ideographs, tags and private use; tests/test_prescan.py
# checks it for the running Python's Unicode tables): tables are built over it.
CHARS = range(0x20000)
KEY_CHARS = 12  # candidates are looked up by up to this many characters
PREFIX_ITEMS = 12  # consuming items per prefix: enough to be selective, few enough for a small scan
MAX_PREFIXES = 512  # per pattern; more means the pattern is too open to prefilter
_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT}
_CATEGORY = {
    _c.CATEGORY_DIGIT: r"\d", _c.CATEGORY_NOT_DIGIT: r"\D", _c.CATEGORY_SPACE: r"\s",
    _c.CATEGORY_NOT_SPACE: r"\S", _c.CATEGORY_WORD: r"\w", _c.CATEGORY_NOT_WORD: r"\W",
}


# ---------------------------------------------------------------- the case mapping re.IGNORECASE uses


@lru_cache(maxsize=1)
def _case_tables() -> tuple[dict, re.Pattern]:
    """``re.IGNORECASE`` (Unicode) treats ``x`` as ``c`` when ``tolower(x) == tolower(c)``,
    plus a few extra pairs (``re._casefix``: i/ı, s/ſ, µ/μ…). The lower-casing table,
    and the characters where lower-casing alone is not enough: a text holding one
    takes the plain path."""
    tolower = _sre.unicode_tolower
    groups: dict[int, set[int]] = {}
    for k, others in _casefix._EXTRA_CASES.items():
        members = {k, *others}
        for m in members:
            groups.setdefault(m, set()).update(members)

    def kind(code: int) -> tuple:
        ch = chr(code)
        return tuple(bool(re.match(c, ch)) for c in (r"\w", r"\s", r"\d"))

    # A group whose members differ in \w, \s or \d cannot be folded into one character.
    mixed = {m for m, g in groups.items() if len({kind(x) for x in g}) > 1}
    rep = {m: min(g) for m, g in groups.items() if m not in mixed}
    lower = {}
    for x in CHARS:
        lo = tolower(x)
        c = rep.get(lo, lo)
        if c != x:
            lower[x] = c
    trouble = sorted(x for x in CHARS if tolower(x) in mixed)
    cls = "".join(re.escape(chr(x)) for x in trouble)
    return lower, re.compile(f"[{cls}]") if cls else re.compile(r"(?!)")


def _canon(code: int) -> int:
    lower, _ = _case_tables()
    return lower.get(code, code)


# ---------------------------------------------------------------- prefixes from the parse tree


def _char(code: int) -> str:
    return re.escape(chr(_canon(code)))


def _class(av) -> str | None:
    parts, negate = [], False
    for op, a in av:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            parts.append(_char(a))
        elif op is _c.RANGE:
            if a[1] - a[0] > 255:
                return None
            parts.extend(_char(x) for x in range(a[0], a[1] + 1))
        elif op is _c.CATEGORY and a in _CATEGORY:
            parts.append(_CATEGORY[a])
        else:
            return None
    body = "".join(sorted(set(parts)))
    return f"[{'^' if negate else ''}{body}]"


def _item(op, av) -> list[tuple[tuple[str, ...], bool]] | None:
    """The token sequences one parsed item can start with, each with whether it
    is the whole of the item (so what follows extends it); None when unknown."""
    if op is _c.LITERAL:
        return [((_char(av),), True)]
    if op is _c.IN:
        cls = _class(av)
        return None if cls is None else [((cls,), True)]
    if op is _c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        return None if add_flags or del_flags else _seq(sub)  # inline flags could change case handling
    if op is _c.BRANCH:
        return [alt for branch in av[1] for alt in _seq(branch)]
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
        lo, _hi, sub = av
        if lo < 1:
            return None
        if len(sub) == 1 and sub[0][0] in (_c.LITERAL, _c.IN):
            tok = _char(sub[0][1]) if sub[0][0] is _c.LITERAL else _class(sub[0][1])
            return None if tok is None else [((f"(?:{tok})+",), False)]  # one or more: what follows is no fixed step away
        return [(seq, False) for seq, _open in _seq(sub)]
    return None


def _seq(items) -> list[tuple[tuple[str, ...], bool]]:
    """Token sequences every match of ``items`` starts with (extended up to
    ``PREFIX_ITEMS`` tokens), each with whether it covers all of ``items``."""
    states: list[tuple[tuple[str, ...], bool]] = [((), True)]
    items = list(items)
    for k, (op, av) in enumerate(items):
        if len(states) > MAX_PREFIXES or not any(o and len(s) < PREFIX_ITEMS for s, o in states):
            break
        if op in _ZERO_WIDTH:
            continue  # consumes nothing; dropping a condition keeps the prefix necessary
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[0] == 0:
            # optional (``(?:unijn\w* )?certyfikat``): a match starts with it, or with what follows
            take = _seq(av[2]) if av[1] else []
            if any(seq == () and not o for seq, o in take):
                break  # the optional part starts with something unknown
            rest = _seq(items[k + 1 :])
            if av[1] == 1:  # at most once: taken, it is followed by the rest
                take = _extend([(seq, o) for seq, o in take if seq], rest)
            return _extend(states, [(seq, o and av[1] == 1) for seq, o in take if seq] + rest)
        alts = _item(op, av)
        if alts is None or any(seq == () and not o for seq, o in alts):
            break
        states = _extend(states, alts)
    else:
        return states
    return [(s, False) for s, _o in states]  # stopped early: what follows is not included


def _extend(states, alts):
    out = []
    for s, o in states:
        if not o or len(s) >= PREFIX_ITEMS:
            out.append((s, False))
        else:
            out.extend((s + a, ao) for a, ao in alts)
    return out


def prefixes(pattern: re.Pattern) -> list[tuple[str, ...]] | None:
    """Token sequences (regex fragments over lower-cased text) that every match of
    an IGNORECASE ``pattern`` begins with; None when there are none to use."""
    return _analyse(pattern.pattern, pattern.flags)[0]


@lru_cache(maxsize=None)
def _analyse(src, flags: int) -> tuple[list[tuple[str, ...]] | None, bool]:
    """(prefixes, starts at a word start) of one pattern, from its parse tree."""
    if not flags & re.IGNORECASE or flags & (re.LOCALE | re.ASCII) or not isinstance(src, str):
        return None, False
    try:
        items = list(_p.parse(src, flags))
    except Exception:  # pragma: no cover - it compiled, so it parses
        return None, False
    found = [seq for seq, _whole in _seq(items)]
    if not found or any(len(p) == 0 for p in found) or len(found) > MAX_PREFIXES:
        return None, False
    if any(_first_chars(p[0]) is None for p in found):
        return None, False  # a first token like \w or [^x] matches nearly everywhere: no gain
    return sorted(set(found)), _starts_with_word_start(items)


def _starts_with_word_start(items) -> bool:
    if not items:
        return False
    op, av = items[0]
    if op is _c.ASSERT_NOT:
        direction, body = av
        return direction == -1 and list(body) == [(_c.IN, [(_c.CATEGORY, _c.CATEGORY_WORD)])]
    if op is _c.SUBPATTERN and not av[1] and not av[2]:
        return _starts_with_word_start(list(av[3]))
    if op is _c.BRANCH:
        return all(_starts_with_word_start(list(b)) for b in av[1])
    return False


def _trie(seqs) -> str:
    trie: dict = {}
    for s in seqs:
        node = trie
        for tok in s:
            node = node.setdefault(tok, {})
        node[None] = {}

    def emit(node) -> str:
        alts = [tok + emit(child) for tok, child in sorted((k, v) for k, v in node.items() if k is not None)]
        if None in node:
            return ""  # a shorter prefix is already enough here
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return emit(trie)


# ---------------------------------------------------------------- the scanner


def alternatives(pattern: re.Pattern) -> list[str]:
    """The sources of the top-level branches of ``a|b|c``, in order: at any
    position the pattern matches as its first branch that matches."""
    src = pattern.pattern
    if not isinstance(src, str) or pattern.flags & re.VERBOSE or re.search(r"\\[1-9]|\(\?P=|\(\?\(|\(\?#", src):
        return [src]  # backreferences tie branches together; comments may hold anything
    parts, depth, i, begin = [], 0, 0, 0
    while i < len(src):
        ch = src[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":  # a set: skip to its end ("[]…]" and "[^]…]" start with a literal "]")
            i += 1
            if i < len(src) and src[i] == "^":
                i += 1
            if i < len(src) and src[i] == "]":
                i += 1
            while i < len(src) and src[i] != "]":
                i += 2 if src[i] == "\\" else 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(src[begin:i])
            begin = i + 1
        i += 1
    parts.append(src[begin:])
    for part in parts:
        try:
            _p.parse(part, pattern.flags)
        except Exception:
            return [src]
    return parts


_COMPILED: dict[tuple[str, int], re.Pattern] = {}


def _compiled(src: str, flags: int = 0) -> re.Pattern:
    got = _COMPILED.get((src, flags))
    if got is None:
        got = _COMPILED[(src, flags)] = re.compile(src, flags)
    return got


def _analyse_all(patterns: Sequence[re.Pattern]):
    """What a ``MultiScan`` knows of its patterns (plain data and the key automaton:
    kept in the user cache, as working it out takes ~0.5 s for the topic lists)."""
    plain: list[int] = []  # patterns that always take the plain path
    alts: list[tuple[str, int, str]] = []  # (branch, flags, its prefix check) for every branch
    by_key: dict[str, dict[int, bool]] = {}  # first 1…KEY_CHARS characters → {branch: key is its whole prefix}
    owner: list[int] = []
    anchored: list[bool] = []
    for i, pat in enumerate(patterns):
        branches = alternatives(pat)
        analysed = [_analyse(b, pat.flags) for b in branches]
        usable = [pre is not None and all(_first_chars(seq[0]) is not None for seq in pre) for pre, _ws in analysed]
        if not all(usable):
            plain.append(i)  # one branch that may start anywhere: the whole pattern runs plain
            continue
        for branch, (pre, ws) in zip(branches, analysed):
            k = len(alts)
            alts.append((branch, pat.flags, _trie(pre)))  # compiled when first needed
            owner.append(i)
            anchored.append(ws)
            for seq in pre:
                whole = all(not t.startswith("(?:") for t in seq) and len(seq) <= KEY_CHARS
                for key in _keys(seq, KEY_CHARS):
                    entry = by_key.setdefault(key, {})
                    entry[k] = entry.get(k, False) or (whole and len(key) == len(seq))
    keys = _automaton({key: all(anchored[k] for k in branches) for key, branches in by_key.items()}) if by_key else None
    return plain, alts, owner, anchored, by_key, keys


class MultiScan:
    """``finditer_all(text)`` == ``[list(p.finditer(text)) for p in patterns]``: the
    same matches (spans); a match object comes from the top-level branch of the
    pattern that matched, so its group numbers are that branch's."""

    def __init__(self, patterns: Sequence[re.Pattern], first_only: Sequence[int] = ()):
        """``first_only``: indices of patterns whose first match is enough (a
        presence test): their lists hold at most that one match."""
        self.patterns = list(patterns)
        self.first_only = frozenset(first_only)
        material = pickle.dumps((Path(__file__).read_bytes(), [(p.pattern, p.flags) for p in self.patterns]))
        self.plain, self.alts, owner, anchored, by_key, self.keys = memo("prescan", material, lambda: _analyse_all(self.patterns))
        self._owner, self._anchored, self._by_key = owner, anchored, by_key
        self._dispatch: dict[tuple[str, bool], tuple] = {}
        self._bound: dict[tuple[str, bool], tuple] = {}
        self._lower, self._trouble = _case_tables()
        self._table = str.maketrans({chr(k): chr(v) for k, v in self._lower.items()})

    def _known_head(self, head: str) -> str:
        """The longest start of ``head`` that is a key: what the branches that may
        start there depend on. Caching by it keeps the caches as small as the
        pattern lists, however many texts go through."""
        by_key = self._by_key
        for n in range(min(KEY_CHARS, len(head)), 0, -1):
            if head[:n] in by_key:
                return head[:n]
        return ""

    def _branches(self, head: str, at_word_start: bool) -> tuple[tuple[int, bool], ...]:
        """``(branch, whether head is its whole prefix)`` for the branches that may start
        at a position beginning with ``head``: by pattern, then in branch order."""
        head = self._known_head(head)
        key = (head, at_word_start)
        got = self._dispatch.get(key)
        if got is None:
            exact: dict[int, bool] = {}
            for n in range(1, len(head) + 1):
                for k, whole in self._by_key.get(head[:n], {}).items():
                    if at_word_start or not self._anchored[k]:
                        exact[k] = exact.get(k, False) or whole
            got = tuple((k, exact[k]) for k in sorted(exact, key=lambda k: (self._owner[k], k)))
            self._dispatch[key] = got
        return got

    def _candidates(self, head: str, at_word_start: bool) -> tuple:
        """``(pattern, match, prefix check or None)`` for ``_branches``, one entry per
        pattern: the alternation of its branches that may start here, in branch order,
        so one regex call finds the first of them that matches (what ``finditer``
        finds). A lone branch keeps its prefix check (None where ``head`` is its
        whole prefix)."""
        head = self._known_head(head)
        key = (head, at_word_start)
        got = self._bound.get(key)
        if got is None:
            by_owner: dict[int, list[tuple[int, bool]]] = {}
            for k, whole in self._branches(head, at_word_start):
                by_owner.setdefault(self._owner[k], []).append((k, whole))
            entries = []
            for owner, branches in by_owner.items():
                flags = self.alts[branches[0][0]][1]
                if len(branches) > 1:
                    try:
                        joined = _compiled("|".join(f"(?:{self.alts[k][0]})" for k, _ in branches), flags)
                    except re.error:  # a group name used by two branches: one call per branch
                        pass
                    else:
                        entries.append((owner, joined.match, None))
                        continue
                entries += [(owner, _compiled(self.alts[k][0], flags).match, None if whole else _compiled(self.alts[k][2]).match)
                            for k, whole in branches]
            got = self._bound[key] = tuple(entries)
        return got

    def _lower_text(self, text: str) -> str:
        """``text`` mapped as ``re.IGNORECASE`` compares it: one character for one."""
        return _fast_lower()(text, self._table)

    def finditer_all(self, text: str) -> list[list[re.Match]]:
        found = self.matches(text)
        return [found.get(i, []) for i in range(len(self.patterns))]

    def count_all(self, text: str) -> list[int]:
        found = self.matches(text)
        return [len(found.get(i, ())) for i in range(len(self.patterns))]

    def matches(self, text: str) -> dict[int, list[re.Match]]:
        """``{i: list(patterns[i].finditer(text))}`` for the patterns that match at all."""
        first_only = self.first_only
        if self.keys is None or self._trouble.search(text):
            found = {i: _plain(p, text, i in first_only) for i, p in enumerate(self.patterns)}
            return {i: f for i, f in found.items() if f}
        low = self._lower_text(text)
        found: dict[int, list[re.Match]] = {}
        ends = [0] * len(self.patterns)
        bound, candidates = self._bound, self._candidates
        longest: dict[int, str] = {}  # start → the longest key there (hits come by end: longer ones later)
        for end, (n, word_start_only, key) in self.keys.iter(low):  # a superset of where matches start
            start = end - n + 1
            if word_start_only and start and (low[start - 1].isalnum() or low[start - 1] == "_"):
                continue
            longest[start] = key
        for start in sorted(longest):
            at_word_start = not start or not (low[start - 1].isalnum() or low[start - 1] == "_")
            entries = bound.get((longest[start], at_word_start))
            if entries is None:
                entries = candidates(longest[start], at_word_start)
            done = -1
            for i, branch_match, check in entries:
                if i == done or start < ends[i] or (check is not None and check(low, start) is None):
                    continue
                hit = branch_match(text, start)
                if hit is None:
                    continue
                done = i  # the first branch that matches is the pattern's match (same span)
                if hit.end() > start:
                    found.setdefault(i, []).append(hit)
                    ends[i] = hit.end() if i not in first_only else len(text) + 1
        for i in self.plain:
            f = _plain(pats[i], text, i in first_only)
            if f:
                found[i] = f
        return found


def _automaton(keys: dict[str, bool]):
    """An Aho-Corasick automaton of the lookup keys (C code: one pass over a text
    finds them all): key → (its length, whether every branch it leads to starts
    at a word start, the key)."""
    import ahocorasick

    a = ahocorasick.Automaton()
    for key, word_start_only in sorted(keys.items()):
        a.add_word(key, (len(key), word_start_only, key))
    a.make_automaton()
    return a


@lru_cache(maxsize=1)
def _fast_lower():
    """``text.lower()`` (C, fast) where it gives what the case table gives: unless
    the text holds a character the two map differently (İ, Σ, Kelvin sign…). The
    few that ``lower()`` leaves alone and no other character lowers to (dotless
    ı, long ſ…) are then replaced in the result; a text with any other takes
    the table (``str.translate``, ~15× slower)."""
    lower, _ = _case_tables()
    lowered_from: dict[str, int] = {}
    changed = [c for c in map(chr, CHARS) if c.lower() != c]
    for c in changed:
        lowered_from[c.lower()] = lowered_from.get(c.lower(), 0) + 1
    odd = {c for c in changed if c.lower() != chr(lower.get(ord(c), ord(c)))}
    odd |= {chr(x) for x in lower if chr(x).lower() != chr(lower[x])}
    odd.add("\u03a3")  # capital sigma: lower() looks at its neighbours
    replace = {c: chr(lower[ord(c)]) for c in odd if c.lower() == c and c not in lowered_from}
    findall = re.compile("[" + "".join(re.escape(c) for c in sorted(odd)) + "]").findall

    def fast(text: str, table: dict) -> str:
        if text.isascii():
            return text.lower()
        present = set(findall(text))
        if not present:
            return text.lower()
        if present <= replace.keys():
            low = text.lower()
            for c in sorted(present):
                low = low.replace(c, replace[c])
            return low
        return text.translate(table)

    return fast


def _plain(p: re.Pattern, text: str, first: bool) -> list[re.Match]:
    if first:
        hit = p.search(text)
        return [hit] if hit else []
    return list(p.finditer(text))


@lru_cache(maxsize=1)
def _decimal_digits() -> str:
    r"""What ``\d`` matches in a str pattern."""
    return "".join(c for c in map(chr, CHARS) if c.isdecimal())


@lru_cache(maxsize=1)
def _whitespace() -> str:
    r"""What ``\s`` matches in a str pattern."""
    return "".join(c for c in map(chr, CHARS) if c.isspace())  # what sre's \s tests: Py_UNICODE_ISSPACE


def _keys(seq: tuple[str, ...], width: int = 6) -> list[str]:
    """The strings of up to ``width`` characters a match of the prefix ``seq`` begins
    with, from its leading literal or set tokens (a repeated token ends the run)."""
    keys = [""]
    for n, tok in enumerate(seq[:width]):
        chars = _first_chars(tok)
        if chars is None or (n and len(keys) * len(chars) > 256):
            break
        keys = [k + c for k in keys for c in chars]
        if tok.startswith("(?:"):
            break
    return keys


_ESCAPED = re.compile(r"\\(.)")


def _first_chars(token: str) -> str | None:
    """The characters a first token can match, when it is a literal or a plain set."""
    body = token[3:-2] if token.startswith("(?:") and token.endswith(")+") else token
    if body.startswith("[") and body.endswith("]") and not body.startswith("[^"):
        inner = body[1:-1]
        chars, i = [], 0
        while i < len(inner):
            if inner[i] == "\\":
                if inner[i + 1 : i + 2] in ("d", "s"):
                    # a number leads many cues ("\d+ festnahmen"), a space follows many first words ("te\s+koop")
                    chars.append(_decimal_digits() if inner[i + 1] == "d" else _whitespace())
                    i += 2
                    continue
                if i + 1 < len(inner) and inner[i + 1].isalpha():
                    return None  # \s, \w: no short list of characters
                chars.append(inner[i + 1])
                i += 2
            else:
                chars.append(inner[i])
                i += 1
        return "".join(chars)
    unescaped = _ESCAPED.sub(r"\1", body)
    return unescaped if len(unescaped) == 1 else None
