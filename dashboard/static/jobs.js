/* Jobs: the store's jobs, newest first, filtered and paged by the broker (docmill.jobs). */
"use strict";
(() => {
  const { el, fmt, pill, button } = DM;
  const STATES = ["", "queued", "running", "retry_scheduled", "succeeded", "failed", "dead", "cancelled"];
  const ENDED = ["succeeded", "failed", "dead", "cancelled"];
  const params = new URLSearchParams(location.search);
  const SPANS = [["", "any time"], ["3600", "last hour"], ["86400", "last 24 hours"], ["604800", "last 7 days"]];
  const filters = { state: params.get("state") || "", queue: params.get("queue") || "", task: params.get("task") || "", text: params.get("text") || "", span: params.get("span") || "" };
  let pages = [null];  // the `cursor` of each page seen; the last is the current one
  let next = null, lastCounts = "";

  function query() {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v && k !== "span") q.set(k, v);
    if (filters.span) q.set("after", String(Date.now() / 1000 - Number(filters.span)));
    const cursor = pages[pages.length - 1];
    if (cursor !== null) q.set("cursor", cursor);
    return q;
  }

  async function load() {
    const q = query();
    history.replaceState(null, "", "/jobs" + (Object.values(filters).some(Boolean) ? "?" + new URLSearchParams(Object.entries(filters).filter(([, v]) => v)) : ""));
    let data;
    try { data = await DM.get("/api/jobs?" + q); } catch (e) { DM.toast(String(e), true); return; }
    next = data.next;
    const now = Date.now() / 1000;
    const rows = data.jobs.map((j) => el("tr", { "data-job": j.id, "data-status": j.status },
      el("td", {}, el("a", { href: "/jobs/" + j.id, text: j.id.slice(0, 12) })),
      el("td", { text: j.task }), el("td", { text: j.queue }), el("td", {}, pill(j.status)),
      el("td", { class: "num", text: `${j.attempts}/${j.max_attempts}` }),
      el("td", { class: "wrap", text: j.path ? j.path.split(/[\\/]/).pop() : "", title: j.path || "" }),
      el("td", { text: fmt.time(j.created) }),
      el("td", { class: "num", text: j.started ? fmt.secs((j.finished || now) - j.started) : "" }),
      el("td", { class: "wrap", text: j.error ? `${j.error.type}: ${j.error.message || ""}` : "" }),
      el("td", {}, ENDED.includes(j.status) ? (j.status !== "succeeded" ? button("retry", "retry", { id: j.id }, { done: load }) : "")
        : button("cancel", "cancel", { id: j.id }, { danger: true, done: load }))));
    document.getElementById("list").replaceChildren(
      el("tr", {}, ["job", "task", "queue", "state", "attempts", "file", "created", "took", "error", ""].map((h) => el("th", { text: h }))),
      ...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 10, class: "muted", text: next ? "no match in this stretch: go on to older jobs" : "no jobs match" }))]));
    document.getElementById("newer").disabled = pages.length === 1;
    document.getElementById("older").disabled = next === null;
    document.getElementById("page").textContent = `page ${pages.length}`;
  }

  function control(name, node) {
    node.value = filters[name];
    node.addEventListener(node.tagName === "SELECT" ? "change" : "input", () => {
      filters[name] = node.value.trim(); pages = [null];
      clearTimeout(control.t); control.t = setTimeout(load, 250);
    });
    return node;
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.getElementById("main").replaceChildren(
      el("h1", { text: "Jobs" }),
      el("section", { class: "card" },
        el("form", { class: "filters", id: "filters", on: { submit: (e) => e.preventDefault() } },
          control("state", el("select", { name: "state", "aria-label": "state" }, STATES.map((s) => el("option", { value: s, text: s || "any state" })))),
          control("queue", el("input", { name: "queue", placeholder: "queue" })),
          control("task", el("input", { name: "task", placeholder: "task" })),
          control("text", el("input", { name: "text", placeholder: "file name contains" })),
          control("span", el("select", { name: "span", "aria-label": "time range" }, SPANS.map(([v, t]) => el("option", { value: v, text: t }))))),
        el("table", { id: "list" }),
        el("div", { class: "pager" },
          el("button", { id: "newer", type: "button", on: { click: () => { pages.pop(); load(); } } }, "← newer"),
          el("span", { id: "page", class: "muted" }),
          el("button", { id: "older", type: "button", on: { click: () => { if (next !== null) { pages.push(next); load(); } } } }, "older →"))));
    load();
    // Live: the first page follows the store; a job's state change shows in the counts.
    DM.live((p) => {
      if (!p.state) return;
      const counts = JSON.stringify([p.state.counts, p.state.metrics.ended]);
      if (counts !== lastCounts && pages.length === 1) { lastCounts = counts; load(); }
    });
  });
})();
