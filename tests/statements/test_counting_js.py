"""The editor's counter (static/js/statement_counting.js) agrees with statements/counting.py,
run in Chromium over the same table and on thread suggestions."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from statements.counting import platform_length, thread_split
from tests.statements.counting_cases import CASES

SCRIPT = Path(__file__).resolve().parents[2] / "static" / "js" / "statement_counting.js"
THREAD_TEXTS = [
    ("x", " ".join(f"Zin {i}: de app van Bank Noord werkt nog niet. 👍🏽" for i in range(25))),
    ("bluesky", " ".join(["woord"] * 200)),
    ("mastodon", "Update. " * 90),
]


@pytest.fixture(scope="module")
def page():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.set_content("<html><body></body></html>")
        page.add_script_tag(path=str(SCRIPT))
        yield page
        browser.close()


def test_js_counter_agrees_with_python_on_the_table(page):
    js = page.evaluate(
        "cases => cases.map(c => window.StatementCounting.platformLength(c[0], c[1]))",
        [[platform, text] for platform, text, _ in CASES],
    )
    python = [platform_length(platform, text) for platform, text, _ in CASES]
    expected = [expected for *_, expected in CASES]
    assert js == python == expected, json.dumps(
        [(*c[:2], j, p) for c, j, p in zip(CASES, js, python, strict=True) if j != p]
    )


def test_js_thread_split_agrees_with_python(page):
    js = page.evaluate(
        "cases => cases.map(c => window.StatementCounting.threadSplit(c[0], c[1]))",
        [list(case) for case in THREAD_TEXTS],
    )
    assert js == [thread_split(platform, text) for platform, text in THREAD_TEXTS]
    assert all(len(parts) > 1 for parts in js)
