"""`c2c-api docs errors|oauth`: writes the pages, and `--check` fails on a stale one."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from c2c_api.cli import main

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_check_passes_on_the_committed_pages() -> None:
    for page in ("errors", "oauth", "processes"):
        result = CliRunner().invoke(main, ["docs", page, "--check", "--docs-dir", str(DOCS)])
        assert result.exit_code == 0, result.output


def test_check_fails_on_a_stale_page_and_writing_fixes_it(tmp_path: Path) -> None:
    shutil.copy(DOCS / "oauth.md", tmp_path / "oauth.md")
    (tmp_path / "errors.md").write_text("# stale\n", encoding="utf-8")
    runner = CliRunner()
    stale = runner.invoke(main, ["docs", "errors", "--check", "--docs-dir", str(tmp_path)])
    assert stale.exit_code == 1
    assert runner.invoke(main, ["docs", "errors", "--docs-dir", str(tmp_path)]).exit_code == 0
    assert (tmp_path / "errors.md").read_text(encoding="utf-8") == (DOCS / "errors.md").read_text(
        encoding="utf-8"
    )
