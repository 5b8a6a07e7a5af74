"""Build nl_vader_lexicon.tsv: LUPJE + CLiPS Pattern Dutch adjectives on VADER's -4..+4 scale.

    .venv/bin/python monitoring/lexicons/build_nl_lexicon.py [path/to/nl-sentiment.xml]

- LUPJE (AFINN-style integers -5..+5, word forms from tweets): valence x 0.8.
- Pattern (PDDL; polarity -1..+1 per adjective sense): mean polarity over a form's senses, as
  Pattern itself does, x 4. Forms whose mean is within MIN_POLARITY of zero are left out: they
  are mostly inferred, near-neutral senses, and in VADER any non-zero word tips a short text
  over the +-0.05 threshold. Attributive (-e), comparative and superlative forms are generated
  for Pattern adjectives, since Pattern lists lemmas and tweets use inflected forms.
- Where both hold a form, LUPJE wins: it was scored per form, on tweets, by hand.
Editorial corrections live in nl_overrides.tsv and are applied at load time, not here.
"""

import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
PATTERN_XML = Path("/work/shared/data/dutch-pattern-lexicon/nl-sentiment.xml")
LUPJE_SCALE = 0.8
PATTERN_SCALE = 4.0
MIN_POLARITY = 0.1
VOWELS = "aeiouy"
DIGRAPHS = ("aa", "ee", "oo", "uu", "ie", "ij", "ei", "ui", "ou", "au", "eu", "oe")
UNSTRESSED = ("ig", "lijk", "isch", "el", "er", "em", "en", "erd", "ing")


def read_lupje(path: Path) -> dict[str, float]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, value = line.partition("\t")
        if word.strip() and value.strip():
            out[word.strip().lower()] = float(value) * LUPJE_SCALE
    return out


def read_pattern(path: Path) -> dict[str, float]:
    senses: dict[str, list[float]] = defaultdict(list)
    for node in ET.parse(path).getroot().iter("word"):  # noqa: S314 - trusted local file
        form = node.get("form", "").strip().lower()
        if form and " " not in form:
            senses[form].append(float(node.get("polarity", "0")))
    return {form: sum(p) / len(p) for form, p in senses.items()}


def _split_tail(word: str) -> tuple[str, str, str]:
    """(head, last vowel group, final consonants), e.g. groot -> (gr, oo, t)."""
    i = len(word)
    while i and word[i - 1] not in VOWELS:
        i -= 1
    j = i
    while j and word[j - 1] in VOWELS:
        j -= 1
    vowel = word[j:i]
    if word[i : i + 1] == "j" and vowel.endswith("i"):  # the ij digraph
        vowel, i = vowel + "j", i + 1
    return word[:j], vowel, word[i:]


def attributive(word: str) -> str | None:
    """The -e form of a Dutch adjective (groot -> grote, dik -> dikke, lief -> lieve)."""
    head, vowel, tail = _split_tail(word)
    if word.endswith("isch"):
        return word + "e"
    # Forms in -e and participles in unstressed -en (gesloten, open) do not inflect.
    if not vowel or not word.isalpha() or word.endswith("e") or (vowel, tail) == ("e", "n"):
        return None
    soft = {"f": "v", "s": "z"}
    if len(tail) == 1 and vowel in ("aa", "ee", "oo", "uu"):
        return head + vowel[0] + soft.get(tail, tail) + "e"
    if len(tail) == 1 and vowel in DIGRAPHS:
        return head + vowel + soft.get(tail, tail) + "e"
    monosyllable = not any(ch in VOWELS for ch in head)
    short = len(tail) == 1 and len(vowel) == 1 and tail not in "wx"
    if short and (monosyllable or not word.endswith(UNSTRESSED)):
        return word + tail + "e"
    return word + "e"


def inflections(word: str) -> list[str]:
    """Attributive, comparative and superlative forms; unsure forms are simply not matched."""
    attr = attributive(word)
    if attr is None:
        return []
    forms = [attr, word + "der" if word.endswith("r") else attr + "r"]
    if not word.endswith(("s", "st", "sch", "isch")):
        forms += [word + "st", word + "ste"]
    return forms


def build(lupje: dict[str, float], pattern: dict[str, float]) -> dict[str, tuple[float, str]]:
    out = {word: (value, "lupje") for word, value in lupje.items()}
    polar = {f: p for f, p in pattern.items() if abs(p) >= MIN_POLARITY}
    for form, pol in polar.items():
        out.setdefault(form, (pol * PATTERN_SCALE, "pattern"))
    for form, pol in polar.items():
        for inflected in inflections(form):
            if inflected not in pattern:
                out.setdefault(inflected, (pol * PATTERN_SCALE, "pattern-inflected"))
    return out


def main() -> None:
    xml = Path(sys.argv[1]) if len(sys.argv) > 1 else PATTERN_XML
    lexicon = build(read_lupje(HERE / "LUPJE.txt"), read_pattern(xml))
    lines = [f"{w}\t{v:.2f}\t{src}" for w, (v, src) in sorted(lexicon.items()) if round(v, 2)]
    (HERE / "nl_vader_lexicon.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    sys.stdout.write(f"nl_vader_lexicon.tsv: {len(lines)} entries\n")


if __name__ == "__main__":
    main()
