// History beyond the store window in the browser (issue #13 §2): `hearth serve --demo` keeps the
// newest 25 days in its store and days 31–60 only in archives, which the node serves over HTTP as
// BitTorrent web seeds. The app, served by the node itself (its CSP allows its own origin),
// scrolls a channel back past the store's oldest message and shows older ones from the archives,
// saying which week it reads; every piece is checked in the page before a byte is used.
//
// Prints the figures for one week's archive: time from the first archive request to the first
// archived message shown, and bytes fetched against the archive's size.
//
// Needs the node binary (HEARTH_NODE, default target/debug/hearth) and the built app (dist/);
// skipped, saying so, without them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { launchChromium, openPage, startDemo } from "./harness.mjs";

const root = new URL("../../", import.meta.url);
const binary = process.env.HEARTH_NODE ?? new URL("target/debug/hearth", root).pathname;
const dist = new URL("dist/", root).pathname;
const skip = !existsSync(binary)
  ? `no node binary at ${binary} (cargo build -p hearth-node)`
  : !existsSync(join(dist, "index.html"))
    ? "no built app in dist/ (scripts/build-web)"
    : false;
const DAY = 24 * 3600 * 1000;
let node, demo, browser, dataDir;

before(async () => {
  if (skip) return;
  ({ demo, node, dataDir } = await startDemo(binary));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  node?.kill();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test("scrolling past the store's oldest message shows older ones from the archives", { skip }, async () => {
  const page = await openPage(browser);
  // Every progress line the channel shows, and when the first archived message appeared.
  await page.addInitScript((cutoff) => {
    window.__lines = [];
    window.__firstArchived = 0;
    new MutationObserver(() => {
      const line = document.querySelector(".sync-status")?.textContent ?? "";
      if (line && window.__lines.at(-1) !== line) window.__lines.push(line);
      if (!window.__firstArchived) {
        for (const t of document.querySelectorAll("time.message-time[datetime]")) {
          if (Date.parse(t.getAttribute("datetime")) < cutoff) {
            window.__firstArchived = performance.now();
            break;
          }
        }
      }
    }).observe(document, { subtree: true, childList: true, characterData: true });
  }, Date.now() - 30 * DAY);
  const archive = [];
  page.on("response", async (r) => {
    const u = new URL(r.url());
    if (!u.pathname.startsWith("/archives/")) return;
    const body = await r.body().catch(() => Buffer.alloc(0));
    archive.push({ path: u.pathname, status: r.status(), bytes: body.length, range: r.headers()["content-range"] ?? null });
  });
  await page.goto(`${demo.app}community/${demo.community}/${demo.channels[0].uuid}`);
  await page.waitForSelector(".message", { timeout: 30_000 });
  // Caught up (the status line clears when the timeline is live) before scrolling back.
  await page.waitForFunction(() => !document.querySelector(".sync-status")?.textContent, null, { timeout: 60_000 });
  const times = () => page.$$eval("time.message-time[datetime]", (e) => e.map((t) => Date.parse(t.getAttribute("datetime"))));
  const storeOldest = Math.min(...(await times()));
  let oldest = storeOldest;
  for (let i = 0; i < 60 && oldest > Date.now() - 31 * DAY; i++) {
    await page.hover(".timeline");
    await page.mouse.wheel(0, -4000);
    await page.waitForTimeout(300);
    oldest = Math.min(oldest, ...(await times()));
  }
  const lines = await page.evaluate(() => window.__lines);
  assert.ok(oldest < Date.now() - 31 * DAY, `a message older than the store window shows (oldest ${((Date.now() - oldest) / DAY).toFixed(1)} days; lines ${JSON.stringify(lines)})`);
  assert.ok(lines.some((l) => /^Reading the archive of \d/.test(l)), `the progress line named the archive: ${JSON.stringify(lines)}`);
  assert.ok(archive.some((a) => a.path.endsWith(".torrent") && a.status === 200), "the .torrent was fetched");
  const data = archive.filter((a) => a.path.endsWith("/data"));
  assert.ok(data.length > 0 && data.every((a) => a.status === 206 && a.range), "archives were read with Range requests");

  // Figures: one week's archive.
  const firstRequest = await page.evaluate(() =>
    Math.min(...performance.getEntriesByType("resource").filter((e) => new URL(e.name).pathname.startsWith("/archives/")).map((e) => e.startTime)));
  const firstShown = await page.evaluate(() => window.__firstArchived);
  const total = (a) => a.reduce((s, x) => s + x.bytes, 0);
  const dataTotal = Number(data[0].range.split("/")[1]);
  const firstWeek = data[0].bytes;
  console.log(
    `# archive read in Chromium: first archived message shown ${(firstShown - firstRequest).toFixed(0)} ms after the first archive request; ` +
      `fetched ${total(archive)} bytes (torrent ${total(archive.filter((a) => a.path.endsWith(".torrent")))}, index ${total(archive.filter((a) => a.path.endsWith("/index")))}, data ${total(data)} in ${data.length} range requests) ` +
      `for the first week's ${firstWeek} bytes of data; the data file holds ${dataTotal} bytes (${archive.length} requests)`,
  );
  assert.ok(total(data) < dataTotal, "only the weeks scrolled to were fetched, not the whole data file");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a web seed that corrupts a piece is detected: nothing from it is shown", { skip }, async () => {
  // The demo names one web seed, the node. Chromium flips a byte in every answer for its data
  // file, as a broken or hostile mirror would: the page checks each piece, refuses the seed and
  // says so, and shows nothing older than the store. (With a second, honest seed the reader goes
  // on with it: node/tests/history.rs shows that against real HTTP servers.)
  const page = await openPage(browser);
  const seed = `${demo.app}archives/`;
  let flipped = 0;
  await page.route(`${seed}**/data`, async (route) => {
    const res = await route.fetch();
    const body = Buffer.from(await res.body());
    if (body.length) {
      body[body.length >> 1] ^= 0xff;
      flipped++;
    }
    await route.fulfill({ response: res, body });
  });
  await page.addInitScript(() => {
    window.__lines = [];
    new MutationObserver(() => {
      const line = document.querySelector(".sync-status")?.textContent ?? "";
      if (line && window.__lines.at(-1) !== line) window.__lines.push(line);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.goto(`${demo.app}community/${demo.community}/${demo.channels[0].uuid}`);
  await page.waitForSelector(".message", { timeout: 30_000 });
  await page.waitForFunction(() => !document.querySelector(".sync-status")?.textContent, null, { timeout: 60_000 });
  const times = () => page.$$eval("time.message-time[datetime]", (e) => e.map((t) => Date.parse(t.getAttribute("datetime"))));
  let lines = [];
  for (let i = 0; i < 60; i++) {
    await page.hover(".timeline");
    await page.mouse.wheel(0, -4000);
    await page.waitForTimeout(300);
    lines = await page.evaluate(() => window.__lines);
    if (lines.some((l) => l.includes("SHA-1"))) break;
  }
  assert.ok(flipped > 0, "the seed's data was asked for");
  assert.ok(lines.some((l) => /reading the archive failed: .*SHA-1/.test(l)), `the page refused the piece: ${JSON.stringify(lines)}`);
  const oldest = Math.min(...(await times()));
  assert.ok(oldest > Date.now() - 30 * DAY, "nothing from the corrupt seed is shown");
  assert.ok(!(await page.$(".history-top")), "a failed archive is not the beginning of history");
  await page.context().close();
});
