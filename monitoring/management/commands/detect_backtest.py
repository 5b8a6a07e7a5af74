"""python manage.py detect_backtest --series FILE.csv [--threshold X --min-count N ...]
   python manage.py detect_backtest --mentions FILE.jsonl --workspace SLUG

--series runs the live spike detector (monitoring.detection, same code and cooldowns) over a
series and prints one JSON object per detected spike per line: start, end, score, peak,
observed, expected. --mentions replays historical mentions through all of a workspace's rules
in simulated time (monitoring.services.backtest) and prints the alerts they would have raised.
"""

import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser

from monitoring.detection import (
    ConfigInvalid,
    SeriesInvalid,
    SpikeConfig,
    detect_series,
    parse_series_csv,
)
from monitoring.detection.series import Row
from monitoring.importing import iter_rows
from monitoring.services.backtest import rules_backtest
from workspaces.models import Workspace

# option -> SpikeConfig field; None leaves the default (or the --config file's value) in place
OVERRIDES = {
    "threshold": ("threshold", float, "score at which a spike starts (T_on)"),
    "threshold_off": ("threshold_off", float, "score below which it ends (T_off)"),
    "min_count": ("min_count", float, "minimum mentions (share: negatives) in the window"),
    "min_ratio": ("min_ratio", float, "minimum observed / expected in the window (count)"),
    "cooldown": ("cooldown_minutes", float, "minutes after a spike in which it may resume"),
    "window": ("window_minutes", float, "length of the scoring window in minutes"),
    "warmup": ("warmup_minutes", float, "minutes of history before the first alert"),
    "interval": ("interval_minutes", float, "interval in minutes (default: inferred)"),
    "timezone": ("timezone", str, "zone for time of day and day of week"),
    "kind": ("kind", str, "count (volume) or share (negatives / total: needs a total column)"),
}


class Command(BaseCommand):
    help = (
        "Backtest the spike detector on a CSV series (header timestamp,value[,total]; one row "
        "per interval). Prints one JSON object per detected spike per line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--series", type=Path, help="CSV file: timestamp,value[,total]")
        parser.add_argument(
            "--mentions", type=Path, help="JSONL mentions to replay through a workspace's rules"
        )
        parser.add_argument("--workspace", help="workspace slug for --mentions")
        parser.add_argument("--config", type=Path, help="JSON file with SpikeConfig fields")
        for option, (_field, kind, text) in OVERRIDES.items():
            parser.add_argument(f"--{option.replace('_', '-')}", dest=option, type=kind, help=text)

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("mentions") and not options.get("series"):
            self._backtest_mentions(options["mentions"], options.get("workspace"))
            return
        config = self._config(options)
        if options.get("series"):
            rows = self._rows_from_series(options["series"])
        else:
            raise CommandError("Give --series FILE.csv, or --mentions FILE.jsonl --workspace SLUG.")
        try:
            spikes = detect_series(rows, config)
        except (SeriesInvalid, ConfigInvalid) as exc:
            raise CommandError(
                f"{options.get('series') or options.get('mentions')}: {exc}"
            ) from exc
        tz = ZoneInfo(config.timezone)
        for spike in spikes:
            self.stdout.write(json.dumps(spike.to_dict(tz)))

    def _config(self, options: dict[str, Any]) -> SpikeConfig:
        try:
            base = SpikeConfig()
            if options.get("config"):
                data = json.loads(options["config"].read_text(encoding="utf-8"))
                base = SpikeConfig.from_dict(data)
            overrides = {field: options.get(opt) for opt, (field, _k, _t) in OVERRIDES.items()}
            return base.with_overrides(**overrides)
        except (OSError, ValueError) as exc:  # ConfigInvalid and JSONDecodeError are ValueErrors
            raise CommandError(f"Bad detector config: {exc}") from exc

    def _rows_from_series(self, path: Path) -> list[Row]:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            return parse_series_csv(text)
        except SeriesInvalid as exc:
            raise CommandError(f"{path}: {exc}") from exc

    def _backtest_mentions(self, path: Path, slug: str | None) -> None:
        """Replay mentions through all the workspace's enabled rules in simulated time and
        print the alerts they would have raised (nothing is stored)."""
        if not slug:
            raise CommandError("--mentions needs --workspace SLUG.")
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"No workspace with slug {slug!r}.")
        try:
            with path.open(encoding="utf-8-sig") as stream:
                rows = list(iter_rows(stream, fmt="jsonl", platform="import"))
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        posts = [row.post for row in rows if row.post is not None]
        for row in rows:
            if row.post is None:
                self.stderr.write(f"skipped {row.error}")
        if not posts:
            raise CommandError(f"{path}: no valid mentions.")
        for alert in rules_backtest(workspace=workspace, posts=posts):
            self.stdout.write(json.dumps(alert.as_dict(), ensure_ascii=False))
