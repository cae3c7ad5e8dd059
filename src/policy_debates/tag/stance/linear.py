"""The trained stance tagger: hashed TF-IDF word and character n-grams, one linear model.

One class-balanced linear SVM over all languages at once: word 1–2-grams plus
character 2–4-grams within word boundaries (as scikit-learn's ``char_wb``), so that
stems and loanwords ("videosorveglianza", "Videoüberwachung", "surveillance") carry
across languages that have few labels. The n-grams are hashed into 2**20 buckets per
block by ``features.HashedNgrams``, which builds the whole batch's matrix with a few
numpy passes (version 1 used scikit-learn's ``TfidfVectorizer``s, whose per-n-gram
Python loop cost over 15 times as much, for the same macro-F1 on the gold set); the
buckets seen in training become the columns, weighted by sublinear tf × idf and
L2-normalised per block. The headline is repeated ``TITLE_REPEAT`` times
and the editor's note ``NOTE_REPEAT`` times: they speak for the publisher. Three
more columns carry the cue tagger's weighted evidence (against, favor, lean), so
that its hand-written, negation- and quote-aware cue lists help where a few
hundred labels cannot teach the n-grams enough; the model learns their weight.
(A linear SVM, not logistic regression: the same macro-F1 on the gold set, and
liblinear trains in a fraction of a second where lbfgs took ten.)

It is trained from the builder's gold annotations (``builders/gold/<dataset>/``)
when a build starts, once per worker process; nothing fitted is ever committed.
Same gold → same model → same labels: inputs are sorted by key, the solver has a
fixed seed and so has every fold split.

``stance_score`` is the calibrated probability of the chosen class: the SVM's
decision values are turned into probabilities by temperature scaling fitted on
cross-validated predictions (``CalibratedClassifierCV(method="temperature",
ensemble=False)``), so that among the articles given 0.6, about 60 % are right.
When the most probable stance has a probability below ``ABSTAIN_BELOW`` the
tagger abstains: ``neutral`` with ``neutral``'s own (low) probability as the
score. On a gold set too small to teach anything, calibration flattens every
probability towards 1/3 and the tagger abstains everywhere, as it should.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import numpy as np

from ...article import STANCES
from ...builder import BuilderError
from . import StanceGuess

VERSION = "2"  # part of stance_source and of the model cache key: bump when the features change
TITLE_REPEAT = 3
NOTE_REPEAT = 2
MIN_ITEMS = 20  # fewer labelled articles with text than this: refuse to train
ABSTAIN_BELOW = 0.40  # top calibrated probability below this (chance is 1/3): neutral, low score
C = 1.0  # inverse regularisation of the SVM; TF-IDF blocks are L2-normalised
CALIBRATION_FOLDS = 3
SEED = 0
CHAR_NGRAMS = (2, 4)  # character n-grams within words, as char_wb (2–5 in v1: no better, slower)
WORD_NGRAMS = (1, 2)
BITS = 20  # 2**20 hash buckets per block (words, characters); only the seen ones become columns


class NotEnoughGold(BuilderError):
    """Too few gold labels to train on; the message names the gold folder."""


@dataclass(frozen=True)
class Example:
    """One article as the tagger sees it, with its gold stance when known."""

    key: str
    title: str | None
    editor_note: str | None
    text: str
    language: str = "und"
    stance: str | None = None


BODY_HEAD, BODY_TAIL = 2000, 1000  # characters of the body the n-grams read


def document(title: str | None, editor_note: str | None, text: str) -> str:
    """The text the model reads: headline and editor's note repeated, then the body
    — its opening and its closing when it is long (where op-eds state their case),
    so a long article costs what a short one does."""
    head = [title] * TITLE_REPEAT if title else []
    note = [editor_note] * NOTE_REPEAT if editor_note else []
    text = text or ""
    if len(text) > BODY_HEAD + BODY_TAIL:
        text = text[:BODY_HEAD] + "\n" + text[-BODY_TAIL:]
    return "\n".join(head + note + [text])


def examples_from_gold(items, builder=None) -> list[Example]:
    """Gold items with text → examples, cleaned as a build cleans them, sorted by key.

    Gold articles are crawler-export lines (title + plain text); they go through
    ``clean.extract``/``finish`` with the builder's rules so that an editor's note
    is split off exactly as it would be in a build.
    """
    from ...article import RawArticle
    from ...clean import extract, finish
    from ...clean.repeated_lines import RepeatedLines
    from ...clean.widgets import load_rules

    if builder is not None:
        rules = load_rules(tuple(builder.widget_lines), tuple(builder.widget_tails), tuple(builder.editor_notes))
    else:
        rules = load_rules()
    out = []
    for item in sorted(items, key=lambda i: i.key):
        if isinstance(item, Example):
            out.append(item)
            continue
        if not (item.text and item.text.strip()):
            continue
        raw = RawArticle(origin=f"gold:{item.key}", raw_sha256="", text=item.text, title=item.title, url=item.url, group="gold")
        draft = extract(raw, rules)
        if not hasattr(draft, "lines"):  # a Rejection: keep the text as it is
            title, note, text = item.title, None, item.text
        else:
            cleaned = finish(draft, rules, RepeatedLines())
            title, note, text = cleaned.title, cleaned.editor_note, cleaned.text
        label = item.label
        out.append(Example(item.key, title, note, text, label.language or "und", label.stance))
    return out


def _documents(rows) -> list[str]:
    return [document(title, note, text) for title, note, text, _lang in rows]


def _cue_features(rows, extra_against: tuple = (), extra_favor: tuple = ()):
    """The cue tagger's weighted evidence as three dense columns: log against,
    log favor and the lean between them. The model learns how far to trust them
    (not at all when the cue lists are empty)."""
    out = np.zeros((len(rows), 3))
    for i, row in enumerate(rows):
        against, favor = _evidence(tuple(row), tuple(extra_against), tuple(extra_favor))
        out[i] = (np.log1p(against), np.log1p(favor), (against - favor) / (against + favor + 1.0))
    return out


@lru_cache(maxsize=1024)  # training refits on the same articles once per calibration fold
def _evidence(row: tuple, extra_against: tuple, extra_favor: tuple) -> tuple[float, float]:
    from .cues import CueTagger

    title, note, text, lang = row
    return CueTagger(extra_against, extra_favor).evidence(title, note, text, lang)


def _pipeline(n_train: int, builder=None):
    from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
    from sklearn.preprocessing import FunctionTransformer
    from sklearn.svm import LinearSVC

    from .features import HashedNgrams

    extra = {"extra_against": tuple(builder.against_cues), "extra_favor": tuple(builder.favor_cues)} if builder is not None else {}
    ngrams = HashedNgrams(char_ngrams=CHAR_NGRAMS, word_ngrams=WORD_NGRAMS, bits=BITS, min_df=2 if n_train >= 40 else 1)
    features = FeatureUnion([("ngrams", make_pipeline(FunctionTransformer(_documents), ngrams)), ("cues", FunctionTransformer(_cue_features, kw_args=extra))])
    model = LinearSVC(C=C, class_weight="balanced", max_iter=10000, random_state=SEED)
    return Pipeline([("features", features), ("model", model)])


def _fit(examples: list[Example], where: str, builder=None):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import StratifiedKFold

    labelled = [e for e in examples if e.stance in STANCES and e.text.strip()]
    counts = {s: sum(e.stance == s for e in labelled) for s in STANCES}
    present = [s for s in STANCES if counts[s]]
    if len(labelled) < MIN_ITEMS or len(present) < 2:
        raise NotEnoughGold(
            f"the linear stance tagger needs at least {MIN_ITEMS} gold articles with text and two stances; "
            f"found {len(labelled)} ({', '.join(f'{s} {counts[s]}' for s in STANCES)}) in {where}. "
            "Label more with `policy-debates annotate`, or use the cues tagger"
        )
    rows = [(e.title, e.editor_note, e.text, e.language) for e in labelled]
    y = np.array([e.stance for e in labelled])
    folds = min(CALIBRATION_FOLDS, min(counts[s] for s in present))
    if folds >= 2:
        cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
        clf = CalibratedClassifierCV(_pipeline(len(rows) * (folds - 1) // folds, builder), method="temperature", cv=cv, ensemble=False)
    else:  # a stance with a single example: too little to calibrate on
        clf = _pipeline(len(rows), builder)
    clf.fit(rows, y)
    return clf


def _gold_fingerprint(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.glob("*/*.jsonl")):
        h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """This package's code and cue lists, which compute the features (n-gram hashing,
    cue evidence): a model fitted before they were edited is never loaded after."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for path in sorted([*here.glob("*.py"), *here.glob("data/*")]):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


# Fitted models by (gold folder, gold content, builder rules): each worker process
# trains once per builder, however many shards it tags.
_FITTED: dict[tuple[str, str, str], object] = {}


def _cached_fit(key: tuple, fit):
    """The fitted model from the user's cache (``policy_debates.cache``), else ``fit()``
    once and store it there, so the worker processes of a build and later builds do
    not train again. Training is deterministic, so a cached model is the model
    training would give. Never committed."""
    import sklearn

    from ... import __version__
    from ...cache import memo

    features = (VERSION, CHAR_NGRAMS, WORD_NGRAMS, BITS, _code_fingerprint())  # other features: another model
    return memo("linear", repr((key[1:], features, __version__, sklearn.__version__)).encode(), fit)


class LinearTagger:
    name = "linear"

    def __init__(self, builder=None, items: Iterable | None = None):
        """Train from ``items`` (gold items or examples) if given, else from the
        builder's gold folder; with neither, call ``fit`` before ``tag``."""
        self.builder = builder
        self.model = None
        if items is not None:
            self.fit(items)
        elif builder is not None:
            self._fit_builder(builder)

    @property
    def source(self) -> str:
        return f"{self.name}-v{VERSION}"

    def _fit_builder(self, builder) -> None:
        from ...gold import gold_dir, load_gold

        if builder.directory is None:
            raise NotEnoughGold(f"builder {builder.name} has no directory, so no gold folder to train the linear stance tagger on")
        folder = gold_dir(builder.directory, builder.name)
        key = (str(folder.resolve()), _gold_fingerprint(folder), builder.fingerprint)
        if key not in _FITTED:
            _FITTED[key] = _cached_fit(key, lambda: _fit(examples_from_gold(load_gold(builder.directory, builder.name).values(), builder), str(folder), builder))
        self.model = _FITTED[key]

    def fit(self, items: Iterable) -> "LinearTagger":
        """(Re)train on gold items (cleaned here) or ready ``Example``s."""
        self.model = _fit(examples_from_gold(list(items), self.builder), "the training items", self.builder)
        return self

    def predict_proba(self, examples: Iterable) -> np.ndarray:
        """Calibrated probabilities, one row per ``Example`` or ``(title, editor_note,
        text, language)`` tuple; columns in ``STANCES`` order (a stance absent from
        the training data gets 0)."""
        if self.model is None:
            raise RuntimeError("LinearTagger is not trained: pass builder= or items=, or call fit()")
        rows = [(e.title, e.editor_note, e.text, e.language) if isinstance(e, Example) else tuple(e) for e in examples]
        if not rows:
            return np.zeros((0, len(STANCES)))
        raw = self.model.predict_proba(rows)
        out = np.zeros((len(rows), len(STANCES)))
        for j, cls in enumerate(self.model.classes_):
            out[:, STANCES.index(cls)] = raw[:, j]
        return out

    def decide(self, proba: np.ndarray) -> StanceGuess:
        """One row of probabilities → the guess, abstaining below ``ABSTAIN_BELOW``."""
        top = int(np.argmax(proba))
        if proba[top] < ABSTAIN_BELOW:
            neutral = STANCES.index("neutral")
            return StanceGuess("neutral", round(float(proba[neutral]), 4), self.source)
        return StanceGuess(STANCES[top], round(float(proba[top]), 4), self.source)

    def tag(self, title, editor_note, text, language, target) -> StanceGuess:
        return self.decide(self.predict_proba([(title, editor_note, text, language)])[0])

    def tag_many(self, rows) -> list[StanceGuess]:
        """``tag`` for many ``(title, editor_note, text, language, target)`` rows in one
        model call (vectorising and scoring a batch costs far less than one by one)."""
        return [self.decide(p) for p in self.predict_proba([r[:4] for r in rows])]
