// Drives the staged light-client benchmark (see scripts/bench-client) in headless Chromium: seeds
// the node through Hearth's lightpush, then times Hearth's wasm LightClient and js-waku against
// the same `hearth node` and prints medians and the ratio Hearth / js-waku.
//
//   node tests/bench/light-client/run.mjs <staged dir> <node ws multiaddr>
// Environment: START_RUNS (fresh page loads per client, default 7), ROUNDS (timed 1,000-message
// reads per client, default 10), WARM_UP (untimed reads first, default 3), MESSAGES (default
// 1000), CHROMIUM.
import { chromium } from "playwright-core";
import { resolve } from "node:path";
import { serveDir } from "../../../scripts/serve.mjs";

const [dirArg, addr] = process.argv.slice(2);
if (!dirArg || !addr?.includes("/ws/")) {
  console.error("usage: run.mjs <staged dir> <node /ws/ multiaddr with /p2p/>");
  process.exit(2);
}
const START_RUNS = Number(process.env.START_RUNS ?? 7);
const ROUNDS = Number(process.env.ROUNDS ?? 10);
const WARM_UP = Number(process.env.WARM_UP ?? 3);
const MESSAGES = Number(process.env.MESSAGES ?? 1000);
const PAGE = 100;
const PAGES = MESSAGES / PAGE;
const CLIENTS = ["hearth", "js-waku"];
const NAMES = { hearth: "Hearth wasm", "js-waku": "js-waku 0.0.36" };

const server = await serveDir(resolve(dirArg));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    // Every page of a run stays at full speed, whichever is in front.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
  ],
});

const fail = (what) => {
  throw new Error(what);
};

/** A page in its own fresh context (no HTTP or code cache), once its script has posted. */
async function open(client, mode, extra = "") {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`[${client} ${mode}] page error: ${e}`));
  page.on("console", (m) => {
    if (m.type() === "error") console.error(`[${client} ${mode}] console: ${m.text()}`);
  });
  const q = new URLSearchParams({ client, mode, addr }).toString() + extra;
  await page.goto(`${server.url}index.html?${q}`);
  await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 300_000 });
  const result = await page.evaluate(() => window.benchResult);
  if (result.error) fail(result.error);
  return { context, page, result };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const stats = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length });
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const ms = (x, w = 7) => x.toFixed(1).padStart(w);

