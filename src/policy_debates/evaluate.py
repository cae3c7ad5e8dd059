"""How good are the labels? Every tagger measured against the gold annotations.

``evaluate(builders_dir, dataset)`` cross-validates over the gold set
(``builders/gold/<dataset>/``): folds stratified by stance with a fixed seed;
in each, the majority baseline and the linear tagger learn from the training
folds only, and the cue tagger (which learns nothing) is applied as it is.
Every gold article with text is predicted exactly once. Per language and
overall it reports accuracy, macro-F1 with a bootstrap 95 % interval
(``BOOTSTRAP`` resamples, fixed seed) and the confusion matrix; for topics, the
share of articles whose gold stance target is among the tagged topics and the
micro-F1 of topic sets; for language, the detector's accuracy; and, where two
annotators labelled the same articles, Cohen's kappa per language.

    report = evaluate(Path("builders"), "policy_privacy_debates")
    report.print(console)          # terminal tables
    report.to_markdown()           # the card's "How good are the labels?" section
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .article import STANCES

BOOTSTRAP = 1000
TAGGERS = ("majority", "cues", "linear")
ALL = "all"


class EvaluationError(ValueError):
    pass


class NoGold(EvaluationError):
    """The dataset has no gold labels (or none with text) to evaluate against."""


# --- measures -----------------------------------------------------------------


def confusion(gold: list[str], pred: list[str]) -> list[list[int]]:
    """Rows gold, columns predicted, both in ``STANCES`` order (against, neutral, favor)."""
    m = [[0] * len(STANCES) for _ in STANCES]
    for g, p in zip(gold, pred):
        m[STANCES.index(g)][STANCES.index(p)] += 1
    return m


def _macro_f1_from(cm: np.ndarray) -> np.ndarray:
    """Macro-F1 of one or many confusion matrices (``[..., 3, 3]``), averaged over the
    classes that occur in the gold or the predictions (as scikit-learn does)."""
    tp = np.diagonal(cm, axis1=-2, axis2=-1)
    denom = cm.sum(axis=-1) + cm.sum(axis=-2)  # 2tp + fp + fn
    present = denom > 0
    f1 = np.where(present, 2 * tp / np.where(present, denom, 1), 0.0)
    return f1.sum(axis=-1) / np.maximum(present.sum(axis=-1), 1)


def macro_f1(gold: list[str], pred: list[str]) -> float:
    """Macro-F1 over the stances present in ``gold`` or ``pred``.

    >>> round(macro_f1(["against", "against", "neutral", "favor"], ["against"] * 4), 4)
    0.2222
    """
    return float(_macro_f1_from(np.array(confusion(gold, pred))))


def bootstrap_ci(gold: list[str], pred: list[str], seed: int = 0, resamples: int = BOOTSTRAP) -> tuple[float, float]:
    """Percentile 95 % interval of macro-F1 over articles resampled with replacement."""
    n = len(gold)
    if n == 0:
        return (float("nan"), float("nan"))
    g = np.array([STANCES.index(x) for x in gold])
    p = np.array([STANCES.index(x) for x in pred])
    idx = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    cells = g[idx] * len(STANCES) + p[idx]  # which confusion cell each draw falls in
    cms = np.stack([(cells == j).sum(axis=1) for j in range(len(STANCES) ** 2)], axis=1)
    f1 = _macro_f1_from(cms.reshape(resamples, len(STANCES), len(STANCES)))
    lo, hi = np.percentile(f1, [2.5, 97.5])
    return (float(lo), float(hi))


def cohen_kappa(a: list[str], b: list[str]) -> float | None:
    """Agreement beyond chance; None when undefined (no items, or chance agreement is 1).

    >>> cohen_kappa(["against", "favor", "neutral", "favor"], ["against", "favor", "favor", "favor"])
    0.5556
    """
    n = len(a)
    if n == 0:
        return None
    po = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    pe = sum(ca[s] * cb[s] for s in set(ca) | set(cb)) / (n * n)
    if pe >= 1.0:
        return None
    return round((po - pe) / (1 - pe), 4)


def agreement_by_language(items) -> dict[str, dict]:
    """Language → {"n", "kappa", "pairs"} pooled over every pair of annotators who
    labelled the same articles, plus ``ALL``. Empty when nobody overlaps."""
    from .gold import agreement_pairs

    pooled: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    pairs_by_lang: dict[str, set] = defaultdict(set)
    for pair, rows in sorted(agreement_pairs(items).items()):
        for lang, sa, sb in rows:
            for key in (lang, ALL):
                pooled[key][0].append(sa)
                pooled[key][1].append(sb)
                pairs_by_lang[key].add(f"{pair[0]}–{pair[1]}")
    return {lang: {"n": len(a), "kappa": cohen_kappa(a, b), "pairs": sorted(pairs_by_lang[lang])} for lang, (a, b) in sorted(pooled.items(), key=lambda kv: (kv[0] == ALL, kv[0]))}


def _kappa_text(kappa: float | None) -> str:
    return "—" if kappa is None else f"{kappa:.2f}"


# --- the report -----------------------------------------------------------------


@dataclass
class StanceScores:
    """One tagger on one slice of the gold set."""

    n: int
    accuracy: float
    macro_f1: float
    ci: tuple[float, float]
    confusion: list[list[int]]  # rows gold, columns predicted; against, neutral, favor

    @classmethod
    def of(cls, gold: list[str], pred: list[str], seed: int) -> "StanceScores":
        n = len(gold)
        acc = sum(g == p for g, p in zip(gold, pred)) / n if n else float("nan")
        return cls(n, acc, macro_f1(gold, pred) if n else float("nan"), bootstrap_ci(gold, pred, seed), confusion(gold, pred))


@dataclass
class TopicScores:
    n: int
    target_found: float  # share whose gold stance target is among the tagged topics
    micro_f1: float  # of topic sets


@dataclass
class LanguageScores:
    n: int
    accuracy: float
    confused: dict  # detected language → n, for the mistakes


@dataclass
class EvaluationReport:
    dataset: str
    folds: int
    seed: int
    n_labelled: int  # gold items, with or without text
    n_items: int  # gold items with text (the evaluated ones)
    annotators: list[str]
    languages: list[str]  # slices, then ALL
    stance: dict = field(default_factory=dict)  # tagger → language → StanceScores
    topics: dict = field(default_factory=dict)  # language → TopicScores
    language: dict = field(default_factory=dict)  # language → LanguageScores
    agreement: dict = field(default_factory=dict)  # language → {"n", "kappa", "pairs"}
    notes: list[str] = field(default_factory=list)
    predictions: dict = field(default_factory=dict)  # tagger → {key: stance}

    @property
    def taggers(self) -> list[str]:
        return [t for t in TAGGERS if t in self.stance]

    # -- rendering --

    def _f1_cell(self, s: StanceScores | None) -> str:
        if s is None or s.n == 0:
            return "—"
        return f"{s.macro_f1:.2f} [{s.ci[0]:.2f}–{s.ci[1]:.2f}]"

    @staticmethod
    def _cm_cell(s: StanceScores | None, sep: str = " / ") -> str:
        if s is None:
            return "—"
        width = len(str(max(max(row) for row in s.confusion)))
        return sep.join(" ".join(str(x).rjust(width) for x in row) for row in s.confusion)

    def to_markdown(self, used: str | None = None) -> str:
        """The body of the card's "How good are the labels?" section (the card
        template supplies the heading). ``used``: the tagger the release's labels come from."""
        from .tag.stance.cues import MIN_EVIDENCE
        from .tag.stance.linear import ABSTAIN_BELOW, MIN_ITEMS

        best = best_tagger(self)
        lines = [
            f"Measured on **{self.n_items} gold articles**"
            + (f" ({self.n_labelled - self.n_items} more are labelled but have no text here)" if self.n_labelled > self.n_items else "")
            + " labelled by "
            f"**{len(self.annotators)} annotator{'s' if len(self.annotators) != 1 else ''}** "
            f"({', '.join(self.annotators)}), with {self.folds}-fold cross-validation stratified by stance "
            f"(seed {self.seed}): the majority baseline and the `linear` tagger are trained on the training folds only; "
            f"the `cues` tagger is rule-based. Macro-F1 over against/neutral/favor with a bootstrap 95 % interval "
            f"({BOOTSTRAP} resamples); accuracy in the last columns. Reproduce with "
            f"`policy-debates evaluate {self.dataset} --folds {self.folds}`.",
            "",
        ]
        head = ["language", "n"] + [f"{t} macro-F1" for t in self.taggers] + [f"{t} accuracy" for t in self.taggers if t != "majority"]
        lines += ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
        for lang in self.languages:
            row = [f"**{lang}**" if lang == ALL else lang, str(self.stance[self.taggers[0]][lang].n)]
            row += [self._f1_cell(self.stance[t].get(lang)) for t in self.taggers]
            row += [f"{self.stance[t][lang].accuracy:.0%}" for t in self.taggers if t != "majority"]
            lines.append("| " + " | ".join(row) + " |")
        lines += ["", "Confusion matrices (rows: gold against / neutral / favor; columns: predicted in the same order):", ""]
        lines += ["| tagger | " + " | ".join(self.languages) + " |", "|---|" + "|".join(["---"] * len(self.languages)) + "|"]
        for t in self.taggers:
            lines.append(f"| {t} | " + " | ".join(self._cm_cell(self.stance[t].get(l)) for l in self.languages) + " |")
        lines += ["", "Topics and language, on the same articles:", ""]
        lines += ["| language | n | gold stance target among `topics` | topic micro-F1 | language accuracy |", "|---|---:|---:|---:|---:|"]
        for lang in self.languages:
            tp, lg = self.topics.get(lang), self.language.get(lang)
            topic_cells = f"{tp.target_found:.0%} | {tp.micro_f1:.2f}" if tp and tp.n else "— | —"
            lang_cell = f"{lg.accuracy:.0%}" if lg and lg.n else "—"
            lines.append(f"| {'**all**' if lang == ALL else lang} | {tp.n if tp else 0} | {topic_cells} | {lang_cell} |")
        lines.append("")
        if self.agreement:
            cells = [f"{lang} κ = {_kappa_text(a['kappa'])} (n = {a['n']})" for lang, a in self.agreement.items()]
            lines += [f"Inter-annotator agreement (Cohen's kappa on articles labelled twice): {'; '.join(cells)}.", ""]
        else:
            lines += ["No article was labelled by two annotators, so inter-annotator agreement is not measured yet.", ""]
        overall = {t: self.stance[t][ALL] for t in self.taggers}
        used_txt = f"This release's stance labels come from `{used}`. " if used else ""
        lines.append(
            f"{used_txt}The best tagger on this gold set is `{best}` (overall macro-F1 {overall[best].macro_f1:.2f}, "
            f"majority baseline {overall['majority'].macro_f1:.2f}). "
            "**Read these numbers with care.** The gold set is the developers' own writing — articles written "
            "in the style of real opinion pieces, police and vendor statements, news reports and editorials, "
            "including hard cases (neutral reports quoting critics, irony, sponsored content) — not real scraped "
            "articles, and it is small: the intervals are wide, and per-language figures rest on a handful of "
            "articles. Expect lower figures on real, messier text. Both taggers abstain when evidence is weak: "
            f"`cues` says `neutral` when it finds less than {MIN_EVIDENCE} weighted cues, `linear` says `neutral` "
            f"when its most probable stance has a calibrated probability below {ABSTAIN_BELOW}; in both cases "
            "`stance_score` is low. `linear`'s `stance_score` is a calibrated probability; `cues`' is a heuristic "
            f"confidence. `linear` needs at least {MIN_ITEMS} gold articles to train, and besides word and character "
            "n-grams it reads the cue tagger's evidence as three features. The cue lists and `linear`'s abstention "
            "threshold were written and chosen with this gold set in view, so both taggers' figures here are "
            "optimistic; only the n-gram weights are learnt strictly from training folds. Topic and language "
            "accuracy are measured on the same (clean, well-formed) articles; short or mixed-language "
            "texts will do worse."
        )
        for note in self.notes:
            lines += ["", f"_{note}_"]
        return "\n".join(lines) + "\n"

    def print(self, console) -> None:
        from rich.markup import escape
        from rich.table import Table

        console.print(
            f"[bold]{self.dataset}[/bold]: {self.n_items} gold articles with text ({self.n_labelled} labelled), "
            f"annotators: {', '.join(self.annotators)}; {self.folds}-fold cross-validation, seed {self.seed}"
        )
        t = Table(title=escape("stance: macro-F1 [bootstrap 95 % CI] · accuracy"))
        t.add_column("language")
        t.add_column("n", justify="right")
        for name in self.taggers:
            t.add_column(name, justify="right")
        for lang in self.languages:
            row = [lang, str(self.stance[self.taggers[0]][lang].n)]
            for name in self.taggers:
                s = self.stance[name].get(lang)
                row.append(escape(f"{self._f1_cell(s)} · {s.accuracy:.0%}") if s and s.n else "—")
            t.add_row(*row, end_section=lang == self.languages[-2] if len(self.languages) > 1 else False)
        console.print(t)
        c = Table(title="confusion (rows gold against/neutral/favor, columns predicted in the same order)")
        c.add_column("language")
        for name in self.taggers:
            c.add_column(name)
        for lang in self.languages:
            c.add_row(lang, *[self._cm_cell(self.stance[n].get(lang), "\n") for n in self.taggers], end_section=True)
        console.print(c)
        tl = Table(title="topics and language")
        for col in ("language", "n", "target among topics", "topic micro-F1", "language accuracy", "detected instead"):
            tl.add_column(col, justify="left" if col in ("language", "detected instead") else "right")
        for lang in self.languages:
            tp, lg = self.topics.get(lang), self.language.get(lang)
            tl.add_row(
                lang,
                str(tp.n if tp else 0),
                f"{tp.target_found:.0%}" if tp and tp.n else "—",
                f"{tp.micro_f1:.2f}" if tp and tp.n else "—",
                f"{lg.accuracy:.0%}" if lg and lg.n else "—",
                ", ".join(f"{k} {v}" for k, v in sorted(lg.confused.items())) if lg else "",
            )
        console.print(tl)
        if self.agreement:
            ta = Table(title="inter-annotator agreement (Cohen's kappa)")
            for col in ("language", "n", "kappa", "annotators"):
                ta.add_column(col, justify="right" if col in ("n", "kappa") else "left")
            for lang, a in self.agreement.items():
                ta.add_row(lang, str(a["n"]), _kappa_text(a["kappa"]), ", ".join(a["pairs"]))
            console.print(ta)
        else:
            console.print("inter-annotator agreement: no article has two annotators yet")
        for note in self.notes:
            console.print(f"[yellow]note:[/yellow] {note}")
        console.print(f"best tagger: [bold]{best_tagger(self)}[/bold]")


