// Every project page: listens to the project's job events and says when a job ends.
import { toast } from "./api.js";
import { liveSocket } from "./socket.js";

const shell = document.querySelector(".shell[data-project]");
const FINAL = { succeeded: "ok", failed: "error", cancelled: "info" };

if (shell) {
  const project = shell.dataset.project;
  const seen = new Set();
  liveSocket(`/ws/projects/${encodeURIComponent(project)}/jobs/`, (event) => {
    document.dispatchEvent(new CustomEvent("studio:job-event", { detail: event }));
    if (event.type === "snapshot") {
      for (const job of event.jobs || []) if (FINAL[job.status]) seen.add(job.job_id);
      return;
    }
    if (FINAL[event.status] && !seen.has(event.job_id)) {
      seen.add(event.job_id);
      toast(`Training of ${event.model_name} ${event.status}.`, FINAL[event.status]);
    }
  });
}
