"""Cleaning rules, each with the input it exists for."""
from __future__ import annotations

import random
import re
import unicodedata
from re import _constants as sre

import ftfy
import pytest

from conftest import FIXTURES
from policy_debates.clean import _SENTENCE_END, extract, finish, paragraphs, pii, prefilter, widgets
from policy_debates.clean import unicode as uni
from policy_debates.clean.pii import scrub
from policy_debates.clean.repeated_lines import MAX_WORDS, RepeatedLines, candidate, line_keys
from policy_debates.clean.unicode import fix_text
from policy_debates.clean.widgets import load_rules, normalise_line
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



# --- The fast paths answer exactly what the plain regexes answer --------------------------
# Each test compares a shortcut with the straightforward code it replaced, on inputs built
# to reach the shortcut: a line that passes a pre-check without being a widget, a widget
# found through the pre-checks, Unicode that IGNORECASE folds unlike str.lower, a text
# that ftfy must repair.

TECHNOCRACY = load_rules((r"please share this story!?",), (), (r"[⁃\-–—]\s*TN\s+\w+\s*$",))
FIXTURE_FILES = sorted((FIXTURES / "articles").iterdir()) + sorted((FIXTURES / "batches").iterdir())


def _example(items, pick: int) -> str:
    """A text a parsed pattern may match (lookarounds ignored), varied by ``pick``."""
    out = []
    for op, av in items:
        if op is sre.LITERAL:
            out.append(chr(av))
        elif op in (sre.NOT_LITERAL, sre.ANY):
            out.append("x")
        elif op is sre.IN:
            cls = prefilter.char_class(op, av)
            out.append(next((c for c in "ae1 -.:xZ·|•©/" if cls and re.fullmatch(cls, c)), "x"))
        elif op is sre.BRANCH:
            out.append(_example(av[1][pick % len(av[1])], pick))
        elif op is sre.SUBPATTERN:
            out.append(_example(av[3], pick))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            times = min(av[0] + pick % 2, av[1])
            out.append(_example(av[2], pick) * times)
    return "".join(out)


def _examples(pattern: str) -> list[str]:
    return [_example(prefilter.parse(pattern, re.IGNORECASE), pick) for pick in range(4)]


def _twins(text: str) -> str:
    """IGNORECASE takes these for i, I, s, k and å; str.lower does not."""
    return text.replace("i", "ı").replace("I", "İ").replace("s", "ſ").replace("k", "\u212a").replace("å", "\u212b")


def _widget_candidates(rules) -> list[str]:
    """Every branch of every [line] and [tail] pattern spelled out, in upper case, with
    case twins, inside a longer line; the fixtures' lines; some lines written by hand."""
    lines = []
    for alternatives in (rules.line, rules.tail):
        for pattern in alternatives.patterns:
            for ex in _examples(pattern):
                lines += [ex, ex.upper(), _twins(ex), "Der Senat " + ex, ex + " und mehr", ex + "."]
    for path in FIXTURE_FILES:
        lines += path.read_text(encoding="utf-8").splitlines()
    lines += [
        "Bitte teilen Sie diesen Artikel!", "© 2024 Gazeta Przykładowa", "Foto: dpa", "12 Kommentare", "Reply",
        "Copyright © 2023 Example Media. All rights reserved.", "Aydın Yılmaz", "ſhare", "\u212aommentare",
        "We and our 214 partners use cookies — click Accept to continue reading this site as before.",
        "Diese Seite verwendet Cookies. Klicken Sie auf „Akzeptieren“, um fortzufahren und mehr zu lesen.",
        "The council voted 7 to 2 — photo by Getty Images contributors shows the chamber. All rights reserved",
        "Datenschutzerklärung · Impressum · Kontakt", "https://example.org/a/b", "example.com", "★★★", "ΣΑΣ",
        "Die Bürger sagen „Nein“ – und die Stadt hört zu, sagt die Bürgermeisterin.",
    ]
    return [n for n in map(normalise_line, lines) if n]


