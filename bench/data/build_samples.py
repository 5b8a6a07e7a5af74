"""Rebuild the XED-derived labelled samples in bench/data/ (see SOURCE.md).

    .venv/bin/python bench/data/build_samples.py [path/to/nl-projections.tsv]

XED labels are Plutchik emotions: 1 anger, 2 anticipation, 3 disgust, 4 fear, 5 joy, 6 sadness,
7 surprise, 8 trust. joy/trust -> positive, anger/disgust/fear/sadness -> negative; anticipation
and surprise carry no polarity and are ignored; lines with both polarities or neither are dropped.
"""

import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NL_SOURCE = Path("/work/shared/data/dutch-xed-emotions/nl-projections.tsv")
SEED = 20240611
PER_CLASS = 500
POSITIVE = {5, 8}
NEGATIVE = {1, 3, 4, 6}


def polarity(labels: str) -> str | None:
    codes = {int(c) for c in labels.split(",") if c.strip()}
    pos, neg = bool(codes & POSITIVE), bool(codes & NEGATIVE)
    if pos == neg:
        return None
    return "positive" if pos else "negative"


def read_xed(path: Path) -> list[tuple[str, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text, _, labels = line.partition("\t")
        label = polarity(labels)
        if label and text.strip():
            rows.append((label, labels.replace(" ", ""), text.strip()))
    return rows


def write(path: Path, rows: list[tuple[str, str, str]]) -> None:
    lines = ["label\temotions\ttext", *("\t".join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{path.name}: {len(rows)} rows")


def main() -> None:
    nl_rows = read_xed(Path(sys.argv[1]) if len(sys.argv) > 1 else NL_SOURCE)
    rng = random.Random(SEED)
    test: set[int] = set()
    for label in ("positive", "negative"):
        indices = [i for i, row in enumerate(nl_rows) if row[0] == label]
        test.update(rng.sample(indices, PER_CLASS))
    # Source order is kept in both files; the dev rows were used to tune, the test rows not.
    write(HERE / "xed_nl_test.tsv", [row for i, row in enumerate(nl_rows) if i in test])
    write(HERE / "xed_nl_dev.tsv", [row for i, row in enumerate(nl_rows) if i not in test])
    write(HERE / "xed_en_sample.tsv", read_xed(HERE / "xed_en_windows.tsv"))


if __name__ == "__main__":
    main()
