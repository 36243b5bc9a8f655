"""README and docs/ are self-contained: every relative link points to a file a fresh clone
has (tracked by git), inside the project, and nothing sends the reader outside it."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)\s]+)\)")
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def tracked() -> set[str] | None:
    try:
        out = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None  # not a git checkout (an unpacked archive): existence is the test
    return set(out.splitlines())


def relative_links(page: Path) -> list[str]:
    links = LINK.findall(page.read_text())
    return [t for t in links if not re.match(r"^[a-z][a-z0-9+.-]*:|^#", t)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_a_fresh_clone(page):
    files = tracked()
    broken = []
    for target in relative_links(page):
        path = (page.parent / target.split("#", 1)[0]).resolve()
        inside = path.is_relative_to(ROOT)
        rel = str(path.relative_to(ROOT)) if inside else target
        in_clone = files is None or rel in files or any(f.startswith(rel + "/") for f in files)
        if not (inside and path.exists() and in_clone):
            broken.append(target)
    assert broken == []


def test_readme_links_the_assess_contract_and_never_points_outside_the_project():
    readme = (ROOT / "README.md").read_text()
    assert "docs/assess.md" in relative_links(ROOT / "README.md")
    assert "../" not in readme


def test_the_assess_contract_documents_every_reason_code_with_its_source():
    from coverage import vocab

    text = (ROOT / "docs" / "assess.md").read_text()
    for code, reason in vocab.REASONS.items():
        row = next((ln for ln in text.splitlines() if ln.startswith(f"| `{code}`")), None)
        assert row is not None, code
        for qa in reason.qa.split(", "):
            assert qa in row, (code, qa)
