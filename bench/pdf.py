"""Benchmark: render the settlement summary PDF of claims with 30, 300 and 3,000 lines.

`make bench-pdf`. Sets up a throwaway SQLite database (migrate once), then renders each size
in its own subprocess so the peak RSS (ru_maxrss) belongs to that size alone. Times the whole
render: the engine, the template and WeasyPrint. Goal: 300 lines in <= 1.5 s and <= 250 MB.

    .venv/bin/python bench/pdf.py [--sizes 30,300,3000] [--keep DIR]
"""

import sys
from pathlib import Path

# Run as a script, bench/ is sys.path[0]; its queue.py would shadow the stdlib's queue.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GOAL = {300: (1.5, 250)}


def one(size: int, out: Path | None) -> dict:
    sys.path.insert(0, str(ROOT))
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimsdesk.settings")
    django.setup()
    from django.contrib.auth.models import User

    from claims.models import Claim, Incident, Insured, Policy
    from coverage.models import Plan
    from documents import rendering
    from tests.documents.pdf_helpers import add_items

    user, _ = User.objects.get_or_create(username="bench")
    insured = Insured.objects.create(
        name=f"ベンチ社会保険労務士事務所{size}",
        registration_number=f"B{size}{time.time_ns()}"[:20],
    )
    policy = Policy.objects.create(
        insured=insured,
        plan=Plan.objects.get(code="cyber_standard"),
        number=f"BP-{time.time_ns()}"[:30],
        period_start="2023-04-01",
        period_end="2024-03-31",
    )
    claim = Claim.objects.create(
        number=f"B-{time.time_ns() % 10**12}",
        policy=policy,
        incident=Incident.objects.order_by("pk").first(),
        status=Claim.Status.UNDER_ASSESSMENT,
        created_by=user,
        noticed_on="2023-06-06",
    )
    add_items(claim, damages=size // 2, expenses=size // 4, overtime=size - size // 2 - size // 4)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu_started = time.perf_counter(), time.process_time()
    content = rendering.render_settlement_pdf(claim)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    # A worker is a long-lived process: the second render has fonts and the UA stylesheet warm.
    started = time.perf_counter()
    rendering.render_settlement_pdf(claim)
    warm = time.perf_counter() - started
    if out:
        (out / f"settlement-{size}.pdf").write_bytes(content)
    import io

    from pypdf import PdfReader

    return {
        "lines": size,
        "seconds": round(elapsed, 3),
        "warm_seconds": round(warm, 3),
        "cpu_seconds": round(cpu, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_before_mb": round(rss_before / 1024, 1),
        "pages": len(PdfReader(io.BytesIO(content)).pages),
        "pdf_kb": round(len(content) / 1024, 1),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="30,300,3000")
    parser.add_argument("--keep", help="directory to keep the PDFs in")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, Path(args.out) if args.out else None)))
        return

    print(f"load average before: {os.getloadavg()[0]:.2f} (a shared machine inflates wall time)")
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "MEDIA_ROOT": f"{tmp}/media",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("REDIS_URL", None)
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"],
            env=env,
            check=True,
        )
        print(
            f"{'lines':>6} {'cold s':>8} {'cpu s':>8} {'warm s':>8} {'peak RSS MB':>12} {'pages':>6} "
            f"{'PDF KB':>8}  goal (cold run)"
        )
        failed = False
        for size in (int(s) for s in args.sizes.split(",")):
            cmd = [sys.executable, __file__, "--one", str(size)]
            if args.keep:
                Path(args.keep).mkdir(parents=True, exist_ok=True)
                cmd += ["--out", args.keep]
            res = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if res.returncode:
                sys.exit(f"{size} lines failed:\n{res.stderr[-3000:]}")
            r = json.loads(res.stdout.strip().splitlines()[-1])
            goal = ""
            if size in GOAL:
                max_s, max_mb = GOAL[size]
                ok = r["seconds"] <= max_s and r["peak_rss_mb"] <= max_mb
                failed |= not ok
                goal = f"{'OK' if ok else 'MISSED'} (<= {max_s} s, <= {max_mb} MB)"
            print(
                f"{r['lines']:>6} {r['seconds']:>8.3f} {r['cpu_seconds']:>8.3f} {r['warm_seconds']:>8.3f} "
                f"{r['peak_rss_mb']:>12.1f} "
                f"{r['pages']:>6} {r['pdf_kb']:>8.1f}  {goal}"
            )
        sys.exit(1 if failed and args.strict else 0)


if __name__ == "__main__":
    main()
