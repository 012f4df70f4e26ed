/* Dead letters: jobs that exhausted their attempts, with retry and purge. */
"use strict";
(() => {
  const { el, fmt, button } = DM;
  let lastDead = null;

  async function load() {
    let data;
    try { data = await DM.get("/api/dead"); } catch (e) { DM.toast(String(e), true); return; }
    document.getElementById("main").replaceChildren(
      el("h1", {}, "Dead letters ", el("span", { class: "muted", text: `${data.jobs.length} job(s)` })),
      el("section", { class: "card" },
        el("div", { class: "legend" }, button("retry all", "retry", { all_dead: true }, { done: load }),
          button("purge all", "purge", { dead: true }, { danger: true, confirm: "Delete every dead job for good?", done: load })),
        el("table", { id: "dead" },
          el("tr", {}, ["job", "task", "attempts", "ended", "error", ""].map((h) => el("th", { text: h }))),
          data.jobs.map((j) => el("tr", { "data-job": j.id },
            el("td", {}, el("a", { href: "/jobs/" + j.id, text: j.id.slice(0, 12) })), el("td", { text: j.task }),
            el("td", { class: "num", text: `${j.attempts}/${j.max_attempts}` }), el("td", { text: fmt.time(j.finished) }),
            el("td", { class: "wrap" }, el("b", { text: j.error ? j.error.type : "" }), " ", j.error ? j.error.message || "" : "",
              j.error && j.error.traceback ? el("details", {}, el("summary", { text: "traceback" }), el("pre", { text: j.error.traceback })) : null),
            el("td", {}, button("retry", "retry", { id: j.id }, { done: load })))))));
  }

  document.addEventListener("DOMContentLoaded", () => {
    load();
    DM.live((p) => { if (p.state && p.state.dead !== lastDead) { lastDead = p.state.dead; load(); } });
  });
})();
