"""How fast the coverage engine assesses one claim of 10,000 mixed items (target: < 100 ms).

Run with `make bench-engine` (or `.venv/bin/python bench/engine.py`). The claim is made from
a fixed seed, so runs compare: a third each of damages, expenses and overtime, with every
cause, kind, category, task and evidence combination, and sub-limits on two categories.
Prints the best and median of several repetitions of `assess()` and of `to_json_dict()`.
It reports and does not fail: on a shared, busy machine a time is not a verdict.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coverage import vocab  # noqa: E402
from coverage.engine import (  # noqa: E402
    ClaimFacts,
    DamageFact,
    ExpenseFact,
    Limits,
    OvertimeFact,
    assess,
)

ITEMS = 10_000
REPETITIONS = 15
TARGET_MS = 100.0
SEED = 20230719


def mixed_claim(n: int, rng: random.Random) -> ClaimFacts:
    damages, expenses, overtime = [], [], []
    evidence_kinds = list(vocab.EVIDENCE_KINDS)
    for i in range(n):
        cause = rng.choices(list(vocab.CAUSES), weights=[9, 1])[0]
        free = rng.random() < 0.3
        if i % 3 == 0:
            claimed = rng.randrange(0, 50_000_000)
            damages.append(
                DamageFact(
                    id=f"d{i}",
                    kind=rng.choice(list(vocab.DAMAGE_KINDS)),
                    claimed=claimed,
                    recognized=rng.randrange(0, claimed + 1),
                    legally_liable=rng.random() < 0.9,
                    cause=cause,
                    own_service_free_promotional=free,
                    activity=rng.choices(list(vocab.ACTIVITIES), weights=[9, 1])[0],
                )
            )
        elif i % 3 == 1:
            expenses.append(
                ExpenseFact(
                    id=f"e{i}",
                    category=rng.choice(list(vocab.EXPENSE_CATEGORIES)),
                    amount=rng.randrange(0, 5_000_000),
                    cause=cause,
                    own_service_free_promotional=free,
                )
            )
        else:
            overtime.append(
                OvertimeFact(
                    id=f"o{i}",
                    minutes=rng.randrange(0, 600),
                    hourly_rate=rng.randrange(1000, 6000),
                    premium=Decimal(rng.choice(["1.25", "1.35", "1.5"])),
                    task=rng.choices(list(vocab.TASKS), weights=[4, 1])[0],
                    overtime_eligible=rng.random() < 0.9,
                    evidence=frozenset(k for k in evidence_kinds if rng.random() < 0.8),
                    cause=cause,
                    own_service_free_promotional=free,
                )
            )
    return ClaimFacts(
        plan="cyber_standard",
        leak_only=False,
        incident_leak_or_threat=True,
        limits=Limits(
            liability=100_000_000,
            expenses=100_000_000,
            sublimits={vocab.CATEGORY_CALL_CENTER: 1_000_000, vocab.CATEGORY_OVERTIME: 5_000_000},
        ),
        damages=tuple(damages),
        expenses=tuple(expenses),
        overtime=tuple(overtime),
    )


def timings(fn, repetitions: int) -> list[float]:
    fn()  # warm-up
    result = []
    for _ in range(repetitions):
        start = time.perf_counter()
        fn()
        result.append((time.perf_counter() - start) * 1000)
    return result


def main() -> int:
    claim = mixed_claim(ITEMS, random.Random(SEED))
    assessment = assess(claim)
    assess_ms = timings(lambda: assess(claim), REPETITIONS)
    json_ms = timings(assessment.to_json_dict, REPETITIONS)

    best, median = min(assess_ms), statistics.median(assess_ms)
    per_10k = median * 10_000 / ITEMS
    print(f"coverage engine: {ITEMS:,} mixed items, {REPETITIONS} repetitions")
    print(f"  assess()        best {best:7.2f} ms  median {median:7.2f} ms")
    print(
        f"  to_json_dict()  best {min(json_ms):7.2f} ms  median {statistics.median(json_ms):7.2f} ms"
    )
    print(f"  throughput      {ITEMS / (median / 1000):,.0f} items/s")
    print(
        f"  per 10,000 items {per_10k:.2f} ms = {per_10k / TARGET_MS:.2f} × the {TARGET_MS:.0f} ms target"
    )
    print(f"  total payable   {assessment.total_payable:,} yen (sanity: same every run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