def best_tagger(report: EvaluationReport) -> str:
    """The trained or rule tagger (not the baseline) with the best overall macro-F1;
    ties go to ``cues``, which needs no training."""
    candidates = [t for t in report.taggers if t != "majority" and report.stance[t][ALL].n]
    if not candidates:
        return "cues"
    return max(candidates, key=lambda t: (report.stance[t][ALL].macro_f1, t == "cues"))


# --- the run ----------------------------------------------------------------------


def _folds(stances: list[str], folds: int, seed: int) -> tuple[list[tuple[np.ndarray, np.ndarray]], int, str | None]:
    from sklearn.model_selection import KFold, StratifiedKFold

    n = len(stances)
    smallest = min(Counter(stances).values())
    k = min(folds, n)
    note = None
    if smallest >= 2:
        if smallest < k:
            note = f"{folds} folds asked, {smallest} used: the rarest stance has only {smallest} gold articles"
            k = smallest
        splits = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(n), stances)
    else:
        note = "a stance has a single gold article, so folds are not stratified"
        splits = KFold(n_splits=max(2, k), shuffle=True, random_state=seed).split(np.zeros(n))
        k = max(2, k)
    return list(splits), k, note


def _majority(train: list[str]) -> str:
    counts = Counter(train)
    return max(STANCES, key=lambda s: (counts[s], -STANCES.index(s)))


