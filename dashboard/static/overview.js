/* Overview: figures, queues, workers, host, alerts and live charts, redrawn on each update. */
"use strict";
(() => {
  const { el, fmt, pill, bar, card, button } = DM;
  const depths = [];  // [ts, {queue: due}] since the page opened, after the server's history

  function figures(s, p) {
    const c = s.counts, t = s.metrics.throughput_per_min, h = s.host;
    const fig = (v, label) => el("div", { class: "figure" }, el("b", { text: v }), el("span", { text: label }));
    return el("section", { class: "card wide", id: "figures" }, el("div", { class: "figures" },
      fig(c.queued || 0, "queued"), fig(c.running || 0, "running"), fig(c.retry_scheduled || 0, "retrying"),
      fig(c.succeeded || 0, "succeeded"), fig(c.failed || 0, "failed"), fig(s.dead || 0, "dead"),
      fig(t["1m"].toFixed(1), "jobs/min (1 m)"), fig(t["5m"].toFixed(1), "jobs/min (5 m)"), fig(t["15m"].toFixed(1), "jobs/min (15 m)"),
      fig(fmt.age(s.broker.uptime), "broker up"),
      el("div", { class: "figure" }, el("b", { text: fmt.pct(h.cpu_percent) }), bar(h.cpu_percent / 100, h.cpu_percent > 90), el("span", { text: "host CPU" })),
      el("div", { class: "figure" }, el("b", { text: fmt.pct(h.memory_percent) }), bar(h.memory_percent / 100, h.memory_percent > 90), el("span", { text: "memory, " + fmt.bytes(h.memory_available) + " free" })),
      el("div", { class: "figure" }, el("b", { text: fmt.pct(h.disk_percent) }), bar(h.disk_percent / 100, h.disk_percent > 90), el("span", { text: "disk, " + fmt.bytes(h.disk_free) + " free" })),
    ));
  }

  function queues(s) {
    const rows = Object.entries(s.queues).sort();
    const most = Math.max(1, ...rows.map(([, q]) => q.due));
    return card("Queues", el("table", { id: "queues" },
      el("tr", {}, el("th", { text: "queue" }), el("th", { class: "num", text: "waiting" }),
        el("th", { class: "num", text: "workers" }), el("th", { class: "num", text: "oldest" }), el("th", { text: "" })),
      rows.map(([name, q]) => el("tr", { "data-queue": name },
        el("td", {}, name, " ", q.paused ? pill("paused") : null),
        el("td", { class: "num" }, String(q.due), bar(q.due / most)),
        el("td", { class: "num", text: q.workers }), el("td", { class: "num", text: q.due ? fmt.age(q.oldest_age) : "" }),
        el("td", {}, q.paused ? button("resume", "resume", { queue: name }) : button("pause", "pause", { queue: name }))))));
  }

  function workers(s) {
    const running = Object.fromEntries(s.running.map((r) => [r.worker, r]));
    const pools = Object.values(s.pools).reduce((n, p) => n + p.concurrency, 0);
    return card("Workers",
      el("div", { class: "legend" }, `${s.workers.length} connected, pools ask for ${pools} `,
        button("+1", "scale", { delta: 1 }), button("−1", "scale", { delta: -1 })),
      el("table", { id: "workers" },
        el("tr", {}, ["worker", "state", "job", "elapsed / limit", "CPU", "RSS", "done"].map((h, i) => el("th", { class: i >= 4 ? "num" : "", text: h }))),
        s.workers.map((w) => {
          const r = running[w.id];
          const limit = r && r.timeout;
          return el("tr", { "data-worker": w.id },
            el("td", { text: w.id }), el("td", {}, pill(w.state)),
            el("td", {}, w.job ? el("a", { href: "/jobs/" + w.job, text: (r && r.task) || w.job.slice(0, 8) }) : ""),
            el("td", {}, r ? fmt.age(r.elapsed) + (limit ? " / " + fmt.age(limit) : "") : "", r && limit ? bar(r.elapsed / limit, r.elapsed > limit * 0.8) : null),
            el("td", { class: "num", text: fmt.pct(w.cpu_percent) }), el("td", { class: "num", text: fmt.bytes(w.rss) }),
            el("td", { class: "num", text: w.jobs_done }));
        })));
  }

  function alerts(p) {
    const list = p.alerts || [];
    return card("Alerts", list.length ? el("ul", { class: "alerts", id: "alerts" }, list.map((a) => el("li", { text: a })))
      : el("p", { class: "ok", id: "alerts", text: "healthy: nothing to report" }));
  }

  function charts(s) {
    const m = s.metrics;
    const spark = m.spark.map((n, i) => ({ label: i % 6 === 0 ? `-${(30 - i) / 2}m` : "", values: [n] }));
    const names = Object.keys(s.queues).sort();
    const series = names.map((q) => ({ name: q, points: depths.map(([t, d]) => [t, d[q] || 0]) }));
    const errors = Object.entries(m.errors).sort((a, b) => b[1] - a[1]);
    const lat = Object.entries(m.latency).sort();
    return el("div", { class: "grid", id: "charts" },
      card("Throughput: jobs ended per half-minute, last 15 min", DM.bars("chart-throughput", spark, [""])),
      card("Queue depth (jobs waiting)", DM.lines("chart-depth", series), DM.legend(names)),
      card("Failures by type (since the broker started)", errors.length
        ? DM.bars("chart-failures", errors.map(([k, n]) => ({ label: k, values: [n] })), [""], { colors: ["#dc2626"] })
        : el("p", { class: "muted", id: "chart-failures", text: "no failures" })),
      card("Latency per task (p50, p95)", lat.length
        ? DM.bars("chart-latency", lat.map(([k, l]) => ({ label: k, values: [l.p50, l.p95] })), ["p50", "p95"], { fmt: fmt.secs, tick: fmt.secs })
        : el("p", { class: "muted", id: "chart-latency", text: "no job has succeeded yet" }), DM.legend(["p50", "p95"])));
  }

  function failures(s) {
    const f = s.metrics.failures;
    return card("Recent failures", f.length ? el("table", { id: "failures" },
      el("tr", {}, ["when", "task", "state", "error", "file", ""].map((h) => el("th", { text: h }))),
      f.map((x) => el("tr", {},
        el("td", { text: fmt.time(x.ts) }), el("td", {}, el("a", { href: "/jobs/" + x.job, text: x.task })),
        el("td", {}, pill(x.status)), el("td", { class: "wrap", text: (x.error || "") + (x.message ? ": " + x.message : "") }),
        el("td", { class: "wrap", text: x.path || "" }), el("td", {}, button("retry", "retry", { id: x.job })))))
      : el("p", { class: "muted", text: "none since the broker started" }));
  }

  function draw(p) {
    const main = document.getElementById("main");
    if (!p.state) { main.replaceChildren(el("p", { class: "muted", text: p.error || "waiting for the broker…" })); return; }
    const s = p.state;
    const last = depths[depths.length - 1];
    if (!last || last[0] < s.ts) depths.push([s.ts, Object.fromEntries(Object.entries(s.queues).map(([n, q]) => [n, q.due]))]);
    while (depths.length > 450) depths.shift();
    main.replaceChildren(
      el("h1", {}, "Overview ", el("span", { class: "muted", text: `broker ${s.broker.pid} on ${s.broker.endpoint}` }),
        p.error ? el("span", { class: "pill s-failed", text: "stale: " + p.error }) : null),
      el("div", { class: "grid" }, figures(s, p)),
      el("div", { class: "grid main3" }, queues(s), workers(s), alerts(p)),
      charts(s),
      el("div", { class: "grid" }, failures(s)));
    DM.swatches();
  }

  document.addEventListener("DOMContentLoaded", () => {
    DM.live(draw, (p) => { for (const d of p.depths || []) depths.push([d.ts, d.due]); });
  });
})();
