/* Readable text for an API error body, for any page's feedback line (text only, never HTML).
 * DRF answers {"detail": "..."} or field errors nested to any depth:
 * {"minutes": {"1": ["..."]}} -> "minutes › 1: ...". */
(function () {
  "use strict";
  const PLAIN_KEYS = new Set(["detail", "non_field_errors"]);
  window.crisisErrorText = function (body) {
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
