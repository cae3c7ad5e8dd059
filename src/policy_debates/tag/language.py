"""Language: seeded langdetect on a bounded sample of the cleaned text.

Rules for ``und`` (undetermined): fewer than ``MIN_LETTERS`` letters, or the
best language's probability below ``MIN_PROB``. Codes are ISO 639-1 (langdetect's
``zh-cn``/``zh-tw`` become ``zh``). langdetect picks random n-grams, so the
factory is seeded before the first call: the same text always gets the same label.

Speed, without changing labels:

- ``sample``: at most ``SAMPLE_CHARS`` characters, in windows spread over the
  text (start, middle, end), so a long article costs what a short one does;
  tests/test_language_parity.py shows the same label as seeded langdetect on
  the full text for ≥ 99 % of articles.
- The engine: ``langdetect-rs`` (``pip install 'policy-debates[fast]'``), a Rust
  port that reproduces langdetect's seeded random walk bit for bit (~100× faster),
  when it is installed; langdetect itself otherwise, or when
  ``POLICY_DEBATES_LANGDETECT=python``. Both see the same sample, so labels and
  scores do not depend on which one ran (the parity test checks that too).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

MIN_LETTERS = 40
MIN_PROB = 0.70
SEED = 0
UND = "und"
SAMPLE_CHARS = 2000  # of the text langdetect sees (it reads at most 10 000 itself)
SAMPLE_WINDOWS = 4

_engine = None


def _python_factory():
    """langdetect's profile-loaded factory, seeded (loading profiles takes ~1 s, once per process)."""
    from langdetect import detector_factory

    if detector_factory._factory is None:
        detector_factory.init_factory()
    detector_factory.DetectorFactory.seed = SEED
    return detector_factory._factory


def _python_detect(text: str):
    from langdetect.lang_detect_exception import LangDetectException

    try:
        detector = _python_factory().create()
        detector.append(text)
        return detector.get_probabilities()
    except LangDetectException:
        return []


def _rust_detect(text: str):
    import langdetect_rs

    try:
        return langdetect_rs.detect_langs(text)
    except langdetect_rs.LangDetectException:
        return []


def engine_name() -> str:
    """``langdetect-rs`` or ``langdetect``: the engine ``detect`` uses in this process."""
    _detector()
    return "langdetect-rs" if _engine is _rust_detect else "langdetect"


def _detector():
    global _engine
    if _engine is None:
        _engine = _python_detect
        if os.environ.get("POLICY_DEBATES_LANGDETECT", "").lower() not in ("python", "langdetect"):
            try:
                import langdetect_rs

                langdetect_rs.DetectorFactory.seed = SEED
                _engine = _rust_detect
            except ImportError:
                pass
    return _engine


def normalise_code(code: str) -> str:
    """``zh-cn`` → ``zh``; anything else is lowercased and cut to its language part."""
    return code.lower().split("-")[0]


def sample(text: str, limit: int = SAMPLE_CHARS, windows: int = SAMPLE_WINDOWS) -> str:
    """The text itself when short; else ``windows`` stretches cut at spaces, evenly
    spread from its start to its end, ``limit`` characters in all.

    >>> sample("a " * 10, limit=100)
    'a a a a a a a a a a '
    >>> len(sample("word " * 2000)) <= 2000
    True
    """
    if len(text) <= limit:
        return text
    width = limit // windows
    step = (len(text) - width) / (windows - 1) if windows > 1 else 0
    parts = []
    for k in range(windows):
        a = int(k * step)
        b = a + width
        if a > 0:  # start after a space, so no window begins mid-word
            sp = text.find(" ", a, b)
            a = sp + 1 if sp >= 0 else a
        if b < len(text):
            sp = text.rfind(" ", a, b)
            b = sp if sp > a else b
        parts.append(text[a:b])
    return "\n".join(parts)


def _enough_letters(text: str) -> bool:
    n = 0
    for c in text:
        if c.isalpha():
            n += 1
            if n >= MIN_LETTERS:
                return True
    return False


@dataclass(frozen=True)
class LanguageGuess:
    language: str
    score: float


def detect(text: str) -> LanguageGuess:
    """The language of a cleaned text, or ``und``.

    >>> detect("Die Bürger sagen Nein, aber das große Geld sagt Ja zur Gesichtserkennung.").language
    'de'
    """
    if not _enough_letters(text):
        return LanguageGuess(UND, 0.0)
    langs = _detector()(sample(text))
    if not langs:
        return LanguageGuess(UND, 0.0)
    best = langs[0]
    code = normalise_code(best.lang)
    if best.prob < MIN_PROB:
        return LanguageGuess(UND, float(best.prob))
    return LanguageGuess(code, float(best.prob))
