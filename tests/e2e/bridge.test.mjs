// End-to-end: a message posted to `hearth serve --demo --bridge` with `curl` appears in the channel
// view of the app in headless Chromium, live, under the bridge's name; the app already had the
// channel open. The node is real (its demo community, on loopback), the app is the built `dist/`.
//
// Needs the node binary (HEARTH_NODE, default target/debug/hearth); skipped, saying so, without it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveDir, launchChromium, openPage, startDemo } from "./harness.mjs";

const root = new URL("../../", import.meta.url);
const binary = process.env.HEARTH_NODE ?? new URL("target/debug/hearth", root).pathname;
const skip = existsSync(binary) ? false : `no node binary at ${binary} (cargo build -p hearth-node)`;
let node, demo, server, browser, dataDir, token;

before(async () => {
  if (skip) return;
  dataDir = await mkdtemp(join(tmpdir(), "hearth-e2e-bridge-"));
  const made = spawnSync(binary, ["bridge", "token", "create", "--data-dir", dataDir, "--label", "e2e"], { encoding: "utf8" });
  assert.equal(made.status, 0, made.stderr);
  token = JSON.parse(made.stdout.trim()).token;
  ({ demo, node } = await startDemo(binary, { dataDir, extraArgs: ["--bridge"] }));
  server = await serveDir(new URL("dist/", root), { extra: { "/hearth.json": demo } });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  server?.close();
  node?.kill();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Posts `text` to a demo channel through the bridge with curl; fails the test unless accepted. */
function post(channel, text) {
  const posted = spawnSync("curl", [
    "-s", "-w", "\n%{http_code}", "-X", "POST",
    `${demo.bridge}communities/${demo.community}/channels/${channel}/messages`,
    "-H", `Authorization: Bearer ${token}`, "-H", "Content-Type: application/json",
    "--data-binary", JSON.stringify({ text }),
  ], { encoding: "utf8" });
  const cut = posted.stdout.lastIndexOf("\n");
  const status = Number(posted.stdout.slice(cut + 1));
  assert.ok(status === 201 || status === 202, posted.stdout);
}

test("a message posted with curl appears in the open channel under the bridge's name", { skip }, async () => {
  assert.match(demo.bridge, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/$/, "the JSON line names the bridge");
  const page = await openPage(browser);
  const channel = demo.channels[0].uuid;
  await page.goto(server.url + `community/${demo.community}/${channel}`);
  await page.waitForSelector(".message", { timeout: 30_000 });

  const stamp = `bridge-${Date.now()}`;
  post(channel, `${stamp}: the **nightly build** passed`);

  const row = page.locator(`.message:has-text("${stamp}")`);
  await row.waitFor({ timeout: 30_000 });
  assert.equal(await row.locator("strong").textContent(), "nightly build", "markdown rendered");
  assert.match(await row.textContent(), /Hearth bridge/, "shown under the bridge's name");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a message in another channel marks it unread in the channel list until it is read", { skip }, async () => {
  const page = await openPage(browser);
  const [here, elsewhere] = [demo.channels[0], demo.channels[2]];
  await page.goto(server.url + `community/${demo.community}/${here.uuid}`);
  await page.waitForSelector(".message", { timeout: 30_000 });
  const link = page.locator(`.channel-link[href$="/${elsewhere.uuid}"]`);
  const isUnread = async () => (await link.getAttribute("class")).split(/\s+/).includes("unread");
  // A first visit shows no history as unread; the list re-reads its counts every 3 s.
  await page.waitForTimeout(4_000);
  assert.equal(await isUnread(), false, "the demo's history is not news");

  const stamp = `elsewhere-${Date.now()}`;
  post(elsewhere.uuid, `${stamp}: a note for another channel`);
  await page.waitForSelector(`.channel-link.unread[href$="/${elsewhere.uuid}"]`, { timeout: 30_000 });
  assert.match(await link.textContent(), /1 unread/, "screen readers hear the count");
  await page.screenshot({ path: new URL("target/e2e/sidebar-unread-desktop-light.png", root).pathname });
  assert.equal(await page.locator(`.channel-link.unread[href$="/${here.uuid}"]`).count(), 0, "the open channel is never unread");

  await link.click();
  await page.locator(`.message:has-text("${stamp}")`).waitFor({ timeout: 30_000 });
  assert.equal(await isUnread(), false, "the channel on screen is not unread");
  await page.locator(`.channel-link[href$="/${here.uuid}"]`).click();
  await page.waitForSelector(".message", { timeout: 30_000 });
  await page.waitForTimeout(4_000);
  assert.equal(await isUnread(), false, "read once opened");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
