// SPDX-License-Identifier: Apache-2.0
// The in-home display as a person sees it: Debian's chromium, headless, driven by playwright-core,
// opens ihd's page beside a P1 source of a known analytic load (tests/support/p1_source.py) and
// reads the page's text. Every expected value is derived here, from the load's formula (written
// again below) and from the source's log of what it sent, never from what ihd printed.
//   node ihd_page.js   (env: IHD, SOURCE_TREE, OUT, CHROMIUM, NODE_MODULES)
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const path = require("path");
const readline = require("readline");
const { chromium } = require(path.join(process.env.NODE_MODULES, "playwright-core"));

const IHD = process.env.IHD, SRC = process.env.SOURCE_TREE, OUT = process.env.OUT;
const SOURCE = path.join(SRC, "tests/support/p1_source.py");
const START = Date.parse("2026-06-03T04:30:00Z") / 1000; // the source's first telegram
const QUIET = 3;
let failures = 0, passes = 0;
const children = [];

const T_START = Date.now();
const stamp = () => ((Date.now() - T_START) / 1000).toFixed(1) + " s";
function ok(cond, what) {
  if (cond) { passes++; console.log("ok   " + what); }
  else { failures++; console.log("FAIL " + what); }
}

// The load of p1_source.py, again: s seconds after the first telegram.
const house = (s) => 1500 + 1000 * Math.sin((2 * Math.PI * s) / 3600);
const pv = (s) => 2500 * Math.max(0, Math.sin((2 * Math.PI * s) / 7200));
const net = (s) => Math.floor(house(s) - pv(s));

function run(cmd, args, name) {
  const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  children.push(p);
  p.lines = [];
  p.exited = false;
  p.on("exit", () => { p.exited = true; });
  readline.createInterface({ input: p.stdout }).on("line", (l) => p.lines.push(l));
  readline.createInterface({ input: p.stderr }).on("line", (l) => console.log(name + ": " + l));
  return p;
}

