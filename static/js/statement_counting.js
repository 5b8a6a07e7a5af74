/* How each platform counts a text: the browser twin of statements/counting.py.
   Keep both in step: tests/statements/test_counting_js.py runs the same table through both. */
(function (root) {
  "use strict";
  var URL_WEIGHT = 23;
  var X_LIGHT_RANGES = [[0, 4351], [8192, 8205], [8208, 8223], [8242, 8247]];
  var URL_RE = /(?:https?:\/\/|www\.)[^\s<>"]+/gi;
  var URL_TRAILING = ".,;:!?)]}'\"";
  var MASTODON_MENTION_RE = /(?<![\p{L}\p{N}_@])(@[\p{L}\p{N}_]+)@[\p{L}\p{N}_.-]+[\p{L}\p{N}_]/gu;
  var EMOJI_RE = /\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|\u20E3|\p{Regional_Indicator}/u;
  var LIMITS = {
    x: 280, bluesky: 300, mastodon: 500, linkedin: 3000, instagram: 2200, facebook: 63206,
    website: null, press_release: null
  };
  var segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

  function graphemes(text) {
    var out = [];
    for (var s of segmenter.segment(text)) out.push(s.segment);
    return out;
  }

  function urlSpans(text) {
    var spans = [], m;
    URL_RE.lastIndex = 0;
    while ((m = URL_RE.exec(text)) !== null) {
      var start = m.index, end = m.index + m[0].length;
      while (end > start && URL_TRAILING.indexOf(text[end - 1]) !== -1) end -= 1;
      spans.push([start, end]);
    }
    return spans;
  }

  function splitUrls(text) {
    var pieces = [], last = 0, spans = urlSpans(text);
    spans.forEach(function (s) { pieces.push(text.slice(last, s[0])); last = s[1]; });
    pieces.push(text.slice(last));
    return { pieces: pieces, urls: spans.length };
  }

  function codePointWeight(cp) {
    for (var i = 0; i < X_LIGHT_RANGES.length; i++) {
      if (cp >= X_LIGHT_RANGES[i][0] && cp <= X_LIGHT_RANGES[i][1]) return 1;
    }
    return 2;
  }

  function xWeightedLength(text) {
    var split = splitUrls(text.normalize("NFC"));
    var total = split.urls * URL_WEIGHT;
    split.pieces.forEach(function (piece) {
      graphemes(piece).forEach(function (cluster) {
        if (EMOJI_RE.test(cluster)) { total += 2; return; }
        for (var ch of cluster) total += codePointWeight(ch.codePointAt(0));
      });
    });
    return total;
  }

  function graphemeLength(text) { return graphemes(text).length; }

  function mastodonLength(text) {
    var split = splitUrls(text);
    var total = split.urls * URL_WEIGHT;
    split.pieces.forEach(function (piece) {
      total += graphemeLength(piece.replace(MASTODON_MENTION_RE, "$1"));
    });
    return total;
  }

  function platformLength(platform, text) {
    if (platform === "x") return xWeightedLength(text);
    if (platform === "bluesky") return graphemeLength(text);
    if (platform === "mastodon") return mastodonLength(text);
    return Array.from(text).length;
  }

  function units(text) {
    var out = [];
    text.trim().split(/\n\s*\n/).forEach(function (para) {
      para.split(/(?<=[.!?…])\s+/).forEach(function (s) { if (s.trim()) out.push(s.trim()); });
    });
    return out;
  }

  function fitWords(sentence, fits) {
    var parts = [], current = "";
    sentence.split(/\s+/).filter(Boolean).forEach(function (word) {
      var candidate = (current + " " + word).trim();
      if (current && !fits(candidate)) { parts.push(current); current = word; }
      else current = candidate;
    });
    if (current) parts.push(current);
    return parts;
  }

  function pack(list, fits) {
    var parts = [], current = "";
    list.forEach(function (unit) {
      var candidate = (current + " " + unit).trim();
      if (fits(candidate)) { current = candidate; return; }
      if (current) parts.push(current);
      if (fits(unit)) { current = unit; return; }
      var pieces = fitWords(unit, fits);
      current = pieces.pop();
      parts.push.apply(parts, pieces);
    });
    if (current) parts.push(current);
    return parts;
  }

  function threadSplit(platform, text) {
    var maximum = LIMITS[platform];
    if (maximum === null || platformLength(platform, text) <= maximum) return [text];
    var list = units(text), total = 2, parts = [];
    for (var attempt = 0; attempt < 5; attempt++) {
      var suffix = " " + total + "/" + total;
      parts = pack(list, function (c) { return platformLength(platform, c + suffix) <= maximum; });
      if (parts.length <= total || String(parts.length).length === String(total).length) break;
      total = parts.length;
    }
    return parts.map(function (p, i) { return p + " " + (i + 1) + "/" + parts.length; });
  }

  root.StatementCounting = {
    LIMITS: LIMITS, xWeightedLength: xWeightedLength, graphemeLength: graphemeLength,
    mastodonLength: mastodonLength, platformLength: platformLength, threadSplit: threadSplit
  };
})(window);
