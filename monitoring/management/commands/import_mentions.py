"""python manage.py import_mentions FILE --workspace SLUG [--platform P]"""

import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from monitoring.importing import RowInvalid, count_rows, detect_format
from monitoring.models import Platform
from monitoring.services import mentions_import_stream
from monitoring.services.imports import ImportProgress
from workspaces.models import Workspace


def _plain(text: str) -> str:
    return text


def _bar(progress: ImportProgress, width: int = 30) -> str:
    share = progress.processed / progress.total if progress.total else 1.0
    filled = int(width * min(share, 1.0))
    return (
        f"\r[{'#' * filled}{'-' * (width - filled)}] {share:6.1%} "
        f"{progress.processed:,}/{progress.total:,}  new {progress.new:,}  "
        f"duplicates {progress.duplicates:,}  failed {progress.failed:,}"
    )


class Command(BaseCommand):
    help = (
        "Import mentions from a JSONL or CSV file (columns at least id, text, author, "
        "created_at). Re-importing the same file creates no duplicates."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--workspace", required=True, help="workspace slug")
        parser.add_argument(
            "--platform",
            default="import",
            choices=[c for c, _label in Platform.choices],
            help="platform of rows that do not name one (default: import)",
        )
        parser.add_argument("--format", choices=["jsonl", "csv"], help="default: from the name")

    def handle(self, *args, file: Path, workspace: str, platform: str, **options) -> None:
        ws = Workspace.objects.filter(slug=workspace).first()
        if ws is None:
            raise CommandError(f"No workspace with slug {workspace!r}.")
        try:
            data = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        fmt = options.get("format") or detect_format(file.name, data[:100])
        total = count_rows(data, fmt)
        show = self.stderr.isatty() or options.get("verbosity", 1) > 1

        def on_progress(progress: ImportProgress) -> None:
            if show:
                # stderr keeps the terminal free for stdout's summary; the bar is no error.
                self.stderr.write(_bar(progress), style_func=_plain, ending="")

        try:
            result = mentions_import_stream(
                workspace_id=ws.pk,
                stream=io.StringIO(data),
                fmt=fmt,
                platform=platform,
                total=total,
                on_progress=on_progress,
            )
        except RowInvalid as exc:
            raise CommandError(f"{file}: {exc}") from exc
        if show:
            self.stderr.write("", style_func=_plain)
        self.stdout.write(
            f"Imported {result.processed:,} rows into '{ws.slug}': {result.new:,} new, "
            f"{result.duplicates:,} already present, {result.failed:,} failed"
            + (" (see dead letters)." if result.failed else ".")
        )
        if result.differing:
            self.stdout.write(
                f"{result.differing:,} of the rows already present have another text than the "
                "stored mention; the stored one was kept."
            )
