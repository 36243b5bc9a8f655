"""Demo data for a first look: the MK incident, ~20 insureds, ~60 claims, the four named users.

Idempotent: running it again creates no second copy (insureds, policies and claims are
keyed on their demo registration and policy numbers). Every run sets the users' password
(given with --password, or generated) and prints the logins.
"""

import datetime
import hashlib
import random
import secrets
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from claims import services
from claims.models import (
    ApprovalAuthority,
    Claim,
    ClientDamage,
    Expense,
    Incident,
    Insured,
    OvertimeEntry,
    Payout,
    Policy,
    StatusChange,
)
from coverage import vocab
from coverage.models import Plan

USERS = [
    # username, full name (last, first), group, approval limit
    ("alice", ("佐藤", "愛子"), "handler", None),
    ("bob", ("鈴木", "一郎"), "handler", None),
    ("carol", ("高橋", "佳織"), "supervisor", 10_000_000),
    ("erin", ("伊藤", "恵理"), "supervisor", 200_000_000),
    ("dave", ("田中", "大輔"), "admin", None),
    ("frank", ("渡辺", "文也"), "payer", None),
]

OFFICES = [
    "青葉",
    "さくら",
    "みなと",
    "ひかり",
    "東西",
    "やまと",
    "すずらん",
    "かえで",
    "あおい",
    "つばさ",
    "浜松",
    "北斗",
    "なごみ",
    "和光",
    "中央",
    "銀河",
    "若草",
    "日本橋",
    "大手町",
    "千歳",
]
CLIENTS = [
    "株式会社山田製作所",
    "有限会社川口商店",
    "株式会社みどり介護",
    "医療法人清和会",
    "株式会社東海物流",
    "株式会社丸栄建設",
    "合同会社ソラテック",
    "株式会社北村食品",
    "社会福祉法人あすなろ会",
    "株式会社湊運輸",
]
STATUS_MIX = (
    ["draft"] * 4
    + ["reported"] * 14
    + ["documents_requested"] * 10
    + ["under_assessment"] * 14
    + ["awaiting_approval"] * 8
    + ["approved"] * 4
    + ["paid"] * 3
    + ["closed"] * 2
    + ["withdrawn"] * 1
    + ["closed"] * 1  # paid, closed, then reopened for a late client claim (_supplementary)
)
DEMO_POLICY_PREFIX = "DEMO-"


