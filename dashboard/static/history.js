/* History: the broker's per-minute aggregates over 1 h, 24 h, 7 d or 30 d (docmill.history). */
"use strict";
(() => {
  const { el, fmt } = DM;
  const RANGES = [["1h", "1 hour"], ["24h", "24 hours"], ["7d", "7 days"], ["30d", "30 days"]];
  const per = (step) => (step < 3600 ? `${step / 60} min` : `${step / 3600} h`);
  let range = new URLSearchParams(location.search).get("range") || "1h";

  function filled(h) {  // every step of the span, nothing-happened steps as zeros
    const byTs = new Map(h.points.map((p) => [p.ts, p]));
    const out = [];
    const end = Date.now() / 1000;
    for (let t = h.since; t <= end; t += h.step) out.push(byTs.get(t) || { ts: t, ended: {}, errors: {}, latency: {}, due: {} });
    return out;
  }

  async function load() {
    history.replaceState(null, "", "/history?range=" + range);
    let h;
    try { h = await DM.get("/api/history?range=" + range); } catch (e) { DM.toast(String(e), true); return; }
    const pts = filled(h);
    const series = (names, value) => names.map((n) => ({ name: n, points: pts.map((p) => [p.ts, value(p, n)]) }));
    const outcomes = ["succeeded", "failed", "dead", "retried", "cancelled"].filter((o) => h.points.some((p) => p.ended[o]));
    const errors = [...new Set(h.points.flatMap((p) => Object.keys(p.errors)))].sort();
    const tasks = [...new Set(h.points.flatMap((p) => Object.keys(p.latency)))].sort();
    const queues = [...new Set(h.points.flatMap((p) => Object.keys(p.due)))].sort();
    const latency = tasks.flatMap((t) => ["p50", "p95"].map((q) => ({
      name: `${t} ${q}`, dots: true, points: h.points.filter((p) => p.latency[t]).map((p) => [p.ts, p.latency[t][q]]) })));
    const total = h.points.reduce((n, p) => n + (p.ended.succeeded || 0) + (p.ended.failed || 0) + (p.ended.dead || 0), 0);
    const span = { t0: h.since, t1: pts.length ? pts[pts.length - 1].ts : h.since };
    const chart = (title, id, list, names, opts) => DM.card(title, list.length && h.points.length
      ? [DM.lines(id, list, { ...span, ...opts }), DM.legend(names)] : el("p", { class: "muted", id, text: "nothing in this span" }));
    document.getElementById("main").replaceChildren(
      el("h1", {}, "History ", el("span", { class: "muted", text: `${total} job(s) ended, one point per ${per(h.step)}` })),
      el("div", { class: "filters", id: "ranges" }, RANGES.map(([key, label]) => el("button", {
        type: "button", "data-range": key, class: key === range ? "here" : "",
        on: { click: () => { range = key; load(); } } }, label))),
      el("div", { class: "grid" },
        chart(`Jobs ended per ${per(h.step)}`, "history-ended", series(outcomes, (p, o) => p.ended[o] || 0), outcomes),
        chart("Failures and retries by error type", "history-errors", series(errors, (p, e) => p.errors[e] || 0), errors),
        chart("Latency per task (p50, p95)", "history-latency", latency, latency.map((s) => s.name), { tick: fmt.secs }),
        chart("Queue depth (most waiting)", "history-depth", series(queues, (p, q) => p.due[q] || 0), queues)));
    DM.swatches();
  }

  document.addEventListener("DOMContentLoaded", () => {
    load();
    let last = 0;
    DM.live(() => { if (Date.now() - last > 60000) { last = Date.now(); load(); } });  // a minute's news
  });
})();