async function waitFor(fn, ms, what) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error("timed out waiting for " + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const lineMatch = (p, re) => { for (const l of p.lines) { const m = l.match(re); if (m) return m; } return null; };

async function startPair(tag, sourceArgs, db, extra) {
  const log = path.join(OUT, tag + ".log");
  const src = run("python3", [SOURCE, "--tcp", "0", "--log", log, ...sourceArgs], tag + " source");
  const sport = (await waitFor(() => lineMatch(src, /listening on 127\.0\.0\.1:(\d+)/), 10000, "the source"))[1];
  const ihd = run(IHD, ["--p1", "tcp:127.0.0.1:" + sport, "--db", db, "--http", "0", "--quiet", String(QUIET),
    "--price", "1=1.50", "--price", "2=2.25", "--export-price", "0.60", "--currency", "DKK", ...(extra || [])], tag + " ihd");
  const hport = (await waitFor(() => lineMatch(ihd, /page on http:\/\/127\.0\.0\.1:(\d+)\//), 10000, "ihd"))[1];
  return { src, ihd, log, url: "http://127.0.0.1:" + hport + "/" };
}

function readLog(file) {
  const recs = [], out = { recs, summary: null };
  for (const l of fs.readFileSync(file, "utf8").split("\n")) {
    if (!l) continue;
    const j = JSON.parse(l);
    if (j.summary) out.summary = j.summary; else recs.push(j);
  }
  return out;
}

// "2026-06-03 10:00:07 CEST" -> UTC seconds
function parseMeterTime(s) {
  const m = s.match(/(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) (CEST|CET)/);
  if (!m) return null;
  return Date.parse(m[1] + "T" + m[2] + (m[3] === "CEST" ? "+02:00" : "+01:00")) / 1000;
}
const fmtMeter = (t) => new Date((t + 7200) * 1000).toISOString().replace("T", " ").slice(0, 19) + " CEST";
const kW = (w) => (w / 1000).toFixed(3) + " kW";
const kWh = (wh) => (wh / 1000).toFixed(3) + " kWh";

// What the page shows, read in one go (one task of the page's event loop: no update between).
const snapshot = (page) => page.evaluate(() => {
  const t = (id) => document.getElementById(id).textContent;
  const rows = [...document.querySelectorAll("#phase-table tbody tr")].map((r) => [...r.cells].map((c) => c.textContent));
  const today = [...document.querySelectorAll("#today-table tbody tr")].map((r) => [...r.cells].map((c) => c.textContent));
  const volts = [...document.querySelectorAll("#voltage li")].map((l) => l.textContent);
  const vis = (id) => !document.getElementById(id).hidden;
  return { time: t("meter-time"), imp: t("power-import"), exp: t("power-export"), rows, today,
    todayImport: t("today-import"), todayCost: t("today-cost"), todayExport: t("today-export"),
    tariff: t("tariff"), next: t("next-tariff"), volts, sags: t("sags"), events: t("events"),
    failures: t("failures"), log: t("failure-log"),
    quiet: vis("banner-quiet") ? t("banner-quiet") : null, db: vis("banner-db") ? t("banner-db") : null,
    caption: t("plot-caption"), ok: t("count-ok"), crc: t("count-crc"), cut: t("count-cut"),
    garbage: t("count-garbage"), dropped: t("count-dropped"),
    plotted: window.ihd.plot ? window.ihd.plot.data : null };
});

function checkLive(s, log, what) {
  const t = parseMeterTime(s.time);
  ok(t !== null, what + ": the meter time is shown (" + s.time + ")");
  const rec = log.recs.find((r) => r.t === t && r.good);
  ok(rec !== undefined, what + ": the time shown is a telegram the source sent");
  const n = net(t - START), imp = Math.max(n, 0), exp = Math.max(-n, 0);
  const shownImp = Math.round(parseFloat(s.imp) * 1000), shownExp = Math.round(parseFloat(s.exp) * 1000);
  ok(Math.abs(shownImp - imp) <= 1 && Math.abs(shownExp - exp) <= 1,
     what + ": live power " + s.imp + " / " + s.exp + " = the load at " + s.time + " (" + imp + " W / " + exp + " W, within 1 W)");
  const split = [5, 3, 2].map((k) => Math.floor((imp * k) / 10));
  ok(s.rows.length === 3 && s.rows.every((r, k) => r[0] === "L" + (k + 1) && Math.abs(Math.round(parseFloat(r[1]) * 1000) - split[k]) <= 1),
     what + ": per phase " + s.rows.map((r) => r[1]).join(", ") + " = 50/30/20 % of it (" + split.join(", ") + " W)");
  return { t, rec };
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  for (const f of fs.readdirSync(OUT)) if (/\.(db|db-wal|db-shm|png|log)$/.test(f)) fs.unlinkSync(path.join(OUT, f));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ["--no-sandbox"] });
  try {
    // 1. A fresh database, 5 h 30 min of backlog (04:30Z .. 10:00Z = 06:30 .. 12:00 CEST, a
    //    telegram every 5 s), then live telegrams each second; every 50th corrupted, garbage, one
    //    cut short.
    const backlog = 19800 / 5, live = 8;
    const a = await startPair("live", ["--backlog", String(backlog), "--backlog-period", "5", "--live", String(live), "--bad-every", "50"],
                              path.join(OUT, "ihd.db"), ["--schedule", "07:00=2,21:00=1"]);
    await waitFor(() => lineMatch(a.src, /backlog of/), 30000, "the backlog");
    console.log("at " + stamp() + ": the backlog is sent");
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const t0 = Date.now();
    await page.goto(a.url, { waitUntil: "load" });
    const loadMs = Date.now() - t0;
    await waitFor(() => page.evaluate(() => document.getElementById("meter-time").textContent !== "–"), 10000, "live values");
    const firstMs = Date.now() - t0;
    console.log("figure: page load " + loadMs + " ms, first live values " + firstMs + " ms after navigation");
    ok(loadMs < 3000, "the page loads in " + loadMs + " ms");
    // live telegrams (after the backlog) reach the page
    await waitFor(async () => {
      const t = parseMeterTime((await snapshot(page)).time);
      return t !== null && t >= START + 5 * backlog + 2;
    }, 15000, "a live telegram on the page");
    let s = await snapshot(page), log = readLog(a.log);
    const { t, rec } = checkLive(s, log, "live");
    const first = log.recs[0];
    if (rec) {
      ok(s.todayImport === kWh(rec.imp - first.imp),
         "today's energy " + s.todayImport + " = the registers' difference since the first telegram (" + kWh(rec.imp - first.imp) + ")");
      const w1 = rec.imp_t[0] - first.imp_t[0], w2 = rec.imp_t[1] - first.imp_t[1];
      ok(s.today.length === 2 && s.today[0][1] === kWh(w1) && s.today[1][1] === kWh(w2),
         "today by tariff: T1 " + (s.today[0] || [])[1] + ", T2 " + (s.today[1] || [])[1] + " (" + kWh(w1) + ", " + kWh(w2) + ")");
      const cost = (w1 / 1000) * 1.5 + (w2 / 1000) * 2.25;
      ok(s.todayCost === cost.toFixed(2) + " DKK", "today's cost " + s.todayCost + " = T1 x 1.50 + T2 x 2.25 (" + cost.toFixed(2) + " DKK)");
      ok(s.todayExport.startsWith(kWh(rec.exp - first.exp)), "sent today " + s.todayExport + " (" + kWh(rec.exp - first.exp) + ")");
    }
    ok(s.tariff === "T2", "active tariff T2 at " + s.time + " (T2 from 07:00 to 21:00)");
    ok(s.next.startsWith("T1 at 21:00"), "next change: " + s.next);
    ok(s.volts.length === 3 && s.volts[0].startsWith("L1: 231.4 V, within the band") &&
       s.volts[2].startsWith("L3: 205.3 V, BELOW the band"), "voltages in words: " + s.volts.join(" | "));
    ok(/power failures \(any phase\): 3; long power failures: 1/.test(s.failures), "failure counts: " + s.failures);
    ok(s.log.includes("lasted 2 min 5 s") && s.log.includes(fmtMeter(START - 3600)), "failure log: " + s.log);
    ok(s.events.includes("tariff T1 -> T2 at 07:00"), "the tariff change at 07:00 is listed");

    // the day plot: one point per minute that had a telegram, energy = the registers' difference
    await page.click("button[data-range=week]");
    await page.click("button[data-range=day]");
    await waitFor(async () => /^Day: \d+ points/.test((await snapshot(page)).caption), 5000, "the day plot");
    s = await snapshot(page);
    log = readLog(a.log);
    const m = s.caption.match(/^Day: (\d+) points of 1 minute, ([\d.]+) kWh taken, ([\d.]+) kWh sent, up to (.*) \(from the database\)\.$/);
    ok(m !== null, "plot caption: " + s.caption);
    if (m) {
      const asof = parseMeterTime(m[4]);
      const good = log.recs.filter((r) => r.good && r.t <= asof);
      const minutes = new Set(good.map((r) => Math.floor(r.t / 60))).size;
      const last = good[good.length - 1];
      ok(+m[1] === minutes, "the day plot has " + m[1] + " points: the minutes with a telegram up to " + m[4] + " (" + minutes + ")");
      ok(s.plotted && s.plotted[0].length === minutes, "uPlot draws " + (s.plotted ? s.plotted[0].length : "no") + " points");
      ok(m[2] === (((last.imp - first.imp) / 1000).toFixed(3)), "the day plot's energy " + m[2] + " kWh = the import register's difference " + kWh(last.imp - first.imp));
      ok(m[3] === (((last.exp - first.exp) / 1000).toFixed(3)), "the day plot's export " + m[3] + " kWh = the export register's difference " + kWh(last.exp - first.exp));
      const sum = s.plotted ? Math.round(s.plotted[1].reduce((x, y) => x + y, 0) * 1000) : -1;
      ok(sum === last.imp - first.imp, "the plotted points add up to " + sum + " Wh");
    }
    await page.screenshot({ path: path.join(OUT, "ihd-live.png"), fullPage: true });

    console.log("at " + stamp() + ": live checks done");
    // the meter stops: the source closes after its live telegrams
    await waitFor(() => a.src.exited, 30000, "the source to stop");
    log = readLog(a.log);
    const sum = log.summary;
    const lastGood = log.recs.filter((r) => r.good).pop();
    const qs = await waitFor(async () => { const x = await snapshot(page); return x.quiet ? x : null; }, (QUIET + 3) * 1000, "the no-data state");
    ok(qs.quiet.startsWith("No data from the meter since " + fmtMeter(lastGood.t)), "quiet: " + qs.quiet);
    ok(qs.crc === String(sum.bad_crc) && sum.bad_crc > 0, "bad CRC counted: " + qs.crc + " (the source corrupted " + sum.bad_crc + ")");
    ok(qs.cut === String(sum.truncated), "cut-short telegrams counted: " + qs.cut + " (" + sum.truncated + ")");
    ok(qs.garbage === String(sum.garbage_bytes), "bytes outside telegrams: " + qs.garbage + " (" + sum.garbage_bytes + ")");
    ok(qs.ok === String(sum.good), "telegrams read: " + qs.ok + " (the source sent " + sum.good + " good ones)");
    ok(qs.dropped === String(sum.bad_crc + sum.truncated), "dropped: " + qs.dropped);
    ok(/L2 2,/.test(qs.sags) && qs.events.includes("voltage sag on L2 (the meter's count 1 -> 2)"),
       "the sag on L2 (the source's count 1 -> 2): " + qs.sags);
    await page.screenshot({ path: path.join(OUT, "ihd-quiet.png"), fullPage: true });
    await page.close();
    a.ihd.kill("SIGTERM");
    await waitFor(() => a.ihd.exited, 10000, "ihd to stop");

    console.log("at " + stamp() + ": the no-data state checked");
    // 2. A damaged database: the page says so and goes on from memory.
    fs.writeFileSync(path.join(OUT, "damaged.db"), "SQLite format 3\0" + "this is not a database ".repeat(400));
    const b = await startPair("damaged", ["--backlog", "600", "--live", "3"], path.join(OUT, "damaged.db"));
    const p2 = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await p2.goto(b.url);
    await waitFor(async () => { const x = await snapshot(p2); return x.db && parseMeterTime(x.time) >= START + 601; }, 15000, "the damaged-database page");
    s = await snapshot(p2);
    ok(/damaged|not a database/.test(s.db), "damaged database: " + s.db);
    checkLive(s, readLog(b.log), "damaged database");
    await p2.click("button[data-range=week]");
    await p2.click("button[data-range=day]");
    await waitFor(async () => /^Day: \d+ points/.test((await snapshot(p2)).caption), 5000, "the day plot from memory");
    s = await snapshot(p2);
    const mm = s.caption.match(/^Day: (\d+) points of 1 minute, ([\d.]+) kWh taken, .*, up to (.*) \(from memory/);
    ok(mm !== null, "plot from memory: " + s.caption);
    if (mm) {
      const asof = parseMeterTime(mm[3]);
      const lb = readLog(b.log), good = lb.recs.filter((r) => r.good && r.t <= asof);
      ok(+mm[1] === new Set(good.map((r) => Math.floor(r.t / 60))).size, "from memory: " + mm[1] + " points");
      ok(mm[2] === ((good[good.length - 1].imp - lb.recs[0].imp) / 1000).toFixed(3), "from memory: " + mm[2] + " kWh = the registers' difference");
    }
    await p2.screenshot({ path: path.join(OUT, "ihd-damaged-db.png"), fullPage: true });
    await p2.close();
    b.ihd.kill("SIGTERM");

    // 3. A read-only database (an SQLite URI: root ignores file modes): shown, history kept.
    const c = await startPair("readonly", ["--backlog", "120", "--live", "2"], "file:" + path.join(OUT, "ihd.db") + "?mode=ro");
    const p3 = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await p3.goto(c.url);
    await waitFor(async () => { const x = await snapshot(p3); return x.db && x.time !== "–"; }, 15000, "the read-only page");
    s = await snapshot(p3);
    ok(/read-only/.test(s.db), "read-only database: " + s.db);
    checkLive(s, readLog(c.log), "read-only database");
    await waitFor(async () => /from the database/.test((await snapshot(p3)).caption), 5000, "the stored history");
    s = await snapshot(p3);
    ok(/ up to 2026-06-03 06:3\d:\d\d CEST \(from the database\)/.test(s.caption), "the stored history is still plotted: " + s.caption);
    await p3.close();
  } finally {
    await browser.close();
    for (const p of children) if (!p.exited) p.kill("SIGKILL");
  }
  console.log("at " + stamp() + ": done");
  console.log(passes + " passed, " + failures + " failed");
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  console.log("FAIL " + e.message);
  for (const p of children) if (!p.exited) p.kill("SIGKILL");
  console.log(passes + " passed, " + (failures + 1) + " failed");
  process.exit(1);
});
