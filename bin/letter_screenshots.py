#!/usr/bin/env python
"""Render the insured's letters to PDF and page 1 of each to PNG for the README.

    .venv/bin/python bin/letter_screenshots.py [--out docs/screenshots]

Builds a throw-away SQLite database (migrations only), a claim with a client damage paid as
claimed, a reduced one and an excluded one (tests/documents/letter_helpers.py), and writes
letter-damage-assessment-draft.png (before approval: 「案」 and the watermark),
letter-damage-assessment.png (approved), settlement-page1.png (the approved claim's
settlement summary) and letter-payment.png (paid; a stand-in bank
account until the payments app provides one) with pdftoppm (poppler-utils), 100 dpi.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="letters-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'db.sqlite3'}"
    os.environ.setdefault("DEBUG", "true")
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimsdesk.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from django.utils import timezone

    from claims.approvals import payouts
    from documents import rendering
    from tests.conftest import make_user
    from tests.documents.letter_helpers import FakeAccount, letter_claim

    alice = make_user("alice", "handler", last_name="佐藤", first_name="愛子")
    carol = make_user("carol", "supervisor", limit=10_000_000)
    claim = letter_claim(handler=alice)

    pdfs = {"letter-damage-assessment-draft": rendering.render_damage_letter_pdf(claim)}
    payouts.payout_approve(claim=claim, by=carol, amount=claim.total_payable)
    pdfs["letter-damage-assessment"] = rendering.render_damage_letter_pdf(claim)
    pdfs["settlement-page1"] = rendering.render_settlement_pdf(claim)
    payout = payouts.payout_mark_paid(
        claim=claim, by=carol, paid_on=timezone.localdate(), reference="FB-20240115-0042"
    )
    pdfs["letter-payment"] = rendering.render_payment_letter_pdf(payout, account=FakeAccount())

    for name, content in pdfs.items():
        pdf_path = work / f"{name}.pdf"
        pdf_path.write_bytes(content)
        subprocess.run(  # noqa: S603 - fixed arguments, our own files
            [  # noqa: S607 - pdftoppm (poppler-utils) from PATH
                "pdftoppm",
                "-png",
                "-r",
                "100",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf_path),
                str(out / name),
            ],
            check=True,
        )
        print(out / f"{name}.png")


if __name__ == "__main__":
    main()
