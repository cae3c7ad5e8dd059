"""policy-debates: scraped opinion articles on privacy and surveillance policy →
versioned, tagged Parquet datasets with dataset cards.

    from policy_debates import build, BuildSettings
    result = build(BuildSettings(builder="technocracy_news", raw=(Path("dumps"),), out=Path("releases")))
"""
__version__ = "0.2.0"

from .article import Article, RawArticle, Rejection  # noqa: E402
from .builder import Builder, load_builder  # noqa: E402
from .settings import BuildSettings, SettingsError  # noqa: E402
from . import sources  # noqa: E402


def build(settings: BuildSettings):
    """Run one build; returns a ``BuildResult`` (``release_dir`` is None when nothing was kept)."""
    from .run.pipeline import build as _build

    return _build(settings)


__all__ = ["build", "BuildSettings", "SettingsError", "Builder", "load_builder", "Article", "RawArticle", "Rejection", "sources", "__version__"]
