"""The annotation tool, driven by piped answers: labels saved at once, undo, resume, agreement."""
from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from test_linear import DATASET, synthetic, tiny_builders


def labels(builders, annotator):
    path = builders / "gold" / DATASET / "labels" / f"{annotator}.jsonl"
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.fixture
def setup(tmp_path):
    """A tiny builders folder and a crawler export of 6 articles (en, de), no gold yet."""
    builders = tiny_builders(tmp_path)
    raw = tmp_path / "export.jsonl"
    articles = synthetic(1)
    raw.write_text("".join(json.dumps({"url": a["url"], "title": a["title"], "text": a["text"]}) + "\n" for a in articles), encoding="utf-8")
    return builders, raw


def annotate(monkeypatch, capsys, builders, raw, answers: str, annotator="dev-a", **kw):
    from policy_debates.annotate import run

    monkeypatch.setattr(sys, "stdin", io.StringIO(answers))
    result = run(DATASET, builders, raw=(raw,), annotator=annotator, **kw)
    return result, capsys.readouterr().out


def test_each_label_is_written_at_once_with_the_article(monkeypatch, capsys, setup):
    builders, raw = setup
    result, out = annotate(monkeypatch, capsys, builders, raw, "a too dangerous\nf\nq\n")
    got = labels(builders, "dev-a")
    assert [l["stance"] for l in got] == ["against", "favor"] and result.labelled == 2
    assert got[0]["note"] == "too dangerous" and got[0]["annotator"] == "dev-a" and got[0]["language"] in ("en", "de")
    # the articles are kept beside the labels, so the gold set can train and evaluate
    from policy_debates.gold import load_gold

    gold = load_gold(builders, DATASET)
    assert set(gold) == {l["id"] for l in got} and all(it.text for it in gold.values())
    assert "6 articles to label" in out and "TITLE:" in out


def test_undo_removes_the_last_label_and_shows_the_article_again(monkeypatch, capsys, setup):
    builders, raw = setup
    _, out = annotate(monkeypatch, capsys, builders, raw, "a\nf\nu\nn\nq\n")
    got = labels(builders, "dev-a")
    assert [l["stance"] for l in got] == ["against", "neutral"]
    assert "undone:" in out
    # shown: 1st (a), 2nd (f), 3rd (u: back to the 2nd), 2nd again (n), 3rd (q)
    titles = [line for line in out.splitlines() if line.startswith("TITLE:")]
    assert titles[3] == titles[1] != titles[2]


def test_resume_skips_what_this_annotator_labelled(monkeypatch, capsys, setup):
    builders, raw = setup
    annotate(monkeypatch, capsys, builders, raw, "a\nn\nf\n")  # EOF ends the session like q
    first = {l["id"] for l in labels(builders, "dev-a")}
    assert len(first) == 3
    _, out = annotate(monkeypatch, capsys, builders, raw, "f\nf\nf\nf\n")
    assert "3 articles to label (3 already labelled by dev-a)" in out
    ids = [l["id"] for l in labels(builders, "dev-a")]
    assert len(ids) == 6 and len(set(ids)) == 6  # nothing labelled twice
    _, out = annotate(monkeypatch, capsys, builders, raw, "")
    assert "nothing to label" in out


def test_stratified_order_covers_every_language_first(monkeypatch, capsys, setup):
    builders, raw = setup
    annotate(monkeypatch, capsys, builders, raw, "n\nn\n")
    assert {l["language"] for l in labels(builders, "dev-a")} == {"en", "de"}


def test_topics_are_chosen_by_number(monkeypatch, capsys, setup):
    builders, raw = setup
    _, out = annotate(monkeypatch, capsys, builders, raw, "t\nt 5 4\na\nq\n")
    assert "1=facial_recognition" in out
    got = labels(builders, "dev-a")[0]
    assert got["topics"] == ["data_retention", "mass_surveillance"] and got["stance_target"] == "data_retention"


