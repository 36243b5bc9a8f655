"""One-way dependencies: the import-linter contracts of pyproject.toml hold (engine < claim
records < document records < claims domain < document workflows < the desk's screens;
docs/architecture.md)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_hold():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " 0 broken" in result.stdout
    for contract in ("The engine is pure Python", "know nothing of claims", "Layers:"):
        assert contract in result.stdout


def test_claims_never_imports_documents_and_the_approval_still_queues_the_pdf():
    from claims import signals

    receivers = {r[0][0] for r in signals.payout_approved.receivers}
    assert receivers == {"documents.settlement_summary"}
    assert {r[0][0] for r in signals.documents_requested.receivers} == {"documents.request"}
    assert {r[0][0] for r in signals.payout_paid.receivers} == {"documents.payment_letter"}
    assert {r[0][0] for r in signals.completion_check_needed.receivers} == {
        "documents.sync_completion"
    }


def _backticked_paths(text: str) -> set[str]:
    import re

    return {
        m
        for m in re.findall(r"`([a-z_]+/[a-z_/]*(?:\.py|/))`", text)
        if not m.startswith(("templates/", "docs/"))
    }


def test_every_module_and_folder_the_architecture_names_exists():
    """docs/architecture.md tells a newcomer where each screen's code lives: every path it
    names is there (a move that forgets the map fails here)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    paths = _backticked_paths(text)
    assert len(paths) >= 20  # the table names the packages, not just a few modules
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert not missing, missing


def test_each_screen_has_its_package_and_its_tests_alongside():
    """Rooms with names: the queue, intake, the claim page, approvals and payouts, the incident
    register and imports each have a package, and their tests a folder of the same name."""
    for room in ("queue", "intake", "claim_page", "approvals", "incidents", "imports"):
        package = ROOT / "claims" / room
        assert (package / "__init__.py").exists(), room
        tests = ROOT / "tests" / "claims" / room
        assert list(tests.glob("test_*.py")), f"no tests in tests/claims/{room}/"
    views = {p.parent.name for p in (ROOT / "claims").glob("*/views.py")}
    assert views == {"queue", "intake", "claim_page", "approvals", "incidents"}
    assert not (ROOT / "claims" / "views.py").exists()
