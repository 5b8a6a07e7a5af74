/* Live progress of running imports: poll the job rows until they finish. Text only. */
(function () {
  "use strict";
  const list = document.querySelector(".import-list");
  if (!list) return;
  // The page's language: its labels and the counts' pattern come from the template.
  const counts = (job) => list.dataset.counts
    .replace("{new}", job.new).replace("{duplicates}", job.duplicates).replace("{failed}", job.failed);
  const statusLabel = (status) => list.dataset["status" + status.charAt(0).toUpperCase() + status.slice(1)] || status;
  list.querySelectorAll(".import-job").forEach((li) => {
    const id = li.dataset.job;
    const tick = async () => {
      if (li.dataset.status === "done" || li.dataset.status === "failed") return;
      try {
        const r = await fetch("/api/imports/" + encodeURIComponent(id) + "/", { credentials: "same-origin" });
        if (r.ok) {
          const job = await r.json();
          li.dataset.status = job.status;
          li.querySelector(".job-status").textContent = statusLabel(job.status);
          const bar = li.querySelector("progress");
          bar.max = job.total || 1;
          bar.value = job.processed;
          li.querySelector(".job-counts").textContent = counts(job);
          const differing = li.querySelector(".job-differing");
          differing.textContent = list.dataset.differing.replace("{differing}", job.differing);
          differing.hidden = !job.differing;
          const error = li.querySelector(".job-error");
          error.textContent = job.error || "";
          error.hidden = !job.error;
        }
      } catch (e) { /* keep polling */ }
      setTimeout(tick, 1000);
    };
    tick();
  });
})();
