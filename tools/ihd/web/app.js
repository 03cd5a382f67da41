// SPDX-License-Identifier: Apache-2.0
// The in-home display's page: live values from /api/stream (server-sent events), history from
// /api/history, plotted with uPlot. Every state is said in words, never by colour alone.
"use strict";

const $ = (id) => document.getElementById(id);
const ihd = { now: null, history: null, plot: null, range: "day", lastMessage: 0 };
window.ihd = ihd;

const kW = (w) => (w / 1000).toFixed(3) + " kW";
const kWh = (wh) => (wh / 1000).toFixed(3) + " kWh";
const volts = (mv) => (mv / 1000).toFixed(1) + " V";
const amps = (ma) => (ma / 1000).toFixed(2) + " A";
const money = (v, cur) => v.toFixed(2) + " " + cur;

// Meter time: the telegram's UTC instant shown in the meter's own offset (CET/CEST).
function meterTime(t, offset, withDate) {
  const s = new Date((t + offset) * 1000).toISOString();
  const zone = offset === 7200 ? "CEST" : offset === 3600 ? "CET" : "UTC+" + offset / 3600;
  return (withDate ? s.slice(0, 10) + " " : "") + s.slice(11, 19) + " " + zone;
}
const clock = (ms) => new Date(ms).toLocaleTimeString();

function show(id, text) {
  const el = $(id);
  if (text) {
    el.textContent = text;
    el.hidden = false;
  } else {
    el.hidden = true;
    el.textContent = "";
  }
}

function row(cells, header) {
  const tr = document.createElement("tr");
  cells.forEach((c, k) => {
    const td = document.createElement(k === 0 && header ? "th" : "td");
    if (k === 0 && header) td.scope = "row";
    td.textContent = c;
    tr.appendChild(td);
  });
  return tr;
}

function duration(s) {
  if (s < 60) return s + " s";
  if (s < 3600) return Math.floor(s / 60) + " min " + (s % 60) + " s";
  if (s < 86400) return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
  return Math.floor(s / 86400) + " days";
}

function renderQuiet(d) {
  const big = document.querySelector(".big");
  big.classList.toggle("quiet", d.quiet);
  if (!d.quiet) return show("banner-quiet", "");
  const ago = Math.round((d.now_ms - d.last_rx_ms) / 1000);
  if (d.have)
    show("banner-quiet", "No data from the meter since " + meterTime(d.time, d.offset, true) +
         " (meter time; " + ago + " s ago). The values below are the last ones received.");
  else
    show("banner-quiet", "No data from the meter yet (the display started at " +
         clock(d.started_ms) + "). " + d.link);
}

function renderNow(d) {
  ihd.now = d;
  renderQuiet(d);
  $("link").textContent = (d.connected ? "Connected: " : "Not connected: ") + d.link;
  const c = d.counts;
  $("count-ok").textContent = c.ok;
  $("count-dropped").textContent = c.dropped;
  $("count-crc").textContent = c.crc;
  $("count-cut").textContent = c.truncated + c.overflow;
  $("count-malformed").textContent = c.nocrc + c.frame + c.line + c.value + c.size;
  $("count-garbage").textContent = c.garbage_bytes;
  if (c.dropped || c.garbage_bytes)
    show("banner-dropped", c.dropped + " telegrams dropped (bad CRC " + c.crc + ", cut short or too long " +
         (c.truncated + c.overflow) + ", malformed " + (c.nocrc + c.frame + c.line + c.value + c.size) +
         "), " + c.garbage_bytes + " bytes outside telegrams" +
         (d.last_error ? "; last: " + d.last_error.text + " at " + clock(d.last_error.at_ms) : "") + ".");
  else show("banner-dropped", "");
  const db = d.db;
  if (db.ok) {
    $("db").textContent = db.path + ", " + (db.bytes / 1e6).toFixed(2) + " MB, " + db.rows +
      " readings stored since the display started";
    show("banner-db", "");
  } else {
    $("db").textContent = db.path + ": not in use";
    show("banner-db", "History database: " + db.error + ". The page goes on with what this " +
         "display remembers since it started" + (db.readable ? " and the history already stored" : "") + ".");
  }
  renderEvents(d.events, d.offset || 3600);
  if (!d.have) return;

  $("meter").textContent = "Meter " + d.meter + (d.phases === 3 ? " (three phases)" : " (one phase)");
  $("power-import").textContent = kW(d.p_import_w);
  $("power-export").textContent = kW(d.p_export_w);
  $("meter-time").textContent = meterTime(d.time, d.offset, true);

  const pt = $("phase-table"), body = pt.querySelector("tbody");
  body.replaceChildren();
  d.phase.forEach((p) => {
    body.appendChild(row(["L" + p.l,
      p.p_import_w !== undefined ? kW(p.p_import_w) : "–",
      p.p_export_w !== undefined ? kW(p.p_export_w) : "–",
      p.i_ma !== undefined ? amps(p.i_ma) : "–"], true));
  });
  pt.hidden = d.phase.length === 0;

  renderTariff(d);
  renderToday(d);
  renderVoltage(d);
  renderFailures(d);
}

