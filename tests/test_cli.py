"""The command line: help, exit codes, one-line reasons."""
from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def run(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "policy_debates.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_help_lists_subcommands():
    r = run("--help")
    assert r.returncode == 0
    for cmd in ("list", "build", "preview", "publish"):
        assert cmd in r.stdout


def test_list_shows_builders():
    r = run("list")
    assert r.returncode == 0 and "technocracy_news" in r.stdout and "policy_privacy_debates" in r.stdout


def test_unknown_builder_is_a_usage_error_with_one_line(tmp_path):
    r = run("build", "no_such", "--raw", str(tmp_path), "--out", str(tmp_path / "o"))
    assert r.returncode == 2
    assert "no builder 'no_such'" in r.stderr and "Traceback" not in r.stderr


def test_missing_raw_path_names_the_field(tmp_path):
    r = run("build", "technocracy_news", "--raw", str(tmp_path / "nope"), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "raw:" in r.stderr and "does not exist" in r.stderr


def test_nothing_kept_exits_non_zero(tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "empty.txt").write_bytes(b"")
    r = run("build", "technocracy_news", "--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "o"), "--quiet")
    assert r.returncode == 1 and "nothing to release" in r.stderr
