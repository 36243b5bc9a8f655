"""`manage.py import_claims FILE`: bulk import of accident reports with their items.

CSV (one row per item) or JSON Lines (one claim per line), by the file's extension; the
column set is in docs/import.md. Every row is validated before anything is written, and the
file is imported in one transaction: one error anywhere and nothing is imported (each error
is reported with its line and column; --skip-invalid imports the valid claims instead).
--dry-run runs the same validation and writes, then rolls back. Claims whose external_ref is already in the database are skipped, so
running the same file twice creates nothing new. Exit status 1 when any claim was refused.
"""

import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from claims.imports import importer


class Command(BaseCommand):
    help = "Import accident reports (claims) with their items from CSV or JSON Lines."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="a .csv or .jsonl file (docs/import.md)")
        parser.add_argument(
            "--by",
            required=True,
            help="username recorded as the claims' creator (登録者) and in their history",
        )
        parser.add_argument("--batch-size", type=int, default=1000, help="claims per batch")
        parser.add_argument(
            "--atomic",
            action="store_true",
            help="(the default) import nothing unless every claim of the file is valid",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid claims and report the others (not all or nothing)",
        )
        parser.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, file: Path, by: str, batch_size: int, **options):
        user = get_user_model().objects.filter(username=by, is_active=True).first()
        if user is None:
            raise CommandError(f"--by: ユーザー「{by}」がいません。")
        if batch_size < 1:
            raise CommandError("--batch-size は 1 以上にしてください。")
        if not file.is_file():
            raise CommandError(f"ファイル {file} がありません。")
        started = time.monotonic()
        try:
            records = importer.read_records(file)
        except importer.ImportFileError as exc:
            raise CommandError(str(exc)) from exc

        progress = None if options["no_progress"] else ProgressBar(self.stderr._out)
        try:
            summary = importer.import_records(
                records,
                by=user,
                batch_size=batch_size,
                skip_invalid=options["skip_invalid"],
                dry_run=options["dry_run"],
                progress=progress,
                waiting=lambda: self.stderr.write(
                    "別の import_claims が実行中です。終わるまで待ってから検証します。"
                ),
            )
        except importer.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        if progress:
            progress.finish()
        for error in summary.errors:
            self.stderr.write(str(error))
        elapsed = time.monotonic() - started
        verb = "検証のみ" if options["dry_run"] else "取込"
        self.stdout.write(
            f"{verb}: {summary.records} 件中 新規 {summary.created} 件, "
            f"取込済みのため省略 {summary.existing} 件, エラーで除外 {summary.rejected} 件 "
            f"({elapsed:.1f} 秒)"
        )
        if summary.rejected:
            if options["skip_invalid"]:
                raise CommandError(
                    f"{summary.rejected} 件の事故にエラーがあり、取り込みませんでした。"
                )
            raise CommandError(
                f"{summary.rejected} 件の事故にエラーがあるため、ファイルの事故を1件も取り込みませんでした"
                " (全件取込か取込なし; エラーのない事故だけ取り込むには --skip-invalid)。"
            )


class ProgressBar:
    """A plain text bar on stderr: redrawn in place on a terminal, one line per batch otherwise."""

    width = 30

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started = time.monotonic()

    def __call__(self, done: int, total: int):
        filled = self.width * done // total if total else self.width
        rate = done / max(time.monotonic() - self.started, 1e-6)
        bar = f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} 件 ({rate:.0f} 件/秒)"
        if self.tty:
            self.stream.write("\r" + bar)
        else:
            self.stream.write(bar + "\n")
        self.stream.flush()

    def finish(self):
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
