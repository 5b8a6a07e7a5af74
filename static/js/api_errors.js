/* Readable text for an API error body, for any page's feedback line (text only, never HTML).
 * DRF answers {"detail": "..."} or field errors nested to any depth:
 * {"minutes": {"1": ["..."]}} -> "minutes › 1: ...". Keys are shown as given: a digit key
 * may be a list position or a real key (a severity), so it is not renumbered. */
(function () {
  "use strict";
  const PLAIN_KEYS = new Set(["detail", "non_field_errors"]);
  window.crisisErrorText = function (body) {
    // A domain error says it in one sentence; what it adds beside it only repeats that.
    if (body && typeof body.detail === "string") return body.detail;
    const parts = [];
    (function walk(value, path) {
      if (value === null || value === undefined) return;
      if (Array.isArray(value)) { value.forEach((item) => walk(item, path)); return; }
      if (typeof value === "object") {
        for (const [key, item] of Object.entries(value)) walk(item, PLAIN_KEYS.has(key) ? path : [...path, key]);
        return;
      }
      parts.push((path.length ? path.join(" › ") + ": " : "") + String(value));
    })(body, []);
    return parts.join("; ");
  };
})();
