// Opens the staged status-decode benchmark (see scripts/bench-status) in headless Chromium and
// prints messages/s for Hearth's wasm and for js-waku, and their ratio.
//
//   node tests/bench/status-decode/run.mjs [staged dir]   (default target/bench/status-decode)
import { chromium } from "playwright-core";
import { resolve } from "node:path";
import { serveDir } from "../../../scripts/serve.mjs";

const dir = resolve(process.argv[2] ?? "target/bench/status-decode");
const server = await serveDir(dir);
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
  ],
});
let failed = false;
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error(`page error: ${e}`));
  page.on("console", (m) => m.type() === "error" && console.error(`console: ${m.text()}`));
  await page.goto(`${server.url}index.html`);
  await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 600_000 });
  const r = await page.evaluate(() => window.benchResult);
  if (r.error) throw new Error(r.error);
  const f = (x) => Math.round(x).toString().padStart(9);
  const line = (name, m) =>
    `  ${name.padEnd(44)} median ${f(m.median)} msg/s  best ${f(m.best)} msg/s  (first round ${f(m.first)})`;
  const jsBest = Math.max(r.jsSequential.median, r.jsConcurrent.median);
  console.log(
    `status_decode Chromium (${r.messages} messages, ${r.hearth.rounds} rounds after warm-up; ${r.userAgent}):`,
  );
  console.log(line("Hearth wasm (StatusDecoder.decodeWakuMessage)", r.hearth));
  console.log(line("js-waku, one after another", r.jsSequential));
  console.log(line("js-waku, Promise.all", r.jsConcurrent));
  console.log(
    `  ratio Hearth / js-waku (medians): ${(r.hearth.median / r.jsSequential.median).toFixed(2)}x ` +
      `vs one after another, ${(r.hearth.median / r.jsConcurrent.median).toFixed(2)}x vs Promise.all ` +
      `(${(r.hearth.median / jsBest).toFixed(2)}x vs the faster)`,
  );
} catch (e) {
  console.error(`status-decode benchmark failed: ${e.stack ?? e}`);
  failed = true;
} finally {
  await browser.close();
  server.close();
}
process.exitCode = failed ? 1 : 0;