def test_second_annotator_sees_the_same_articles_without_the_first_label(monkeypatch, capsys, setup):
    builders, raw = setup
    annotate(monkeypatch, capsys, builders, raw, "a secret-reason-1\nf secret-reason-2\nq\n")
    _, out = annotate(monkeypatch, capsys, builders, raw, "n\nn\nn\n", annotator="dev-b", second=True)
    assert "2 articles to label" in out
    assert {l["id"] for l in labels(builders, "dev-b")} == {l["id"] for l in labels(builders, "dev-a")}
    assert "secret-reason" not in out and "saved: against" not in out  # dev-a's labels stay hidden
    assert "agreement (Cohen's kappa) all:" in out


def test_second_annotator_kappa_value(monkeypatch, capsys, tmp_path):
    """Answers chosen per shown article: agreement on 2 of 3 gives the expected kappa."""
    from policy_debates.annotate import run

    builders = tiny_builders(tmp_path)
    raw = tmp_path / "export.jsonl"
    articles = synthetic(1)
    raw.write_text("".join(json.dumps({"url": a["url"], "title": a["title"], "text": a["text"]}) + "\n" for a in articles), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", io.StringIO("a\nf\nn\nq\n"))
    run(DATASET, builders, raw=(raw,), annotator="dev-a")
    by_title = {}
    gold_a = labels(builders, "dev-a")
    from policy_debates.gold import load_gold

    gold = load_gold(builders, DATASET)
    for l in gold_a:
        by_title[gold[l["id"]].title] = l["stance"]
    capsys.readouterr()

    def ask(prompt, shown=[]):
        out = capsys.readouterr().out
        titles = [line[len("TITLE: "):] for line in out.splitlines() if line.startswith("TITLE: ")]
        if titles:
            shown.append(titles[-1])
        title = shown[-1]
        stance = by_title[title]
        # agree on against and favor, say favor where dev-a said neutral
        return "f" if stance == "neutral" else stance[0]

    from policy_debates.annotate import session
    from policy_debates.builder import load_builder

    result = session(load_builder(DATASET, builders), [], "dev-b", second=True, ask=ask)
    assert result.labelled == 3
    # dev-a: against, favor, neutral; dev-b: against, favor, favor → po 2/3, pe 1/3 → κ 0.5
    assert result.agreement["all"]["kappa"] == pytest.approx(0.5)
    assert "agreement (Cohen's kappa) all: 0.50 over 3 articles (dev-a–dev-b)" in capsys.readouterr().out


def test_cli_with_piped_stdin(setup):
    builders, raw = setup
    r = subprocess.run(
        [sys.executable, "-m", "policy_debates.cli", "--builders", str(builders), "annotate", DATASET, "--raw", str(raw), "--annotator", "cli-user", "--n", "2"],
        input="a\nn\nf\n", capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert [l["stance"] for l in labels(builders, "cli-user")] == ["against", "neutral"]  # --n 2 stops after two


def test_cli_needs_something_to_show(tmp_path):
    builders = tiny_builders(tmp_path)
    r = subprocess.run([sys.executable, "-m", "policy_debates.cli", "--builders", str(builders), "annotate", DATASET, "--annotator", "x"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "--release DIR or --raw PATH" in r.stderr and "Traceback" not in r.stderr


def test_articles_from_a_release_folder(monkeypatch, capsys, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from policy_debates.annotate import run

    builders = tiny_builders(tmp_path)
    release = tmp_path / "out" / DATASET / f"{DATASET}-1.0.0"
    (release / "data" / "en").mkdir(parents=True)
    rows = [{"id": f"id{i}", "url": None, "title": f"Title {i}", "editor_note": "Note from the editor." if i == 0 else None,
             "text": "Body text of the article. " * 10, "language": "en", "topics": ["encryption"], "published": None, "authors": []}
            for i in range(3)]
    pq.write_table(pa.Table.from_pylist(rows), release / "data" / "en" / "train-00000.parquet")
    monkeypatch.setattr(sys, "stdin", io.StringIO("f\nf\nf\n"))
    run(DATASET, builders, release=release, annotator="dev-a")
    out = capsys.readouterr().out
    assert "EDITOR'S NOTE: Note from the editor." in out
    got = labels(builders, "dev-a")
    assert sorted(l["id"] for l in got) == ["id0", "id1", "id2"] and all(l["topics"] == ["encryption"] for l in got)
    from policy_debates.gold import load_gold

    assert load_gold(builders, DATASET)["id0"].text.startswith("Note from the editor.\n\nBody text")
