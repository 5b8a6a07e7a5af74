/* Live progress of running imports: poll the job rows until they finish. Text only. */
(function () {
  "use strict";
  const jobs = document.querySelectorAll(".import-job");
  jobs.forEach((li) => {
    const id = li.dataset.job;
    const tick = async () => {
      if (li.dataset.status === "done" || li.dataset.status === "failed") return;
      try {
        const r = await fetch("/api/imports/" + encodeURIComponent(id) + "/", { credentials: "same-origin" });
        if (r.ok) {
          const job = await r.json();
          li.dataset.status = job.status;
          li.querySelector(".job-status").textContent = job.status;
          const bar = li.querySelector("progress");
          bar.max = job.total || 1;
          bar.value = job.processed;
          li.querySelector(".job-counts").textContent =
            job.new + " new, " + job.duplicates + " already present, " + job.failed + " failed";
        }
      } catch (e) { /* keep polling */ }
      setTimeout(tick, 1000);
    };
    tick();
  });
})();
