/* Template library: create, edit, delete through /api/statement-templates/ (errors shown as text). */
(function () {
  "use strict";
  var page = document.getElementById("templates-page");
  if (!page) return;
  var D = document.getElementById("tpl-strings").dataset;
  var S = { saved: D.strSaved, deleted: D.strDeleted, confirm: D.strConfirm };
  var feedback = document.getElementById("tpl-feedback");
  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function api(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      if (r.status === 204) return {};
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) throw new Error(data.detail || Object.keys(data).map(function (k) { return k + ": " + data[k]; }).join("; "));
        return data;
      });
    });
  }
  function fail(e) { feedback.textContent = e.message; feedback.classList.add("error"); }
  function done(message) { sessionStorage.setItem("tpl-feedback", message); location.reload(); }
  var pending = sessionStorage.getItem("tpl-feedback");
  if (pending) { feedback.textContent = pending; sessionStorage.removeItem("tpl-feedback"); }

  var form = document.getElementById("tpl-new");
  if (form) form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = new FormData(form);
    api("POST", "/api/statement-templates/", {
      workspace: page.dataset.workspace, scenario: f.get("scenario"), language: f.get("language"),
      title: f.get("title"), body: f.get("body")
    }).then(function () { done(S.saved); }).catch(fail);
  });
  document.querySelectorAll(".tpl-edit").forEach(function (edit) {
    edit.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var f = new FormData(edit);
      api("PATCH", "/api/statement-templates/" + edit.dataset.id + "/", { title: f.get("title"), body: f.get("body") })
        .then(function () { done(S.saved); }).catch(fail);
    });
  });
  document.querySelectorAll(".tpl-delete").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!window.confirm(S.confirm)) return;
      api("DELETE", "/api/statement-templates/" + button.dataset.id + "/").then(function () { done(S.deleted); }).catch(fail);
    });
  });

  document.querySelectorAll(".acc-form").forEach(function (accForm) {
    accForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = { workspace: page.dataset.workspace, channel: accForm.dataset.channel, settings: {}, credentials: {} };
      accForm.querySelectorAll("input[data-kind]").forEach(function (input) {
        if (input.value) body[input.dataset.kind][input.name] = input.value;
      });
      api("POST", "/api/publishing-accounts/", body).then(function () { done(S.saved); }).catch(fail);
    });
  });
  document.querySelectorAll(".acc-delete").forEach(function (button) {
    button.addEventListener("click", function () {
      api("DELETE", "/api/publishing-accounts/" + button.dataset.id + "/").then(function () { done(S.deleted); }).catch(fail);
    });
  });
})();
