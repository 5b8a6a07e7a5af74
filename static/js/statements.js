/* Statements page: variant tabs, live counters (statement_counting.js), preview with the
   placeholders filled, tone warnings (server analysis, debounced), the approval actions with a
   password prompt, and the reaction chart, refreshed live over the workspace websocket.
   Every user text reaches the DOM through textContent only. */
(function () {
  "use strict";
  var page = document.getElementById("statements-page");
  if (!page) return;
  var S = {};
  var rawStrings = document.getElementById("st-strings").dataset;
  Object.keys(rawStrings).forEach(function (k) {
    S[k.charAt(3).toLowerCase() + k.slice(4)] = rawStrings[k]; // strNoLimit -> noLimit
  });
  var C = window.StatementCounting;
  var incidentId = page.dataset.incident;
  var statementId = page.dataset.statement;
  var feedback = document.getElementById("st-feedback");
  var PLACEHOLDER_RE = /\{\{|\}\}|\{([^{}\s]{1,40})\}/g;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  var busy = false; // our own action is under way: it reloads the page itself
  function api(method, url, body) {
    if (method !== "GET" && url.indexOf("/analyse/") === -1) busy = true;
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { busy = false; var err = new Error(describe(data)); err.status = r.status; err.data = data; throw err; }
        return data;
      });
    });
  }
  function describe(data) {
    if (!data || typeof data !== "object") return S.error;
    if (data.detail) return String(data.detail);
    return Object.keys(data).map(function (k) {
      var v = data[k]; return k + ": " + (Array.isArray(v) ? v.join(" ") : String(v));
    }).join("; ") || S.error;
  }
  function say(text, isError) {
    feedback.textContent = text;
    feedback.classList.toggle("error", !!isError);
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  /* New statement */
  var newForm = document.getElementById("st-new");
  // A template brings its language: the statement's language follows the chosen template.
  if (newForm) newForm.elements.template.addEventListener("change", function () {
    var option = newForm.elements.template.selectedOptions[0];
    if (option && option.dataset.language) newForm.elements.language.value = option.dataset.language;
  });
  if (newForm) newForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = new FormData(newForm);
    var body = { incident: Number(incidentId), title: f.get("title"), language: f.get("language") };
    if (f.get("template")) body.template = Number(f.get("template"));
    api("POST", "/api/statements/", body).then(function (st) {
      location.href = "?statement=" + st.id;
    }).catch(function (e) { say(e.message, true); });
  });

  var pending = sessionStorage.getItem("st-feedback");
  if (pending) { say(pending); sessionStorage.removeItem("st-feedback"); }

  if (!statementId) { loadReactions(); connect(); return; }

  /* Editor state */
  var variants = JSON.parse(document.getElementById("st-variants").textContent) || {};
  var values = JSON.parse(document.getElementById("st-values").textContent) || {};
  var channel = "x";
  var textArea = document.getElementById("st-text");
  var tabs = Array.prototype.slice.call(document.querySelectorAll(".st-tabs [role=tab]"));
  var valueFields = Array.prototype.slice.call(document.querySelectorAll("[data-placeholder]"));
  var dirty = false;

  valueFields.forEach(function (field) {
    field.value = values[field.dataset.placeholder] || "";
    field.addEventListener("input", function () {
      values[field.dataset.placeholder] = field.value; dirty = true; refresh();
    });
  });

  function render(text) {
    return text.replace(PLACEHOLDER_RE, function (token, name) {
      if (!name) return token;
      var value = (values[name] || "").trim();
      return value ? value : token;
    });
  }
  function unfilledIn(text) {
    var names = [], m;
    PLACEHOLDER_RE.lastIndex = 0;
    while ((m = PLACEHOLDER_RE.exec(text)) !== null) if (m[1] && names.indexOf(m[1]) === -1) names.push(m[1]);
    return names;
  }
  function finalise(text) { return text.replace(/\{\{/g, "{").replace(/\}\}/g, "}"); }

  function selectTab(code) {
    channel = code;
    tabs.forEach(function (t) { t.setAttribute("aria-selected", t.dataset.channel === code ? "true" : "false"); t.tabIndex = t.dataset.channel === code ? 0 : -1; });
    textArea.value = variants[code] || "";
    refresh();
  }
  tabs.forEach(function (tab, i) {
    tab.addEventListener("click", function () { selectTab(tab.dataset.channel); });
    tab.addEventListener("keydown", function (ev) {
      var next = ev.key === "ArrowRight" ? i + 1 : ev.key === "ArrowLeft" ? i - 1 : null;
      if (next === null) return;
      var target = tabs[(next + tabs.length) % tabs.length];
      target.focus(); selectTab(target.dataset.channel);
    });
  });
  textArea.addEventListener("input", function () { variants[channel] = textArea.value; dirty = true; refresh(); });

  function countLabel(code, text) {
    var length = C.platformLength(code, text), max = C.LIMITS[code];
    return { length: length, max: max, over: max !== null && length > max };
  }
  function updateTabCounts() {
    tabs.forEach(function (tab) {
      var code = tab.dataset.channel, text = finalise(render(variants[code] || ""));
      var c = countLabel(code, text), badge = tab.querySelector("[data-count-for]");
      badge.textContent = c.max === null ? String(c.length) : c.length + "/" + c.max;
      tab.classList.toggle("over", c.over);
    });
  }

  var analyseTimer = null;
  function refresh() {
    var rendered = render(textArea.value), text = finalise(rendered);
    var c = countLabel(channel, text);
    var counter = document.getElementById("st-counter");
    counter.textContent = c.max === null ? c.length + " (" + S.noLimit + ")" : c.length + " / " + c.max + (c.over ? " — " + S.over : "");
    counter.classList.toggle("over", c.over);
    var preview = document.getElementById("st-preview");
    preview.textContent = text;
    var missing = unfilledIn(rendered), unfilled = document.getElementById("st-unfilled");
    unfilled.hidden = missing.length === 0;
    unfilled.textContent = S.unfilled + " " + missing.join(", ");
    var thread = document.getElementById("st-thread"), parts = document.getElementById("st-thread-parts");
    clear(parts);
    var split = ["x", "bluesky", "mastodon"].indexOf(channel) !== -1 && c.over ? C.threadSplit(channel, text) : [];
    thread.hidden = split.length < 2;
    split.forEach(function (p) { parts.appendChild(el("li", p + "  [" + C.platformLength(channel, p) + "]")); });
    updateTabCounts();
    clearTimeout(analyseTimer);
    analyseTimer = setTimeout(analyse, 400);
  }

  function analyse() {
    var body = { channel: channel, text: textArea.value, placeholder_values: values };
    api("POST", "/api/statements/analyse/?statement=" + statementId, body).then(function (result) {
      var list = document.getElementById("st-warnings");
      clear(list);
      if (!result.warnings.length) list.appendChild(el("li", S.noWarnings, "ok"));
      result.warnings.forEach(function (w) {
        var item = el("li", null, "warn warn-" + w.code);
        item.appendChild(el("span", w.message));
        if (w.start !== null) {
          var jump = el("button", "↦", "link");
          jump.type = "button";
          jump.title = w.excerpt;
          jump.addEventListener("click", function () {
            var idx = textArea.value.indexOf(w.excerpt);
            if (idx !== -1) { textArea.focus(); textArea.setSelectionRange(idx, idx + w.excerpt.length); }
          });
          item.appendChild(jump);
        }
        list.appendChild(item);
      });
    }).catch(function () {});
  }

  document.getElementById("st-copy").addEventListener("click", function () {
    var text = document.getElementById("st-preview").textContent;
    (navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject()).then(
      function () { say(S.copied); }, function () { say(S.error, true); });
  });

  function action(id, run) {
    var button = document.getElementById(id);
    if (button) button.addEventListener("click", run);
  }
  function reloadWith(message) {
    sessionStorage.setItem("st-feedback", message);
    location.href = "?statement=" + encodeURIComponent(statementId);
  }

  function save() {
    return api("PATCH", "/api/statements/" + statementId + "/", { variants: variants, placeholder_values: values });
  }
  action("st-save", function () { save().then(function () { dirty = false; reloadWith(S.saved); }).catch(function (e) { say(e.message, true); }); });
  action("st-submit", function () {
    (dirty ? save() : Promise.resolve()).then(function () {
      return api("POST", "/api/statements/" + statementId + "/submit/");
    }).then(function () { reloadWith(S.submitted); }).catch(function (e) { say(e.message, true); });
  });

  var reauth = document.getElementById("st-reauth");
  action("st-approve", function () {
    document.getElementById("st-reauth-error").textContent = "";
    reauth.showModal();
    reauth.querySelector("input[name=password]").focus();
  });
  document.getElementById("st-reauth-cancel").addEventListener("click", function () { reauth.close(); });
  document.getElementById("st-reauth-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var input = reauth.querySelector("input[name=password]");
    api("POST", "/api/statements/reauth/", { password: input.value }).then(function () {
      input.value = "";
      return api("POST", "/api/statements/" + statementId + "/approve/", {});
    }).then(function () { reauth.close(); reloadWith(S.approved); }).catch(function (e) {
      document.getElementById("st-reauth-error").textContent = e.message;
    });
  });

  var rejectDialog = document.getElementById("st-reject-dialog");
  action("st-reject", function () { rejectDialog.showModal(); });
  document.getElementById("st-reject-cancel").addEventListener("click", function () { rejectDialog.close(); });
  document.getElementById("st-reject-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var reason = rejectDialog.querySelector("textarea[name=reason]").value;
    api("POST", "/api/statements/" + statementId + "/reject/", { reason: reason }).then(function () {
      rejectDialog.close(); reloadWith(S.rejected);
    }).catch(function (e) { rejectDialog.close(); say(e.message, true); });
  });

  action("st-publish", function () {
    api("POST", "/api/statements/" + statementId + "/publish/").then(function () { reloadWith(S.publishing); })
      .catch(function (e) { say(e.message, true); });
  });
  var mark = document.getElementById("st-mark");
  if (mark) mark.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = new FormData(mark);
    api("POST", "/api/statements/" + statementId + "/mark-published/", { channel: f.get("channel"), url: f.get("url") })
      .then(function () { reloadWith(S.marked); }).catch(function (e) { say(e.message, true); });
  });

  selectTab("x");
  loadReactions();
  connect();

  /* Reaction chart */
  var chart = null;
  function loadReactions() {
    api("GET", "/api/statements/reactions/?incident=" + incidentId).then(drawReactions).catch(function () {});
  }
  function fmt(value) { return value === null || value === undefined ? "—" : String(value); }
  function drawReactions(data) {
    var rows = document.getElementById("st-reaction-rows");
    if (data.statements.length) {
      clear(rows);
      data.statements.forEach(function (st) {
        var tr = el("tr");
        [st.title, st.before.volume, st.after.volume, fmt(st.before.sentiment), fmt(st.after.sentiment), st.reactions]
          .forEach(function (v) { tr.appendChild(el("td", String(v))); });
        rows.appendChild(tr);
      });
    }
    var canvas = document.getElementById("st-chart");
    if (!window.Chart || !canvas) return;
    var points = data.buckets.map(function (b) { return { x: Date.parse(b.at), y: b.volume }; });
    var peak = points.reduce(function (m, p) { return Math.max(m, p.y); }, 1);
    var marks = data.statements.map(function (st) { return { x: Date.parse(st.published_at), y: peak, title: st.title }; });
    var config = {
      data: { datasets: [
        { type: "bar", label: S.mentions, data: points, backgroundColor: "#6b8cce" },
        { type: "scatter", label: S.statement, data: marks, pointStyle: "triangle", pointRadius: 9, backgroundColor: "#d9480f" }
      ] },
      options: {
        animation: false, parsing: false, maintainAspectRatio: false,
        scales: { x: { type: "linear", ticks: { callback: function (v) { return new Date(v).toLocaleTimeString(page.dataset.lang, { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: page.dataset.timeZone }); } } }, y: { beginAtZero: true, suggestedMax: Math.ceil(peak * 1.2) } },
        plugins: { tooltip: { callbacks: { label: function (ctx) { return ctx.raw.title ? S.statement + ": " + ctx.raw.title : S.mentions + ": " + ctx.raw.y; } } } }
      }
    };
    if (chart) { chart.data = config.data; chart.update(); } else { chart = new window.Chart(canvas, config); }
  }

  /* Live updates */
  function connect() {
    var status = document.getElementById("live-status");
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/workspaces/" + encodeURIComponent(page.dataset.workspace) + "/");
    socket.addEventListener("open", function () { status.textContent = S.live; status.className = "live-status live"; });
    socket.addEventListener("close", function () {
      status.textContent = S.reconnecting; status.className = "live-status connecting";
      setTimeout(connect, 3000);
    });
    socket.addEventListener("message", function (ev) {
      var msg; try { msg = JSON.parse(ev.data); } catch (e) { return; }
      var events = msg.events || [msg];
      events.forEach(handle);
    });
  }
  var reloadTimer = null;
  function handle(event) {
    if (!event || event.type !== "statement.updated" || String(event.incident_id) !== String(incidentId)) {
      if (event && event.type === "mention.batch") { clearTimeout(reloadTimer); reloadTimer = setTimeout(loadReactions, 2000); }
      return;
    }
    document.querySelectorAll('[data-status-for="' + Number(event.id) + '"]').forEach(function (badge) {
      badge.textContent = event.status;
      badge.className = "badge st-status st-" + event.status;
    });
    if (String(event.id) === String(statementId)) {
      // Nothing to lose once approved (the text is frozen): show publishing progress at once.
      var frozen = ["approved", "published"].indexOf(page.dataset.status) !== -1;
      if (frozen && !busy && !document.querySelector("dialog[open]")) location.href = "?statement=" + encodeURIComponent(statementId);
      else say(S.changed);
    }
    loadReactions();
  }
})();
