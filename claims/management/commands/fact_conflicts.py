"""List saved items that contradict their claim's own-cloud-service facts (claims.facts).

Rows saved before items had to agree with their claim: an item caused by the stoppage of
the insured's own cloud service, or a client's IT業務, on a claim whose insured provides no
cloud service; an item whose old free-promotion box disagrees with the claim (the
assessment now follows the claim). Read-only: it lists, changes nothing. Exits 1 when it
found any (`--quiet` prints only the count), so a deploy check can stop on it.
"""

from django.core.management.base import BaseCommand

from claims.facts import find_conflicts


class Command(BaseCommand):
    help = "事故の事実 (自社クラウドサービスの提供・無償提供) と矛盾する項目を一覧します (変更はしません)。"

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="件数だけを表示する")

    def handle(self, *args, quiet=False, **options):
        count = 0
        for conflict in find_conflicts():
            count += 1
            if not quiet:
                self.stdout.write(
                    f"{conflict.claim_number}\t{conflict.claim_status}\t{conflict.item}\t{conflict.what}"
                )
        if count:
            self.stdout.write(
                f"矛盾: {count}件 (事故番号・状態・項目・矛盾の内容)。自動では変更していません。"
            )
            raise SystemExit(1)
        self.stdout.write("矛盾はありません。")
