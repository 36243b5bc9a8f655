"""`manage.py assess FILE|-`: claim facts as JSON in, the assessment as JSON out (RULES.md).

Limits come from the plan's row in the database (as admins last edited it) unless the input
overrides them. A database that was never migrated has no plan rows yet, only the Q6 defaults
that migrating would write: then those defaults (coverage.vocab.DEFAULT_PLANS) are used, so
the command answers on a fresh checkout. A database that cannot be reached is an error, not
a reason to guess. Bad input of any kind (unreadable file, invalid UTF-8, not JSON, a bad field)
prints nothing on stdout and exactly one line on stderr naming the field, and exits 2.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from coverage import engine
from coverage.adapters import default_plan_terms, plan_terms_by_code
from coverage.models import Plan
from coverage.validation import InputError, claim_facts_from_text

EXIT_BAD_INPUT = 2


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _fail(message: str) -> CommandError:
    return CommandError(_one_line(message), returncode=EXIT_BAD_INPUT)


class Command(BaseCommand):
    requires_system_checks = []  # warnings would add lines to stderr; assess needs none
    stealth_options = ("stdin",)
    help = "Assess claim facts (JSON from FILE, or - for standard input) and print the result."

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="a JSON file of claim facts, or -")

    def handle(self, *args, **options):
        text = self._read(options["file"], options.get("stdin"))
        try:
            facts = claim_facts_from_text(text, self._plan_lookup())
        except InputError as exc:
            where = f" at {exc.path}" if exc.path else ""
            raise _fail(f"bad input{where}: {exc.message}") from None
        except DatabaseError as exc:
            raise _fail(f"cannot read plans from the database ({exc})") from None
        result = engine.assess(facts).to_json_dict()
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _plan_lookup(self):
        """Plans from the database; the Q6 defaults if it has never been migrated.

        Lazy: input refused before its plan is looked up never touches the database.
        """
        chosen = []

        def lookup(code: str):
            if not chosen:
                migrated = Plan._meta.db_table in connection.introspection.table_names()
                chosen.append(plan_terms_by_code if migrated else default_plan_terms)
            return chosen[0](code)

        return lookup

    def _read(self, name: str, stdin=None) -> str:
        try:
            if name == "-":
                stream = stdin if stdin is not None else sys.stdin
                raw = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
            else:
                with open(name, "rb") as f:
                    raw = f.read()
        except OSError as exc:
            raise _fail(f"cannot read {name}: {exc.strerror or exc}") from None
        if isinstance(raw, str):
            return raw
        try:
            # A byte-order mark (as some Windows editors write) is allowed and dropped.
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _fail(f"bad input: not UTF-8 (byte {exc.start})") from None
