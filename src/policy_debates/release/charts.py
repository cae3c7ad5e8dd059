"""Charts for the card: rows by language, topic and stance (PNG, deterministic)."""
from __future__ import annotations

from pathlib import Path


def bar_chart(counts: dict[str, int], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(counts)
    fig, ax = plt.subplots(figsize=(6, 0.35 * max(3, len(labels)) + 1), dpi=100)
    ax.barh(labels[::-1], [counts[l] for l in labels][::-1], color="#4C72B0")
    ax.set_title(title)
    ax.set_xlabel("rows")
    for i, v in enumerate([counts[l] for l in labels][::-1]):
        ax.text(v, i, f" {v}", va="center", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata={"Software": None})
    plt.close(fig)
