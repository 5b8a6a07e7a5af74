/* CrisisCenter live dashboard.
 * Post text is attacker-controlled: it only ever reaches the DOM through textContent,
 * and links only through an http(s) check. Never innerHTML with data.
 */
(function () {
  "use strict";

  const root = document.getElementById("dashboard");
  if (!root) return;
  const slug = root.dataset.workspace;
  const timeZone = root.dataset.timeZone || "Europe/Amsterdam";
  const lang = root.dataset.lang || "nl";
  const str = (key) => root.dataset["str" + key.charAt(0).toUpperCase() + key.slice(1)] || key;
  const MAX_MENTIONS = 200;
  const MAX_ALERTS = 50;
  const CHART_MINUTES = 60;
  const PLATFORM_COLOURS = {
    x: "#1d9bf0", reddit: "#ff4500", news: "#6b7280", mastodon: "#6364ff",
    bluesky: "#0085ff", demo: "#10b981", webhook: "#a855f7", import: "#f59e0b",
  };

  const timeFmt = new Intl.DateTimeFormat(lang, { timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const minuteFmt = new Intl.DateTimeFormat(lang, { timeZone, hour: "2-digit", minute: "2-digit" });
  const numFmt = new Intl.NumberFormat(lang);

  const streamEl = document.getElementById("mention-stream");
  const alertsEl = document.getElementById("alert-feed");
  const statusEl = document.getElementById("live-status");
  const toastEl = document.getElementById("toast");
  const seenMentions = new Set();
  const seenAlerts = new Set();

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeUrl(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }

  function sentimentLabel(compound) {
    if (compound <= -0.05) return "negative";
    if (compound >= 0.05) return "positive";
    return "neutral";
  }

  function renderMention(m) {
    const compound = m.sentiment ? m.sentiment.compound : 0;
    const label = sentimentLabel(compound);
    const li = el("li", "mention sentiment-" + label);
    li.dataset.id = m.id;
    const meta = el("div", "mention-meta");
    meta.append(el("span", "badge platform-" + m.platform, m.platform));
    meta.append(el("span", "author", m.author));
    if (m.author_followers) meta.append(el("span", "followers", numFmt.format(m.author_followers) + " " + str("followers")));
    const time = el("time", "posted", timeFmt.format(new Date(m.posted_at)));
    time.dateTime = m.posted_at;
    meta.append(time);
    // Sentiment as text and symbol, not colour alone.
    const symbol = label === "negative" ? "▼" : label === "positive" ? "▲" : "■";
    meta.append(el("span", "sentiment-tag " + label, symbol + " " + str(label) + " " + compound.toFixed(2)));
    li.append(meta);
    li.append(el("p", "mention-text", m.text));
    const href = safeUrl(m.url);
    if (href) {
      const a = el("a", "mention-link", str("open"));
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      li.append(a);
    }
    return li;
  }

  /* ---- filters and pause: applied to what is shown, never to what is kept ---- */
  const filterForm = document.getElementById("stream-filters");
  const pauseButton = document.getElementById("pause-toggle");
  const pausedCount = document.getElementById("paused-count");
  const mentionData = new Map();
  let paused = false;
  let waiting = [];

  function currentFilters() {
    const data = new FormData(filterForm);
    return {
      platform: data.get("platform"), sentiment: data.get("sentiment"), language: data.get("language"),
      term: data.get("term") ? Number(data.get("term")) : null,
      minFollowers: data.get("min_followers") ? Number(data.get("min_followers")) : 0,
      text: (data.get("text") || "").toLowerCase(),
    };
  }

  function passes(m, f) {
    if (f.platform && m.platform !== f.platform) return false;
    if (f.sentiment && sentimentLabel(m.sentiment ? m.sentiment.compound : 0) !== f.sentiment) return false;
    if (f.language && (m.language || "und") !== f.language) return false;
    if (f.term && !(m.matched_terms || []).includes(f.term)) return false;
    if (f.minFollowers && (m.author_followers || 0) < f.minFollowers) return false;
    if (f.text && !String(m.text).toLowerCase().includes(f.text) && !String(m.author).toLowerCase().includes(f.text)) return false;
    return true;
  }

  function applyFilters() {
    const f = currentFilters();
    let hidden = 0;
    for (const node of streamEl.children) {
      const ok = passes(mentionData.get(Number(node.dataset.id)), f);
      node.hidden = !ok;
      if (!ok) hidden += 1;
    }
    const shown = streamEl.children.length - hidden;
    document.getElementById("mention-count").textContent = streamEl.children.length
      ? "(" + numFmt.format(shown) + (hidden ? " · " + numFmt.format(hidden) + " " + str("hidden") : "") + ")" : "";
  }

  filterForm.addEventListener("input", applyFilters);
  filterForm.addEventListener("submit", (event) => event.preventDefault());
  pauseButton.addEventListener("click", () => {
    paused = !paused;
    pauseButton.setAttribute("aria-pressed", String(paused));
    pauseButton.textContent = paused ? str("resume") : str("pause");
    if (!paused && waiting.length) {
      const queued = waiting;
      waiting = [];
      addMentions(queued, { prepend: true });
    }
    pausedCount.textContent = "";
  });

  function addMentions(mentions, { prepend }) {
    if (paused && prepend) {
      // Keep everything that arrives while paused; show it on resume.
      waiting.push(...mentions.filter((m) => !seenMentions.has(m.id)));
      pausedCount.textContent = numFmt.format(waiting.length) + " " + str("waiting");
      return [];
    }
    const fresh = mentions.filter((m) => !seenMentions.has(m.id));
    fresh.forEach((m) => { seenMentions.add(m.id); mentionData.set(m.id, m); });
    // Newest first: incoming batches are in posting order, so insert in reverse at the top.
    const ordered = prepend ? fresh.slice().sort((a, b) => a.posted_at.localeCompare(b.posted_at)) : fresh;
    for (const m of ordered) {
      const node = renderMention(m);
      if (prepend) streamEl.prepend(node); else streamEl.append(node);
    }
    while (streamEl.children.length > MAX_MENTIONS) {
      mentionData.delete(Number(streamEl.lastElementChild.dataset.id));
      streamEl.lastElementChild.remove();
    }
    document.getElementById("stream-empty").hidden = streamEl.children.length > 0;
    applyFilters();
    return fresh;
  }

  // Live events carry texts per language; API rows are already in the viewer's language.
  function localised(value) {
    if (value && typeof value === "object") return value[lang] || value.en || Object.values(value)[0] || "";
    return value || "";
  }

  const wall = root.dataset.wall === "1";
  const canTriage = root.dataset.canTriage === "1" && !wall;  // the wall shows, it does not act
  const alertNodes = new Map();

  function statusLabel(status) {
    return str("status" + status.charAt(0).toUpperCase() + status.slice(1));
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function triage(alertId, body, li) {
    li.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    try {
      const response = await fetch("/api/alerts/" + alertId + "/triage/", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
        body: JSON.stringify(body),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(data.detail || JSON.stringify(data));
      updateAlert({ id: alertId, status: body.decision });
      if (body.decision === "crisis") loadIncidents().catch(() => {});
    } catch (error) {
      showToast(str("triageFailed") + ": " + error.message);
      li.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    }
  }

  function triageControls(a, li) {
    const box = el("div", "triage");
    const crisis = el("button", "btn btn-crisis", str("crisis"));
    crisis.type = "button";
    crisis.addEventListener("click", () => triage(a.id, { decision: "crisis" }, li));
    const monitor = el("button", "btn", str("monitor"));
    monitor.type = "button";
    monitor.addEventListener("click", () => triage(a.id, { decision: "monitor" }, li));
    const dismiss = el("button", "btn", str("dismiss"));
    dismiss.type = "button";
    const form = el("form", "dismiss-form");
    form.hidden = true;
    const label = el("label", "", str("reason"));
    const input = el("input");
    input.type = "text";
    input.required = true;
    input.maxLength = 2000;
    label.append(input);
    const confirm = el("button", "btn", str("confirm"));
    confirm.type = "submit";
    form.append(label, confirm);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (input.value.trim()) triage(a.id, { decision: "dismissed", reason: input.value.trim() }, li);
    });
    dismiss.addEventListener("click", () => { form.hidden = false; input.focus(); });
    box.append(crisis, monitor, dismiss, form);
    return box;
  }

  // The mentions behind an alert, loaded when someone opens them (links to the originals).
  function triggeringMentions(ids) {
    const box = el("details", "alert-mentions");
    box.append(el("summary", "", numFmt.format(ids.length) + " " + str("mentionsBehind")));
    const list = el("ul");
    box.append(list);
    box.addEventListener("toggle", async () => {
      if (!box.open || list.childElementCount) return;
      const data = await getJson("/api/mentions/?" + q({ workspace: slug, ids: ids.slice(0, 200).join(","), page_size: 200 }));
      for (const m of data.results) {
        const item = el("li");
        const href = safeUrl(m.url);
        const author = el(href ? "a" : "span", "", m.author);
        if (href) { author.href = href; author.target = "_blank"; author.rel = "noopener noreferrer"; }
        item.append(author, document.createTextNode(": "), el("span", "", m.text));
        list.append(item);
      }
    });
    return box;
  }

  function renderAlert(a) {
    const li = el("li", "alert severity-" + a.severity);
    li.dataset.id = a.id;
    li.dataset.status = a.status || "new";
    const head = el("div", "alert-head");
    head.append(el("span", "severity", str("severity") + " " + a.severity));
    head.append(el("strong", "alert-title", localised(a.title)));
    const time = el("time", "", timeFmt.format(new Date(a.created_at)));
    time.dateTime = a.created_at;
    head.append(time);
    head.append(el("span", "alert-status", statusLabel(a.status || "new")));
    const count = el("span", "occurrences", a.occurrences > 1 ? "×" + a.occurrences : "");
    head.append(count);
    li.append(head);
    li.append(el("p", "alert-explanation", localised(a.explanation)));
    if (a.mention_ids && a.mention_ids.length) li.append(triggeringMentions(a.mention_ids));
    if (canTriage && (a.status || "new") === "new" && a.rule !== "source_down") li.append(triageControls(a, li));
    alertNodes.set(a.id, li);
    return li;
  }

  function updateAlert(a) {
    const li = alertNodes.get(a.id);
    if (!li) return;
    if (a.status) {
      li.dataset.status = a.status;
      li.querySelector(".alert-status").textContent = statusLabel(a.status);
      const box = li.querySelector(".triage");
      if (box && a.status !== "new") box.remove();
    }
    if (a.severity) li.className = "alert severity-" + a.severity;
    if (a.occurrences > 1) li.querySelector(".occurrences").textContent = "×" + a.occurrences;
    if (a.explanation) li.querySelector(".alert-explanation").textContent = localised(a.explanation);
  }

  /* ---- source health: live, lagging, down, and when each last delivered ---- */
  const sourcesEl = document.getElementById("source-health");
  const sources = new Map();
  const HEALTH_SYMBOL = { ok: "●", lagging: "▲", down: "✖", unknown: "○" };

  function renderSources() {
    sourcesEl.replaceChildren();
    for (const src of [...sources.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      const li = el("li", "health-" + src.health);
      li.dataset.id = src.id;
      li.append(el("span", "health", (HEALTH_SYMBOL[src.health] || "○") + " " + str("health" + src.health.charAt(0).toUpperCase() + src.health.slice(1))));
      li.append(el("strong", "", " " + src.name + " "));
      if (src.last_success_at) {
        const ago = durationText(Date.now() - new Date(src.last_success_at).getTime());
        li.append(el("span", "muted", str("lastDelivered") + " " + ago));
      }
      if (src.health !== "ok" && src.last_error) li.append(el("span", "error-cell", " " + src.last_error));
      sourcesEl.append(li);
    }
    document.getElementById("sources-empty").hidden = sources.size > 0;
  }

  async function loadSources() {
    const data = await getJson("/api/sources/?" + q({ workspace: slug, page_size: 100 }));
    sources.clear();
    for (const src of data.results) if (src.platform !== "import") sources.set(src.id, src);
    renderSources();
  }

  /* ---- incidents board: open incidents with their clocks ---- */
  const incidentsEl = document.getElementById("incident-board");
  const incidents = new Map();
  const OPEN = new Set(["triage", "active", "monitoring"]);
  const RESPONSE_MINUTES = 60;

  function durationText(ms) {
    const minutes = Math.max(0, Math.floor(ms / 60000));
    return Math.floor(minutes / 60) + "h " + String(minutes % 60).padStart(2, "0") + "m";
  }

  function renderIncidents() {
    incidentsEl.replaceChildren();
    const open = [...incidents.values()].filter((i) => OPEN.has(i.status)).sort((a, b) => b.severity - a.severity);
    for (const i of open) {
      const li = el("li", "incident severity-" + i.severity);
      const head = el("div", "alert-head");
      head.append(el("span", "severity", str("severity") + " " + i.severity));
      head.append(el("strong", "", i.title));
      head.append(el("span", "alert-status", i.status));
      li.append(head);
      const discovered = new Date(i.first_mention_at || i.opened_at);
      const now = Date.now();
      li.append(el("p", "clock", durationText(now - discovered.getTime()) + " " + str("since")));
      const deadline = new Date(i.first_alert_at || i.opened_at).getTime() + RESPONSE_MINUTES * 60000;
      const left = deadline - now;
      li.append(el("p", left >= 0 ? "clock" : "clock overdue",
        left >= 0 ? durationText(left) + " " + str("responseLeft") : "⚠ " + str("responseOverdue")));
      incidentsEl.append(li);
    }
    document.getElementById("incidents-empty").hidden = open.length > 0;
  }

  async function loadIncidents() {
    const data = await getJson("/api/incidents/?" + q({ workspace: slug, page_size: 50 }));
    incidents.clear();
    for (const i of data.results) incidents.set(i.id, i);
    renderIncidents();
  }

  function addAlerts(alerts, { prepend, announce }) {
    for (const a of alerts) {
      if (seenAlerts.has(a.id)) continue;
      seenAlerts.add(a.id);
      alertMinutes.add(minuteKey(a.created_at));
      const node = renderAlert(a);
      if (prepend) { alertsEl.prepend(node); node.classList.add("flash"); } else alertsEl.append(node);
      if (announce) showToast(str("newAlert") + ": " + localised(a.title) + " — " + localised(a.explanation));
    }
    while (alertsEl.children.length > MAX_ALERTS) alertsEl.lastElementChild.remove();
    document.getElementById("alerts-empty").hidden = alertsEl.children.length > 0;
  }

  let toastTimer = null;
  function showToast(text) {
    toastEl.textContent = text;
    toastEl.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toastEl.hidden = true; }, 8000);
  }

  /* ---- chart: per-minute buckets per platform + mean sentiment ---- */
  const buckets = new Map(); // minuteKey -> {platform -> count, sum, n}
  function minuteKey(iso) {
    const d = new Date(iso);
    d.setSeconds(0, 0);
    return d.getTime();
  }
  function bucketAdd(key, platform, count, sentimentSum, negative) {
    let b = buckets.get(key);
    if (!b) { b = { platforms: {}, sum: 0, n: 0, neg: 0 }; buckets.set(key, b); }
    b.platforms[platform] = (b.platforms[platform] || 0) + count;
    b.sum += sentimentSum;
    b.n += count;
    b.neg += negative;
  }

  const alertMinutes = new Set();  // alerts marked on the time axis

  function renderGauge() {
    let n = 0, neg = 0;
    buckets.forEach((b) => { n += b.n; neg += b.neg; });
    const share = n ? Math.round((100 * neg) / n) : 0;
    const meter = document.getElementById("negative-share");
    meter.value = share;
    document.getElementById("negative-share-text").textContent = n ? share + "% " + str("negativeShare") : "—";
  }

  let chart = null;
  function renderChart() {
    const now = new Date();
    now.setSeconds(0, 0);
    const keys = [];
    for (let i = CHART_MINUTES - 1; i >= 0; i--) keys.push(now.getTime() - i * 60000);
    for (const k of buckets.keys()) if (k < keys[0]) buckets.delete(k);
    const platforms = new Set();
    buckets.forEach((b) => Object.keys(b.platforms).forEach((p) => platforms.add(p)));
    const datasets = [...platforms].sort().map((p) => ({
      type: "bar", label: p, stack: "volume", yAxisID: "y",
      backgroundColor: PLATFORM_COLOURS[p] || "#999",
      data: keys.map((k) => (buckets.get(k) ? buckets.get(k).platforms[p] || 0 : 0)),
    }));
    datasets.push({
      type: "line", label: str("meanSentiment"), yAxisID: "s", borderColor: "#111827",
      backgroundColor: "#111827", pointRadius: 2, spanGaps: true, borderDash: [4, 3],
      data: keys.map((k) => { const b = buckets.get(k); return b && b.n ? +(b.sum / b.n).toFixed(3) : null; }),
    });
    datasets.push({
      type: "line", label: str("alertsMarker"), yAxisID: "s", showLine: false,
      pointStyle: "triangle", pointRadius: 9, borderColor: "#991b1b", backgroundColor: "#dc2626",
      data: keys.map((k) => (alertMinutes.has(k) ? 0.9 : null)),
    });
    renderGauge();
    const labels = keys.map((k) => minuteFmt.format(new Date(k)));
    if (!chart) {
      if (!window.Chart) return;
      chart = new window.Chart(document.getElementById("volume-chart"), {
        data: { labels, datasets },
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          scales: {
            x: { stacked: true, ticks: { maxTicksLimit: 12 } },
            y: { stacked: true, beginAtZero: true, position: "left", ticks: { precision: 0 } },
            s: { min: -1, max: 1, position: "right", grid: { drawOnChartArea: false } },
          },
          plugins: { legend: { position: "bottom" } },
        },
      });
    } else {
      chart.data.labels = labels;
      chart.data.datasets = datasets;
      chart.update("none");
    }
  }

  /* ---- API ---- */
  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(url + " → " + response.status);
    return response.json();
  }
  const q = (params) => new URLSearchParams(params).toString();

  async function loadInitial() {
    const [mentions, alerts, volume] = await Promise.all([
      getJson("/api/mentions/?" + q({ workspace: slug, page_size: 100 })),
      getJson("/api/alerts/?" + q({ workspace: slug, page_size: 20 })),
      getJson("/api/mentions/volume/?" + q({ workspace: slug, minutes: CHART_MINUTES })),
    ]);
    addMentions(mentions.results, { prepend: false });
    addAlerts(alerts.results, { prepend: false, announce: false });
    buckets.clear();
    for (const row of volume.series) bucketAdd(new Date(row.minute).getTime(), row.platform, row.count, row.sentiment_sum, row.negative);
    renderChart();
    await Promise.all([loadIncidents(), loadSources()]);
  }

  /* ---- websocket with reconnect and catch-up ---- */
  let socket = null;
  let attempt = 0;
  let lastSeq = null;
  function setStatus(state) {
    statusEl.className = "live-status " + state;
    statusEl.textContent = state === "live" ? "● " + str("live") : "○ " + str("reconnecting");
    root.dataset.connection = state;
  }

  function handleEvent(event) {
    if (event.type === "mention.batch") {
      // The chart counts every new mention, paused or not; the stream may hold them back.
      const news = event.mentions.filter((m) => !seenMentions.has(m.id) && !waiting.some((w) => w.id === m.id));
      for (const m of news) bucketAdd(minuteKey(m.posted_at), m.platform, 1, m.sentiment.compound, m.sentiment.compound <= -0.05 ? 1 : 0);
      addMentions(event.mentions, { prepend: true });
      if (news.length) renderChart();
    } else if (event.type === "alert.created") {
      addAlerts([event], { prepend: true, announce: true });
    } else if (event.type === "alert.updated") {
      if (alertNodes.has(event.id)) updateAlert(event);
      else if (event.status === "new") loadInitial().catch(() => {});
    } else if (event.type === "source.health_changed") {
      sources.set(event.id, { ...(sources.get(event.id) || {}), ...event });
      renderSources();
    } else if (event.type === "incident.updated") {
      incidents.set(event.id, { ...(incidents.get(event.id) || {}), ...event });
      renderIncidents();
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/workspaces/" + encodeURIComponent(slug) + "/");
    socket.onopen = () => {
      const wasReconnect = attempt > 0;
      attempt = 0;
      setStatus("live");
      if (wasReconnect) loadInitial().catch(() => {});
    };
    socket.onmessage = (message) => {
      let data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      // Messages are numbered per workspace: a gap means something was missed, so re-read
      // through the API (ids make the re-read idempotent: nothing is shown twice).
      if (typeof data.seq === "number") {
        if (lastSeq !== null && data.seq > lastSeq + 1) loadInitial().catch(() => {});
        lastSeq = Math.max(lastSeq || 0, data.seq);
      }
      (data.events || []).forEach(handleEvent);
    };
    socket.onclose = () => {
      setStatus("reconnecting");
      attempt += 1;
      const delay = Math.min(30000, 500 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
      setTimeout(connect, delay);
    };
  }

  setInterval(renderChart, 15000); // keep the time axis moving when nothing arrives
  setInterval(() => { renderIncidents(); renderSources(); }, 30000); // the clocks
  // Wall mode with several workspaces: show each for a minute, in turn.
  if (wall && root.dataset.wallNext) setTimeout(() => { location.href = root.dataset.wallNext; }, 60000);
  loadInitial().catch((e) => console.error(e)).finally(connect);
})();
