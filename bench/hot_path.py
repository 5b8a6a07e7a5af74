"""Microseconds per call of the per-post text work in ingest: `fold`, the compiled watch-term
matcher (`compile_matcher` on bench/ingest.py's 15 WATCH_TERMS) and `detect_language`.

    .venv/bin/python bench/hot_path.py [--posts 20000] [--repeat 5]

Texts: bench/ingest.py's generated posts (fixed seed; emoji in about half of them) and the
labelled sample texts in bench/data/*.tsv. Single process, the least CPU time of `--repeat`
passes (less disturbed than wall time on a shared machine); the load average is printed with
the figures. Exits 1 when the matcher's result differs from `matching_terms` (the plain
reference) on any of the texts. No database is touched.
"""

import argparse
import csv
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crisiscenter.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")

from bench.ingest import WATCH_TERMS, make_pages  # noqa: E402 - sets Django up
from monitoring.query import compile_matcher, fold, matching_terms, parse_query  # noqa: E402
from monitoring.sentiment import detect_language  # noqa: E402


def sample_texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "bench" / "data").glob("*.tsv")):
        with path.open(encoding="utf-8") as f:
            rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
        if path.name == "xed_en_windows.tsv":  # no header, the text first
            texts += [row[0] for row in rows if row]
        else:  # a header, the text last
            texts += [row[-1] for row in rows[1:] if row]
    return texts


def per_call(fn, texts: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for text in texts:
            fn(text)
        best = min(best, time.process_time() - start)
    return best / len(texts) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    pages, _, _ = make_pages(0, "reddit", args.posts)
    sets = {"generated": [p.text for page in pages for p in page], "bench/data": sample_texts()}
    queries = {pk: parse_query(q) for pk, q in enumerate(WATCH_TERMS, 1)}
    matching = compile_matcher(queries)
    print(f"load average {os.getloadavg()[0]:.2f}")
    failed = False
    for name, texts in sets.items():
        wrong = sum(matching(t) != matching_terms(queries, t) for t in texts)
        failed |= wrong > 0
        figures = ", ".join(
            f"{label} {per_call(fn, texts, args.repeat):.2f} µs"
            for label, fn in (("fold", fold), ("matching", matching), ("detect", detect_language))
        )
        print(f"{name} ({len(texts)} texts): {figures}; matcher differs on {wrong}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