function renderTariff(d) {
  $("tariff").textContent = d.tariff === null ? "the meter does not say" : "T" + d.tariff;
  const n = d.next_tariff;
  if (d.tariff === null) $("next-tariff").textContent = "not known.";
  else if (!n)
    $("next-tariff").textContent = "not known yet: a P1 telegram says only the active tariff. " +
      "The display learns the times of change as it sees them (or give ihd --schedule).";
  else
    $("next-tariff").textContent = "T" + n.tariff + " at " + n.hhmm + " " +
      (n.how === "schedule" ? "(from the schedule given to the display)"
                            : "(expected: the change was seen at that time on an earlier day)");
}

function renderToday(d) {
  const t = d.today, body = $("today-table").querySelector("tbody");
  body.replaceChildren();
  if (!t) {
    $("today-import").textContent = "–";
    $("today-cost").textContent = "–";
    $("today-export").textContent = "–";
    $("today-since").textContent = "The meter has not sent its registers yet (a HAN push sends " +
      "them once an hour).";
    return;
  }
  t.tariffs.forEach((x) => {
    body.appendChild(row(["T" + x.tariff, kWh(x.import_wh),
      x.price !== undefined ? x.price.toFixed(2) + " " + t.currency + "/kWh" : "not set",
      x.cost !== undefined ? money(x.cost, t.currency) : "–"], true));
  });
  $("today-import").textContent = kWh(t.import_wh);
  $("today-cost").textContent = t.cost !== undefined ? money(t.cost, t.currency) : "–";
  $("today-export").textContent = kWh(t.export_wh) +
    (t.credit !== undefined ? " (worth " + money(t.credit, t.currency) + ")" : "");
  $("today-since").textContent = "Counted from the meter's registers at " +
    meterTime(t.since, d.offset, true) + " (" + t.baseline + ").";
}

function renderVoltage(d) {
  const ul = $("voltage");
  ul.replaceChildren();
  const lo = 207000, hi = 253000, min = 180000, max = 280000;
  const pos = (mv) => Math.max(0, Math.min(100, ((mv - min) / (max - min)) * 100));
  d.phase.forEach((p) => {
    if (p.u_mv === undefined) return;
    const li = document.createElement("li");
    const verdict = p.u_mv < lo ? "BELOW the band" : p.u_mv > hi ? "ABOVE the band" : "within the band";
    li.textContent = "L" + p.l + ": " + volts(p.u_mv) + ", " + verdict;
    li.dataset.verdict = verdict;
    const band = document.createElement("div");
    band.className = "band";
    band.setAttribute("aria-hidden", "true");
    const ok = document.createElement("div");
    ok.className = "ok";
    ok.style.left = pos(lo) + "%";
    ok.style.width = pos(hi) - pos(lo) + "%";
    const mark = document.createElement("div");
    mark.className = "mark";
    mark.style.left = pos(p.u_mv) + "%";
    band.append(ok, mark);
    li.appendChild(band);
    ul.appendChild(li);
  });
  if (!ul.children.length) ul.appendChild(Object.assign(document.createElement("li"),
    { textContent: "The meter does not say its voltage." }));
}

