"""Evaluation against gold: counts, confusion matrices, intervals, the card section."""
from __future__ import annotations

import io

import pytest

from test_linear import DATASET, synthetic, tiny_builders, write_gold


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """30 gold articles (en, de), 12 against / 10 neutral / 8 favor: against is the
    majority of every training fold; 4 of them labelled by a second annotator."""
    from policy_debates.evaluate import evaluate

    tmp = tmp_path_factory.mktemp("eval")
    builders = tiny_builders(tmp)
    articles = synthetic(0, counts={"against": 6, "neutral": 5, "favor": 4})
    write_gold(builders, articles)
    second = [dict(a, stance="neutral" if i == 0 else a["stance"]) for i, a in enumerate(articles[:4])]
    write_gold(builders, second, annotator="dev-b")
    return evaluate(builders, DATASET, folds=5, seed=0)


def test_counts(report):
    assert report.n_items == 30 and report.n_labelled == 30
    assert report.annotators == ["dev-a", "dev-b"]
    assert report.languages == ["de", "en", "all"]
    for tagger in ("majority", "cues", "linear"):
        assert report.stance[tagger]["all"].n == 30
        assert report.stance[tagger]["de"].n == 15 and report.stance[tagger]["en"].n == 15
    assert report.topics["all"].n == 30 and report.language["all"].n == 30


def test_confusion_matrix_sums_to_n_and_rows_are_gold(report):
    for tagger, by_lang in report.stance.items():
        for lang, s in by_lang.items():
            assert sum(map(sum, s.confusion)) == s.n
    # rows are gold: against 12, neutral 10, favor 8 overall.
    assert [sum(row) for row in report.stance["majority"]["all"].confusion] == [12, 10, 8]


def test_interval_contains_the_point_estimate(report):
    for by_lang in report.stance.values():
        for s in by_lang.values():
            assert s.ci[0] <= s.macro_f1 <= s.ci[1]
            assert 0.0 <= s.ci[0] <= s.ci[1] <= 1.0


def test_majority_baseline_is_exact(report):
    s = report.stance["majority"]["all"]
    # always "against": F1(against) = 2·12 / (2·12 + 18) = 4/7; neutral and favor 0.
    assert s.confusion == [[12, 0, 0], [10, 0, 0], [8, 0, 0]]
    assert s.accuracy == pytest.approx(12 / 30)
    assert s.macro_f1 == pytest.approx((4 / 7) / 3)


def test_measures_on_known_cases():
    from policy_debates.evaluate import bootstrap_ci, cohen_kappa, macro_f1

    assert macro_f1(["against", "against", "neutral", "favor"], ["against"] * 4) == pytest.approx(2 / 9)
    assert macro_f1(["favor", "against"], ["favor", "against"]) == 1.0  # neutral absent from both: not averaged
    assert bootstrap_ci(["favor"] * 5, ["favor"] * 5) == (1.0, 1.0)
    # po = 3/4, pe = (1·1 + 2·3) / 16 = 7/16 → κ = (12/16 − 7/16) / (9/16) = 5/9, as scikit-learn's cohen_kappa_score
    assert cohen_kappa(["against", "favor", "neutral", "favor"], ["against", "favor", "favor", "favor"]) == pytest.approx(5 / 9, abs=1e-4)
    assert cohen_kappa(["favor"] * 3, ["favor"] * 3) is None  # chance agreement is 1: undefined


def test_the_linear_tagger_learns_the_signal(report):
    assert report.stance["linear"]["all"].macro_f1 > report.stance["majority"]["all"].macro_f1
    assert report.stance["linear"]["all"].accuracy >= 0.8


def test_agreement_per_language(report):
    # dev-b relabelled 4 en articles, disagreeing on one.
    assert set(report.agreement) == {"en", "all"}
    assert report.agreement["en"]["n"] == 4
    assert report.agreement["en"]["kappa"] is not None and report.agreement["en"]["kappa"] < 1.0


def test_markdown_has_the_table(report):
    from policy_debates.evaluate import best_tagger

    md = report.to_markdown(used="cues")
    assert "**30 gold articles**" in md and "**2 annotators**" in md
    assert "| language | n | majority macro-F1 | cues macro-F1 | linear macro-F1 |" in md
    row = next(l for l in md.splitlines() if l.startswith("| **all** | 30 |"))
    assert f"{report.stance['majority']['all'].macro_f1:.2f} [" in row
    assert "gold stance target among `topics`" in md and "language accuracy" in md
    assert "developers' own writing" in md and "not real scraped" in md
    assert "| majority | " in md and "12  0  0 / 10  0  0 /  8  0  0 |" in md
    assert "Cohen's kappa" in md
    assert best_tagger(report) == "linear"


def test_terminal_report(report):
    from rich.console import Console

    buf = io.StringIO()
    report.print(Console(file=buf, width=200, highlight=False))
    text = buf.getvalue()
    assert "bootstrap 95 % CI" in text and "confusion" in text and "best tagger: linear" in text
    # the majority baseline's matrix, one gold row per line
    assert "12  0  0" in text and "10  0  0" in text and " 8  0  0" in text


def test_same_gold_same_report(report, tmp_path):
    from policy_debates.evaluate import evaluate

    builders = tiny_builders(tmp_path)
    gold = report  # the module fixture's numbers
    articles = synthetic(0, counts={"against": 6, "neutral": 5, "favor": 4})
    write_gold(builders, articles)
    write_gold(builders, [dict(a, stance="neutral" if i == 0 else a["stance"]) for i, a in enumerate(articles[:4])], annotator="dev-b")
    again = evaluate(builders, DATASET, folds=5, seed=0)
    assert again.to_markdown() == gold.to_markdown()


def test_cli_without_gold_exits_1_with_one_line(tmp_path, capsys):
    from policy_debates.cli import main

    builders = tiny_builders(tmp_path)
    assert main(["--builders", str(builders), "evaluate", DATASET]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no gold annotations" in err


def test_cli_prints_the_report(tmp_path, capsys):
    from policy_debates.cli import main

    builders = tiny_builders(tmp_path)
    write_gold(builders, synthetic(4))
    assert main(["--builders", str(builders), "evaluate", DATASET, "--folds", "3", "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "3-fold cross-validation" in out and "| **all** | 24 |" in out


def test_too_little_gold_for_linear_is_a_note_not_a_crash(tmp_path):
    from policy_debates.evaluate import best_tagger, evaluate

    builders = tiny_builders(tmp_path)
    write_gold(builders, synthetic(2))  # 12 articles, 4 per stance: 4 folds, training folds of 9
    small = evaluate(builders, DATASET, folds=5, seed=0)
    assert small.taggers == ["majority", "cues"] and small.folds == 4
    assert any("5 folds asked, 4 used" in n for n in small.notes)
    assert any("linear: not evaluated" in n and "at least 20" in n for n in small.notes)
    assert best_tagger(small) == "cues" and "linear: not evaluated" in small.to_markdown()