def evaluate(builders_dir: Path | None, dataset: str, folds: int = 5, seed: int = 0) -> EvaluationReport:
    """Cross-validate every stance tagger, the topics and the language detector on the gold set."""
    from .builder import load_builder
    from .gold import gold_dir, load_gold
    from .tag import detect, tag_topics
    from .tag.stance.cues import CueTagger
    from .tag.stance.linear import LinearTagger, NotEnoughGold, examples_from_gold

    if folds < 2:
        raise EvaluationError(f"folds: {folds} is too few for cross-validation; use 2 or more")
    builder = load_builder(dataset, Path(builders_dir) if builders_dir is not None else None)
    gold = load_gold(builder.directory, dataset)
    if not gold:
        raise NoGold(f"no gold annotations for {dataset} in {gold_dir(builder.directory, dataset) / 'labels'}; label some with `policy-debates annotate {dataset}`")
    examples = examples_from_gold(gold.values(), builder)
    if len(examples) < 2:
        raise NoGold(f"{len(gold)} gold labels for {dataset} but {len(examples)} with article text; add the articles to {gold_dir(builder.directory, dataset) / 'articles'}")
    annotators = sorted({a for it in gold.values() for a in it.labels})

    # The language an article is reported under: its gold language, else the detector's.
    detected = {e.key: detect(e.text) for e in examples}
    lang_of = {e.key: (e.language if e.language and e.language != "und" else detected[e.key].language) for e in examples}
    langs = sorted(set(lang_of.values()))
    slices = {l: [e for e in examples if lang_of[e.key] == l] for l in langs}
    slices[ALL] = examples
    report = EvaluationReport(dataset, folds, seed, len(gold), len(examples), annotators, langs + [ALL])

    # Stance: one prediction per article per tagger, each from a model that never saw it.
    stances = [e.stance for e in examples]
    splits, k, note = _folds(stances, folds, seed)
    report.folds = k
    if note:
        report.notes.append(note)
    cues = CueTagger(tuple(builder.against_cues), tuple(builder.favor_cues))
    preds: dict[str, dict[str, str]] = {"majority": {}, "cues": {}, "linear": {}}
    for e in examples:
        target = builder.stance_target or gold[e.key].label.stance_target or "other_privacy"
        preds["cues"][e.key] = cues.tag(e.title, e.editor_note, e.text, detected[e.key].language, target).stance
    linear_failed = None
    for train_idx, test_idx in splits:
        train = [examples[i] for i in train_idx]
        test = [examples[i] for i in test_idx]
        base = _majority([e.stance for e in train])
        for e in test:
            preds["majority"][e.key] = base
        if linear_failed is None:
            try:
                tagger = LinearTagger(builder=builder, items=train)
            except NotEnoughGold as exc:
                linear_failed = str(exc)
                continue
            for e, row in zip(test, tagger.predict_proba(test)):
                preds["linear"][e.key] = tagger.decide(row).stance
    if linear_failed is not None:
        del preds["linear"]
        report.notes.append(f"linear: not evaluated on a training fold: {linear_failed}")
    for name, by_key in preds.items():
        report.stance[name] = {}
        for lang, items in slices.items():
            report.stance[name][lang] = StanceScores.of([e.stance for e in items], [by_key[e.key] for e in items], seed)
    report.predictions = preds

    # Topics and language: no training, every article once.
    topic_rows: dict[str, list[tuple[bool, int, int, int]]] = defaultdict(list)
    lang_rows: dict[str, list[tuple[bool, str]]] = defaultdict(list)
    for e in examples:
        label = gold[e.key].label
        gold_topics = set(label.topics) or ({label.stance_target} if label.stance_target else set())
        if gold_topics:
            pred = set(tag_topics(e.title, e.text, e.editor_note).topics)
            target = label.stance_target or sorted(gold_topics)[0]
            row = (target in pred, len(pred & gold_topics), len(pred - gold_topics), len(gold_topics - pred))
            topic_rows[lang_of[e.key]].append(row)
            topic_rows[ALL].append(row)
        if label.language:
            row = (detected[e.key].language == label.language, detected[e.key].language)
            lang_rows[label.language].append(row)
            lang_rows[ALL].append(row)
    for lang, rows in topic_rows.items():
        tp, fp, fn = (sum(r[i] for r in rows) for i in (1, 2, 3))
        report.topics[lang] = TopicScores(len(rows), sum(r[0] for r in rows) / len(rows), 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0)
    for lang, rows in lang_rows.items():
        report.language[lang] = LanguageScores(len(rows), sum(r[0] for r in rows) / len(rows), dict(Counter(d for ok, d in rows if not ok)))

    report.agreement = agreement_by_language(gold)
    return report
