"""The linear stance tagger: trained from gold, deterministic, calibrated, abstaining."""
from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO

DATASET = "policy_privacy_debates"

FILLER = {
    "en": "the city council report says residents and officials met on tuesday to discuss the new camera system in the district after the summer".split(),
    "de": "der stadtrat hat am dienstag den bericht über das neue kamerasystem im bezirk mit den bürgern nach dem sommer besprochen".split(),
}
SIGNAL = {
    ("en", "against"): "We must ban this dangerous intrusive scheme and stop it now.",
    ("en", "favor"): "This welcome tool makes streets safer and we fully support it.",
    ("de", "against"): "Wir müssen dieses gefährliche Überwachungsprojekt verbieten und sofort stoppen.",
    ("de", "favor"): "Dieses nützliche Werkzeug macht die Straßen sicherer, wir unterstützen es voll.",
}
STANCES = ("against", "neutral", "favor")


def synthetic(n_per_cell: int, langs=("en", "de"), seed: int = 0, counts: dict | None = None) -> list[dict]:
    """Articles with an obvious stance signal: a fixed sentence per (language, stance),
    none for neutral, inside shuffled filler. ``counts`` overrides n per stance."""
    rng = random.Random(seed)
    out = []
    for lang in langs:
        for stance in STANCES:
            for i in range((counts or {}).get(stance, n_per_cell)):
                words = FILLER[lang][:]
                rng.shuffle(words)
                body = " ".join(words[:15]).capitalize() + ". " + " ".join(words[15:]).capitalize() + "."
                signal = SIGNAL.get((lang, stance), "")
                text = f"{body} {signal}".strip() if i % 2 else f"{signal} {body}".strip()
                url = f"https://{lang}.example/{seed}/{stance}/{i}"
                out.append({"url": url, "title": f"{lang} report {seed}-{len(out)}", "text": text,
                            "stance": stance, "language": lang})
    return out


def write_gold(builders: Path, articles: list[dict], annotator: str = "dev-a", name: str | None = None) -> None:
    """Labels and articles files for ``articles`` in ``builders/gold/<dataset>/``."""
    gold = builders / "gold" / DATASET
    (gold / "labels").mkdir(parents=True, exist_ok=True)
    (gold / "articles").mkdir(parents=True, exist_ok=True)
    name = name or annotator
    with open(gold / "labels" / f"{name}.jsonl", "a", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps({"url": a["url"], "annotator": annotator, "stance": a["stance"], "stance_target": "cctv_surveillance",
                                "topics": a.get("topics", ["cctv_surveillance"]), "language": a["language"]}) + "\n")
    with open(gold / "articles" / f"{name}.jsonl", "a", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps({"url": a["url"], "title": a["title"], "text": a["text"]}) + "\n")


def tiny_builders(tmp_path: Path) -> Path:
    builders = tmp_path / "builders"
    builders.mkdir(parents=True)
    shutil.copy(REPO / "builders" / f"{DATASET}.py", builders / f"{DATASET}.py")
    return builders


def gold_items(builders: Path):
    from policy_debates.gold import load_gold

    return list(load_gold(builders, DATASET).values())


@pytest.fixture
def trained(tmp_path):
    from policy_debates.tag.stance.linear import LinearTagger

    builders = tiny_builders(tmp_path)
    write_gold(builders, synthetic(6))
    return LinearTagger(items=gold_items(builders))


def held_out():
    from policy_debates.tag.stance.linear import Example

    return [Example(a["url"], a["title"], None, a["text"], a["language"], a["stance"]) for a in synthetic(3, seed=7)]


def test_two_fits_give_identical_probabilities(tmp_path, trained):
    from policy_debates.tag.stance.linear import LinearTagger

    builders = tiny_builders(tmp_path / "again")
    write_gold(builders, list(reversed(synthetic(6))))  # same gold, other file order
    again = LinearTagger(items=gold_items(builders))
    assert np.array_equal(trained.predict_proba(held_out()), again.predict_proba(held_out()))


def test_scores_are_probabilities(trained):
    proba = trained.predict_proba(held_out())
    assert proba.shape == (18, 3)
    assert ((proba >= 0) & (proba <= 1)).all()
    assert np.allclose(proba.sum(axis=1), 1.0)
    guess = trained.tag("A title", None, held_out()[0].text, "en", "cctv_surveillance")
    assert 0.0 <= guess.score <= 1.0 and guess.source == "linear-v2"


def test_learns_an_obvious_signal(trained):
    examples = held_out()
    guesses = [trained.tag(e.title, e.editor_note, e.text, e.language, "cctv_surveillance") for e in examples]
    right = sum(g.stance == e.stance for g, e in zip(guesses, examples))
    assert right / len(examples) >= 0.9
    ban = trained.tag("Opinion", None, "We must ban this dangerous intrusive scheme and stop it now. " + " ".join(FILLER["en"]), "en", "cctv_surveillance")
    assert ban.stance == "against" and ban.score >= 0.6


