"""Compare every claim's stored figures (請求額合計, 支払見込額, 保留項目数) with a fresh assessment.

    python manage.py check_figures            # report; exit status 1 when any differ
    python manage.py check_figures --fix      # also re-assess those claims and store the figures

A decided claim (approved, paid or closed on a payout) is compared with its approval
snapshot, not today's rules (claims.reassess.claim_figures).
"""

from django.core.management.base import BaseCommand, CommandError

from claims import reassess
from claims.models import Claim


class Command(BaseCommand):
    help = "Report claims whose stored figures differ from a fresh assessment (exit 1 if any)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix", action="store_true", help="re-assess the claims found and store the figures"
        )

    def handle(self, *args, fix=False, **options):
        stale = reassess.stale_figures()
        for s in stale:
            self.stdout.write(f"{s.number}\t{s.field}\tstored={s.stored}\tfresh={s.fresh}")
        claims = sorted({s.number for s in stale})
        self.stdout.write(f"{len(stale)} differences in {len(claims)} claims")
        if stale and fix:
            result = reassess.claims_reassess(
                claims=Claim.objects.filter(number__in=claims),
                cause="保存値の点検 (check_figures --fix)",
            )
            self.stdout.write(f"fixed: {result.updated} claims")
            return
        if stale:
            raise CommandError(f"stored figures differ from a fresh assessment: {len(stale)}")
