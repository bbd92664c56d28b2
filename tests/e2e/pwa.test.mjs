// End-to-end: the installable, offline app and its notifications, against `hearth serve --demo`
// (the node's own HTTP server: its CSP, the service worker at /sw.js, the manifest).
// - Chromium's installability check (CDP Page.getInstallabilityErrors) finds nothing wrong.
// - Offline: load once, context.setOffline(true), reload: the channel renders from storage and the
//   connection indicator says Offline; a message sent offline waits in the outbox (kept through
//   a reload), and is delivered exactly once when the network returns.
// - Notifications: with permission granted and the tab in the background, a reply from another
//   identity raises one notification; clicking it shows the message.
// - The figure: the app's second-visit start with the service worker (shell from its cache).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { launchChromium } from "./harness.mjs";
import { startDemo, skipWithoutNode as skip } from "./demo-node.mjs";

const root = new URL("../../", import.meta.url);
const shots = new URL("target/e2e/", root);
let demo, browser;

before(async () => {
  if (skip) return;
  await mkdir(shots, { recursive: true });
  demo = await startDemo();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

const app = (path = "") => demo.info.app + path.replace(/^\//, "");
const general = () => demo.info.channels.find((c) => c.name === "general").uuid;
const channelUrl = (uuid = general()) => app(`community/${demo.info.community}/${uuid}`);

async function open({ width = 1280, height = 860, colorScheme = "light" } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && page.errors.push(m.text()));
  if (process.env.DEBUG_CONSOLE) page.on("console", (m) => console.log(`# console ${m.type()}: ${m.text().slice(0, 300)}`));
  return page;
}

/** Resolves once a service worker controls the page. */
const controlled = (page) =>
  page.waitForFunction(() => navigator.serviceWorker?.controller?.state === "activated", null, { timeout: 30_000 });

async function joinCommunity(page, name) {
  await page.goto(app(`community/${demo.info.community}`));
  await page.waitForSelector(".membership-row button, .membership", { timeout: 30_000 });
  await page.click(".membership-row button");
  await page.waitForSelector("dialog[open]", { timeout: 10_000 });
  await page.fill("#id-name", name);
  await page.click("dialog >> text=Create identity");
  await page.waitForFunction(() => !document.querySelector("dialog[open]"));
  await page.click(".membership-row button");
  await page.waitForSelector(".membership.ok", { timeout: 45_000 });
}

test("Chromium finds the app installable: manifest, icons, service worker", { skip }, async () => {
  // A profile on disk: an incognito context is never installable.
  const profile = await mkdtemp(join(tmpdir(), "hearth-pwa-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 860 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && page.errors.push(m.text()));
  await page.goto(app());
  await controlled(page);
  const cdp = await page.context().newCDPSession(page);
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  assert.deepEqual(installabilityErrors, []);
  const manifest = await cdp.send("Page.getAppManifest");
  assert.deepEqual(manifest.errors, []);
  const parsed = JSON.parse(manifest.data);
  assert.equal(parsed.short_name, "Hearth");
  const sizes = parsed.icons.map((i) => `${i.sizes} ${i.purpose}`);
  for (const want of ["192x192 any", "512x512 any", "512x512 maskable"]) assert.ok(sizes.includes(want), sizes.join());
  // The cache is named after this build; the worker script is never served stale.
  const { build } = await (await page.request.get(app("build.json"))).json();
  assert.deepEqual(await page.evaluate(() => caches.keys()), [`hearth-shell-${build}`]);
  const sw = await page.request.get(app("sw.js"));
  assert.equal(sw.headers()["cache-control"], "no-cache");
  assert.deepEqual(page.errors, []);
  await context.close();
  await rm(profile, { recursive: true, force: true });
});

test("offline: the channel renders from storage, the indicator says Offline, a send waits in the outbox", { skip }, async () => {
  const page = await open();
  await joinCommunity(page, "Offline Olga");
  await page.goto(channelUrl());
  await page.waitForSelector(".timeline-row .message", { timeout: 30_000 });
  await controlled(page);
  const seen = await page.locator(".timeline-row .message").count();
  assert.ok(seen > 0);

  await page.context().setOffline(true);
  await page.reload();
  await page.waitForSelector(".timeline-row .message", { timeout: 30_000 });
  await page.waitForSelector('.connection-text:text("Offline")', { timeout: 10_000 });
  await page.screenshot({ path: new URL("pwa-offline-desktop-light.png", shots).pathname });

  const text = `written on a train ${Date.now()}`;
  await page.fill("#composer-input", text);
  await page.press("#composer-input", "Enter");
  // In the outbox: pending, or failed after its tries (with Retry), never lost.
  await page.waitForSelector(`.message:is(.pending, .failed):has-text("${text}")`, { timeout: 15_000 });
  await page.reload();
  await page.waitForSelector(`.message:is(.pending, .failed):has-text("${text}")`, { timeout: 30_000 });
  await page.context().close();
});

// After an offline reload the client's dials have failed and backed off (up to 60 s); a send must
// not wait for that backoff: the swarm dials the node by the peer book's addresses at once
// (transport::Addresses; before it, lightpush failed with "no addresses for peer").
test("offline: a message sent offline is delivered exactly once when the network returns", { skip }, async () => {
  const page = await open();
  await joinCommunity(page, "Returning Rita");
  await page.goto(channelUrl());
  await page.waitForSelector(".timeline-row .message", { timeout: 30_000 });
  await controlled(page);
  await page.context().setOffline(true);
  await page.reload();
  await page.waitForSelector(".timeline-row .message", { timeout: 30_000 });
  const text = `back online ${Date.now()}`;
  await page.fill("#composer-input", text);
  await page.press("#composer-input", "Enter");
  await page.waitForSelector(`.message:is(.pending, .failed):has-text("${text}")`, { timeout: 15_000 });
  await page.context().setOffline(false);
  await page.waitForSelector(`.message:not(.pending):not(.failed):has-text("${text}")`, { state: "attached", timeout: 90_000 });
  const reader = await open();
  await reader.goto(channelUrl());
  await reader.waitForSelector(`.message:has-text("${text}")`, { timeout: 60_000 });
  await reader.waitForTimeout(3000);
  assert.equal(await reader.locator(`.message:has-text("${text}")`).count(), 1);
  await reader.context().close();
  await page.context().close();
});

test("second visit: the shell comes from the service worker", { skip }, async () => {
  const page = await open();
  await page.goto(channelUrl());
  await page.waitForSelector(".timeline-row .message", { timeout: 30_000 });
  await controlled(page);
  const t0 = Date.now();
  await page.goto(channelUrl());
  await page.waitForSelector(".timeline-row .message", { timeout: 30_000 });
  const warm = Date.now() - t0;
  const fromWorker = await page.evaluate(() =>
    performance.getEntriesByType("resource").filter((e) => e.name.endsWith(".wasm")).map((e) => e.workerStart > 0 && e.transferSize === 0),
  );
  assert.deepEqual(fromWorker, [true], "the wasm came from the service worker's cache");
  console.log(`# figure: app second-visit start with the service worker (first message painted): ${warm} ms`);
  await page.context().close();
});

test("a reply from another identity raises one notification while the tab is in the background", { skip }, async () => {
  const a = await open();
  await a.context().grantPermissions(["notifications"], { origin: new URL(app()).origin });
  // Count what the app shows, and let the test put the tab in the background.
  await a.addInitScript(() => {
    window.__notes = [];
    const Real = window.Notification;
    window.Notification = class extends Real {
      constructor(title, options) {
        super(title, options);
        window.__notes.push({ title, body: options?.body, tag: options?.tag, n: this });
      }
    };
    Object.defineProperty(Document.prototype, "hidden", { get: () => window.__background === true });
  });
  await joinCommunity(a, "Ada Lovelace");
  await a.click(".channel-link >> text=general");
  await a.waitForSelector(".timeline-row .message", { timeout: 30_000 });
  assert.equal(await a.textContent(".notify-state"), "🔔 On");
  const stamp = `ask me anything ${Date.now()}`;
  await a.fill("#composer-input", stamp);
  await a.press("#composer-input", "Enter");
  await a.waitForSelector(`.message:not(.pending):not(.failed):has-text("${stamp}")`, { timeout: 30_000 });

  const b = await open({ colorScheme: "dark" });
  await joinCommunity(b, "Bea Reader");
  await b.click(".channel-link >> text=general");
  const row = b.locator(`.message:has-text("${stamp}")`);
  await row.waitFor({ timeout: 30_000 });
  await a.evaluate(() => (window.__background = true));
  await row.hover();
  await row.locator('[aria-label="Reply"]').click();
  const answer = `here is my answer ${Date.now()}`;
  await b.fill("#composer-input", answer);
  await b.press("#composer-input", "Enter");
  await b.waitForSelector(`.message:not(.pending):not(.failed):has-text("${answer}")`, { timeout: 30_000 });
  await a.waitForSelector(`.message:has-text("${answer}")`, { timeout: 30_000 });
  await a.waitForFunction(() => window.__notes.length > 0, null, { timeout: 10_000 });
  await a.waitForTimeout(1500);
  const notes = await a.evaluate(() => window.__notes.map(({ title, body, tag }) => ({ title, body, tag })));
  assert.equal(notes.length, 1, JSON.stringify(notes));
  assert.match(notes[0].title, /^Bea Reader replied to you in #general$/);
  assert.equal(notes[0].body, answer);
  // Clicking it brings the message into view.
  await a.evaluate(() => (window.__background = false));
  await a.evaluate(() => window.__notes[0].n.onclick());
  const inView = await a.$eval(`[data-id="${notes[0].tag}"]`, (e) => {
    const r = e.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= innerHeight;
  });
  assert.ok(inView);
  await a.context().close();
  await b.context().close();
});