def test_abstains_below_the_threshold(trained):
    from policy_debates.tag.stance.linear import ABSTAIN_BELOW

    assert ABSTAIN_BELOW > 0.38
    weak = trained.decide(np.array([0.38, 0.25, 0.37]))  # no stance clearly above chance
    assert weak.stance == "neutral" and weak.score == 0.25 < ABSTAIN_BELOW
    strong = trained.decide(np.array([0.10, 0.15, 0.75]))
    assert strong.stance == "favor" and strong.score == 0.75


def test_abstains_when_the_gold_teaches_nothing(tmp_path):
    """Stances shuffled against the texts: calibration flattens the probabilities
    and every article gets a low-scored ``neutral``."""
    from policy_debates.tag.stance.linear import ABSTAIN_BELOW, LinearTagger

    articles = synthetic(6)
    shuffled = [a["stance"] for a in articles]
    random.Random(3).shuffle(shuffled)
    builders = tiny_builders(tmp_path)
    write_gold(builders, [dict(a, stance=s) for a, s in zip(articles, shuffled)])
    tagger = LinearTagger(items=gold_items(builders))
    guesses = [tagger.tag(e.title, None, e.text, e.language, "cctv_surveillance") for e in held_out()]
    assert all(g.stance == "neutral" and g.score < ABSTAIN_BELOW for g in guesses)


def test_builder_gold_is_used_and_cached(tmp_path):
    from policy_debates.builder import load_builder
    from policy_debates.tag.stance import get_tagger
    from policy_debates.tag.stance import linear

    builders = tiny_builders(tmp_path)
    write_gold(builders, synthetic(6))
    builder = load_builder(DATASET, builders)
    first = get_tagger("linear", builder=builder)
    second = get_tagger("linear", builder=builder)
    assert first.model is second.model  # trained once per process
    assert any(key[0] == str((builders / "gold" / DATASET).resolve()) for key in linear._FITTED)


def test_too_little_gold_is_a_clear_error(tmp_path):
    from policy_debates.builder import load_builder
    from policy_debates.tag.stance.linear import LinearTagger, NotEnoughGold

    builders = tiny_builders(tmp_path)
    write_gold(builders, synthetic(2))  # 12 articles
    with pytest.raises(NotEnoughGold, match=r"at least 20 .* found 12 ") as err:
        LinearTagger(builder=load_builder(DATASET, builders))
    assert str(builders / "gold" / DATASET) in str(err.value)

    other = tiny_builders(tmp_path / "one")
    write_gold(other, [a for a in synthetic(12) if a["stance"] == "favor"])  # 24 articles, all favor
    with pytest.raises(NotEnoughGold, match="two stances"):
        LinearTagger(items=gold_items(other))


def test_the_cache_key_names_the_features(tmp_path, monkeypatch):
    """Another featurizer (version, n-grams, buckets, edited code) never loads a model
    trained with the old one; the same one loads it instead of training."""
    from policy_debates.tag.stance import linear

    monkeypatch.setenv("POLICY_DEBATES_CACHE", str(tmp_path / "cache"))
    fits = []

    def fit():
        fits.append(1)
        return {"model": len(fits)}

    key = ("folder", "gold", "rules")
    assert linear._cached_fit(key, fit) == {"model": 1}
    assert linear._cached_fit(key, fit) == {"model": 1} and len(fits) == 1
    changes = [("VERSION", "1"), ("CHAR_NGRAMS", (2, 5)), ("WORD_NGRAMS", None), ("BITS", 18), ("_code_fingerprint", lambda: "edited")]
    for name, value in changes:
        with monkeypatch.context() as m:
            m.setattr(linear, name, value)
            linear._cached_fit(key, fit)
    assert len(fits) == 1 + len(changes)
    assert len(list((tmp_path / "cache").glob("linear-*.pkl"))) == 1 + len(changes)


def test_a_cached_model_predicts_as_the_trained_one(tmp_path, monkeypatch):
    from policy_debates.builder import load_builder
    from policy_debates.tag.stance import linear

    monkeypatch.setenv("POLICY_DEBATES_CACHE", str(tmp_path / "cache"))
    builders = tiny_builders(tmp_path)
    write_gold(builders, synthetic(6))
    builder = load_builder(DATASET, builders)
    trained = linear.LinearTagger(builder=builder)
    monkeypatch.setattr(linear, "_FITTED", {})
    monkeypatch.setattr(linear, "_fit", lambda *a, **k: pytest.fail("trained again instead of loading the cache"))
    loaded = linear.LinearTagger(builder=builder)
    assert loaded.model is not trained.model
    assert np.array_equal(loaded.predict_proba(held_out()), trained.predict_proba(held_out()))
    rows = [(e.title, e.editor_note, e.text, e.language, "cctv_surveillance") for e in held_out()]
    assert loaded.tag_many(rows) == [trained.tag(*r) for r in rows]