let failed = false;
try {
  const userAgent = await (async () => {
    const p = await browser.newPage();
    const ua = await p.evaluate(() => navigator.userAgent);
    await p.close();
    return ua;
  })();

  // 1. Seed the node through Hearth's lightpush (the only writer; both clients then read).
  const seed = await open("hearth", "seed", `&n=${MESSAGES}`);
  await seed.context.close();
  if (seed.result.seeded !== MESSAGES) fail(`seeded ${seed.result.seeded} of ${MESSAGES} messages`);
  console.error(
    `bench-client: seeded ${MESSAGES} messages through Hearth lightpush in ${seed.result.ms.toFixed(0)} ms`,
  );

  // 2. Page start → first store page: fresh page loads, the two clients taking turns (and
  // turns at going first) so that both see the same machine.
  const starts = { hearth: [], "js-waku": [] };
  for (let i = 0; i < START_RUNS; i++) {
    for (const client of i % 2 ? [...CLIENTS].reverse() : CLIENTS) {
      const { context, result } = await open(client, "start");
      await context.close();
      if (result.counts.length !== 1 || result.counts[0] !== PAGE) {
        fail(`${client} start run ${i}: first page held ${result.counts} messages, not ${PAGE}`);
      }
      starts[client].push(result);
      console.error(
        `bench-client: start ${client.padEnd(7)} #${i + 1}: load ${ms(result.load, 0)}, ready ${ms(result.ready, 0)}, ` +
          `first page ${ms(result.firstPage, 0)} ms`,
      );
    }
  }

  // 3. 1,000 messages in 10 pages of 100: one page per client, started once, rounds alternating.
  const pages = {};
  for (const client of CLIENTS) {
    pages[client] = await open(client, "rounds");
    if (pages[client].result.visibility !== "visible") {
      console.error(`bench-client: ${client} page is ${pages[client].result.visibility}`);
    }
  }
  const round = async (client, maxPages) => {
    const r = await pages[client].page.evaluate((n) => window.bench.round(n), maxPages);
    if (sum(r.counts) !== MESSAGES) {
      fail(`${client} read ${sum(r.counts)} messages, not ${MESSAGES} (pages: ${r.counts})`);
    }
    return r;
  };
  const capped = { hearth: [], "js-waku": [] };
  const toEnd = { hearth: [], "js-waku": [] };
  const requests = {};
  for (let i = 0; i < WARM_UP + ROUNDS; i++) {
    for (const client of i % 2 ? [...CLIENTS].reverse() : CLIENTS) {
      const r = await round(client, PAGES);
      if (r.counts.length !== PAGES || r.counts.some((c) => c !== PAGE)) {
        fail(`${client}: pages ${r.counts}, expected ${PAGES} × ${PAGE}`);
      }
      if (i >= WARM_UP) capped[client].push(r.ms);
    }
  }
  // The same read left to run to the end, as an app would: each client stops where its own
  // rule says the history ends.
  for (let i = 0; i < ROUNDS; i++) {
    for (const client of i % 2 ? [...CLIENTS].reverse() : CLIENTS) {
      const r = await round(client, 1000);
      requests[client] = { pages: r.counts.length, requests: r.requests };
      toEnd[client].push(r.ms);
    }
  }
  for (const client of CLIENTS) await pages[client].context.close();

  // 4. The table.
  const wasm = process.env.BENCH_WASM_BYTES;
  const bundle = process.env.BENCH_JSWAKU_BYTES;
  console.log(`light_client Chromium (${userAgent})`);
  console.log(
    `  one hearth node on loopback (WebSocket), ${MESSAGES} messages of 300 B on /waku/2/rs/16/32` +
      (wasm ? `; Hearth wasm ${wasm} B, js-waku bundle ${bundle} B` : ""),
  );
  console.log("");
  console.log(
    `page start → first store page (ms from the page's script starting; median of ${START_RUNS} fresh page loads each; lower is better)`,
  );
  console.log(
    `  ${"".padEnd(16)} ${"loaded".padStart(9)} ${"connect".padStart(9)} ${"ready".padStart(9)} ${"first page".padStart(11)}   first page min–max`,
  );
  const s = {};
  for (const client of CLIENTS) {
    const rs = starts[client];
    s[client] = {
      load: stats(rs.map((r) => r.load)),
      ready: stats(rs.map((r) => r.ready)),
      connect: stats(rs.map((r) => r.ready - r.load)),
      first: stats(rs.map((r) => r.firstPage)),
    };
    console.log(
      `  ${NAMES[client].padEnd(16)} ${ms(s[client].load.median, 9)} ${ms(s[client].connect.median, 9)} ${ms(s[client].ready.median, 9)} ` +
        `${ms(s[client].first.median, 11)}   ${s[client].first.min.toFixed(1)}–${s[client].first.max.toFixed(1)}`,
    );
  }
  console.log(
    "  (loaded: library imported and instantiated; ready: client created, node dialed, connected and identified as a store peer;\n" +
      "   connect: ready − loaded, per load; each column is its own median)",
  );
  const ratio = (a, b) => (a / b).toFixed(2);
  console.log(
    `  ratio Hearth / js-waku (time, < 1 means Hearth is faster): first page ${ratio(s.hearth.first.median, s["js-waku"].first.median)}, ` +
      `loaded ${ratio(s.hearth.load.median, s["js-waku"].load.median)}, ` +
      `connect ${ratio(s.hearth.connect.median, s["js-waku"].connect.median)}, ` +
      `ready ${ratio(s.hearth.ready.median, s["js-waku"].ready.median)}`,
  );
  console.log("");
  console.log(
    `${MESSAGES} messages in ${PAGES} pages of ${PAGE}, store v3 following the cursor (ms; ${ROUNDS} rounds each after ${WARM_UP} warm-up; lower is better)`,
  );
  const c = {};
  const e = {};
  for (const client of CLIENTS) {
    c[client] = stats(capped[client]);
    e[client] = stats(toEnd[client]);
    console.log(
      `  ${NAMES[client].padEnd(16)} median ${ms(c[client].median)}  min ${ms(c[client].min)}  max ${ms(c[client].max)}` +
        `   (${(MESSAGES / (c[client].median / 1000)).toFixed(0)} msg/s)`,
    );
  }
  console.log(
    `  ratio Hearth / js-waku (time, < 1 means Hearth is faster): ${ratio(c.hearth.median, c["js-waku"].median)}`,
  );
  const h = requests.hearth;
  const j = requests["js-waku"];
  console.log(
    `  left to run to the end (as an app would), median: Hearth ${ms(e.hearth.median, 0)} ms ` +
      `(${h.pages} pages; it stops at the page without a cursor), js-waku ${ms(e["js-waku"].median, 0)} ms ` +
      `(${j.pages} pages in ${j.requests} requests; it stops at an empty page); ratio ${ratio(e.hearth.median, e["js-waku"].median)}`,
  );
} catch (err) {
  console.error(`light-client benchmark failed: ${err.stack ?? err}`);
  failed = true;
} finally {
  await browser.close();
  server.close();
}
process.exitCode = failed ? 1 : 0;