# The reason of the demo's cuts (a few thousand yen off a client's itemised claim).
DEMO_CUT = {
    "cut_reason_code": vocab.CUT_EXCESSIVE,
    "cut_reason": "顧問先の請求明細のうち、事務手数料の重複計上分を減額",
}


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="password for all demo users (default: generated)")

    def handle(self, *args, password=None, **options):
        password = password or secrets.token_urlsafe(9)
        with transaction.atomic():
            users = self._users(password)
            created = self._claims(users)
            self._payouts(users)
            self._accounts(users)
            if created:
                self._supplementary(users)
                self._overpaid(users)
        self.stdout.write(self.style.SUCCESS(f"demo data ready ({created} new claims)"))
        self.stdout.write(f"logins (password for all: {password}):")
        for username, (last, first), group, limit in USERS:
            extra = f", 承認権限 {limit:,}円" if limit else ""
            self.stdout.write(f"  {username:<6} {last} {first} ({group}{extra})")

    def _users(self, password):
        users = {}
        for username, (last, first), group, limit in USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.last_name, user.first_name = last, first
            user.email = f"{username}@claimsdesk.example"
            user.is_staff = group == "admin"
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=group)])
            if limit:
                ApprovalAuthority.objects.update_or_create(user=user, defaults={"limit": limit})
            users[username] = user
        return users

    def _claims(self, users):
        if Claim.objects.filter(policy__number__startswith=DEMO_POLICY_PREFIX).exists():
            return 0
        rng = random.Random(20230605)  # noqa: S311 - demo data, not security
        incident = Incident.objects.get(provider_name="株式会社エムケイシステム")
        plans = {p.code: p for p in Plan.objects.all()}
        policies = []
        for i, office in enumerate(OFFICES, start=1):
            corp = i % 3 == 0
            insured, _ = Insured.objects.get_or_create(
                registration_number=f"13{i:06d}",
                defaults={
                    "kind": Insured.Kind.CORPORATION if corp else Insured.Kind.INDIVIDUAL,
                    "name": f"社会保険労務士法人{office}"
                    if corp
                    else f"{office}社会保険労務士事務所",
                    "contact_person": f"{office} 太郎",
                    "email": f"office{i}@sr.example",
                    "phone": f"03-5555-{i:04d}",
                    "address": f"東京都千代田区{office}{i}-1",
                },
            )
            plan_code = ["cyber_standard", "cyber_standard", "leak_only_30m", "leak_only_5m"][i % 4]
            policy, _ = Policy.objects.get_or_create(
                number=f"{DEMO_POLICY_PREFIX}{i:05d}",
                defaults={
                    "insured": insured,
                    "plan": plans[plan_code],
                    "period_start": datetime.date(2023, 4, 1),
                    "period_end": datetime.date(2024, 3, 31),
                    "provides_cloud_service": i % 5 == 0,
                    "cloud_service_free_promotional": i % 10 == 0,
                },
            )
            policies.append(policy)

        handlers = [users["alice"], users["bob"], None]
        now = timezone.now()
        for n, status in enumerate(STATUS_MIX):
            policy = policies[n % len(policies)]
            handler = None if status == "draft" else handlers[n % 3]
            if status in {"awaiting_approval", "approved", "paid", "closed"} and handler is None:
                handler = users["alice"]
            creator = handler or users["alice"]
            reported = now - datetime.timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 23))
            claim = Claim(
                number=f"tmp-{n}",
                policy=policy,
                incident=incident,
                status=status,
                handler=handler,
                created_by=creator,
                noticed_on=datetime.date(2023, 6, 5) + datetime.timedelta(days=rng.randint(0, 10)),
                description="エムケイシステム社の社労夢停止により、顧問先の給与計算・社会保険手続が遅延。",
                own_cloud_service=policy.provides_cloud_service,
                own_cloud_service_free_promotional=policy.cloud_service_free_promotional,
                direct_recovery_elected=n == 7,
                talks_difficult=n % 11 == 0,
                reported_at=None if status == "draft" else reported,
            )
            claim.save()
            claim.number = services.next_claim_number(claim.pk, reported.date())
            if status in {"awaiting_approval", "approved", "paid", "closed"}:
                complete = reported + datetime.timedelta(days=rng.randint(3, 20))
                claim.documents_complete_on = min(complete.date(), timezone.localdate())
                claim.payment_due_on = claim.documents_complete_on + datetime.timedelta(days=30)
            claim.save()
            # Dates of the moves from their own generator, so the amounts drawn from `rng`
            # stay what they were before the dates were added.
            moved = self._moved_at(random.Random(n), reported, now, status)  # noqa: S311
            if claim.documents_complete_on:  # sent on only once its documents were in
                complete_at = timezone.make_aware(
                    datetime.datetime.combine(claim.documents_complete_on, datetime.time(10))
                )
                moved = min(max(moved, complete_at), now)
            if status != "draft":
                StatusChange.objects.create(
                    claim=claim, from_status="draft", to_status="reported", by=creator
                )
                if status != "reported":
                    StatusChange.objects.create(
                        claim=claim, from_status="reported", to_status=status, by=creator
                    )
                # auto_now_add stamped today: back-date the trace to the story's dates
                StatusChange.objects.filter(claim=claim, to_status="reported").update(at=reported)
                StatusChange.objects.filter(claim=claim, to_status=status).exclude(
                    to_status="reported"
                ).update(at=moved)
            # Claims past assessment have all their overtime evidence (nothing pending can be
            # sent to approval); earlier ones may still miss some.
            settled = status in {"awaiting_approval", "approved", "paid", "closed"}
            self._items(
                rng, claim, creator, complete=status not in {"draft", "reported"}, settled=settled
            )
            services.claim_refresh_totals(claim=claim)
            if status == "documents_requested":
                self._request(claim, creator, moved)
            if claim.documents_complete_on:
                self._documents(claim, creator, claim.documents_complete_on)
            self._notes(claim, creator, reported, moved)
            if handler is not None and status in {"reported", "under_assessment"} and n % 4 == 0:
                # a few diary dates: some come due today or earlier, some still ahead
                claim.next_action_on = timezone.localdate() + datetime.timedelta(days=n % 7 - 3)
                claim.next_action = "被保険者へ進捗確認の電話"
                claim.save(update_fields=["next_action_on", "next_action"])
            # Outside a request nobody is "the user" of these saves: name the filer, so the
            # claim's timeline says who entered the demo items instead of システム.
            # ... and dates them when the claim came in, not the day the demo was loaded.
            entered = {"history_user": creator, "history_date": reported or now}
            Claim.history.filter(id=claim.pk, history_user__isnull=True).update(**entered)
            for model in (ClientDamage, Expense, OvertimeEntry):
                model.history.filter(claim_id=claim.pk, history_user__isnull=True).update(**entered)
        return len(STATUS_MIX)

    @staticmethod
    def _moved_at(rng, reported, now, status):
        """When a demo claim left 事故受付: 1-40 days after it came in, never in the future;
        a claim still waiting for documents was asked 1-30 days ago (about half of them are
        past the 14-day follow-up mark)."""
        if status == "documents_requested":
            return max(reported, now - datetime.timedelta(days=rng.randint(1, 30)))
        return min(reported + datetime.timedelta(days=rng.randint(1, 40)), now)

    @staticmethod
    def _documents(claim, user, complete_on):
        """The files a claim past assessment was sent on with: one of each document its
        checklist asks for, linked to the client it is for, dated the day the documents were
        complete. So its page shows the checklist complete, as its payment clock says. The
        files are one blank A4 page each (pypdf), stored once per claim."""
        import io

        from django.core.files.base import ContentFile
        from pypdf import PdfWriter

        from documents.checklist import claim_checklist
        from documents.models import Document

        missing = claim_checklist(claim).missing
        if not missing:
            return
        writer = PdfWriter()
        writer.add_blank_page(width=595, height=842)
        buffer = io.BytesIO()
        writer.write(buffer)
        content = buffer.getvalue()
        by_client = {}
        for damage in claim.damages.all():
            by_client.setdefault(damage.client_name, damage)
        stored = None
        at = timezone.make_aware(datetime.datetime.combine(complete_on, datetime.time(9)))
        for item in missing:
            client = item.key.split(":client:", 1)[1] if ":client:" in item.key else None
            doc = Document(
                claim=claim,
                kind=item.kind,
                original_name=f"{item.label}.pdf"[:255],
                content_type="application/pdf",
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                damage=by_client.get(client) if client else None,
                uploaded_by=user,
            )
            if stored is None:
                doc.file.save("demo.pdf", ContentFile(content), save=False)
                stored = doc.file.name
            else:
                doc.file.name = stored
            doc.save()
        fresh = Document.objects.filter(claim=claim, uploaded_at__gt=at)
        Document.history.filter(id__in=fresh.values("pk")).update(
            history_user=user, history_date=at
        )
        fresh.update(uploaded_at=at)

    @staticmethod
    def _notes(claim, user, reported, moved):
        """A few contact-log entries (経過記録) where the story has them, dated with it."""
        from claims.models import ClaimNote

        notes = []
        if claim.status != "draft":
            notes.append(
                (reported, "phone", "insured", "事故連絡の電話を受付。事故連絡票を送付済み。")
            )
        if claim.talks_difficult:
            notes.append(
                (
                    moved,
                    "phone",
                    "insured",
                    "顧問先との損害額の協議が難航しているとの連絡 (Q8)。"
                    "弊社は顧問先と直接交渉しない旨を説明し、協議の経過を随時知らせてもらうよう依頼。",
                )
            )
        if claim.status == "documents_requested":
            notes.append((moved, "letter", "insured", "書類依頼状を郵送。"))
        for at, channel, party, body in notes:
            note = ClaimNote.objects.create(
                claim=claim, channel=channel, party=party, body=body, by=user
            )
            ClaimNote.objects.filter(pk=note.pk).update(at=at)

    @staticmethod
    def _request(claim, user, at):
        """The document request that put a demo claim in 書類依頼中, dated when it moved, so
        the queue shows some requests past the follow-up mark (要督促) and some not."""
        from documents.checklist import claim_checklist
        from documents.models import DocumentRequest

        missing = claim_checklist(claim).missing
        req = DocumentRequest.objects.create(
            claim=claim,
            items=[item.as_request_item() for item in missing],
            message="",
            requested_by=user,
        )
        DocumentRequest.objects.filter(pk=req.pk).update(requested_at=at)

    def _payouts(self, users):
        """A live payout for each demo claim past approval that has none (idempotent): the
        engine's figures frozen as the snapshot, approved by a supervisor whose limit covers
        it; paid and closed claims paid 10 days after approval."""
        from claims.approvals.payouts import _snapshot, next_payment
        from coverage.adapters import claim_assessment

        claims = (
            Claim.objects.filter(
                policy__number__startswith=DEMO_POLICY_PREFIX,
                status__in=["approved", "paid", "closed"],
            )
            .exclude(payouts__status__in=[Payout.Status.APPROVED, Payout.Status.PAID])
            .select_related("policy__plan", "policy__insured", "incident")
        )
        for claim in claims:
            ca = claim_assessment(claim)
            total = ca.assessment.total_payable
            approver = users["carol"] if total <= 10_000_000 else users["erin"]
            paid = claim.status != "approved"
            complete = claim.documents_complete_on or timezone.localdate()
            paid_on = min(complete + datetime.timedelta(days=15), timezone.localdate())
            due = next_payment(claim, ca.assessment)
            Payout.objects.create(
                claim=claim,
                status=Payout.Status.PAID if paid else Payout.Status.APPROVED,
                amount=due.amount,
                liability_amount=due.liability,
                expense_amount=due.expenses,
                snapshot=_snapshot(claim, ca, due),
                approved_by=approver,
                paid_on=paid_on if paid else None,
                payment_reference=f"FB-{claim.number}" if paid else "",
            )
            if paid and claim.paid_on is None:
                claim.paid_on = paid_on
                claim.save(update_fields=["paid_on", "updated_at"])
        # Limits are per policy: the other claims of a policy stand at what is left after
        # these payouts (as claims.reassess does after a payout through the services).
        for other in Claim.objects.filter(
            policy__number__startswith=DEMO_POLICY_PREFIX,
            policy__claims__payouts__status__in=[Payout.Status.APPROVED, Payout.Status.PAID],
        ).distinct():
            services.claim_refresh_totals(claim=other)

    def _accounts(self, users):
        """A confirmed 振込先口座 (entered by alice, confirmed by carol) for the insured of
        each demo claim awaiting payment that has none (idempotent): frank can batch them."""
        from payments.models import BankAccount

        insureds = (
            Claim.objects.filter(policy__number__startswith=DEMO_POLICY_PREFIX, status="approved")
            .exclude(policy__insured__bank_accounts__isnull=False)
            .values_list("policy__insured_id", flat=True)
            .distinct()
        )
        for n, insured_id in enumerate(sorted(insureds)):
            BankAccount.objects.create(
                insured_id=insured_id,
                bank_code="0001",
                bank_name="みずほ",
                bank_kana="ﾐｽﾞﾎ",
                branch_code="001",
                branch_name="東京営業部",
                branch_kana="ﾄｳｷﾖｳ",
                account_type="1",
                account_number=f"{1000001 + n:07d}",
                holder="ｼﾔｶｲﾎｹﾝﾛｳﾑｼｼﾞﾑｼﾖ",
                status=BankAccount.Status.CONFIRMED,
                entered_by=users["alice"],
                confirmed_by=users["carol"],
                confirmed_at=timezone.now(),
            )

    def _supplementary(self, users):
        """The last closed demo claim gets a late client claim: reopened, assessed again and
        sent to approval for a supplementary payment (追加支払, payout no. 2)."""
        claim = (
            Claim.objects.filter(
                policy__number__startswith=DEMO_POLICY_PREFIX, status=Claim.Status.CLOSED
            )
            .order_by("-pk")
            .first()
        )
        if claim is None:
            return
        handler = claim.handler or users["alice"]
        services.claim_reopen(claim=claim, by=handler, reason="顧問先から追加の損害賠償請求")
        late = ClientDamage(
            claim=claim,
            client_name="株式会社みなと運輸",
            kind=vocab.KIND_BUSINESS_INTERRUPTION,
            description="給与振込遅延に伴う従業員への立替利息 (支払後に追加請求)",
            claimed=420_000,
            recognized=380_000,
            cut_reason_code=vocab.CUT_NO_CAUSATION,
            cut_reason="立替利息のうち本件の振込遅延と関係のない期間 (7月分) を除外",
            created_by=handler,
            updated_by=handler,
        )
        late._history_user = handler
        late.save()
        services.claim_refresh_totals(claim=claim)
        # As for the other demo claims past assessment: the (new) documents came in 5 days ago.
        complete = timezone.localdate() - datetime.timedelta(days=5)
        Claim.objects.filter(pk=claim.pk).update(
            documents_complete_on=complete, payment_due_on=complete + datetime.timedelta(days=30)
        )
        self._documents(claim, handler, complete)  # the new client's claim and contract
        services.claim_transition(claim=claim, to=Claim.Status.AWAITING_APPROVAL, by=handler)

    def _overpaid(self, users):
        """The first paid demo claim: after payment the insured chose to claim from the
        provider directly (Q7), so it is reopened, assessed at nothing and sent on for the
        overpayment to be asked back (過払い返還)."""
        claim = (
            Claim.objects.filter(
                policy__number__startswith=DEMO_POLICY_PREFIX, status=Claim.Status.PAID
            )
            .order_by("pk")
            .first()
        )
        if claim is None:
            return
        handler = claim.handler or users["alice"]
        services.claim_transition(
            claim=claim, to=Claim.Status.CLOSED, by=handler, reason="支払完了"
        )
        services.claim_reopen(
            claim=claim, by=handler, reason="被保険者がクラウド事業者へ直接請求 (Q7) と連絡"
        )
        Claim.objects.filter(pk=claim.pk).update(direct_recovery_elected=True)
        claim.refresh_from_db()
        services.claim_refresh_totals(claim=claim)
        services.claim_transition(claim=claim, to=Claim.Status.AWAITING_APPROVAL, by=handler)

    def _items(self, rng, claim, user, complete, settled=False):
        leak_only = claim.policy.plan.leak_only
        for _ in range(rng.randint(1, 3)):
            claimed = rng.choice([55_000, 120_000, 380_000, 1_250_000, 2_400_000])
            damage = ClientDamage.objects.create(
                claim=claim,
                client_name=rng.choice(CLIENTS),
                kind=vocab.KIND_INFORMATION_LEAK
                if leak_only and rng.random() < 0.6
                else vocab.KIND_BUSINESS_INTERRUPTION,
                description=rng.choice(
                    [
                        "給与支払遅延に伴う遅延損害金",
                        "社会保険手続遅延の追加手数料",
                        "従業員への説明対応費用",
                    ]
                ),
                claimed=claimed,
                recognized=claimed - rng.choice([0, 0, 5_000, 20_000])
                if claimed > 20_000
                else claimed,
                # IT業務 only where the insured provides the service (claims.facts); the draw
                # is made either way so the rest of the demo stays the same
                activity=vocab.ACTIVITY_IT_BUSINESS
                if rng.random() < 0.1 and claim.own_cloud_service
                else vocab.ACTIVITY_IT_USER_ACT,
                created_by=user,
                updated_by=user,
            )
            if damage.recognized < damage.claimed:  # every cut has its reason (no rng draw)
                ClientDamage.objects.filter(pk=damage.pk).update(**DEMO_CUT)
        for category, desc, amount in rng.sample(
            [
                (vocab.CATEGORY_CUSTOMER_NOTIFICATION, "顧問先へのお詫び状 印刷・郵送", 48_000),
                (vocab.CATEGORY_CALL_CENTER, "問合せ窓口 外部委託", 350_000),
                (vocab.CATEGORY_AUTHORITY_NOTIFICATION, "個人情報保護委員会への報告書作成", 30_000),
                (vocab.CATEGORY_ALTERNATIVE_SYSTEM, "代替給与ソフト ライセンス", 198_000),
            ],
            k=rng.randint(1, 3),
        ):
            Expense.objects.create(
                claim=claim,
                category=category,
                description=desc,
                amount=amount,
                created_by=user,
                updated_by=user,
            )
        # staff names as the desk writes people: family name, a space, given name
        for who in rng.sample(["山田 花子", "佐々木 健", "中村 優子"], k=rng.randint(0, 2)):
            evidence = list(vocab.EVIDENCE_KINDS)
            if not settled and (not complete or rng.random() < 0.3):
                evidence = evidence[: rng.randint(0, 2)]
            OvertimeEntry.objects.create(
                claim=claim,
                employee=who,
                work_date=datetime.date(2023, 6, rng.randint(6, 30)),
                minutes=rng.choice([90, 150, 240, 300]),
                hourly_rate=rng.choice([1800, 2100, 2600]),
                premium=Decimal("1.25"),
                task=vocab.TASK_SUBSTITUTE_WORK
                if rng.random() < 0.2
                else vocab.TASK_INCIDENT_RESPONSE,
                evidence=evidence,
                # the demo's ticks have no files: how they were checked (claims.evidence)
                evidence_note="原本を来社時に確認 (デモデータ)" if evidence else "",
                evidence_note_by=user if evidence else None,
                evidence_note_at=timezone.now() if evidence else None,
                created_by=user,
                updated_by=user,
            )
