/* Source forms: show only the chosen platform's credential fieldset. Without this script
   every fieldset shows, each named by its platform, and the server uses the chosen one's. */
(function () {
  "use strict";
  document.querySelectorAll("form.source-form").forEach((form) => {
    const select = form.querySelector("select[name=platform]");
    const groups = form.querySelectorAll("fieldset[data-platform]");
    if (!select || !groups.length) return;
    const show = () => {
      groups.forEach((group) => {
        const chosen = group.dataset.platform === select.value;
        group.hidden = !chosen;
        group.disabled = !chosen; // a secret typed for another platform is not sent
      });
    };
    select.addEventListener("change", show);
    show();
  });
})();

/* Deleting a watch term asks first (the form's data-confirm, in the page's language). */
(function () {
  "use strict";
  document.querySelectorAll("form.term-delete").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
