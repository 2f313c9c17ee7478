// The report page follows its computation: it asks for the progress every second, moves the bar,
// and reloads the page once the report is computed (or failed). Without JavaScript, the page's
// <meta http-equiv="refresh"> reloads it instead.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const panel = document.querySelector("[data-progress-url][data-running=true]");
  if (!panel) {
    return;
  }
  const bar = panel.querySelector("progress");
  const percent = panel.querySelector("[data-progress-percent]");
  const step = panel.querySelector("[data-progress-step]");
  const url = panel.dataset.progressUrl;

  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const state = await response.json();
        bar.value = state.progress;
        bar.textContent = `${state.progress}%`;
        percent.textContent = `${state.progress}%`;
        if (state.step) {
          step.textContent = state.step;
        }
        if (state.done) {
          window.location.reload();
          return;
        }
      }
    } catch {
      // A missed poll is retried a second later.
    }
    window.setTimeout(poll, 1000);
  }

  window.setTimeout(poll, 1000);
});