@pytest.mark.parametrize("rules", [RULES, TECHNOCRACY], ids=["all", "technocracy"])
def test_widget_and_tail_checks_agree_with_the_whole_alternation(rules):
    lines = _widget_candidates(rules)
    matched = 0
    for alternatives in (rules.line, rules.tail):
        for line in lines:
            expected = alternatives.regex.fullmatch(line) is not None
            assert alternatives.fullmatch(line) == expected, line
            matched += expected
    assert matched > 2000  # most examples are widgets: found through the pre-checks


def test_pre_checks_pass_lines_that_are_no_widgets():
    # the beginning "tei" leaves the share prompt to try; it fails on the whole line
    assert RULES.is_widget("Teilen Sie diese Geschichte")
    assert not RULES.is_widget("Teilen Sie diese Geschichte mit allen, die in Köln wohnen, sagte der Senator.")
    # a consent banner can begin with anything, so its needle "cookie" is checked first
    banner = "Wir und unsere Partner nutzen Cookies. Klicken Sie auf Akzeptieren, um fortzufahren."
    no_click = "Wir und unsere Partner nutzen Cookies. Wer sie ablehnt, sieht weniger Werbung, sagt die Studie."
    assert RULES.is_widget(banner)
    assert not RULES.is_widget(no_click)
    plain, guarded = RULES.line._picks[normalise_line(no_click)[:3], 1, True]
    assert any(needles == ("cookie",) for _, needles in guarded)


def test_editor_note_search_agrees_with_the_whole_alternation():
    paragraphs = [
        "Die Überwachung wächst. ⁃ TN Editor",
        "Die Überwachung wächst.  – TN Redakteur",
        "Surveillance grows. – The Edıtor",  # dotless ı: IGNORECASE reads it as i
        "Anmerkung der Redaktion: Dieser Beitrag erschien zuerst im Blog.",
        "ANMERKUNG DER REDAKTION: korrigiert.",
        "[Editor's note: this piece was updated.]",
        "Die Redaktion hat den Text gekürzt, ohne seinen Sinn zu ändern.",  # holds a needle, is no note
        "Nota della redazione: testo aggiornato.",
        "Ein ganz gewöhnlicher Absatz ohne jeden Hinweis.",
        "TN", "x", " ", "— Editors", "Редакция: примечание",
    ]
    for path in FIXTURE_FILES:
        paragraphs += path.read_text(encoding="utf-8").split("\n\n")
    for pattern in RULES.editor_note.patterns:
        paragraphs += ["Ein Satz. " + ex for ex in _examples(pattern)] + [ex + " Und weiter." for ex in _examples(pattern)]
    for rules in (RULES, TECHNOCRACY):
        found = 0
        for p in paragraphs + [_twins(p) for p in paragraphs]:
            expected = rules.editor_note.regex.search(p.strip()) is not None
            assert rules.is_editor_note(p) == expected, p
            found += expected
        assert found > 40


def _ignorecase_equals(chars: str, text: str) -> set[str]:
    return set(re.findall("[%s]" % re.escape(chars), text, re.IGNORECASE))


def test_case_folding_shortcut_matches_ignorecase_over_all_of_unicode():
    everything = "".join(map(chr, range(0x110000)))
    safe = "".join(c for c in map(chr, range(0x180)) if widgets._SAFE_CASE.match(c))
    for a in safe:  # among the safe characters, IGNORECASE equality is lower-case equality
        assert _ignorecase_equals(a, safe) == {b for b in safe if b.lower() == a.lower()}, a
        assert len(a.lower()) == 1
    for twin in _ignorecase_equals(safe, everything) - set(safe):  # outside, only the twins, folded right
        assert widgets._fold(twin) == widgets._CASE_TWINS[twin].lower()
        assert re.fullmatch(re.escape(widgets._CASE_TWINS[twin]), twin, re.IGNORECASE)
    spelled = set()  # characters without case that the pre-checks spell out match only themselves
    for rules in (RULES, TECHNOCRACY):
        for alternatives in (rules.line, rules.tail, rules.editor_note):
            spelled |= {c for ns in alternatives._needles if ns for n in ns for c in n}
            spelled |= {c for b in alternatives._by_start for c in b}
    for c in sorted(spelled - set(safe)):
        assert c.lower() == c == c.upper() and _ignorecase_equals(c, everything) == {c}, c


