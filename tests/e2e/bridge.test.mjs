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

test("a message posted with curl appears in the open channel under the bridge's name", { skip }, async () => {
  assert.match(demo.bridge, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/$/, "the JSON line names the bridge");
  const page = await openPage(browser);
  const channel = demo.channels[0].uuid;
  await page.goto(server.url + `community/${demo.community}/${channel}`);
  await page.waitForSelector(".message", { timeout: 30_000 });

  const stamp = `bridge-${Date.now()}`;
  const posted = spawnSync("curl", [
    "-s", "-w", "\n%{http_code}", "-X", "POST",
    `${demo.bridge}communities/${demo.community}/channels/${channel}/messages`,
    "-H", `Authorization: Bearer ${token}`, "-H", "Content-Type: application/json",
    "--data-binary", JSON.stringify({ text: `${stamp}: the **nightly build** passed` }),
  ], { encoding: "utf8" });
  const cut = posted.stdout.lastIndexOf("\n");
  const status = Number(posted.stdout.slice(cut + 1));
  assert.ok(status === 201 || status === 202, posted.stdout);

  const row = page.locator(`.message:has-text("${stamp}")`);
  await row.waitFor({ timeout: 30_000 });
  assert.equal(await row.locator("strong").textContent(), "nightly build", "markdown rendered");
  assert.match(await row.textContent(), /Hearth bridge/, "shown under the bridge's name");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
