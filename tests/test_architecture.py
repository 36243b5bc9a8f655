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
