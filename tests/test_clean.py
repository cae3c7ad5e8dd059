"""Cleaning rules, each with the input it exists for."""
from __future__ import annotations

from conftest import FIXTURES
from policy_debates.clean import extract, finish, paragraphs
from policy_debates.clean.pii import scrub
from policy_debates.clean.repeated_lines import RepeatedLines, line_keys
from policy_debates.clean.unicode import fix_text
from policy_debates.clean.widgets import load_rules
from policy_debates.sources import html_page, text_dump

RULES = load_rules()
NO_REPEATS = RepeatedLines()


def clean_file(name, reader=text_dump):
    path = FIXTURES / "articles" / name
    [raw] = list(reader(f"fixtures/{name}", path.read_bytes()))
    draft = extract(raw, RULES)
    return finish(draft, RULES, NO_REPEATS)


def test_ftfy_repairs_mojibake_but_keeps_typographic_quotes():
    assert fix_text("Die BÃ¼rger sagen â€žNeinâ€œ") == "Die Bürger sagen „Nein“"
    assert fix_text("He said “no” – twice") == "He said “no” – twice"


def test_french_dump_loses_navigation_credit_share_and_comments():
    c = clean_file("fr_dump_widgets.txt")
    assert c.title == "Reconnaissance faciale : la ville de Nice veut étendre son expérimentation"
    paras = c.text.split("\n\n")
    assert len(paras) == 4
    assert paras[0].startswith("La municipalité a présenté mardi")
    assert paras[-1].startswith("Le conseil municipal doit se prononcer")
    for leftover in ("Aller au contenu", "Partagez", "Crédit photo", "Lire aussi", "Publicité", "commentaires", "Marc D.", "example.fr", "Répondre"):
        assert leftover not in c.text


def test_english_comment_section_with_personal_data_is_removed():
    c = clean_file("en_comments_pii.txt")
    assert c.title == "Police Scotland defends expansion of live facial recognition vans"
    assert len(c.text.split("\n\n")) == 4
    for leaked in ("Jamie Watt", "Alison Greer", "0141 496 0123", "alison.greer@example.co.uk", "Reply", "12 Comments", "Share this"):
        assert leaked not in c.text


def test_polish_html_page_body_and_metadata():
    c = clean_file("pl_page.html", reader=html_page)
    assert c.title == "Retencja danych wraca do Sejmu"
    assert c.url == "https://gazeta-przykladowa.example/kraj/retencja-danych-wraca"
    paras = c.text.split("\n\n")
    assert paras[0].startswith("Rząd przedstawił projekt nowelizacji")
    assert paras[-1].startswith("Pierwsze czytanie projektu")
    for leftover in ("cookies", "Strona główna", "Udostępnij", "Zobacz też", "Wszelkie prawa"):
        assert leftover not in c.text


def test_pii_scrub_emails_and_phones_not_years_or_amounts():
    text, n = scrub("Kontakt: anna.k@example.pl, tel. +48 22 123 45 67 lub (555) 123-4567. W latach 2019-2020 wydano 1.600.000 zł.")
    assert text == "Kontakt: [email], tel. [phone] lub [phone]. W latach 2019-2020 wydano 1.600.000 zł."
    assert n == 3


def test_paragraphs_join_hard_wrapped_lines_only():
    assert paragraphs(["A sentence that was", "wrapped by the scraper.", "", "Next one.", "Another line."]) == [
        "A sentence that was wrapped by the scraper.",
        "Next one.",
        "Another line.",
    ]


def test_lines_repeated_across_a_source_are_dropped():
    import numpy as np

    docs = [[f"Unique body paragraph number {i} with enough words to be a real paragraph of text.", "Unterstützen Sie unabhängigen Journalismus"] for i in range(20)]
    per_group = [("site", np.fromiter(line_keys("site", d), dtype=np.uint64)) for d in docs]
    rep = RepeatedLines.from_counts(lambda: iter(per_group), {"site": 20})
    assert rep.is_repeated("site", "Unterstützen Sie unabhängigen Journalismus")
    assert not rep.is_repeated("site", docs[0][0])
    assert not rep.is_repeated("other-site", "Unterstützen Sie unabhängigen Journalismus")
