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
  const RANGES = {
    "1h": { ms: 3600000, bucket: 60000 },
    "24h": { ms: 86400000, bucket: 900000 },
    "7d": { ms: 604800000, bucket: 3600000 },
  };
  const RANGE_KEY = "crisiscenter.dashboard.range";
  const SOUND_KEY = "crisiscenter.dashboard.sound";
  const SOUND_THRESHOLD_KEY = "crisiscenter.dashboard.soundThreshold";
  const TOP_REFRESH_MS = 30000;
  function stored(key, fallback) {
    try { return localStorage.getItem(key) || fallback; } catch (e) { return fallback; }
  }
  function store(key, value) {
    try { localStorage.setItem(key, value); } catch (e) { /* private mode: not remembered */ }
  }
  let range = RANGES[stored(RANGE_KEY, "1h")] ? stored(RANGE_KEY, "1h") : "1h";
  const PLATFORM_COLOURS = {
    x: "#1d9bf0", reddit: "#ff4500", news: "#6b7280", mastodon: "#6364ff",
    bluesky: "#0085ff", demo: "#10b981", webhook: "#a855f7", import: "#f59e0b",
  };

  const timeFmt = new Intl.DateTimeFormat(lang, { timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const minuteFmt = new Intl.DateTimeFormat(lang, { timeZone, hour: "2-digit", minute: "2-digit" });
  const dayFmt = new Intl.DateTimeFormat(lang, { timeZone, weekday: "short", hour: "2-digit", minute: "2-digit" });
  const numFmt = new Intl.NumberFormat(lang);
  const scoreFmt = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

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
    meta.append(el("span", "sentiment-tag " + label, symbol + " " + str(label) + " " + scoreFmt.format(compound)));
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
    if (canTriage) li.append(attachButton(m));
    return li;
  }

  /* ---- attach a mention to an open incident: a small keyboard-friendly menu ---- */
  let openMenu = null;
  function closeMenu(focusButton) {
    if (!openMenu) return;
    const { menu, button } = openMenu;
    openMenu = null;
    menu.remove();
    button.setAttribute("aria-expanded", "false");
    if (focusButton) button.focus();
  }

  function attachButton(m) {
    const button = el("button", "btn btn-small attach-toggle", str("attach"));
    button.type = "button";
    button.setAttribute("aria-haspopup", "menu");
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", () => {
      const wasOpen = openMenu && openMenu.button === button;
      closeMenu(false);
      if (!wasOpen) showAttachMenu(m, button);
    });
    return button;
  }

  function showAttachMenu(m, button) {
    const menu = el("ul", "attach-menu");
    menu.setAttribute("role", "menu");
    menu.setAttribute("aria-label", str("attach"));
    const open = [...incidents.values()].filter((i) => OPEN.has(i.status)).sort((a, b) => (b.severity || 0) - (a.severity || 0));
    if (!open.length) {
      const li = el("li", "muted", str("noOpenIncidents"));
      li.setAttribute("role", "none");
      menu.append(li);
    }
    for (const incident of open) {
      const li = el("li");
      li.setAttribute("role", "none");
      const item = el("button", "attach-item", str("severity") + " " + incident.severity + " · " + incident.title);
      item.type = "button";
      item.setAttribute("role", "menuitem");
      item.addEventListener("click", () => { closeMenu(true); attachMention(m, incident, button); });
      li.append(item);
      menu.append(li);
    }
    menu.addEventListener("keydown", (event) => {
      const items = [...menu.querySelectorAll("[role=menuitem]")];
      const index = items.indexOf(document.activeElement);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!items.length) return;
        const step = event.key === "ArrowDown" ? 1 : -1;
        items[(index + step + items.length) % items.length].focus();
      } else if (event.key === "Home" && items.length) { event.preventDefault(); items[0].focus(); }
      else if (event.key === "End" && items.length) { event.preventDefault(); items[items.length - 1].focus(); }
      else if (event.key === "Escape") { event.preventDefault(); closeMenu(true); }
      else if (event.key === "Tab") closeMenu(false);
    });
    button.after(menu);
    button.setAttribute("aria-expanded", "true");
    openMenu = { menu, button };
    const first = menu.querySelector("[role=menuitem]");
    if (first) first.focus();
  }

  document.addEventListener("click", (event) => {
    if (openMenu && !openMenu.menu.contains(event.target) && event.target !== openMenu.button) closeMenu(false);
  });

  function errorMessage(data, response) {
    if (data && typeof data.detail === "string") return data.detail;
    if (data && typeof data === "object") {
      const first = Object.values(data)[0];
      if (Array.isArray(first) && first.length) return String(first[0]);
      if (typeof first === "string") return first;
    }
    return response.status + " " + response.statusText;
  }

  async function attachMention(m, incident, button) {
    button.disabled = true;
    try {
      const response = await fetch("/api/incidents/" + encodeURIComponent(incident.id) + "/mentions/", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
        body: JSON.stringify({ mention_ids: [m.id] }),
      });
      const data = await response.json().catch(() => null);
      if (!response.ok) throw new Error(errorMessage(data, response));
      const li = button.closest("li.mention");
      if (li && !li.querySelector(".attached")) li.append(el("span", "attached", "✓ " + str("attachedTo") + " " + incident.title));
      showToast(str("attachedTo") + " " + incident.title, { calm: true });
    } catch (error) {
      showToast(str("attachFailed") + ": " + error.message);
    } finally {
      button.disabled = false;
    }
  }

  /* ---- filters and pause: the stream searches every stored mention, then goes on live ---- */
  // A filter change asks the API for the newest matching mentions (all stored ones, not only
  // those loaded), hiding what no longer matches at once; live mentions join the stream when
  // they match. "Load older" pages further back. The chart counts every mention whatever the
  // filters (`seenMentions`); the stream holds what it shows (`mentionData`).
  const filterForm = document.getElementById("stream-filters");
  const pauseButton = document.getElementById("pause-toggle");
  const pausedCount = document.getElementById("paused-count");
  const olderButton = document.getElementById("stream-older");
  const mentionData = new Map();
  const STREAM_PAGE = 100;
  let paused = false;
  let waiting = [];
  let streamTotal = null;  // stored mentions matching the filters, counted by the API, plus live ones since
  let olderUrl = null;  // the API page before the oldest shown, if any
  let streamCap = MAX_MENTIONS;
  let searchTicket = 0;
  let searchTimer = null;
  let arrivedDuringSearch = null;  // live mentions shown while a search was on its way

  function currentFilters() {
    const data = new FormData(filterForm);
    return {
      platform: data.get("platform"), sentiment: data.get("sentiment"), language: data.get("language"),
      term: data.get("term") ? Number(data.get("term")) : null,
      minFollowers: data.get("min_followers") ? Number(data.get("min_followers")) : 0,
      text: (data.get("text") || "").trim().toLowerCase(),
    };
  }

  function filtersActive(f) {
    return Boolean(f.platform || f.sentiment || f.language || f.term || f.minFollowers || f.text);
  }

  function passes(m, f) {
    if (f.platform && m.platform !== f.platform) return false;
    if (f.sentiment && sentimentLabel(m.sentiment ? m.sentiment.compound : 0) !== f.sentiment) return false;
    if (f.language && (m.language || "und") !== f.language) return false;
    if (f.term && !(m.matched_terms || []).includes(f.term)) return false;
    // Reach as the API filters it: a news outlet counts with at least its assumed reach.
    if (f.minFollowers && (m.author_reach ?? m.author_followers ?? 0) < f.minFollowers) return false;
    if (f.text && !String(m.text).toLowerCase().includes(f.text) && !String(m.author).toLowerCase().includes(f.text)) return false;
    return true;
  }

  // The API's filters for the form's (the same rules as `passes`).
  function searchParams(f) {
    const params = { workspace: slug, page_size: STREAM_PAGE };
    if (f.platform) params.platform = f.platform;
    if (f.sentiment) params.sentiment = f.sentiment;
    if (f.language) params.language = f.language;
    if (f.term) params.term = f.term;
    if (f.minFollowers) params.min_followers = f.minFollowers;
    if (f.text) params.text = f.text;
    return params;
  }

  // The API's `next` as a path on this site (it may name the host as the server sees it).
  function localPath(url) {
    if (!url) return null;
    const parsed = new URL(url, window.location.href);
    return parsed.pathname + parsed.search;
  }

  function applyFilters() {
    const f = currentFilters();
    for (const node of streamEl.children) node.hidden = !passes(mentionData.get(Number(node.dataset.id)), f);
    updateStreamFooter();
  }

  function updateStreamFooter() {
    const active = filtersActive(currentFilters());
    const shown = streamEl.querySelectorAll(":scope > li:not([hidden])").length;
    const total = streamTotal === null ? shown : Math.max(streamTotal, shown);
    document.getElementById("mention-count").textContent = total
      ? "(" + numFmt.format(total) + (active ? " " + str("matching") : "") + ")" : "";
    const empty = document.getElementById("stream-empty");
    empty.hidden = shown > 0;
    empty.textContent = active ? str("noMatch") : str("noMentions");
    olderButton.hidden = !olderUrl;
  }

  function showMentions(mentions) {
    for (const m of mentions) {
      if (mentionData.has(m.id)) continue;
      mentionData.set(m.id, m);
      // Kept in the API's order, newest first by (posted_at, id), whatever order mentions
      // arrive in (live, replayed after a gap, from a search or an older page).
      insertSorted(renderMention(m), m);
    }
    let trimmed = false;
    while (streamEl.children.length > streamCap) {
      mentionData.delete(Number(streamEl.lastElementChild.dataset.id));
      streamEl.lastElementChild.remove();
      trimmed = true;
    }
    if (trimmed && !olderUrl) {
      // What was trimmed is still stored: page back to it (pages overlap as new ones arrive;
      // ids keep each mention once).
      const page = Math.floor(streamEl.children.length / STREAM_PAGE) + 1;
      olderUrl = "/api/mentions/?" + q({ ...searchParams(currentFilters()), page });
    }
    applyFilters();
  }

  async function searchStream() {
    const ticket = ++searchTicket;
    arrivedDuringSearch = [];
    streamEl.setAttribute("aria-busy", "true");
    try {
      const data = await getJson("/api/mentions/?" + q(searchParams(currentFilters())));
      if (ticket !== searchTicket) return;  // a newer search is on its way
      // Live mentions that came meanwhile may be newer than the search's answer: kept.
      const found = new Set(data.results.map((m) => m.id));
      const f = currentFilters();
      const arrived = arrivedDuringSearch.filter((m) => passes(m, f) && !found.has(m.id));
      arrivedDuringSearch = null;
      streamEl.replaceChildren();
      mentionData.clear();
      streamCap = MAX_MENTIONS;
      olderUrl = localPath(data.next);
      streamTotal = data.count + arrived.length;
      showMentions([...data.results, ...arrived]);
    } catch (error) {
      if (ticket === searchTicket) showToast(str("searchFailed") + ": " + error.message);
    } finally {
      if (ticket === searchTicket) {
        streamEl.removeAttribute("aria-busy");
        arrivedDuringSearch = null;
      }
    }
  }

  filterForm.addEventListener("input", () => {
    applyFilters();  // at once, over what is shown; then the search over all stored ones
    clearTimeout(searchTimer);
    searchTimer = setTimeout(searchStream, 300);
  });
  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(searchTimer);
    searchStream();
  });
  olderButton.addEventListener("click", async () => {
    if (!olderUrl) return;
    const ticket = searchTicket;
    olderButton.disabled = true;
    try {
      const data = await getJson(olderUrl);
      if (ticket !== searchTicket) return;  // the filters changed meanwhile
      olderUrl = localPath(data.next);
      streamCap += data.results.length;
      showMentions(data.results);
    } catch (error) {
      showToast(str("searchFailed") + ": " + error.message);
    } finally {
      olderButton.disabled = false;
    }
  });
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

  function mentionKey(m) {
    return [new Date(m.posted_at).getTime(), m.id];
  }

  function insertSorted(node, m) {
    const [t, id] = mentionKey(m);
    for (const other of streamEl.children) {
      const [ot, oid] = mentionKey(mentionData.get(Number(other.dataset.id)));
      if (ot < t || (ot === t && oid < id)) { other.before(node); return; }
    }
    streamEl.append(node);
  }

  // Mentions from the initial read or live: each counts once (chart), and joins the stream
  // if it matches the filters.
  function addMentions(mentions, { prepend }) {
    if (paused && prepend) {
      // Keep everything that arrives while paused; show it on resume.
      waiting.push(...mentions.filter((m) => !seenMentions.has(m.id)));
      pausedCount.textContent = numFmt.format(waiting.length) + " " + str("waiting");
      return [];
    }
    const fresh = mentions.filter((m) => !seenMentions.has(m.id));
    fresh.forEach((m) => seenMentions.add(m.id));
    const f = currentFilters();
    const joining = fresh.filter((m) => passes(m, f) && !mentionData.has(m.id));
    if (prepend && streamTotal !== null) streamTotal += joining.length;
    if (arrivedDuringSearch) arrivedDuringSearch.push(...fresh);
    showMentions(joining);
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
    box.append(el("summary", "", numFmt.format(ids.length) + " " + str(ids.length === 1 ? "mentionBehind" : "mentionsBehind")));
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
      // A live source's error is a part of it failing (one of a news source's feeds).
      if (src.last_error) li.append(el("span", src.health === "ok" ? "warning-cell" : "error-cell", " " + src.last_error));
      const until = src.rate_limited_until ? new Date(src.rate_limited_until) : null;
      if (until && until.getTime() > Date.now()) {  // the platform's 429: no failure, a wait
        li.append(el("span", "muted rate-limited", " " + str("rateLimitedUntil").replace("{time}", minuteFmt.format(until))));
      }
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

  function incidentStatusLabel(status) {
    return str("incident" + status.charAt(0).toUpperCase() + status.slice(1)) || status;
  }

  function responseDeadline(i) {
    if (i.response_due_at) return new Date(i.response_due_at).getTime();
    const start = i.first_alert_at || i.opened_at;
    return start ? new Date(start).getTime() + RESPONSE_MINUTES * 60000 : null;
  }

  function countdownText(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(s / 3600);
    const mm = String(Math.floor((s % 3600) / 60)).padStart(2, "0");
    const ss = String(s % 60).padStart(2, "0");
    return (h ? h + ":" : "") + mm + ":" + ss;
  }

  // The response clock: a countdown, and when breached an explicit word and symbol (never
  // only the red colour). Updated every second without rebuilding the board.
  function tickClocks() {
    const now = Date.now();
    for (const clock of incidentsEl.querySelectorAll(".response-clock[data-deadline]")) {
      const left = Number(clock.dataset.deadline) - now;
      const overdue = left < 0;
      clock.classList.toggle("overdue", overdue);
      clock.textContent = overdue
        ? "⚠ " + str("responseOverdue") + " (+" + countdownText(-left) + ")"
        : countdownText(left) + " " + str("responseLeft");
    }
    for (const since of incidentsEl.querySelectorAll(".since-clock[data-since]")) {
      since.textContent = durationText(now - Number(since.dataset.since)) + " " + str("since");
    }
    tickEscalations();
  }

  function renderIncidents() {
    incidentsEl.replaceChildren();
    const open = [...incidents.values()].filter((i) => OPEN.has(i.status)).sort((a, b) => (b.severity || 0) - (a.severity || 0));
    for (const i of open) {
      const li = el("li", "incident severity-" + i.severity);
      li.dataset.id = i.id;
      const head = el("div", "alert-head");
      head.append(el("span", "severity", str("severity") + " " + i.severity));
      head.append(el("strong", "incident-title", i.title));
      head.append(el("span", "alert-status incident-status", incidentStatusLabel(i.status)));
      li.append(head);
      if ("commander" in i) {
        li.append(el("p", "commander", i.commander ? str("commander") + ": " + i.commander : "⚠ " + str("noCommander")));
      }
      const discovered = i.first_mention_at || i.opened_at;
      if (discovered) {
        const since = el("p", "clock since-clock");
        since.dataset.since = String(new Date(discovered).getTime());
        li.append(since);
      }
      if (i.response_at) {
        const done = el("p", "clock response-clock done", "✓ " + str("respondedAt") + " " + minuteFmt.format(new Date(i.response_at)));
        li.append(done);
      } else {
        const deadline = responseDeadline(i);
        if (deadline !== null) {
          const clock = el("p", "clock response-clock");
          clock.dataset.deadline = String(deadline);
          li.append(clock);
        }
      }
      if (typeof i.overdue_tasks === "number" && i.overdue_tasks > 0) {
        li.append(el("p", "clock overdue overdue-tasks", "⚠ " + numFmt.format(i.overdue_tasks) + " " + str("overdueTasks")));
      }
      incidentsEl.append(li);
    }
    tickClocks();
    document.getElementById("incidents-empty").hidden = open.length > 0;
  }

  async function loadIncidents() {
    const data = await getJson("/api/incidents/?" + q({ workspace: slug, page_size: 50 }));
    incidents.clear();
    for (const i of data.results) incidents.set(i.id, i);
    renderIncidents();
  }

  /* ---- escalations: active runs, who was paged, the next-tier countdown, Acknowledge ---- */
  // Initial list from /api/escalations/?status=active; `escalation.updated` events update a
  // run at once and then fetch its full row (title, who was paged). A run that ends stays
  // visible with its outcome for ENDED_KEEP_MS, so the team sees who acknowledged it.
  const escalationsEl = document.getElementById("escalation-board");
  const escalations = new Map();
  const escalationFetches = new Map(); // run id -> number of the latest fetch (latest wins)
  const ENDED_KEEP_MS = 10 * 60000;
  const canAcknowledge = !wall; // every member role may acknowledge; the wall shows only

  function escalationUpsert(run) {
    const before = escalations.get(run.id) || {};
    const merged = { ...before, ...run };
    if (merged.status !== "active" && !merged.endedSeenAt) merged.endedSeenAt = Date.now();
    escalations.set(run.id, merged);
  }

  function escalationStatusLabel(status) {
    return str("escStatus" + status.charAt(0).toUpperCase() + status.slice(1));
  }

  function tickEscalations() {
    const now = Date.now();
    for (const clock of escalationsEl.querySelectorAll(".escalation-clock[data-deadline]")) {
      const left = Number(clock.dataset.deadline) - now;
      clock.textContent = left > 0
        ? countdownText(left) + " " + str(clock.dataset.last === "1" ? "escEnds" : "escNextTier")
        : str("escDue");
    }
  }

  function renderEscalations() {
    const now = Date.now();
    for (const [id, run] of escalations) if (run.endedSeenAt && now - run.endedSeenAt > ENDED_KEEP_MS) escalations.delete(id);
    const focusedLi = document.activeElement && escalationsEl.contains(document.activeElement)
      ? document.activeElement.closest("li.escalation") : null;
    const focusedId = focusedLi ? Number(focusedLi.dataset.id) : null;
    escalationsEl.replaceChildren();
    const runs = [...escalations.values()].filter((r) => r.incident_title !== undefined)
      .sort((a, b) => (a.status === "active") - (b.status === "active") || a.id - b.id).reverse();
    for (const run of runs) {
      const li = el("li", "escalation escalation-" + run.status);
      li.id = "escalation-" + run.id;
      li.dataset.id = run.id;
      li.tabIndex = -1;
      const head = el("div", "alert-head");
      head.append(el("strong", "escalation-title", run.incident_title));
      head.append(el("span", "alert-status escalation-status", escalationStatusLabel(run.status)));
      li.append(head);
      let tier = str("escTier").replace("{tier}", run.tier).replace("{tiers}", run.tiers);
      if (run.round) tier += " · " + str("escRound").replace("{round}", run.round + 1);
      li.append(el("p", "escalation-tier", tier));
      if (run.status === "active") {
        const paged = run.paged && run.paged.length ? run.paged.join(", ") : str("escNobody");
        li.append(el("p", "escalation-paged", str("escPaged") + ": " + paged));
        if (run.next_deadline) {
          const clock = el("p", "clock escalation-clock");
          clock.dataset.deadline = String(new Date(run.next_deadline).getTime());
          clock.dataset.last = run.last_step ? "1" : "";
          li.append(clock);
        }
        if (canAcknowledge) li.append(acknowledgeButton(run));
      } else if (run.status === "acknowledged") {
        const who = run.acknowledged_by_name || run.acknowledged_by || "";
        const viaText = localised(run.acknowledged_via_text) || run.acknowledged_via;
        // One sentence per language; functions, not strings, as replacements: a name may hold "$&".
        const outcome = viaText
          ? str("escAcknowledgedVia").replace("{via}", () => viaText).replace("{who}", () => who)
          : str("escAcknowledged") + " " + who;
        li.append(el("p", "escalation-outcome", "✓ " + outcome));
      }
      escalationsEl.append(li);
      if (focusedId === run.id) (li.querySelector("button") || li).focus();
    }
    tickEscalations();
    document.getElementById("escalations-empty").hidden = runs.length > 0;
  }

  function acknowledgeButton(run) {
    const button = el("button", "btn btn-crisis escalation-ack", str("escAcknowledge"));
    button.type = "button";
    button.setAttribute("aria-label", str("escAcknowledge") + ": " + run.incident_title);
    button.addEventListener("click", () => acknowledgeEscalation(run.id, button));
    return button;
  }

  async function acknowledgeEscalation(id, button) {
    button.disabled = true;
    try {
      const response = await fetch("/api/escalations/" + encodeURIComponent(id) + "/acknowledge/", {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      });
      const data = await response.json().catch(() => null);
      if (!response.ok) {
        if (response.status === 409) loadEscalation(id).catch(() => {}); // someone else was first
        throw new Error(errorMessage(data, response));
      }
      escalationFetches.set(id, (escalationFetches.get(id) || 0) + 1); // older fetches lose
      escalationUpsert(data);
      renderEscalations();
      const li = document.getElementById("escalation-" + id);
      if (li) li.focus(); // the button is gone: keep keyboard users in place
      showToast(str("escAckDone"), { calm: true });
    } catch (error) {
      button.disabled = false;
      showToast(str("escAckFailed") + ": " + error.message);
    }
  }

  async function loadEscalation(id) {
    const number = (escalationFetches.get(id) || 0) + 1;
    escalationFetches.set(id, number);
    const response = await fetch("/api/escalations/" + encodeURIComponent(id) + "/", {
      credentials: "same-origin", headers: { Accept: "application/json" },
    });
    if (escalationFetches.get(id) !== number) return; // a newer fetch or answer exists
    if (response.status === 404) { escalations.delete(id); renderEscalations(); return; }
    if (!response.ok) throw new Error("/api/escalations/" + id + "/ → " + response.status);
    const run = await response.json();
    if (escalationFetches.get(id) !== number) return;
    escalationUpsert(run);
    renderEscalations();
  }

  async function loadEscalations() {
    const data = await getJson("/api/escalations/?" + q({ workspace: slug, status: "active", page_size: 50 }));
    for (const [id, run] of escalations) if (run.status === "active") escalations.delete(id);
    for (const run of data.results) escalationUpsert(run);
    renderEscalations();
  }

  function escalationEvent(event) {
    const known = escalations.has(event.id);
    if (!known && event.status !== "active") return; // ended before we ever showed it
    if (known) {
      escalationUpsert({
        id: event.id, status: event.status, tier: event.tier, tiers: event.tiers,
        next_deadline: event.next_deadline, acknowledged_by_name: event.acknowledged_by,
        acknowledged_via: event.acknowledged_via, acknowledged_via_text: event.acknowledged_via_text,
      });
      renderEscalations();
    }
    loadEscalation(event.id).catch(() => {});
  }

  function addAlerts(alerts, { prepend, announce }) {
    for (const a of alerts) {
      if (seenAlerts.has(a.id)) continue;
      seenAlerts.add(a.id);
      markers.alert.push({ label: localised(a.title), time: a.created_at });
      const node = renderAlert(a);
      if (prepend) alertsEl.prepend(node); else alertsEl.append(node);
      if (announce) node.classList.add("flash");
      if (announce) {
        showToast(str("newAlert") + ": " + localised(a.title) + " — " + localised(a.explanation));
        if (a.severity >= soundThreshold()) signalHighSeverity(node);
      }
    }
    if (alerts.length) renderChart();
    while (alertsEl.children.length > MAX_ALERTS) alertsEl.lastElementChild.remove();
    document.getElementById("alerts-empty").hidden = alertsEl.children.length > 0;
  }

  /* ---- high-severity signal: always a visible flash, a beep only if switched on ---- */
  const soundButton = document.getElementById("sound-toggle");
  const thresholdSelect = document.getElementById("sound-threshold");
  let audio = null;
  function soundOn() { return stored(SOUND_KEY, "0") === "1"; }
  function soundThreshold() { return Number(stored(SOUND_THRESHOLD_KEY, "3")) || 3; }
  function renderSoundToggle() {
    if (!soundButton) return;
    soundButton.setAttribute("aria-pressed", String(soundOn()));
    soundButton.textContent = str(soundOn() ? "soundOn" : "soundOff");
  }
  function audioContext() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    if (!audio) audio = new Ctx();
    if (audio.state === "suspended") audio.resume().catch(() => {});
    return audio;
  }
  function beep() {
    const ctx = audioContext();
    if (!ctx) return;
    const start = ctx.currentTime;
    [880, 660, 880].forEach((freq, n) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "square";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start + n * 0.2);
      gain.gain.exponentialRampToValueAtTime(0.15, start + n * 0.2 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + n * 0.2 + 0.18);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start + n * 0.2);
      osc.stop(start + n * 0.2 + 0.2);
    });
    root.dataset.lastBeep = String(Date.now());
  }
  function signalHighSeverity(node) {
    node.classList.add("high-severity");
    document.body.classList.add("alarm");
    setTimeout(() => document.body.classList.remove("alarm"), 4000);
    if (soundOn()) beep();
  }
  if (soundButton) {
    renderSoundToggle();
    soundButton.addEventListener("click", () => {
      store(SOUND_KEY, soundOn() ? "0" : "1");
      renderSoundToggle();
      if (soundOn()) audioContext();  // created inside the click: browsers allow audio after a gesture
    });
  }
  if (thresholdSelect) {
    thresholdSelect.value = String(soundThreshold());
    thresholdSelect.addEventListener("change", () => store(SOUND_THRESHOLD_KEY, thresholdSelect.value));
  }

  let toastTimer = null;
  function showToast(text, { calm } = {}) {
    toastEl.classList.toggle("calm", Boolean(calm));
    toastEl.textContent = text;
    toastEl.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toastEl.hidden = true; }, 8000);
  }

  /* ---- chart: buckets per platform + mean sentiment, over the selected range ---- */
  const buckets = new Map(); // bucket start (ms) -> {platforms: {platform -> count}, sum, n, neg}
  function bucketKey(iso) {
    const size = RANGES[range].bucket;
    return Math.floor(new Date(iso).getTime() / size) * size;
  }
  function bucketAdd(key, platform, count, sentimentSum, negative) {
    let b = buckets.get(key);
    if (!b) { b = { platforms: {}, sum: 0, n: 0, neg: 0 }; buckets.set(key, b); }
    b.platforms[platform] = (b.platforms[platform] || 0) + count;
    b.sum += sentimentSum;
    b.n += count;
    b.neg += negative;
  }

  // Markers on the time axis: {label, time} per type. Alerts come from the feed, statements
  // from /api/statements/; window.crisisDashboard.setMarkers(type, list) for other panels.
  const markers = { alert: [], statement: [] };
  const MARKER_STYLE = {
    alert: { label: "alertsMarker", pointStyle: "triangle", colour: "#dc2626", border: "#991b1b", y: 0.9 },
    statement: { label: "statementsMarker", pointStyle: "rectRot", colour: "#2563eb", border: "#1e3a8a", y: 0.75 },
  };
  function setMarkers(type, list) {
    if (!MARKER_STYLE[type]) return;
    markers[type] = (list || []).filter((m) => m && m.time).map((m) => ({ label: String(m.label || ""), time: m.time }));
    renderChart();
  }

  function renderGauge() {
    let n = 0, neg = 0;
    buckets.forEach((b) => { n += b.n; neg += b.neg; });
    const share = n ? Math.round((100 * neg) / n) : 0;
    const meter = document.getElementById("negative-share");
    meter.value = share;
    document.getElementById("negative-share-text").textContent = n ? share + "% " + str("negativeShare") : "—";
  }

  function bucketLabel(k) {
    return range === "7d" ? dayFmt.format(new Date(k)) : minuteFmt.format(new Date(k));
  }

  let chart = null;
  function renderChart() {
    const { ms, bucket } = RANGES[range];
    const last = Math.floor(Date.now() / bucket) * bucket;
    const keys = [];
    for (let k = last - ms + bucket; k <= last; k += bucket) keys.push(k);
    for (const k of buckets.keys()) if (k < keys[0]) buckets.delete(k);
    const platforms = new Set();
    buckets.forEach((b) => Object.keys(b.platforms).forEach((p) => platforms.add(p)));
    const datasets = [...platforms].sort().map((p) => ({
      type: "bar", label: p, stack: "volume", yAxisID: "y",
      backgroundColor: PLATFORM_COLOURS[p] || "#999",
      data: keys.map((k) => (buckets.get(k) ? buckets.get(k).platforms[p] || 0 : 0)),
    }));
    datasets.push({
      type: "line", label: str("meanSentiment"), yAxisID: "s", borderColor: wall ? "#f9fafb" : "#111827",
      backgroundColor: wall ? "#f9fafb" : "#111827", pointRadius: 2, spanGaps: true, borderDash: [4, 3],
      data: keys.map((k) => { const b = buckets.get(k); return b && b.n ? +(b.sum / b.n).toFixed(3) : null; }),
    });
    for (const [type, style] of Object.entries(MARKER_STYLE)) {
      const titles = keys.map(() => []);
      for (const m of markers[type]) {
        const index = Math.floor((new Date(m.time).getTime() - keys[0]) / bucket);
        if (index >= 0 && index < keys.length) titles[index].push(m.label);
      }
      datasets.push({
        type: "line", label: str(style.label), yAxisID: "s", showLine: false, markerType: type,
        pointStyle: style.pointStyle, pointRadius: 9, borderColor: style.border, backgroundColor: style.colour,
        markerTitles: titles, data: titles.map((t) => (t.length ? style.y : null)),
      });
    }
    root.dataset.markers = JSON.stringify({ alert: markers.alert.length, statement: markers.statement.length });
    renderGauge();
    const labels = keys.map(bucketLabel);
    if (!chart) {
      if (!window.Chart) return;
      if (wall) {  // light text and grid on the wall's dark background
        window.Chart.defaults.color = "#e5e7eb";
        window.Chart.defaults.borderColor = "#334155";
      }
      chart = new window.Chart(document.getElementById("volume-chart"), {
        data: { labels, datasets },
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          scales: {
            x: { stacked: true, ticks: { maxTicksLimit: 12 } },
            y: { stacked: true, beginAtZero: true, position: "left", ticks: { precision: 0 } },
            s: { min: -1, max: 1, position: "right", grid: { drawOnChartArea: false } },
          },
          plugins: {
            legend: { position: "bottom" },
            tooltip: {
              callbacks: {
                label(context) {
                  const titles = context.dataset.markerTitles;
                  if (titles) return context.dataset.label + ": " + titles[context.dataIndex].join(" · ");
                  return context.dataset.label + ": " + context.formattedValue;
                },
              },
            },
          },
        },
      });
    } else {
      chart.data.labels = labels;
      chart.data.datasets = datasets;
      chart.update("none");
    }
  }

  /* ---- range choice: remembered in this browser ---- */
  const CHART_TITLE = { "1h": "chartHour", "24h": "chartDay", "7d": "chartWeek" };
  const rangeButtons = [...document.querySelectorAll("#range-choice [data-range]")];
  const chartHeading = document.getElementById("chart-h");
  function renderRangeChoice() {
    for (const b of rangeButtons) b.setAttribute("aria-pressed", String(b.dataset.range === range));
    if (chartHeading) chartHeading.textContent = str(CHART_TITLE[range]);
    root.dataset.range = range;
  }
  for (const b of rangeButtons) {
    b.addEventListener("click", () => {
      if (b.dataset.range === range || !RANGES[b.dataset.range]) return;
      range = b.dataset.range;
      store(RANGE_KEY, range);
      renderRangeChoice();
      Promise.all([loadVolume(), loadTop()]).catch((e) => showToast(e.message));
    });
  }

  async function loadVolume() {
    const wanted = range;
    const volume = await getJson("/api/mentions/volume/?" + q({ workspace: slug, range: wanted }));
    if (wanted !== range) return;  // the user switched again meanwhile
    buckets.clear();
    for (const row of volume.series) bucketAdd(new Date(row.bucket).getTime(), row.platform, row.count, row.sentiment_sum, row.negative);
    renderChart();
  }

  /* ---- top terms, hashtags and authors by reach: refreshed at most every 30 s ---- */
  // Throttled: the first change after a quiet spell refreshes within 2 s, then at most once
  // per TOP_REFRESH_MS however fast mentions arrive.
  let topLoadedAt = 0;
  let topTimer = null;
  function topChanged() {
    if (topTimer) return;
    const wait = Math.max(2000, topLoadedAt + TOP_REFRESH_MS - Date.now());
    topTimer = setTimeout(() => { topTimer = null; loadTop().catch(() => {}); }, wait);
  }
  function renderTopList(id, rows, text) {
    const list = document.getElementById(id);
    list.replaceChildren();
    for (const row of rows) {
      const li = el("li");
      text(row).forEach((part, n) => li.append(el("span", n ? "muted" : "top-name", part)));
      list.append(li);
    }
    if (!rows.length) list.append(el("li", "muted none", "—"));
    list.hidden = false;
    return rows.length;
  }
  async function loadTop() {
    const wanted = range;
    const top = await getJson("/api/mentions/top/?" + q({ workspace: slug, range: wanted }));
    if (wanted !== range) return;
    topLoadedAt = Date.now();
    const n = renderTopList("top-terms", top.terms, (t) => [t.query, " " + numFmt.format(t.count)])
      + renderTopList("top-hashtags", top.hashtags, (h) => ["#" + h.tag, " " + numFmt.format(h.count)])
      + renderTopList("top-words", top.words, (w) => [w.word, " " + numFmt.format(w.count)]);
    const a = renderTopList("top-authors", top.authors, (x) => [
      x.author, " " + x.platform + " · " + numFmt.format(x.reach) + " " + str("followers") + " · " + numFmt.format(x.mentions) + "×",
    ]);
    document.getElementById("top-empty").hidden = n + a > 0;
  }

  /* ---- statements on the time axis (the statements app answers 200 once it exists) ---- */
  async function loadStatementMarkers() {
    const response = await fetch("/api/statements/?" + q({ workspace: slug, status: "published" }), {
      credentials: "same-origin", headers: { Accept: "application/json" },
    });
    if (!response.ok) return;  // 404 until the statements app ships
    const data = await response.json();
    const rows = Array.isArray(data) ? data : data.results || [];
    setMarkers("statement", rows.filter((r) => r.published_at).map((r) => ({ label: r.title, time: r.published_at })));
  }

  /* ---- API ---- */
  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(url + " → " + response.status);
    return response.json();
  }
  const q = (params) => new URLSearchParams(params).toString();

  // The full read: the latest message number first, then the lists. Events numbered above
  // it are applied on top (ids make that idempotent).
  async function loadInitial() {
    const start = await getJson("/api/events/?" + q({ workspace: slug }));
    const [mentions, alerts] = await Promise.all([
      getJson("/api/mentions/?" + q({ workspace: slug, page_size: 100 })),
      getJson("/api/alerts/?" + q({ workspace: slug, page_size: 20 })),
    ]);
    addMentions(mentions.results, { prepend: false });
    if (filtersActive(currentFilters())) {
      searchStream();  // the stream shows what matches among all stored mentions
    } else {
      streamTotal = mentions.count;
      olderUrl = localPath(mentions.next);
      updateStreamFooter();
    }
    addAlerts(alerts.results.slice().reverse(), { prepend: true, announce: false });
    await Promise.all([loadVolume(), loadIncidents(), loadSources(), loadTop(), loadEscalations()]);
    loadStatementMarkers().catch(() => {});
    return start.seq;
  }

  /* ---- websocket with reconnect and catch-up ---- */
  // Messages are numbered per workspace. `lastSeq` is the highest number applied with nothing
  // missing below it; messages that arrive early wait in `pending` while the gap is fetched
  // from /api/events/ (the replay log). Ids make every apply idempotent: nothing twice.
  let socket = null;
  let attempt = 0;
  let lastSeq = 0;
  const pending = new Map();
  let catchingUp = null;
  let gapTimer = null;

  function setStatus(state) {
    statusEl.className = "live-status " + state;
    statusEl.textContent = state === "live" ? "● " + str("live") : "○ " + str("reconnecting");
    root.dataset.connection = state;
  }

  function handleEvent(event) {
    if (event.type === "mention.batch") {
      // The chart counts every new mention, paused or not; the stream may hold them back.
      const news = event.mentions.filter((m) => !seenMentions.has(m.id) && !waiting.some((w) => w.id === m.id));
      const since = Date.now() - RANGES[range].ms;
      for (const m of news) {
        if (new Date(m.posted_at).getTime() >= since) {
          bucketAdd(bucketKey(m.posted_at), m.platform, 1, m.sentiment.compound, m.sentiment.compound <= -0.05 ? 1 : 0);
        }
      }
      addMentions(event.mentions, { prepend: true });
      if (news.length) { topChanged(); renderChart(); }
    } else if (event.type === "alert.created") {
      addAlerts([event], { prepend: true, announce: true });
    } else if (event.type === "alert.updated") {
      if (alertNodes.has(event.id)) updateAlert(event);
      else if (event.status === "new") getJson("/api/alerts/?" + q({ workspace: slug, page_size: 20 }))
        .then((data) => addAlerts(data.results.slice().reverse(), { prepend: true, announce: false })).catch(() => {});
    } else if (event.type === "source.health_changed") {
      sources.set(event.id, { ...(sources.get(event.id) || {}), ...event });
      renderSources();
    } else if (event.type === "incident.updated") {
      incidents.set(event.id, { ...(incidents.get(event.id) || {}), ...event });
      renderIncidents();
    } else if (event.type === "escalation.updated") {
      escalationEvent(event);
    } else if (typeof event.type === "string" && event.type.startsWith("statement.")) {
      loadStatementMarkers().catch(() => {});
    }
  }

  function applyMessage(message) {
    (message.events || []).forEach(handleEvent);
  }

  function drainPending() {
    while (pending.has(lastSeq + 1)) {
      const message = pending.get(lastSeq + 1);
      pending.delete(lastSeq + 1);
      lastSeq += 1;
      applyMessage(message);
    }
    for (const seq of pending.keys()) if (seq <= lastSeq) pending.delete(seq);
  }

  async function catchUp() {
    if (catchingUp) return catchingUp;
    catchingUp = (async () => {
      for (;;) {
        const replay = await getJson("/api/events/?" + q({ workspace: slug, after: lastSeq }));
        if (!replay.complete) {
          // Older than the log keeps (or the server's numbering restarted): re-read it all.
          lastSeq = await loadInitial();
          for (const seq of [...pending.keys()].sort((a, b) => a - b)) if (seq > lastSeq) { applyMessage(pending.get(seq)); lastSeq = seq; }
          pending.clear();
          return;
        }
        for (const message of replay.messages) {
          if (message.seq <= lastSeq) continue;
          pending.delete(message.seq);
          lastSeq = message.seq;
          applyMessage(message);
        }
        drainPending();
        if (!replay.more) return;
      }
    })();
    try { await catchingUp; } finally { catchingUp = null; }
    if (pending.size) scheduleGapFetch();
  }

  function scheduleGapFetch() {
    // A message from another publisher may simply be a moment late: wait briefly first.
    clearTimeout(gapTimer);
    gapTimer = setTimeout(() => { if (pending.size) catchUp().catch(() => scheduleGapFetch()); }, 400);
  }

  const workspaceId = Number(root.dataset.workspaceId);
  function receive(data) {
    if (typeof data.seq !== "number") return;
    // Redis pub/sub ignores the db number: another deployment on the same Redis could reach
    // this group. Its numbering is not ours; never apply or wait for it.
    if ((data.events || []).some((e) => e.workspace_id !== undefined && e.workspace_id !== workspaceId)) return;
    if (data.seq <= lastSeq) return;  // already applied (replayed before it arrived)
    pending.set(data.seq, data);
    drainPending();
    if (pending.size) scheduleGapFetch();
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/workspaces/" + encodeURIComponent(slug) + "/");
    socket.onopen = async () => {
      const wasReconnect = attempt > 0;
      attempt = 0;
      if (wasReconnect) {
        // Whatever was published while we were away comes from the replay log, then live.
        try { await catchUp(); } catch (e) { socket.close(); return; }
      }
      setStatus("live");
    };
    socket.onmessage = (message) => {
      let data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      receive(data);
    };
    socket.onclose = () => {
      setStatus("reconnecting");
      attempt += 1;
      // Exponential backoff with jitter, capped at 30 s: a restarted server is not stormed.
      const delay = Math.min(30000, 500 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
      setTimeout(connect, delay);
    };
  }

  window.crisisDashboard = { setMarkers };
  renderRangeChoice();
  setInterval(renderChart, 15000); // keep the time axis moving when nothing arrives
  setInterval(tickClocks, 1000); // the response countdowns
  setInterval(() => { renderSources(); }, 30000);
  setInterval(() => { if ([...escalations.values()].some((r) => r.endedSeenAt)) renderEscalations(); }, 60000);
  setInterval(() => { loadStatementMarkers().catch(() => {}); }, 60000);
  // Wall mode with several workspaces: show each for a minute, in turn.
  if (wall && root.dataset.wallNext) setTimeout(() => { location.href = root.dataset.wallNext; }, 60000);
  loadInitial()
    .then((seq) => { lastSeq = seq; })
    .catch((e) => console.error(e))
    .finally(connect);
})();
