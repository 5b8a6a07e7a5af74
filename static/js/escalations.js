/* Escalations page: live over the workspace websocket instead of a periodic reload.
 * On `escalation.updated` (and after every reconnect, to cover what was missed while away)
 * the page fetches itself and swaps in the server-rendered, autoescaped lists; no data is
 * ever inserted as HTML built here.
 */
(function () {
  "use strict";

  const root = document.getElementById("escalations-live");
  if (!root) return;
  const slug = root.dataset.workspace;
  const workspaceId = Number(root.dataset.workspaceId);
  const statusEl = document.getElementById("live-status");
  let attempt = 0;
  let refreshTimer = null;
  let refreshing = false;
  let again = false;

  function setStatus(state) {
    root.dataset.connection = state;
    if (!statusEl) return;
    statusEl.className = "live-status " + state;
    statusEl.textContent = state === "live" ? "● " + root.dataset.strLive : "○ " + root.dataset.strReconnecting;
  }

  async function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      const response = await fetch(location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!response.ok) return;
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = doc.getElementById("escalations-live");
      if (!fresh) return;
      // Keep keyboard focus on the same run's button when it is still there.
      const focused = document.activeElement && root.contains(document.activeElement) ? document.activeElement.closest("[id^=run-]") : null;
      root.replaceChildren(...[...fresh.childNodes].map((node) => document.importNode(node, true)));
      root.dataset.version = String(Number(root.dataset.version || 0) + 1);
      if (focused) {
        const same = document.getElementById(focused.id);
        const target = same && (same.querySelector("button") || same);
        if (target) target.focus();
      }
    } catch (e) {
      /* offline for a moment: the next event or reconnect fetches again */
    } finally {
      refreshing = false;
      if (again) { again = false; schedule(); }
    }
  }

  function schedule() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, 250); // several tiers at once: one fetch
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/workspaces/" + encodeURIComponent(slug) + "/");
    socket.onopen = () => {
      if (attempt > 0) schedule(); // whatever changed while we were away
      attempt = 0;
      setStatus("live");
    };
    socket.onmessage = (message) => {
      let data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      const events = (data && data.events) || [];
      if (events.some((e) => e.type === "escalation.updated" && e.workspace_id === workspaceId)) schedule();
    };
    socket.onclose = () => {
      setStatus("reconnecting");
      attempt += 1;
      const delay = Math.min(30000, 500 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
      setTimeout(connect, delay);
    };
  }

  connect();
})();
