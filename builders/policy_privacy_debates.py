"""The general multi-source collection of privacy and surveillance policy debates.

Raw HTML pages (main text by trafilatura), plain-text dumps with unknown widgets,
and JSONL crawler exports (``url``, ``title``, ``text`` or ``html``, ``date``,
``authors``), in any language. Keeps articles on a topic of the taxonomy; with
``--keep-off-topic`` every article is kept, tagged (for the cleaning alone).
"""
from policy_debates import Builder, sources


class PolicyPrivacyDebates(Builder):
    name = "policy_privacy_debates"
    pretty_name = "Policy and privacy debates: multilingual opinion articles on surveillance"
    description = (
        "Opinion articles, editorials, press releases and news reports about facial recognition, "
        "mass surveillance, CCTV, data retention, encryption, data protection, contact tracing, "
        "predictive policing and ad tracking, from many sites and languages, with language, "
        "topic and stance labels."
    )
    homepage = ""
    license = "other"
    readers = {
        "*.html": sources.html_page,
        "*.htm": sources.html_page,
        "*.jsonl": sources.jsonl_export,
        "*.txt": sources.text_dump,
    }
    stance_target = None  # each article's main topic
    stance_tagger = "linear"  # trained on builders/gold/policy_privacy_debates; the best on it (see the card)
    keep_off_topic = False