def test_normalise_line_is_the_decoration_regex():
    rng = random.Random(7)
    for _ in range(20000):
        line = "".join(rng.choice(" \t\u00a0•·|>»«›‹*■►▶︎→←-–—#:ab.") for _ in range(rng.randint(0, 12)))
        assert normalise_line(line) == widgets._DECOR.sub("", " ".join(line.split())), repr(line)


_SUSPECT = re.compile("[\u0080-\u009f\u00c2\u00c3\u00c5\u00e2\u00ef\u00d0\u00d1\ufffd\u00a0\u00ad\u200b\u2028\u2029\x00-\x08\x0b\x0c\x0e-\x1f]|&[a-z]+;|&#")


def _plain_fix_text(text):
    if _SUSPECT.search(text):
        return ftfy.fix_text(text, config=uni._CONFIG)
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def test_fix_text_skips_ftfy_only_where_ftfy_changes_nothing():
    texts = [
        "A câmara municipal aprovou a vigilância por vídeo.",  # legit "â": ftfy is skipped
        "La câmara\nÃ€ noite, a vigilância",  # mojibake at a line start after a legit line
        "Die BÃ¼rger sagen â€žNeinâ€œ", "Ã  la carte\nvoilÃ  â€” fini", "Ð¡Ð¾Ð±Ñ‹Ñ‚Ð¸Ðµ",
        "câmara ﬁnal ＬＯＵＤ",  # a ligature and full-width letters: ftfy rewrites them
        "câmara &amp; co", "câmara\x1b[31m red", "câmara\u2028next", "câmara\x7f", "câmara e\u0301",
        "É a câmara”a", "câmara Ã", "câmara\nÃ ", "â", "", "\n", "café œuvre â",
    ]
    rng = random.Random(3)
    texts += ["".join(rng.choice("aeâãçéÉÃÂ€“”„ \n.œ\u00a0®™ÐÑ") for _ in range(rng.randint(1, 14))) for _ in range(20000)]
    skipped = 0
    for t in texts:
        assert uni.fix_text(t) == _plain_fix_text(t), repr(t)
        skipped += bool(_SUSPECT.search(t)) and not uni._ftfy_would_change(t)
    assert skipped > 1000
    assert uni._ftfy_would_change("La câmara\nÃ€ noite")
    assert not uni._ftfy_would_change("A câmara municipal aprovou.")


def test_scrub_pre_checks_change_nothing():
    texts = ["Ruf an: +49 30 1234567", "1 2 3 4 5 6 7 8", "1.600.000 zł", "030/123456", "(555) 123-4567", "a@b.de", "a@b", "2019-2020"]
    rng = random.Random(5)
    texts += ["".join(rng.choice("0123456789 ./()+-@ab\n") for _ in range(rng.randint(0, 30))) for _ in range(30000)]
    for t in texts:
        assert pii.scrub(t) == pii.replace(t), repr(t)


def test_sentence_end_and_word_count_shortcuts():
    for s in ["", "a", "a.", "a.\n", "a\n", ".\n\n", "x)", "end.\nx", "\n"]:
        assert bool(_SENTENCE_END.search(s[-2:])) == bool(_SENTENCE_END.search(s)), repr(s)
    for n in range(20):
        line = " ".join(["w"] * n) + "  \t"
        assert candidate(line) == (0 < len(line.split()) <= MAX_WORDS)
