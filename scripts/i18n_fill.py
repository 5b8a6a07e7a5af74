"""Fill Dutch translations into locale/nl and keep locale/en empty, then compile both.

Usage: python scripts/i18n_fill.py [TRANSLATIONS.json ...]
Each JSON file maps msgid -> Dutch text (for plurals: msgid -> [singular, plural]).
Run after `makemessages`; prints the msgids that still lack a Dutch translation and exits 1
if any remain. Fuzzy guesses from makemessages are dropped, never kept.
"""

import json
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main(paths: list[str]) -> int:
    given: dict = {}
    for path in paths:
        given.update(json.loads(Path(path).read_text(encoding="utf-8")))
    nl = polib.pofile(str(ROOT / "locale/nl/LC_MESSAGES/django.po"))
    missing = []
    for entry in nl:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
            entry.msgstr = ""
            if entry.msgid_plural:
                entry.msgstr_plural = {0: "", 1: ""}
        if entry.msgid in given:
            value = given[entry.msgid]
            if entry.msgid_plural:
                entry.msgstr_plural = {0: value[0], 1: value[1]}
            else:
                entry.msgstr = value
        done = all(entry.msgstr_plural.values()) if entry.msgid_plural else bool(entry.msgstr)
        if not done:
            missing.append(entry.msgid)
    nl[:] = [e for e in nl if not e.obsolete]
    nl.save()
    en = polib.pofile(str(ROOT / "locale/en/LC_MESSAGES/django.po"))
    for entry in en:
        entry.flags = [f for f in entry.flags if f != "fuzzy"]
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        entry.msgstr = ""
        if entry.msgid_plural:
            entry.msgstr_plural = {0: "", 1: ""}
    en[:] = [e for e in en if not e.obsolete]
    en.save()
    for lang in ("nl", "en"):
        base = ROOT / f"locale/{lang}/LC_MESSAGES/django"
        subprocess.run(["msgfmt", "--check", "-o", f"{base}.mo", f"{base}.po"], check=True)
    for msgid in missing:
        print("missing nl:", repr(msgid))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
