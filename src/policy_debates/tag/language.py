"""Language: seeded langdetect on the cleaned text.

Rules for ``und`` (undetermined): fewer than ``MIN_LETTERS`` letters, or the
best language's probability below ``MIN_PROB``. Codes are ISO 639-1 (langdetect's
``zh-cn``/``zh-tw`` become ``zh``). langdetect picks random n-grams, so the
factory is seeded before the first call: the same text always gets the same label.
"""
from __future__ import annotations

from dataclasses import dataclass

MIN_LETTERS = 40
MIN_PROB = 0.70
SEED = 0
UND = "und"

_factory_ready = False


def _factory():
    """langdetect's profile-loaded factory, seeded (loading profiles takes ~1 s, once per process)."""
    global _factory_ready
    from langdetect import detector_factory

    if not _factory_ready:
        detector_factory.init_factory()
        detector_factory.DetectorFactory.seed = SEED
        _factory_ready = True
    return detector_factory._factory


def normalise_code(code: str) -> str:
    """``zh-cn`` → ``zh``; anything else is lowercased and cut to its language part."""
    return code.lower().split("-")[0]


@dataclass(frozen=True)
class LanguageGuess:
    language: str
    score: float


def detect(text: str) -> LanguageGuess:
    """>>> detect("Die Bürger sagen Nein, aber das große Geld sagt Ja zur Gesichtserkennung.").language
    'de'
    """
    if sum(c.isalpha() for c in text) < MIN_LETTERS:
        return LanguageGuess(UND, 0.0)
    from langdetect.lang_detect_exception import LangDetectException

    try:
        detector = _factory().create()
        detector.append(text)
        langs = detector.get_probabilities()
    except LangDetectException:
        return LanguageGuess(UND, 0.0)
    if not langs:
        return LanguageGuess(UND, 0.0)
    best = langs[0]
    code = normalise_code(best.lang)
    if best.prob < MIN_PROB:
        return LanguageGuess(UND, float(best.prob))
    return LanguageGuess(code, float(best.prob))
