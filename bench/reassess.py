"""Re-assessing 10,000 open claims after a plan edit: time and queries per batch.

Run with `make bench-reassess` (or `.venv/bin/python bench/reassess.py`). Not part of the
test suite; it reports and does not fail (on a shared, busy machine a time is not a verdict).

- Database: a throw-away SQLite file by default; `--postgres` uses DATABASE_URL or
  postgres://postgres@127.0.0.1:5432/claimsdesk_reassess (created, migrated, dropped after).
- Generates 10,000 open claims (`--claims`) on one plan, two per policy, each with a
  client's damage, an expense and an overtime entry with its evidence, and stores their
  figures with a first pass.
- Edits the plan as an admin would (liability limit 100,000,000 → 50,000,000 and a call
  centre sub-limit) and times `claims.reassess.reassess_scope` (what the Celery task runs):
  the whole run, the number of batches, the queries of the run and of each batch, how many
  claims changed and how many timeline rows were written. Then `check_figures` must find 0.
- Writes its section of docs/benchmarks.md (one per database, between bench-reassess markers).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import secrets
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/queue.py would shadow the standard library's queue module: take bench/ off the path.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/claimsdesk_reassess"
CLAIMS = 10_000
SEED = 20231130
MARK = "<!-- bench-reassess:{db}:{end} -->"  # one section per database in the docs


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=CLAIMS)
    parser.add_argument("--postgres", action="store_true", help="measure PostgreSQL")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--no-write", action="store_true", help="do not write docs/benchmarks.md")
    return parser.parse_args()


def setup_django(postgres: bool) -> tuple[str, callable]:
    """Point Django at a fresh database; return its label and a clean-up function."""
    if postgres:
        import psycopg

        url = os.environ.get("DATABASE_URL") or DEFAULT_PG
        base, _, name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')

        def cleanup():
            from django.db import connections

            connections.close_all()
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    else:
        folder = tempfile.mkdtemp(prefix="bench-reassess-")
        url = f"sqlite:///{folder}/bench.sqlite3"

        def cleanup():
            import shutil

            shutil.rmtree(folder, ignore_errors=True)

    os.environ.update(
        DATABASE_URL=url,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="localhost",
        DJANGO_SETTINGS_MODULE="claimsdesk.settings",
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return ("PostgreSQL" if postgres else "SQLite"), cleanup


def generate(n: int, rng: random.Random):
    """n open claims on cyber_standard, two per policy, three items each (bulk inserts)."""
    import datetime

    from django.contrib.auth.models import User

    from claims.models import Claim, ClientDamage, Expense, Incident, Insured, OvertimeEntry, Policy
    from coverage import vocab
    from coverage.models import Plan

    plan = Plan.objects.get(code="cyber_standard")
    incident = Incident.objects.get(provider_name="株式会社エムケイシステム")
    user = User.objects.create_user("bench-handler")
    policies = n // 2 + n % 2
    insureds = Insured.objects.bulk_create(
        Insured(name=f"ベンチ社労士事務所{i}", registration_number=f"B{i:07d}")
        for i in range(policies)
    )
    pols = Policy.objects.bulk_create(
        Policy(
            insured=ins,
            plan=plan,
            number=f"BP-{i:07d}",
            period_start=datetime.date(2023, 4, 1),
            period_end=datetime.date(2024, 3, 31),
        )
        for i, ins in enumerate(insureds)
    )
    statuses = [
        Claim.Status.REPORTED,
        Claim.Status.DOCUMENTS_REQUESTED,
        Claim.Status.UNDER_ASSESSMENT,
        Claim.Status.AWAITING_APPROVAL,
    ]
    claims = Claim.objects.bulk_create(
        Claim(
            number=f"BC-{i:07d}",
            policy=pols[i // 2],
            incident=incident,
            status=statuses[i % len(statuses)],
            handler=user,
            created_by=user,
            noticed_on=datetime.date(2023, 6, 6),
        )
        for i in range(n)
    )
    damages, expenses, overtime = [], [], []
    for c in claims:
        claimed = rng.randrange(1_000_000, 120_000_000)
        damages.append(
            ClientDamage(
                claim=c,
                client_name="株式会社ベンチ",
                kind=vocab.KIND_BUSINESS_INTERRUPTION,
                claimed=claimed,
                recognized=rng.randrange(claimed // 2, claimed + 1),
            )
        )
        expenses.append(
            Expense(claim=c, category="call_center", amount=rng.randrange(100_000, 3_000_000))
        )
        overtime.append(
            OvertimeEntry(
                claim=c,
                employee="山田花子",
                minutes=rng.randrange(60, 1200),
                hourly_rate=2100,
                premium=Decimal("1.25"),
                evidence=list(vocab.EVIDENCE_KINDS),
            )
        )
    for model, rows in ((ClientDamage, damages), (Expense, expenses), (OvertimeEntry, overtime)):
        model.objects.bulk_create(rows, batch_size=2000)
    return plan


def main():
    args = parse_args()
    label, cleanup = setup_django(args.postgres)
    try:
        report = run(args, label)
    finally:
        cleanup()
    print(report)
    if not args.no_write:
        write(report)
        print("written to docs/benchmarks.md")


def run(args, label: str) -> str:
    import django
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from claims import reassess
    from claims.models import FigureChange
    from coverage.models import ExpenseSublimit

    batch = args.batch_size or reassess.BATCH_SIZE
    rng = random.Random(SEED)
    t0 = time.perf_counter()
    plan = generate(args.claims, rng)
    generated = time.perf_counter() - t0
    first = reassess.reassess_scope(scope="plan", pk=plan.pk, cause="初回")
    FigureChange.objects.all().delete()

    # The admin's edit (coverage.admin.PlanAdmin saves, then the task runs this).
    plan.liability_limit = 50_000_000
    plan.save()
    ExpenseSublimit.objects.create(plan=plan, category="call_center", limit=1_000_000)
    per_batch = []

    def counting(execute, sql, params, many, context):
        per_batch[-1] += 1
        return execute(sql, params, many, context)

    original = reassess._batch

    def traced(ids, **kw):  # start counting a new batch when one is loaded
        per_batch.append(0)
        return original(ids, **kw)

    reassess._batch = traced
    try:
        with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(counting):
            per_batch.append(0)  # the ids query before the first batch
            start = time.perf_counter()
            result = reassess.claims_reassess(
                claims=reassess.scope_claims("plan", plan.pk),
                cause=f"プラン {plan.code} の限度額・費目別限度額変更",
                reason="ベンチマーク",
                batch_size=batch,
            )
            elapsed = time.perf_counter() - start
    finally:
        reassess._batch = original
    queries = len(ctx.captured_queries)
    batches = per_batch[1:]
    reads = sum(1 for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT"))
    reads = (reads - 1) // max(len(batches), 1)
    start = time.perf_counter()
    stale = reassess.stale_figures()
    check = time.perf_counter() - start
    timeline = FigureChange.objects.count()

    load = os.getloadavg()
    lines = [
        MARK.format(db=connection.vendor, end="start"),
        f"## Re-assessing open claims after a plan edit ({label})",
        "",
        "Written by `make bench-reassess` (`bench/reassess.py`). "
        f"{args.claims:,} open claims on one plan (two per policy, a damage, an expense and an "
        "overtime entry each), their figures stored by a first pass; then the plan's liability "
        "limit goes from 100,000,000 to 50,000,000 and a call-centre sub-limit of 1,000,000 is "
        "added, and `claims.reassess.claims_reassess` (what the Celery task runs after an "
        "admin's change) re-assesses them all. Goal: under 30 s, a constant number of queries "
        "per batch.",
        "",
        "| | |",
        "|---|---|",
        f"| database | {label} ({connection.vendor}) |",
        f"| machine | {os.cpu_count()} cores, {platform.platform()}, Python "
        f"{platform.python_version()}, Django {django.get_version()} |",
        f"| load average (1/5/15 min) at the end | {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
        " (shared with other helpers' test runs) |",
        f"| data generation | {generated:.1f} s; first pass {first.claims:,} claims |",
        f"| batch size | {batch} claims |",
        f"| **re-assessment** | **{elapsed:.1f} s** for {result.claims:,} claims "
        f"({result.claims / elapsed:,.0f} claims/s) |",
        f"| batches | {result.batches} |",
        f"| queries | {queries:,} in all: 1 for the ids, then per batch {min(batches)}–"
        f"{max(batches)}: {reads} reads (claims with policy, plan and incident; sub-limits; "
        "damages; expenses; overtime; overtime documents; live payouts; the policies' paid "
        "claims, limits being per policy) and the writes (one "
        "UPDATE of the figures and one INSERT of the timeline rows, which SQLite splits at its "
        "999-parameter limit) |",
        f"| figures changed | {result.updated:,} claims; {timeline:,} timeline rows "
        "(payable amount changed) |",
        f"| check_figures afterwards | {len(stale)} differences ({check:.1f} s) |",
        "",
        "The queries per batch do not grow with the batch: every row the assessment reads is "
        "fetched for the whole batch with one query per table (claims.reassess._batch), the "
        "figures are written with UPDATE ... CASE and the timeline rows with a bulk INSERT. The time is "
        "Python (model rows and the engine), so it grows linearly with the claims. Each batch "
        "is its own transaction holding its claims' row locks (an item edit on one of them "
        "waits at most one batch).",
        MARK.format(db=connection.vendor, end="end"),
    ]
    return "\n".join(lines)


def write(section: str):
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    START, END = section.splitlines()[0], section.splitlines()[-1]
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
