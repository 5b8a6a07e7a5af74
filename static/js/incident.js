/* Incident pages: actions through the REST API, live updates over the workspace websocket.
   Every text from the server (post text, notes, claims) is written with textContent. */
(function () {
  "use strict";

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  async function api(method, url, body) {
    const response = await fetch(url, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(window.crisisErrorText(data) || String(response.status));
    }
    return data;
  }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else if (k === "text") node.textContent = v; else node.setAttribute(k, v);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }
  // Ids stay digit strings, sent as typed: JS numbers round above 2^53 (the API takes strings).
  function ids(text, badMessage) {
    const parts = text.split(/[\s,]+/).filter(Boolean);
    const bad = parts.filter((p) => !/^[0-9]+$/.test(p) || /^0+$/.test(p));
    if (bad.length) throw new Error(badMessage + " " + bad.join(", "));
    return parts;
  }

  /* ---- list page: open an incident by hand ---- */
  const createForm = document.getElementById("incident-create");
  if (createForm) {
    createForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = new FormData(createForm);
      const feedback = document.getElementById("ic-feedback");
      const body = { workspace: form.get("workspace"), title: form.get("title"), severity: Number(form.get("severity")) };
      if (form.get("scenario")) { body.scenario = form.get("scenario"); body.language = document.documentElement.lang === "en" ? "en" : "nl"; }
      try {
        const incident = await api("POST", "/api/incidents/", body);
        location.href = "/incidents/" + incident.id + "/";
      } catch (e) { feedback.textContent = createForm.dataset.errorPrefix + " " + e.message; }
    });
  }

  const root = document.getElementById("incident");
  if (!root) return;
  const id = Number(root.dataset.id);
  const slug = root.dataset.workspace;
  const lang = root.dataset.lang || "nl";
  const canRun = root.dataset.canRun === "1"; // crisis team or admin, and not reviewed (final)
  const str = (key) => root.dataset["str" + key.charAt(0).toUpperCase() + key.slice(1)] || key;
  const pairs = (text) => Object.fromEntries((text || "").split("|").filter(Boolean).map((p) => p.split("=")));
  const claimLabels = pairs(root.dataset.strClaimStatuses);
  const kindLabels = pairs(root.dataset.strKinds);
  const roleLabels = pairs(root.dataset.strRoles);
  const platformLabels = pairs(root.dataset.strPlatforms);
  let members = [];
  try { members = JSON.parse(document.getElementById("member-data").textContent) || []; } catch (e) { /* none */ }
  const base = "/api/incidents/" + id + "/";
  const feedback = document.getElementById("incident-feedback");
  // The workspace's zone, as the server-rendered times use it (not the browser's zone).
  const timeZone = root.dataset.timeZone || "Europe/Amsterdam";
  const parts = { timeZone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  const fmt = new Intl.DateTimeFormat(lang, parts);
  const fmtYear = new Intl.DateTimeFormat(lang, { ...parts, year: "numeric" }); // not this year
  const thisYear = new Date().getFullYear();
  const number = new Intl.NumberFormat(lang);
  const when = (iso) => {
    if (!iso) return "";
    const date = new Date(iso);
    return (date.getFullYear() === thisYear ? fmt : fmtYear).format(date);
  };

  function say(message, isError) {
    feedback.textContent = message;
    feedback.className = "feedback " + (isError ? "error" : "ok");
  }
  async function act(promise) {
    try { const r = await promise; say(str("saved"), false); return r; } catch (e) { say(str("error") + " " + e.message, true); throw e; }
  }

  /* ---- response clock ---- */
  const clock = document.getElementById("response-clock");
  function duration(ms) {
    const s = Math.floor(Math.abs(ms) / 1000);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(sec).padStart(2, "0");
  }
  // Resolved and reviewed incidents show the final state: the clock no longer runs.
  const closed = ["resolved", "reviewed"].includes(root.dataset.status);
  function tickClock() {
    const due = root.dataset.responseDue, at = root.dataset.responseAt;
    clock.classList.remove("overdue", "done");
    if (at) {
      const took = new Date(at).getTime() - new Date(root.dataset.discovered).getTime();
      const after = Number.isNaN(took) ? "" : " (" + str("took").replace("%(duration)s", duration(took)) + ")";
      clock.textContent = "✓ " + str("reacted") + " " + when(at) + after;
      clock.classList.add("done");
      return;
    }
    if (closed) { clock.textContent = str("noReaction"); return; }
    if (!due) { clock.textContent = str("noClock"); return; }
    const left = new Date(due).getTime() - Date.now();
    if (left >= 0) clock.textContent = duration(left) + " " + str("left");
    else { clock.textContent = "⚠ " + str("overdue") + " " + duration(left); clock.classList.add("overdue"); }
  }
  if (!closed) setInterval(tickClock, 1000);
  tickClock();

  /* ---- tasks ---- */
  const taskList = document.getElementById("task-list");
  function renderTasks(tasks) {
    taskList.replaceChildren();
    if (!tasks.length) { taskList.append(el("li", { class: "empty", text: str("noTasks") })); return; }
    let step = null;
    for (const task of tasks) {
      if (task.step !== step) { step = task.step; taskList.append(el("li", { class: "task-step", text: step || "—" })); }
      const item = el("li", { class: "task" + (task.done_at ? " done" : "") + (task.is_overdue ? " overdue" : ""), "data-id": String(task.id) });
      const meta = el("div", { class: "task-meta" },
        el("span", { text: str("owner") + ": " + (roleLabels[task.owner_role] || task.owner_role) }),
        task.assignee ? el("span", { text: str("assignee") + ": " + task.assignee }) : null,
        task.due_at ? el("span", { text: str("due") + " " + when(task.due_at) }) : null,
        task.is_overdue ? el("strong", { class: "error", text: str("overdueTask") }) : null,
        task.done_at ? el("span", { text: "✓ " + str("done") + " " + when(task.done_at) + (task.done_by ? " · " + task.done_by : "") }) : null);
      item.append(el("span", { class: "task-title", text: task.title }), meta);
      if (task.checklist.length) {
        const list = el("ul", { class: "checklist" });
        task.checklist.forEach((entry, index) => {
          const box = el("input", { type: "checkbox", id: "t" + task.id + "c" + index });
          box.checked = !!entry.done;
          box.disabled = !canRun || !!task.done_at;
          box.addEventListener("change", () => {
            const values = task.checklist.map((e, i) => (i === index ? box.checked : !!e.done));
            act(api("PATCH", base + "tasks/" + task.id + "/", { checklist: values })).then(loadTasks).catch(() => {});
          });
          list.append(el("li", {}, box, el("label", { for: box.id, text: entry.text })));
        });
        item.append(list);
      }
      if (canRun && !task.done_at) {
        const assign = el("select", { "aria-label": str("assign") + ": " + task.title, class: "task-assign" });
        assign.append(el("option", { value: "", text: str("assign") + ": " + str("nobody") }));
        for (const [value, name] of members) {
          const option = el("option", { value: String(value), text: str("assign") + ": " + name });
          option.selected = value === task.assignee_id;
          assign.append(option);
        }
        assign.addEventListener("change", () => act(api("PATCH", base + "tasks/" + task.id + "/", { assignee_id: assign.value ? Number(assign.value) : null })).then(loadTasks).catch(() => {}));
        item.append(assign, " ");
        const button = el("button", { type: "button", class: "js-task-done", text: str("markDone") });
        button.addEventListener("click", () => act(api("POST", base + "tasks/" + task.id + "/complete/")).then(loadTasks).catch(() => {}));
        item.append(button);
      }
      taskList.append(item);
    }
  }
  const loadTasks = () => api("GET", base + "tasks/").then(renderTasks);

  /* ---- claims ---- */
  const claimList = document.getElementById("claim-list");
  const canFacts = root.dataset.canAddFacts === "1";
  function renderClaims(claims) {
    claimList.replaceChildren();
    if (!claims.length) { claimList.append(el("li", { class: "empty", text: str("noClaims") })); return; }
    for (const claim of claims) {
      const item = el("li", { class: "claim claim-" + claim.status, "data-id": String(claim.id) });
      item.append(el("span", { class: "claim-status", text: claim.status_label }), " ", el("span", { class: "claim-text", text: claim.text }));
      const meta = el("div", { class: "task-meta" }, el("span", { text: str("by") + " " + (claim.created_by || "?") + " · " + when(claim.created_at) }));
      if (claim.verified_by) meta.append(el("span", { text: str("verifiedBy") + " " + claim.verified_by + " · " + when(claim.verified_at) }));
      if (claim.mention_ids.length) meta.append(el("span", { text: str("sources") + ": #" + claim.mention_ids.join(", #") }));
      item.append(meta);
      if (canFacts) {
        const select = el("select", { "aria-label": str("claimStatus") });
        for (const [value, label] of Object.entries(claimLabels)) {
          const option = el("option", { value, text: label });
          option.selected = value === claim.status;
          select.append(option);
        }
        select.addEventListener("change", () => act(api("PATCH", base + "claims/" + claim.id + "/", { status: select.value })).then(loadClaims).catch(() => {}));
        item.append(select);
      }
      claimList.append(item);
    }
  }
  const loadClaims = () => api("GET", base + "claims/").then(renderClaims);

  /* ---- timeline (newest first, load more) ---- */
  const timeline = document.getElementById("timeline");
  const more = document.getElementById("timeline-more");
  const shown = new Set();
  let nextPage = null;
  function eventNode(event) {
    return el("li", { class: "event kind-" + event.kind, "data-id": String(event.id) },
      el("time", { datetime: event.at, text: when(event.at) }), " ",
      el("span", { class: "badge", text: kindLabels[event.kind] || event.kind }), " ",
      el("span", { class: "event-summary", text: event.summary }),
      event.actor ? el("span", { class: "event-actor", text: " — " + event.actor }) : null);
  }
  function addEvents(events, { prepend }) {
    const fresh = events.filter((e) => !shown.has(e.id));
    fresh.forEach((e) => shown.add(e.id));
    const nodes = fresh.map(eventNode);
    if (prepend) timeline.prepend(...nodes); else timeline.append(...nodes);
    const empty = timeline.querySelector(".empty");
    if (empty && shown.size) empty.remove();
    if (!shown.size && !empty) timeline.append(el("li", { class: "empty", text: str("noEvents") }));
  }
  async function loadTimeline(url, prepend) {
    const page = await api("GET", url);
    addEvents(page.results, { prepend });
    if (!prepend) { nextPage = page.next; more.hidden = !nextPage; }
  }
  more.addEventListener("click", () => { if (nextPage) loadTimeline(nextPage, false).catch(() => {}); });

  /* ---- reach ---- */
  function renderReach(reach) {
    document.getElementById("reach-mentions").textContent = number.format(reach.mentions || 0);
    document.getElementById("reach-authors").textContent = number.format(reach.unique_authors || 0);
    document.getElementById("reach-followers").textContent = number.format(reach.follower_reach || 0);
    document.getElementById("reach-engagement").textContent = number.format(reach.engagement || 0);
    const platforms = document.getElementById("reach-platforms");
    platforms.replaceChildren(...Object.entries(reach.per_platform || {}).map(([name, count]) => el("li", { text: (platformLabels[name] || name) + ": " + number.format(count) })));
    const trend = document.getElementById("reach-trend");
    trend.replaceChildren(...(reach.sentiment_trend || []).map((row) => {
      const width = Math.max(2, Math.round(Math.abs(row.avg_compound) * 100));
      return el("li", { class: row.avg_compound <= -0.05 ? "negative" : row.avg_compound >= 0.05 ? "positive" : "neutral" },
        el("span", { text: when(row.at) + " · " + row.mentions + " · " + row.avg_compound.toFixed(2) }),
        el("span", { class: "bar", style: "width:" + width + "px", "aria-hidden": "true" }));
    }));
  }

  /* ---- linked mentions ---- */
  const mentionList = document.getElementById("mention-list");
  const httpUrl = (url) => (/^https?:\/\//i.test(url || "") ? url : "");
  function renderMentions(mentions) {
    if (!mentions.length) return;
    mentionList.replaceChildren(...mentions.map((m) => {
      const meta = el("div", { class: "mention-meta" },
        el("span", { class: "author", text: m.author }), el("span", { class: "badge", text: platformLabels[m.platform] || m.platform }),
        el("span", { text: "#" + m.id }), el("span", { text: when(m.posted_at) }));
      if (httpUrl(m.url)) meta.append(el("a", { class: "mention-link", href: httpUrl(m.url), rel: "noopener noreferrer", target: "_blank", text: str("openPost") }));
      if (canRun && m.is_attached) {
        const button = el("button", { type: "button", class: "link js-detach", text: str("detach") });
        button.addEventListener("click", () => act(api("POST", base + "mentions/detach/", { mention_ids: [m.id] })).catch(() => {}));
        meta.append(button);
      }
      const tone = m.sentiment_compound <= -0.05 ? "negative" : m.sentiment_compound >= 0.05 ? "positive" : "neutral";
      return el("li", { class: "mention sentiment-" + tone, "data-id": String(m.id) }, meta, el("p", { class: "mention-text", text: m.text }));
    }));
  }
  const loadMentions = () => api("GET", base + "mentions/").then(renderMentions);

  /* ---- header (incident.updated) ---- */
  function renderHeader(event) {
    document.getElementById("incident-title").textContent = event.title;
    document.getElementById("incident-severity").textContent = String(event.severity);
    document.getElementById("incident-overdue").textContent = String(event.overdue_tasks);
    if (event.commander !== undefined) document.getElementById("incident-commander").textContent = event.commander || "—";
    if (root.dataset.status !== event.status) location.reload(); // new status, new buttons
    root.dataset.responseDue = event.response_due_at || "";
    root.dataset.responseAt = event.response_at || "";
    tickClock();
  }

  /* ---- forms ---- */
  function onSubmit(formId, handler) {
    const form = document.getElementById(formId);
    if (!form) return;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try { await act(handler(new FormData(form))); form.reset(); } catch (e) { /* shown */ }
    });
  }
  onSubmit("note-form", (f) => api("POST", base + "notes/", { text: f.get("text") }));
  onSubmit("claim-form", async (f) => api("POST", base + "claims/", { text: f.get("text"), status: f.get("status"), mention_ids: ids(f.get("mention_ids") || "", str("badIds")) }).then(loadClaims));
  onSubmit("playbook-form", (f) => api("POST", base + "playbook/", { scenario: f.get("scenario"), language: lang === "en" ? "en" : "nl" }).then(() => {
    document.getElementById("playbook-form").remove();
    return loadTasks();
  }));
  onSubmit("attach-form", async (f) => api("POST", base + "mentions/", { mention_ids: ids(f.get("mention_ids") || "", str("badIds")) }));
  onSubmit("response-form", (f) => {
    const body = { url: f.get("url") };
    if (f.get("at")) body.at = new Date(f.get("at")).toISOString();
    if (document.getElementById("response-form").dataset.correct) body.correct = true;
    return api("POST", base + "response/", body).then(() => location.reload()); // record → correct form
  });
  const commanderForm = document.getElementById("commander-form");
  if (commanderForm) commanderForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = document.getElementById("commander-select").value;
    act(api("POST", base + "commander/", { user_id: value ? Number(value) : null })).catch(() => {});
  });
  const severityForm = document.getElementById("severity-form");
  if (severityForm) severityForm.addEventListener("submit", (event) => {
    event.preventDefault();
    act(api("PATCH", base, { severity: Number(document.getElementById("severity-select").value) })).catch(() => {});
  });
  document.querySelectorAll(".js-transition").forEach((button) => button.addEventListener("click", () => {
    act(api("POST", base + "transition/", { status: button.dataset.status })).then(() => location.reload()).catch(() => {});
  }));
  document.querySelectorAll(".js-detach").forEach((button) => button.addEventListener("click", () => {
    act(api("POST", base + "mentions/detach/", { mention_ids: [button.dataset.id] })).catch(() => {});
  }));

  /* ---- evaluation (resolved or reviewed incidents) ---- */
  const evalPanel = document.getElementById("evaluation");
  const evalStr = (key) => evalPanel.dataset["str" + key.charAt(0).toUpperCase() + key.slice(1)] || key;
  const evalForm = document.getElementById("evaluation-form");
  const evalItems = document.getElementById("evaluation-items");
  let itemCount = 0;
  function field(labelText, input) {
    input.id = input.id || "ev-item-" + itemCount + "-" + input.name;
    return el("span", { class: "evaluation-item-field" }, el("label", { for: input.id, text: labelText }), input);
  }
  function itemRow(item) {
    itemCount += 1;
    const row = el("li", { class: "evaluation-item" });
    const text = el("input", { type: "text", name: "text", maxlength: "500", required: "" });
    text.value = item.text || "";
    const owner = el("select", { name: "owner_id" });
    owner.append(el("option", { value: "", text: evalStr("nobody") }));
    for (const [value, name] of members) {
      const option = el("option", { value: String(value), text: name });
      option.selected = value === item.owner_id;
      owner.append(option);
    }
    const ownerName = el("input", { type: "text", name: "owner_name", maxlength: "200" });
    ownerName.value = item.owner_name || "";
    const due = el("input", { type: "date", name: "due_on" });
    due.value = item.due_on || "";
    const done = el("input", { type: "checkbox", name: "done" });
    done.checked = !!item.done;
    const remove = el("button", { type: "button", class: "js-remove-item" });
    remove.addEventListener("click", () => {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber();
      (next ? next.querySelector("input") : document.getElementById("evaluation-add-item")).focus();
    });
    row.append(field("", text), field(evalStr("owner"), owner),
      field(evalStr("ownerName"), ownerName), field(evalStr("dueOn"), due), field(evalStr("done"), done), remove);
    return row;
  }
  // "Action item 2" follows the row's place, also after one above it is removed.
  function renumber() {
    [...evalItems.children].forEach((row, index) => {
      const name = evalStr("item") + " " + (index + 1);
      row.querySelector("label").textContent = name;
      row.querySelector(".js-remove-item").textContent = evalStr("remove") + ": " + name;
    });
  }
  function evaluationBody() {
    const value = (name) => evalForm.elements[name].value;
    return {
      summary: value("summary"), went_well: value("went_well"), to_improve: value("to_improve"),
      action_items: [...evalItems.children].map((row) => {
        const get = (name) => row.querySelector("[name=" + name + "]");
        const item = { text: get("text").value, done: get("done").checked, due_on: get("due_on").value || null };
        if (get("owner_id").value) item.owner_id = Number(get("owner_id").value); else item.owner_name = get("owner_name").value;
        return item;
      }),
    };
  }
  function renderEvaluationView(evaluation) {
    const view = document.getElementById("evaluation-view");
    view.replaceChildren();
    if (!evaluation) { view.append(el("p", { class: "empty", text: evalStr("noEvaluation") })); return; }
    for (const [key, name] of [["summary", "summary"], ["wentWell", "went_well"], ["toImprove", "to_improve"]]) {
      view.append(el("h3", { text: evalStr(key) }), el("p", { class: "evaluation-text", "data-field": name, text: evaluation[name] || "—" }));
    }
    const list = el("ul", { class: "plain-list evaluation-items" });
    for (const item of evaluation.action_items) {
      const details = [item.owner, item.due_on ? evalStr("dueOn") + " " + item.due_on : ""].filter(Boolean).join(" · ");
      list.append(el("li", { class: item.done ? "done" : "" }, el("span", { text: (item.done ? "✓ " : "○ ") + item.text }),
        details ? el("span", { class: "task-meta", text: " — " + details }) : null));
    }
    if (!evaluation.action_items.length) list.append(el("li", { class: "empty", text: evalStr("noItems") }));
    view.append(el("h3", { text: evalStr("items") }), list);
  }
  function renderEvaluation(data) {
    document.getElementById("evaluation-numbers").replaceChildren(...data.numbers_text.map((row) =>
      el("div", {}, el("dt", { text: row.label }), el("dd", { text: row.value }))));
    const evaluation = data.evaluation;
    document.getElementById("evaluation-meta").textContent = evaluation && evaluation.updated_by
      ? evalStr("edited") + " " + evaluation.updated_by + " · " + when(evaluation.updated_at) : "";
    evalForm.hidden = !data.can_edit;
    document.getElementById("evaluation-view").hidden = data.can_edit;
    if (!data.can_edit) { renderEvaluationView(evaluation); return; }
    for (const name of ["summary", "went_well", "to_improve"]) evalForm.elements[name].value = evaluation ? evaluation[name] : "";
    itemCount = 0;
    evalItems.replaceChildren(...(evaluation ? evaluation.action_items : []).map(itemRow));
    renumber();
  }
  const loadEvaluation = () => (evalPanel ? api("GET", base + "evaluation/").then(renderEvaluation) : Promise.resolve());
  if (evalPanel) {
    const evalFeedback = document.getElementById("evaluation-feedback");
    document.getElementById("evaluation-add-item").addEventListener("click", () => {
      const row = itemRow({});
      evalItems.append(row);
      renumber();
      row.querySelector("input").focus();
    });
    evalForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        renderEvaluation(await api("PUT", base + "evaluation/", evaluationBody()));
        evalFeedback.textContent = evalStr("saved"); evalFeedback.className = "feedback ok";
      } catch (e) { evalFeedback.textContent = str("error") + " " + e.message; evalFeedback.className = "feedback error"; }
    });
  }

  /* ---- websocket ---- */
  const statusEl = document.getElementById("live-status");
  let attempt = 0;
  function handle(event) {
    if (event.type === "incident.reach_updated" && event.id === id) renderReach(event);
    else if (event.type === "incident.updated" && event.id === id) { renderHeader(event); loadTasks().catch(() => {}); }
    else if (event.type === "incident.event_recorded" && event.incident_id === id) {
      addEvents([event], { prepend: true });
      if (event.kind === "claim") loadClaims().catch(() => {});
      if (event.kind === "task") loadTasks().catch(() => {});
      if (event.kind === "mention") loadMentions().catch(() => {});
    }
  }
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/workspaces/" + encodeURIComponent(slug) + "/");
    socket.onopen = () => { attempt = 0; statusEl.className = "live-status live"; statusEl.textContent = "● " + str("live"); root.dataset.connection = "live"; };
    socket.onmessage = (message) => {
      let data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      (data.events || []).forEach(handle);
    };
    socket.onclose = () => {
      statusEl.className = "live-status reconnecting"; statusEl.textContent = "○ " + str("reconnecting");
      root.dataset.connection = "reconnecting";
      attempt += 1;
      setTimeout(connect, Math.min(30000, 500 * 2 ** Math.min(attempt, 6)));
    };
  }

  try { renderReach(JSON.parse(document.getElementById("reach-data").textContent) || {}); } catch (e) { /* empty */ }
  Promise.all([loadTasks(), loadClaims(), loadTimeline(base + "timeline/?page_size=20", false), loadEvaluation()])
    .catch((e) => say(str("error") + " " + e.message, true))
    .finally(connect);
  setInterval(() => loadTasks().catch(() => {}), 60000); // overdue marks move with time
})();
