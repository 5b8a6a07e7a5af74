/* Playbooks page: admins save a playbook (PATCH /api/playbooks/<id>/) or install defaults. */
(function () {
  "use strict";
  const root = document.getElementById("playbooks");
  if (!root) return;
  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  async function api(method, url, body) {
    const response = await fetch(url, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(window.crisisErrorText(data) || String(response.status));
    return data;
  }
  document.querySelectorAll(".js-playbook-form").forEach((form) => form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = form.querySelector(".feedback");
    const data = new FormData(form);
    let steps;
    try {
      steps = JSON.parse(data.get("steps"));
    } catch (e) {
      out.textContent = root.dataset.strBadJson;  // the browser's own message is in English
      form.querySelector("textarea[name=steps]").focus();
      return;
    }
    try {
      await api("PATCH", "/api/playbooks/" + form.dataset.id + "/", { title: data.get("title"), description: data.get("description"), steps });
      out.textContent = root.dataset.strSaved;
    } catch (e) { out.textContent = root.dataset.strError + " " + e.message; }
  }));
  document.querySelectorAll(".js-clock-form").forEach((form) => form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = form.querySelector(".feedback");
    const minutes = Object.fromEntries([...new FormData(form)].map(([k, v]) => [k, Number(v)]));
    try {
      await api("POST", "/api/response-clock/", { workspace: form.dataset.workspace, minutes });
      out.textContent = root.dataset.strSaved;
    } catch (e) { out.textContent = root.dataset.strError + " " + e.message; }
  }));
  document.querySelectorAll(".js-install").forEach((button) => button.addEventListener("click", async () => {
    try { await api("POST", "/api/playbooks/install-defaults/", { workspace: button.dataset.workspace }); location.reload(); }
    catch (e) { button.after(document.createTextNode(" " + root.dataset.strError + " " + e.message)); }
  }));
})();
