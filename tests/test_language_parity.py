"""Language labels from the fast path are the labels of seeded langdetect on the full text.

``detect`` runs on a bounded sample of the text and, when installed, on
``langdetect-rs``; DESIGN.md allows that only while it gives the same label as
seeded langdetect on the full text for ≥ 99 % of articles. The articles are the
benchmark's own generated corpus (``scripts/bench``), eight languages, ~4 KB each.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util

import pytest

from conftest import REPO
from policy_debates.tag import language
from policy_debates.tag.language import MIN_PROB, UND, _enough_letters, _python_detect, detect, normalise_code, sample

N_ARTICLES = 320


def _bench():
    loader = importlib.machinery.SourceFileLoader("policy_debates_bench", str(REPO / "scripts" / "bench"))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bodies() -> list[tuple[str, str]]:
    """(language, body text) of generated articles: paragraphs without headline and widgets."""
    bench = _bench()
    out = []
    for i in range(N_ARTICLES):
        lang = bench.LANGUAGES[i % len(bench.LANGUAGES)]
        _title, dump, _on_topic = bench.article(lang, 424242 + i)
        paras = [l for l in dump.split("\n") if len(l) > 200]  # the body paragraphs
        out.append((lang, "\n\n".join(paras)))
    return out


def full_text_label(text: str) -> str:
    """Seeded langdetect on the whole text, with the same ``und`` rules as ``detect``."""
    if not _enough_letters(text):
        return UND
    langs = _python_detect(text)
    if not langs or langs[0].prob < MIN_PROB:
        return UND
    return normalise_code(langs[0].lang)


def test_same_label_as_full_text_langdetect_on_99_percent(bodies):
    assert all(len(text) > language.SAMPLE_CHARS for _, text in bodies)  # the sample is really a sample
    same = sum(detect(text).language == full_text_label(text) for _, text in bodies)
    assert same / len(bodies) >= 0.99, f"{same} of {len(bodies)}"
    assert sum(detect(text).language == lang for lang, text in bodies) / len(bodies) >= 0.99


def test_sample_is_bounded_and_spread_over_the_text():
    text = " ".join(f"w{i}" for i in range(5000))
    s = sample(text)
    assert len(s) <= language.SAMPLE_CHARS
    parts = s.split("\n")
    assert len(parts) == language.SAMPLE_WINDOWS
    assert parts[0].startswith("w0 ") and parts[-1].endswith("w4999")
    starts = [int(p.split()[0][1:]) for p in parts]  # whole words, evenly spread
    assert starts == sorted(starts) and 1500 < starts[1] < 1800 and 3200 < starts[2] < 3500
    assert sample("kurz") == "kurz"


def test_rust_engine_gives_bit_identical_results(bodies):
    rs = pytest.importorskip("langdetect_rs")
    assert rs is not None
    texts = [sample(t) for _, t in bodies[:160]] + [t[:300] for _, t in bodies[160:240]] + ["Hallo Welt", "12345 !!", "政府计划在地铁站安装人脸识别摄像头"]
    for text in texts:
        a, b = language._rust_detect(text), _python_detect(text)
        assert [(x.lang, x.prob) for x in a] == [(x.lang, x.prob) for x in b], text[:60]


def test_labels_do_not_depend_on_the_engine(bodies, monkeypatch):
    fast = [detect(t) for _, t in bodies[:80]]
    monkeypatch.setattr(language, "_engine", _python_detect)
    assert [detect(t) for _, t in bodies[:80]] == fast