function renderFailures(d) {
  const f = d.failures;
  const parts = [];
  if (f.short !== undefined) parts.push("power failures (any phase): " + f.short);
  if (f.long !== undefined) parts.push("long power failures: " + f.long);
  $("failures").textContent = parts.length ? "The meter counts " + parts.join("; ") + "."
                                           : "The meter does not count power failures.";
  const ul = $("failure-log");
  ul.replaceChildren();
  f.log.forEach((e) => ul.appendChild(Object.assign(document.createElement("li"),
    { textContent: "Power failure ended " + meterTime(e.end, d.offset, true) + ", lasted " +
      duration(e.duration_s) })));
  const sag = d.phase.filter((p) => p.sags !== undefined);
  $("sags").textContent = sag.length
    ? "Voltage sags: " + sag.map((p) => "L" + p.l + " " + p.sags).join(", ") +
      "; swells: " + sag.map((p) => "L" + p.l + " " + (p.swells ?? "–")).join(", ") + "."
    : "The meter does not count sags.";
}

function renderEvents(events, offset) {
  const ul = $("events");
  ul.replaceChildren();
  if (!events.length) ul.appendChild(Object.assign(document.createElement("li"), { textContent: "Nothing yet." }));
  events.slice(0, 20).forEach((e) => ul.appendChild(Object.assign(document.createElement("li"),
    { textContent: meterTime(e.t, offset, false) + ": " + e.text })));
}

const stepName = { 60: "1 minute", 900: "15 minutes", 3600: "1 hour", 86400: "1 day" };

async function loadHistory() {
  const range = ihd.range;
  let h;
  try {
    const r = await fetch("/api/history?range=" + range, { cache: "no-store" });
    h = await r.json();
  } catch (e) {
    $("plot-caption").textContent = "The history cannot be read: " + e;
    return;
  }
  if (range !== ihd.range) return;
  ihd.history = h;
  const offset = h.offset;
  $("plot-caption").textContent = range[0].toUpperCase() + range.slice(1) + ": " + h.points +
    " points of " + stepName[h.step] + ", " + kWh(h.total_import_wh) + " taken, " +
    kWh(h.total_export_wh) + " sent" + (h.asof !== undefined ? ", up to " + meterTime(h.asof, offset, true) : "") +
    (h.source === "memory" ? " (from memory: the database is out, so only since the display started)"
                           : " (from the database)") + ".";
  const el = $("plot");
  if (typeof uPlot === "undefined") {
    el.textContent = "The plot library (uPlot) is not installed: run scripts/npm.sh.";
    return;
  }
  const data = [h.t, h.import_wh.map((w) => w / 1000), h.export_wh.map((w) => w / 1000)];
  if (ihd.plot) ihd.plot.destroy();
  const shift = (ts) => {
    const d = new Date((ts + offset) * 1000);
    return new Date(d.getTime() + d.getTimezoneOffset() * 60000);
  };
  ihd.plot = new uPlot({
    width: Math.max(280, el.clientWidth),
    height: 240,
    tzDate: shift,
    scales: { x: { time: true, range: [h.from, h.to] } },
    axes: [{}, { label: "kWh per point", size: 60 }],
    series: [
      {},
      { label: "Taken", stroke: "#111", width: 2, paths: uPlot.paths.stepped({ align: 1 }) },
      { label: "Sent", stroke: "#555", width: 2, dash: [6, 4], paths: uPlot.paths.stepped({ align: 1 }) },
    ],
  }, data, el);
}

document.querySelectorAll(".tabs button").forEach((b) => b.addEventListener("click", () => {
  ihd.range = b.dataset.range;
  document.querySelectorAll(".tabs button").forEach((x) =>
    x.setAttribute("aria-pressed", x === b ? "true" : "false"));
  loadHistory();
}));

function connect() {
  const es = new EventSource("/api/stream");
  es.addEventListener("now", (ev) => {
    ihd.lastMessage = Date.now();
    show("banner-server", "");
    renderNow(JSON.parse(ev.data));
  });
  ihd.events = es;
}

// The server sends at least one event a second; three seconds of silence is a dead server.
setInterval(() => {
  if (ihd.lastMessage && Date.now() - ihd.lastMessage > 3000)
    show("banner-server", "The display's own server is not answering (last heard at " +
         clock(ihd.lastMessage) + "); the values shown are old.");
}, 1000);
setInterval(loadHistory, 30000);

connect();
loadHistory();
