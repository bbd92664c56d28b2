// End-to-end: the built app (dist/) loads in headless Chromium and shows what it should.
// Run by scripts/test after scripts/build-web.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile, mkdir } from "node:fs/promises";
import { serveDir, launchChromium } from "./harness.mjs";

const root = new URL("../../", import.meta.url);
let server, browser;

before(async () => {
  server = await serveDir(new URL("dist/", root));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  server?.close();
});

test("the app mounts and shows Hearth's name and the library version", async () => {
  const cargo = await readFile(new URL("Cargo.toml", root), "utf8");
  const version = cargo.match(/^version = "([^"]+)"/m)[1];
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(server.url);
  await page.waitForSelector("main.hearth h1", { timeout: 20_000 });
  assert.equal(await page.textContent("main.hearth h1"), "Hearth");
  assert.equal(await page.textContent("main.hearth .version"), `version ${version}`);
  await mkdir(new URL("target/screenshots/", root), { recursive: true });
  await page.screenshot({ path: new URL("target/screenshots/app.png", root).pathname });
  assert.deepEqual(errors, []);
});
