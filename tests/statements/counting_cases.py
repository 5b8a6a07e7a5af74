"""The shared table: (platform, text, expected length), checked against Python and the JS twin.

Expected values follow the platforms' published rules (twitter-text v3 weights, grapheme
clusters for Bluesky, URLs as 23 for X and Mastodon)."""

CASES = [
    ("x", "", 0),
    ("x", "Hallo", 5),
    ("x", "café", 4),  # precomposed é: one code point
    ("x", "cafe\u0301", 4),  # e + combining acute: NFC makes it one code point
    ("x", "q\u0303", 2),  # q + combining tilde (no precomposed form): two light code points
    ("x", "中文字", 6),  # CJK: weight 2 each
    ("x", "こんにちは", 10),
    ("x", "한국", 4),
    ("x", "👍", 2),
    ("x", "👍🏽", 2),  # skin tone modifier: one emoji sequence
    ("x", "👨\u200d👩\u200d👧\u200d👦", 2),  # ZWJ family: one emoji sequence
    ("x", "🇳🇱", 2),  # flag: regional indicator pair
    ("x", "1\ufe0f\u20e3", 2),  # keycap sequence
    ("x", "©", 1),  # text-style copyright sign: a light code point, not an emoji
    ("x", "Zie https://banknoord.example/status/storing-app-2026?ref=x", 27),
    ("x", "Zie www.banknoord.example.", 28),  # trailing full stop is not part of the URL
    ("x", "a\u2014b", 3),  # em dash U+2014 (8212) weighs 1
    ("x", "\u2030", 2),  # per mille U+2030 (8240) is outside the light ranges
    ("x", "\u2033", 1),  # double prime U+2033 (8243) is inside 8242-8247
    ("bluesky", "Hallo", 5),
    ("bluesky", "👨\u200d👩\u200d👧\u200d👦 en 🇳🇱", 6),
    ("bluesky", "cafe\u0301", 4),
    ("bluesky", "中文", 2),
    ("bluesky", "https://banknoord.example/a", 27),  # Bluesky counts the URL as written
    ("mastodon", "Zie https://banknoord.example/een/heel/lange/link/naar/de/status", 27),
    ("mastodon", "Hoi @support@mastodon.example!", 13),  # remote mention counts as @support
    ("mastodon", "👍🏽 ok", 4),
    ("linkedin", "Hallo wereld", 12),
    ("instagram", "👍", 1),
    ("website", "x" * 5000, 5000),
]
