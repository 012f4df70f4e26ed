/* docmill dashboard: what every page shares. No framework, no CDN: the page builds its DOM
   with el() (text is always set as text, never parsed as HTML) and draws small SVG charts. */
"use strict";
const DM = (() => {
  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];

  function el(tag, attrs, ...kids) {
    const svg = ["svg", "rect", "line", "polyline", "circle", "text", "g", "title", "path"].includes(tag);
    const node = svg ? document.createElementNS(SVG, tag) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "on") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const kid of kids.flat(Infinity)) if (kid !== null && kid !== undefined && kid !== false)
      node.append(kid instanceof Node ? kid : String(kid));
    return node;
  }

  // -- the action token: from #token=..., or pasted; kept for this origin --------------------
  const KEY = "docmill-token";
  function token() { return localStorage.getItem(KEY); }
  function setToken(value) {
    if (value) localStorage.setItem(KEY, value); else localStorage.removeItem(KEY);
    document.body.classList.toggle("rw", !!value);
    const mode = document.getElementById("mode");
    mode.textContent = value ? "actions on" : "read-only";
    mode.classList.toggle("rw", !!value);
  }
  function fromAddress() {  // the fragment never reaches the server, nor its logs
    const m = location.hash.match(/token=([A-Za-z0-9_-]+)/);
    if (!m) return false;
    localStorage.setItem(KEY, m[1]);
    history.replaceState(null, "", location.pathname + location.search);
    return true;
  }
  fromAddress();
  window.addEventListener("hashchange", () => { if (fromAddress()) setToken(token()); });

  function toast(text, bad) {
    const t = document.getElementById("toast");
    t.textContent = text; t.className = "toast" + (bad ? " bad" : ""); t.hidden = false;
    clearTimeout(toast.timer); toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
  }

  async function act(name, body, done) {
    const reply = await fetch("/api/actions/" + name, {
      method: "POST",
      headers: { "content-type": "application/json", "x-docmill-token": token() || "" },
      body: JSON.stringify(body || {}),
    });
    const data = await reply.json().catch(() => ({ error: reply.statusText }));
    if (!reply.ok || !data.ok) {
      if (reply.status === 403) setToken(null);
      toast(name + " refused: " + (data.error || reply.status), true);
      return null;
    }
    toast(name + " done");
    if (done) done(data);
    return data;
  }

  function button(label, name, body, opts) {
    opts = opts || {};
    return el("button", {
      class: "act" + (opts.danger ? " danger" : ""), "data-action": name, type: "button",
      on: { click: (e) => {
        e.preventDefault();
        if (opts.confirm && !confirm(opts.confirm)) return;
        act(name, body, opts.done);
      } },
    }, label);
  }

  async function get(url) {
    const reply = await fetch(url, { headers: { accept: "application/json" } });
    const data = await reply.json();
    if (!reply.ok || data.ok === false) throw new Error(data.error || reply.statusText);
    return data;
  }

  // -- live state: one snapshot, then the server's stream (at most one update a second) ------
  function live(onPicture, onFirst) {
    const badge = document.getElementById("live");
    const show = (p) => {
      badge.textContent = p.error ? "broker not answering" : "live";
      badge.className = "live " + (p.error ? "off" : "on");
      const dead = p.state ? p.state.dead : 0;
      document.getElementById("dead-count").textContent = dead ? String(dead) : "";
      onPicture(p);
    };
    get("/api/state").then((p) => { if (onFirst) onFirst(p); show(p); }).catch((e) => { badge.textContent = String(e); badge.className = "live off"; });
    const source = new EventSource("/api/stream");
    source.addEventListener("state", (ev) => show(JSON.parse(ev.data)));
    source.onerror = () => { badge.textContent = "reconnecting…"; badge.className = "live off"; };
    return source;
  }

  // -- formats -------------------------------------------------------------------------------
  const fmt = {
    age(s) {  // compact: 45 s, 2m 11s, 3h 05m, 2d 4h
      if (s === null || s === undefined) return "";
      if (s < 60) return s.toFixed(s < 10 ? 1 : 0) + " s";
      const pad = (n) => String(Math.floor(n)).padStart(2, "0");
      if (s < 3600) return `${Math.floor(s / 60)}m` + (s % 60 >= 1 ? ` ${pad(s % 60)}s` : "");
      if (s < 86400) return `${Math.floor(s / 3600)}h` + (s % 3600 >= 60 ? ` ${pad((s % 3600) / 60)}m` : "");
      return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
    },
    bytes(n) {
      if (n === null || n === undefined) return "";
      const u = ["B", "KB", "MB", "GB", "TB"]; let i = 0;
      while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
      return n.toFixed(n < 10 && i ? 1 : 0) + " " + u[i];
    },
    time(t) { return t ? new Date(t * 1000).toLocaleString() : ""; },
    pct(p) { return p === null || p === undefined ? "" : p.toFixed(1) + " %"; },
    secs(s) {
      if (s === null || s === undefined) return "";
      if (s < 1) return (s * 1000).toFixed(s < 0.01 && s > 0 ? 1 : 0) + " ms";
      return s.toFixed(s < 10 ? 2 : s < 100 ? 1 : 0) + " s";
    },
  };
  function pill(state) { return el("span", { class: "pill s-" + state, text: state }); }
  function bar(fraction, hot) {
    const w = Math.max(0, Math.min(1, fraction || 0)) * 100;
    const i = el("i"); i.style.width = w.toFixed(1) + "%";
    return el("div", { class: "bar" + (hot ? " hot" : "") }, i);
  }

  // -- charts: small hand-written SVG ----------------------------------------------------------
  const W = 480, H = 150, PAD = { l: 46, r: 8, t: 8, b: 20 };
  function axes(svg, max, labels, tick) {
    const ih = H - PAD.t - PAD.b;
    for (const f of [0, 0.5, 1]) {
      const y = PAD.t + ih * (1 - f);
      svg.append(el("line", { x1: PAD.l, x2: W - PAD.r, y1: y, y2: y, stroke: "#e5e7eb" }));
      svg.append(el("text", { x: PAD.l - 4, y: y + 3, "text-anchor": "end", text: (tick || fmtTick)(max * f) }));
    }
    if (labels) for (const [x, text] of labels) svg.append(el("text", { x, y: H - 6, "text-anchor": "middle", text }));
  }
  function fmtTick(v) { return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(0) : v.toFixed(v ? 1 : 0); }
  function frame(id) {
    const svg = el("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, id, role: "img" });
    return svg;
  }
  function niceMax(v) { if (v <= 0) return 1; const p = Math.pow(10, Math.floor(Math.log10(v))); return Math.ceil(v / p) * p; }

  /* bars(id, [{label, values:[..]}], names, unit): grouped bars, one group per label. */
  function bars(id, groups, names, opts) {
    opts = opts || {};
    const svg = frame(id);
    const max = niceMax(Math.max(0, ...groups.flatMap((g) => g.values.filter((v) => v !== null))));
    const iw = W - PAD.l - PAD.r, ih = H - PAD.t - PAD.b;
    const gw = iw / Math.max(1, groups.length), per = names.length;
    const labels = [];
    groups.forEach((g, gi) => {
      const x0 = PAD.l + gi * gw;
      g.values.forEach((v, vi) => {
        if (v === null || v === undefined) return;
        const bw = Math.max(1, (gw * 0.8) / per), h = (v / max) * ih;
        const r = el("rect", { x: x0 + gw * 0.1 + vi * bw, y: PAD.t + ih - h, width: Math.max(1, bw - 1), height: h,
          fill: opts.colors ? opts.colors[vi] : COLORS[vi % COLORS.length], class: "point" });
        r.append(el("title", { text: `${g.label}${names[vi] ? " " + names[vi] : ""}: ${opts.fmt ? opts.fmt(v) : v}` }));
        svg.append(r);
      });
      const room = Math.max(5, Math.floor(gw / 5.5));  // characters that fit under a group
      const label = g.label.length > room ? g.label.slice(0, room - 1) + "…" : g.label;
      if (g.label && (groups.length <= 12 || gi % Math.ceil(groups.length / 8) === 0))
        labels.push([x0 + gw / 2, label]);
    });
    axes(svg, max, labels, opts.tick);
    return svg;
  }

  /* lines(id, [{name, points:[[t, v], ...]}]): one line per series over time. */
  function lines(id, series, opts) {
    opts = opts || {};
    const svg = frame(id);
    const all = series.flatMap((s) => s.points);
    const max = niceMax(Math.max(0, ...all.map((p) => p[1])));
    const t0 = opts.t0 ?? Math.min(...all.map((p) => p[0])), t1 = opts.t1 ?? Math.max(...all.map((p) => p[0]));
    const iw = W - PAD.l - PAD.r, ih = H - PAD.t - PAD.b, span = Math.max(1, t1 - t0);
    series.forEach((s, i) => {
      const pts = s.points.map(([t, v]) => `${(PAD.l + ((t - t0) / span) * iw).toFixed(1)},${(PAD.t + ih - (v / max) * ih).toFixed(1)}`);
      if (pts.length) svg.append(el("polyline", { points: pts.join(" "), fill: "none", stroke: COLORS[i % COLORS.length], "stroke-width": 1.6, class: "point" }));
      if (s.dots) for (const p of pts) {  // sparse series: a point alone draws no line
        const [x, y] = p.split(",");
        svg.append(el("circle", { cx: x, cy: y, r: 2.5, fill: COLORS[i % COLORS.length] }));
      }
    });
    const labels = all.length ? [[PAD.l + 20, new Date(t0 * 1000).toLocaleTimeString()], [W - PAD.r - 24, new Date(t1 * 1000).toLocaleTimeString()]] : [];
    axes(svg, max, labels, opts.tick);
    return svg;
  }
  function legend(names) {
    return el("div", { class: "legend" }, names.map((n, i) => el("span", {}, el("i", { class: "sw" + i }), n)));
  }
  function swatches() {  // legend colours through CSSOM, which the page's CSP allows
    document.querySelectorAll(".legend i").forEach((i) => {
      const n = Number((i.className.baseVal || i.className).replace("sw", ""));
      i.style.background = COLORS[n % COLORS.length];
    });
  }

  function card(title, ...kids) { return el("section", { class: "card" }, el("h2", { text: title }), ...kids); }
  function replace(id, node) { const old = document.getElementById(id); if (old) old.replaceWith(node); }

  document.addEventListener("DOMContentLoaded", () => {
    const page = document.body.dataset.page;
    document.querySelectorAll("[data-nav]").forEach((a) => a.classList.toggle("here", a.dataset.nav === page || (page === "job" && a.dataset.nav === "jobs")));
    setToken(token());
    document.getElementById("unlock").addEventListener("submit", (e) => {
      e.preventDefault(); const v = document.getElementById("token").value.trim(); setToken(v || null);
    });
  });

  return { el, act, button, get, live, fmt, pill, bar, bars, lines, legend, swatches, card, replace, toast, token, COLORS };
})();
