#!/usr/bin/env python
"""Take the README's screenshots of the queue, a claim page and the workload page at 1366×768.

    .venv/bin/python bin/screenshots.py [--out docs/screenshots]

Builds a throw-away SQLite database with `seed_demo`, serves it with `runserver` on a free
local port, logs in as alice (then carol) with Playwright driving Debian's Chromium
(/usr/bin/chromium, or CHROMIUM_PATH) and writes queue.png, claim.png, claim-full.png and
workload.png. Touches no other database.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "screenshot-pass"  # noqa: S105 - throw-away demo database
VIEWPORT = {"width": 1366, "height": 768}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own local server
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server did not answer at {url}")


def pick_claim() -> str:
    """A demo claim of alice's, still open for edits, that shows the most kinds of decision
    (covered, excluded, pending) and reasons."""
    from claims.models import Claim
    from coverage.adapters import claim_assessment

    best, best_score = None, None
    candidates = Claim.objects.filter(
        handler__username="alice",
        status__in=[Claim.Status.UNDER_ASSESSMENT, Claim.Status.DOCUMENTS_REQUESTED],
    ).order_by("id")
    for claim in candidates:
        items = claim_assessment(claim).assessment.items
        score = (
            len({i.decision for i in items}),
            len({r for i in items for r in i.reasons}),
            claim.status == Claim.Status.UNDER_ASSESSMENT,
        )
        if best_score is None or score > best_score:
            best, best_score = claim, score
    if best is None:
        raise SystemExit("seed_demo made no open claim for alice")
    return best.number


def run_on_demo(prepare, shoot, describe) -> None:
    """Seed a throw-away SQLite database with the demo data, let `prepare()` pick (or make) the
    claim, serve it with runserver and `shoot(base, number, out)`; prints `describe(out,
    number)`. bin/screenshots_policy_limits.py runs the same way."""
    parser = argparse.ArgumentParser(description=(sys.modules["__main__"].__doc__ or "").strip())
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    tmp = Path(tempfile.mkdtemp(prefix="claimsdesk-shots-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp / "media"),
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "claimsdesk.settings",
    }
    env.pop("REDIS_URL", None)
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", password=PASSWORD, stdout=open(os.devnull, "w"))  # noqa: SIM115
    number = prepare()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"{base}/accounts/login/")
        shoot(base, number, out)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(describe(out, number))


def main() -> None:
    run_on_demo(
        pick_claim,
        shoot,
        lambda out, number: (
            f"wrote queue.png, claim.png, claim-full.png and workload.png in {out} (claim {number})"
        ),
    )


def shoot(base: str, number: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--headless=new", "--no-sandbox", "--disable-gpu", "--lang=ja-JP"],
        )
        context = browser.new_context(viewport=VIEWPORT, locale="ja-JP", base_url=base)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/claims/")
        page.goto("/claims/?size=25")
        page.screenshot(path=str(out / "queue.png"))
        page.goto(f"/claims/{number}/")
        page.screenshot(path=str(out / "claim.png"))
        page.screenshot(path=str(out / "claim-full.png"), full_page=True)
        supervisor = browser.new_context(viewport=VIEWPORT, locale="ja-JP", base_url=base)
        page = supervisor.new_page()
        page.goto("/accounts/login/")
        page.fill("input[name=username]", "carol")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)  # lands on 承認待ち
        page.goto("/claims/workload/")
        page.screenshot(path=str(out / "workload.png"))
        browser.close()


if __name__ == "__main__":
    main()
