"""What changed between versions, in counts and reasons (never the removed text)."""
from __future__ import annotations


def _by(d: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(d.items())) or "none"


def changes_markdown(version: str, previous: str | None, changes: dict) -> str:
    """One version's section; ``changes`` is the dict stored in the ledger."""
    lines = [f"## {version}", ""]
    if previous is None:
        lines.append(f"First release: {changes['added']} rows.")
    else:
        lines.append(f"Since {previous}: {changes['added']} rows added, {changes['removed']} removed, "
                     f"{changes['relabelled']} relabelled, {changes['updated']} updated by reprocessing.")
    if changes.get("full_reprocess"):
        lines += ["", f"Full reprocess: {changes['full_reprocess']}."]
    if changes["added"]:
        lines += ["", f"- added by language: {_by(changes['added_by_language'])}", f"- added by split: {_by(changes['added_by_split'])}"]
    if changes["removed"]:
        lines += ["", f"- removed by reason: {_by(changes['removed_by_reason'])}", f"- removed by language: {_by(changes['removed_by_language'])}",
                  f"- removed by split: {_by(changes['removed_by_split'])}"]
    if changes["relabelled"]:
        lines += ["", f"- relabelled (stance) by language: {_by(changes['relabelled_by_language'])}",
                  f"- relabelled by split: {_by(changes['relabelled_by_split'])}"]
    lines += ["", f"Inputs processed in this version: {changes['inputs']} "
              f"(kept {changes['added_inputs']}, duplicates {changes['duplicates']}, rejected {changes['rejected']}).",
              f"- duplicates by kind: {_by(changes['duplicates_by_reason'])}",
              f"- rejected by reason: {_by(changes['rejected_by_reason'])}", ""]
    return "\n".join(lines)


def changelog(sections: list[str]) -> str:
    """All versions, newest first."""
    return "# Changelog\n\n" + "\n".join(reversed(sections))
