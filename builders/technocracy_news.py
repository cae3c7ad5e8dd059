"""Technocracy News: articles and their machine-translated editions, as plain-text dumps.

A dump is the headline, an image credit, a share prompt, an editor's note signed
"⁃ TN Editor", the body, a "read the full story" link and the site's comment
widget (see ../shared/seeds/000_61e8f64b15b20c23.txt).
"""
from policy_debates import Builder, sources


class TechnocracyNews(Builder):
    name = "technocracy_news"
    pretty_name = "Technocracy News: surveillance and privacy articles (multilingual editions)"
    description = (
        "Opinion pieces and curated news on surveillance technology from Technocracy News, "
        "with the site's machine-translated editions, cleaned of share and comment widgets. "
        "Each article's editorial preface (signed 'TN Editor') is kept apart in `editor_note`."
    )
    homepage = "https://www.technocracy.news"
    license = "other"
    readers = {"*.txt": sources.text_dump}
    # The site's editions translate the signature; the note is the publisher's voice.
    editor_notes = (r"[⁃\-–—]\s*TN\s+\w+\s*$",)
    # Translations of the site's "Please share this story!" that are not in the general lists.
    widget_lines = (r"bitte teilen sie diese geschichte!?", r"please share this story!?")
    # The site's own vocabulary: "technocracy"/"technocrats" is its word for the threat it opposes.
    against_cues = (r"technokrat\w*", r"technocra\w*", r"tecnocra\w*")
