"""python manage.py detect_backtest --series FILE.csv [--threshold X --min-count N ...]

Runs the live spike detector (monitoring.detection, same code and cooldowns) over a series and
prints one JSON object per detected spike per line: start, end, score, peak, observed, expected.
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
        # Extension point: mentions of a workspace, counted per interval (not available yet).
        parser.add_argument("--mentions", type=Path, help="JSONL mentions (not available yet)")
        parser.add_argument("--workspace", help="workspace slug for --mentions")
        parser.add_argument("--config", type=Path, help="JSON file with SpikeConfig fields")
        for option, (_field, kind, text) in OVERRIDES.items():
            parser.add_argument(f"--{option.replace('_', '-')}", dest=option, type=kind, help=text)

    def handle(self, *args: Any, **options: Any) -> None:
        config = self._config(options)
        if options.get("series"):
            rows = self._rows_from_series(options["series"])
        elif options.get("mentions"):
            rows = self._rows_from_mentions(options["mentions"], options.get("workspace"))
        else:
            raise CommandError("Give --series FILE.csv.")
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

    def _rows_from_mentions(self, path: Path, workspace: str | None) -> list[Row]:
        """Count a workspace's mentions per interval (and negatives for --kind share)."""
        raise CommandError("--mentions is not available yet; use --series FILE.csv.")
