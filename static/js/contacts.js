/* Deleting a contact asks first (the form's data-confirm, in the page's language). The
   browser's confirm dialog takes Enter/Escape; without this script the server still refuses
   to delete a contact that an escalation protocol names. */
(function () {
  "use strict";
  document.querySelectorAll("form.contact-delete").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
