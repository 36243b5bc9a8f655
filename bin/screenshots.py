#!/usr/bin/env python
"""Take the README's screenshots of the desk's pages, 1366 CSS pixels wide (a 1366×768 screen).

    .venv/bin/python bin/screenshots.py [--out docs/screenshots]

Builds a throw-away SQLite database with `seed_demo`, serves it with `runserver` on a free
local port and drives Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH) with
Playwright, in Japanese (the chromium-l10n package: without it Chromium draws its own
controls in English, "mm/dd/yyyy" and "Choose Files"). Touches no other database. Writes:

- as alice (handler): queue.png, claim.png (as it opens) and claim-full.png (the whole
  page); then three files chosen at once on that claim's upload card, upload-rows.png (a
  row per file, its kind and target), documents-per-file.png (the documents card once they
  are stored) and evidence-marks.png (the overtime section: on file, confirmed without a
  file with its note, missing);
- as carol (supervisor): workload.png, queue-zoom200.png (the queue at 200 % zoom: a
  683×384 CSS viewport drawn at two device pixels per CSS pixel, as a 1366×768 screen
  shows it), approval-unfiled-evidence.png (an approval page warning of evidence confirmed
  without a file) and incident.png (the incident register, whole page).
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
# 200 % zoom on that screen: half the CSS pixels, each drawn as 2×2 device pixels.
ZOOM200 = {"viewport": {"width": 683, "height": 384}, "device_scale_factor": 2}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Chromium's Japanese strings (Debian's chromium-l10n): its date fields then read 年/月/日.
CHROMIUM_JA = Path(os.environ.get("CHROMIUM_LOCALES", "/usr/lib/chromium/locales")) / "ja.pak"


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


def run_on_demo(prepare, shoot, describe) -> None:
    """Seed a throw-away SQLite database with the demo data, let `prepare()` pick (or make) what
    to show, serve it with runserver and `shoot(base, picked, out)`; prints `describe(out,
    picked)`. bin/screenshots_policy_limits.py runs the same way."""
    parser = argparse.ArgumentParser(description=(sys.modules["__main__"].__doc__ or "").strip())
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not CHROMIUM_JA.exists():
        raise SystemExit(
            f"{CHROMIUM_JA} is missing: apt-get install chromium-l10n (else Chromium draws its"
            " date and file fields in English)"
        )

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
    picked = prepare()

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
        shoot(base, picked, out)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(describe(out, picked))


def pick_claim() -> str:
    """A demo claim of alice's, still open for edits, that shows the most kinds of decision
    (covered, excluded, pending) and reasons, and has overtime waiting for evidence."""
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
            any(len(o.evidence) < 3 for o in claim.overtime_entries.all()),
            len({i.decision for i in items}),
            len({r for i in items for r in i.reasons}),
            claim.status == Claim.Status.UNDER_ASSESSMENT,
        )
        if best_score is None or score > best_score:
            best, best_score = claim, score
    if best is None:
        raise SystemExit("seed_demo made no open claim for alice")
    return best.number


def pick_approval() -> str:
    """A claim awaiting carol's approval whose overtime evidence was confirmed without a file
    (the demo's ticks have none), the one with the most such entries."""
    from django.db.models import Count

    from claims.models import Claim

    claim = (
        Claim.objects.filter(
            status=Claim.Status.AWAITING_APPROVAL,
            total_payable__lte=10_000_000,
            overtime_entries__evidence_note__gt="",
        )
        .exclude(handler__username="carol")
        .annotate(entries=Count("overtime_entries"))
        .order_by("-entries", "id")
        .first()
    )
    if claim is None:
        raise SystemExit("seed_demo made no claim awaiting approval with unfiled evidence")
    return claim.number


def prepare() -> dict:
    from claims.models import Claim, Incident

    number = pick_claim()
    claim = Claim.objects.get(number=number)
    # the overtime entry still missing a kind of evidence gets the files in the browser
    entry = min(claim.overtime_entries.all(), key=lambda o: (len(o.evidence), o.pk))
    return {
        "claim": number,
        "entry": entry.pk,
        "approval": pick_approval(),
        "incident": Incident.objects.get(provider_name="株式会社エムケイシステム").pk,
    }


def main() -> None:
    run_on_demo(
        prepare,
        shoot,
        lambda out, picked: f"wrote {', '.join(SHOTS)} in {out} ({picked})",
    )


SHOTS = [
    "queue.png",
    "claim.png",
    "claim-full.png",
    "upload-rows.png",
    "documents-per-file.png",
    "evidence-marks.png",
    "workload.png",
    "queue-zoom200.png",
    "approval-unfiled-evidence.png",
    "incident.png",
]


def launch(p):
    """Debian's Chromium, headless, with Japanese strings for its own controls."""
    return p.chromium.launch(
        executable_path=CHROMIUM,
        args=["--headless=new", "--no-sandbox", "--disable-gpu", "--lang=ja"],
        env={**os.environ, "LANG": "ja_JP.UTF-8", "LANGUAGE": "ja"},
    )


def login(browser, base, username, **context):
    """A new browser context signed in as `username` (1366×768 unless told otherwise)."""
    context = {"viewport": VIEWPORT, **context}
    page = browser.new_context(locale="ja-JP", base_url=base, **context).new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    # handlers land on the queue, supervisors on 承認待ち (claims.queue.views.home)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


# What three files an insured sends at once look like to the upload card: names it guesses
# the kind from (勤怠 → 勤怠記録, 賃金台帳 → 賃金台帳, 日報 → 業務日報).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def png() -> bytes:
    import struct
    import zlib

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


def element_box(page, selector: str) -> dict:
    """Where `selector` is on the whole page (not the window), for a full-page clip."""
    return page.evaluate(
        """(selector) => {
            const r = document.querySelector(selector).getBoundingClientRect();
            return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height};
        }""",
        selector,
    )


def shoot(base: str, picked: dict, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    number = picked["claim"]
    with sync_playwright() as p:
        browser = launch(p)
        page = login(browser, base, "alice")
        page.goto("/claims/?size=25")
        page.screenshot(path=str(out / "queue.png"))
        page.goto(f"/claims/{number}/")
        page.screenshot(path=str(out / "claim.png"))
        page.screenshot(path=str(out / "claim-full.png"), full_page=True)

        form = page.locator("form[data-upload-form]")
        files = [
            ("勤怠記録_6月.pdf", "application/pdf", PDF),
            ("賃金台帳_2023.pdf", "application/pdf", PDF),
            ("業務日報_6月.png", "image/png", png()),
        ]
        form.locator("input[name=files]").set_input_files(
            [{"name": n, "mimeType": t, "buffer": b} for n, t, b in files]
        )
        for name, _, _ in files:
            form.get_by_label(f"対象: {name}").select_option(f"o{picked['entry']}")
        form.scroll_into_view_if_needed()
        form.screenshot(path=str(out / "upload-rows.png"))
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        # whole-page clips from the top of the page: an element taller than the window, shot
        # on its own or with the page scrolled (to #documents), has the sticky header over it
        page.evaluate("window.scrollTo(0, 0)")
        for selector, name in (
            ("[data-documents-panel]", "documents-per-file.png"),
            ("#overtime", "evidence-marks.png"),
        ):
            page.screenshot(path=str(out / name), full_page=True, clip=element_box(page, selector))

        page = login(browser, base, "carol")
        page.goto("/claims/workload/")
        page.screenshot(path=str(out / "workload.png"))
        page.goto(f"/approvals/{picked['approval']}/")
        page.screenshot(path=str(out / "approval-unfiled-evidence.png"))
        page.goto(f"/incidents/{picked['incident']}/")
        page.screenshot(path=str(out / "incident.png"), full_page=True)

        page = login(browser, base, "carol", **ZOOM200)
        page.goto("/claims/?size=25")
        page.screenshot(path=str(out / "queue-zoom200.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
