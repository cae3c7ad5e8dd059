"""The bundled example corpus (builders/examples/README.md is its answer key):
every input accounted for exactly as the table says, languages right, and none
of the listed widgets, commenters or contact details in the release."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from conftest import EXAMPLES, release_rows, run_build


@pytest.fixture(scope="module")
def ppd(tmp_path_factory):
    res = run_build("policy_privacy_debates", EXAMPLES / "policy_privacy_debates", tmp_path_factory.mktemp("out"))
    return res, release_rows(res.release_dir)


@pytest.fixture(scope="module")
def tn(tmp_path_factory):
    res = run_build("technocracy_news", EXAMPLES / "technocracy_news", tmp_path_factory.mktemp("out"))
    return res, release_rows(res.release_dir)


def test_policy_privacy_debates_accounting(ppd):
    res, rows = ppd
    assert res.counts["inputs"] == 25
    assert (res.counts["kept"], res.counts["duplicate"], res.counts["rejected"]) == (17, 2, 6)
    outcomes = {r["origin"]: r for r in map(json.loads, res.rejects_file.read_text().splitlines())}
    assert outcomes["broken/latin1-garbage.txt"]["reason"] == "undecodable"
    assert outcomes["broken/empty.txt"]["reason"] == "empty"
    assert outcomes["broken/menu-only.html"]["reason"] in ("not_an_article", "too_short")
    assert outcomes["broken/off-topic.txt"]["reason"] == "off_topic"
    assert outcomes["crawl/export-2026-10.jsonl#L5"]["reason"] == "malformed_json"
    assert outcomes["crawl/export-2026-10.jsonl#L10"]["reason"] == "missing_text"
    line2 = next(r for r in rows if r["title"] and r["title"].startswith("Innenminister uneins"))
    line7 = outcomes["crawl/export-2026-10.jsonl#L7"]
    assert (line7["outcome"], line7["reason"], line7["duplicate_of"]) == ("duplicate", "same_id", line2["id"])
    page = outcomes["html/gazzettadellarete_scansione-messaggi-consiglio-ue.html"]
    syndicated = next(r for r in rows if "notizie-in-rete" in (r["url"] or ""))
    assert (page["outcome"], page["reason"], page["duplicate_of"]) == ("duplicate", "same_text", syndicated["id"])


def test_policy_privacy_debates_languages(ppd):
    _, rows = ppd
    assert Counter(r["language"] for r in rows) == Counter({"en": 4, "de": 3, "fr": 2, "it": 2, "nl": 2, "es": 2, "pl": 1, "pt": 1})


def test_no_commenters_or_widgets_reach_the_release(ppd, tn):
    texts = "\n".join(r["text"] + (r["editor_note"] or "") for r in ppd[1] + tn[1])
    for leaked in ("Gérard Moulinier", "Anaïs Lebreton-Quéré", "Yves Kernevez", "Franco Bellinzaghi", "elisa_torino84",
                   "Massimo Pellizzari", "Henk van Oudenallen", "Fleur Dekkers-Ammerlaan", "Wendell Strausbaugh",
                   "Loretta Pinkney-Vail", "Dale Fitzmorris", "Corinne Oyelaran", "dale.fitzmorris.writes@example.net",
                   "(555) 201-4487", "Zum Inhalt springen", "Newsletter abonnieren", "Artikel teilen", "Copier le lien",
                   "Síguenos en Google Noticias", "Accedi per commentare", "Newest Most Voted", "View all comments"):
        assert leaked not in texts, leaked


def test_published_times_are_utc(ppd):
    _, rows = ppd
    police = next(r for r in rows if r["title"] and "Bahnhofsvorplatz" in r["title"] or "polizei" in (r["url"] or ""))
    assert police["published"].isoformat() == "2026-10-01T08:15:00+00:00"


def test_technocracy_news_examples(tn):
    res, rows = tn
    assert res.counts["kept"] == 5
    assert sorted(r["language"] for r in rows) == ["de", "en", "en", "es", "fr"]
    for r in rows:
        assert r["editor_note"] and r["editor_note"].rstrip().endswith("TN Editor")
        assert "TN Editor" not in r["text"]
