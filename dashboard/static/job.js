/* One job: arguments, attempts, timings, error with traceback, result summary and outputs. */
"use strict";
(() => {
  const { el, fmt, pill, button } = DM;
  const id = location.pathname.split("/").pop();
  let lastSeen = "";

  function kv(pairs) {
    return el("dl", { class: "kv" }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) => [el("dt", { text: k }), el("dd", {}, v)]));
  }

  async function load() {
    let data;
    try { data = await DM.get("/api/jobs/" + id); } catch (e) { document.getElementById("main").replaceChildren(el("p", { text: String(e) })); return; }
    const j = data.job;
    const seen = JSON.stringify([j.status, j.attempts, j.finished]);
    if (seen === lastSeen) return;
    lastSeen = seen;
    if (j.status === "unknown") {
      document.getElementById("main").replaceChildren(el("h1", { text: "Job " + id }), el("p", { text: "The store does not hold this job (never submitted, purged, or past its retention)." }));
      return;
    }
    const ended = ["succeeded", "failed", "dead", "cancelled"].includes(j.status);
    const e = j.error;
    const r = j.result;
    document.getElementById("main").replaceChildren(
      el("h1", {}, `Job ${j.id} `, pill(j.status)),
      el("div", { class: "grid" },
        DM.card("Job", kv([["task", j.task], ["queue", j.queue], ["attempts", `${j.attempts} of ${j.max_attempts}`], ["worker", j.worker],
          ["batch", j.parent ? el("a", { href: "/jobs/" + j.parent, text: j.parent }) : null], ["key", j.key],
          ["next run", j.not_before ? fmt.time(j.not_before) : null]]),
          el("h2", { text: "Arguments" }), el("pre", { id: "args", text: JSON.stringify(j.args, null, 2) }),
          el("p", {}, ended ? (j.status !== "succeeded" ? button("retry", "retry", { id: j.id }, { done: load }) : "")
            : button("cancel", "cancel", { id: j.id }, { danger: true, done: load }))),
        DM.card("Timings", kv([["created", fmt.time(j.created)], ["started", fmt.time(j.started)], ["finished", fmt.time(j.finished)],
          ["waited", j.started ? fmt.secs(j.started - j.created) : null], ["ran (last attempt)", j.started && j.finished ? fmt.secs(j.finished - j.started) : null]])),
        e ? DM.card("Error", kv([["type", e.type], ["message", e.message]]), e.traceback ? el("pre", { id: "traceback", text: e.traceback }) : null) : null,
        r !== undefined ? DM.card("Result", r && typeof r === "object" && !Array.isArray(r)
          ? kv([["kind", r.kind], ["status", r.status], ["doc id", r.doc_id],
            ["pages", r.metadata && r.metadata.page_count], ["words", r.metadata && r.metadata.word_count],
            ["text", r.text_chars ? `${r.text_chars} characters (first ${r.text.length} below)` : null],
            ["outputs", (j.outputs || []).length ? el("span", {}, j.outputs.map((o) => [el("a", { href: o.href, text: o.name }), " "])) : null]])
          : null, el("pre", { text: JSON.stringify(r && r.text ? { ...r, text: r.text.slice(0, 600) } : r, null, 2) })) : null));
  }

  document.addEventListener("DOMContentLoaded", () => {
    load();
    DM.live(() => load());
  });
})();
