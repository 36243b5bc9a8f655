"""Benchmark: render the settlement summary PDF of claims with 30, 300 and 3,000 lines.

`make bench-pdf`. Sets up a throwaway SQLite database (migrate once), then renders each size
in its own subprocess so the peak RSS (ru_maxrss) belongs to that size alone. Times the whole
render: the engine, the template and WeasyPrint. Goal: 300 lines in <= 1.5 s and <= 250 MB.

Each process does what a worker process does: it warms the renderer up first
(documents.pdf.warm_up, run by worker_process_init), then renders. Columns:
  cold s    first render in a fresh process with no warm-up (not measured above 1,000 lines)
  job s     first render after the warm-up: the first summary a worker renders (the goal)
  best/med  of the repeats that follow (a worker's steady state; --repeat)
  × goal    job s / 1.5 s
A shared machine's speed drifts: the yardstick line times a fixed pure-Python loop before and
after, so figures from two machines or two runs can be compared.

`--instructions` counts instead of timing: each size runs twice under valgrind's callgrind,
once up to the warm-up and once with the render; the difference is the render's instruction
count, the same on every run of the same code (timings here drift ±15-30 %). Slow: about
four minutes for 300 lines. Use it to compare two versions of the template or the renderer.

    .venv/bin/python bench/pdf.py [--sizes 30,300,3000] [--repeat 3] [--keep DIR]
    .venv/bin/python bench/pdf.py --instructions [--sizes 30,300]
"""

import sys
from pathlib import Path

# Run as a script, bench/ is sys.path[0]; its queue.py would shadow the stdlib's queue.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GOAL = {300: (1.5, 250)}


def yardstick() -> float:
    """Best of 3 of a fixed pure-Python loop (about as much work as 0.1 s of layout)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i % 7
        best = min(best, time.perf_counter() - started)
    return best


def one(
    size: int, out: Path | None, *, cold: bool = False, repeat: int = 0, render: bool = True
) -> dict:
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
    from documents import pdf

    warm_up = None if cold else pdf.warm_up(rendering.TEMPLATES.values())
    if not render:
        return {"lines": size, "warm_up": warm_up}
    started, cpu_started = time.perf_counter(), time.process_time()
    content = rendering.render_settlement_pdf(claim)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    again = []
    for _ in range(repeat):
        started = time.perf_counter()
        rendering.render_settlement_pdf(claim)
        again.append(time.perf_counter() - started)
    if out:
        (out / f"settlement-{size}.pdf").write_bytes(content)
    import io

    from pypdf import PdfReader

    return {
        "lines": size,
        "warm_up": warm_up,
        "seconds": round(elapsed, 3),
        "again": again,
        "cpu_seconds": round(cpu, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "pages": len(PdfReader(io.BytesIO(content)).pages),
        "pdf_kb": round(len(content) / 1024, 1),
    }


def _child(size: int, env: dict, *, cold: bool, repeat: int, keep: str | None) -> dict:
    cmd = [sys.executable, __file__, "--one", str(size), "--repeat", str(repeat)]
    if cold:
        cmd.append("--cold")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        cmd += ["--out", keep]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if res.returncode:
        sys.exit(f"{size} lines failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def _instructions(size: int, env: dict, *, render: bool) -> int:
    """Instructions callgrind counts for a child that sets up `size` lines (and renders)."""
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    cmd += [sys.executable, __file__, "--one", str(size), "--repeat", "0"]
    if not render:
        cmd.append("--no-render")
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    found = re.search(r"Collected : (\d+)", res.stderr)
    if res.returncode or not found:
        sys.exit(f"callgrind run failed for {size} lines:\n{res.stderr[-3000:]}")
    return int(found.group(1))


def count_instructions(sizes: list[int], env: dict) -> None:
    if shutil.which("valgrind") is None:
        sys.exit("--instructions needs valgrind (Debian package valgrind)")
    print(f"{'lines':>6} {'render G instr':>15} {'per line M':>11} {'× 30-line render':>17}")
    first = None
    for size in sizes:
        setup = _instructions(size, env, render=False)
        total = _instructions(size, env, render=True)
        render = total - setup
        first = first or (size, render)
        ratio = render / first[1] if first[0] == 30 else float("nan")
        print(f"{size:>6} {render / 1e9:>15.3f} {render / size / 1e6:>11.2f} {ratio:>17.2f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="30,300,3000")
    parser.add_argument(
        "--repeat", type=int, default=3, help="renders after the first (<= 1,000 lines)"
    )
    parser.add_argument("--keep", help="directory to keep the PDFs in")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cold", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument(
        "--instructions", action="store_true", help="count the render's instructions (callgrind)"
    )
    parser.add_argument("--no-render", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        out = Path(args.out) if args.out else None
        result = one(args.one, out, cold=args.cold, repeat=args.repeat, render=not args.no_render)
        print(json.dumps(result))
        return

    print(f"load average before: {os.getloadavg()[0]:.2f} (a shared machine inflates wall time)")
    stick = yardstick()
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
        if args.instructions:
            count_instructions([int(s) for s in args.sizes.split(",")], env)
            return
        print(
            f"{'lines':>6} {'cold s':>7} {'warm-up':>7} {'job s':>7} {'best s':>7} {'med s':>7} "
            f"{'× goal':>6} {'RSS MB':>7} {'pages':>5} {'PDF KB':>7}  goal (job s, RSS)"
        )
        failed = False
        for size in (int(s) for s in args.sizes.split(",")):
            small = size <= 1000
            cold = _child(size, env, cold=True, repeat=0, keep=None)["seconds"] if small else None
            r = _child(size, env, cold=False, repeat=args.repeat if small else 0, keep=args.keep)
            times = r["again"] or [r["seconds"]]
            goal, ratio = "", ""
            if size in GOAL:
                max_s, max_mb = GOAL[size]
                ok = r["seconds"] <= max_s and r["peak_rss_mb"] <= max_mb
                failed |= not ok
                ratio = f"{r['seconds'] / max_s:.2f}"
                goal = f"{'OK' if ok else 'MISSED'} (<= {max_s} s, <= {max_mb} MB)"
            warm_up = f"{r['warm_up']:.3f}" if r["warm_up"] is not None else "failed"
            print(
                f"{size:>6} {cold if cold is not None else '—':>7} {warm_up:>7} "
                f"{r['seconds']:>7.3f} {min(times):>7.3f} {statistics.median(times):>7.3f} "
                f"{ratio:>6} {r['peak_rss_mb']:>7.1f} {r['pages']:>5} {r['pdf_kb']:>7.1f}  {goal}"
            )
    after = yardstick()
    print(
        f"yardstick (2M-iteration Python loop, best of 3): {stick:.3f} s before, {after:.3f} s "
        "after; figures scale with it"
    )
    sys.exit(1 if failed and args.strict else 0)


if __name__ == "__main__":
    main()
