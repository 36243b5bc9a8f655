"""`/healthz`: is this process able to serve? Checks the database and (when configured) Redis.

Answers JSON, 200 when every check passes and 503 otherwise, with each check's result and
time; never needs a login and never shows a secret (no URLs, no passwords). Also a small
command line for the entry scripts and container health checks:

    python -m claimsdesk.health --wait-db 60          # wait until the database answers
    python -m claimsdesk.health --probe URL           # exit 0 when URL answers 200
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_redis() -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        if not client.ping():
            raise RuntimeError("no PONG")
    finally:
        client.close()


def run_checks() -> tuple[bool, dict]:
    checks = {"database": check_database}
    if settings.REDIS_URL:
        checks["redis"] = check_redis
    results = {}
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # any failure is "not healthy", whatever its kind
            results[name] = {"ok": False, "error": type(exc).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    if not settings.REDIS_URL:
        results["redis"] = {"ok": True, "skipped": "REDIS_URL not set: tasks run eagerly"}
    return all(r["ok"] for r in results.values()), results


@never_cache
@require_GET
def healthz(request):
    ok, checks = run_checks()
    return JsonResponse(
        {"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503
    )


def wait_for_database(timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            check_database()
            return
        except Exception as exc:
            connections["default"].close()
            if time.monotonic() > deadline:
                raise SystemExit(f"database not reachable after {timeout:.0f}s: {exc}") from exc
            print(f"waiting for the database ({type(exc).__name__})", flush=True)
            time.sleep(1)


def probe(url: str, timeout: float = 5) -> int:
    """GET url as the first allowed host over (proxied) https; 0 when it answers 200."""
    import os
    import urllib.error
    import urllib.request

    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = next((h.lstrip(".") for h in hosts if h != "*"), "localhost")
    request = urllib.request.Request(  # noqa: S310 (a URL the operator gives)
        url, headers={"Host": host, "X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            print(response.read().decode())
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as exc:
        print(exc.code, exc.read().decode()[:500])
    except OSError as exc:
        print(f"unreachable: {exc}")
    return 1


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m claimsdesk.health")
    parser.add_argument("--wait-db", type=float, metavar="SECONDS")
    parser.add_argument("--probe", metavar="URL")
    args = parser.parse_args(argv)
    if args.probe:
        return probe(args.probe)
    if args.wait_db is not None:
        import django

        django.setup()
        wait_for_database(args.wait_db)
    return 0


if __name__ == "__main__":
    import os
    import sys

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimsdesk.settings")
    sys.exit(main())
