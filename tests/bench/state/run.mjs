// Drives issue #9's benchmark (see scripts/bench-state): seeds a community channel on a control
// node with js-waku, then measures in headless Chromium, printing medians and the ratio
// Hearth / js-waku for the same 1,000 messages.
//   node --import ./tests/interop/polyfill.mjs tests/bench/state/run.mjs
// Environment: HEARTH_BIN (release binary), MESSAGES (default 1000), RUNS (default 5).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { pbkdf2Sync } from "node:crypto";
import { fileURLToPath } from "node:url";
import { keccak_256 } from "@noble/hashes/sha3";
import { symmetric } from "@waku/message-encryption";

import { HEARTH, startNode, jsWaku, tempDir } from "../../interop/harness.mjs";
import { launchChromium } from "../../e2e/harness.mjs";
import { serveDir } from "../../../scripts/serve.mjs";

const N = Number(process.env.MESSAGES ?? 1000);
const RUNS = Number(process.env.RUNS ?? 5);
const root = fileURLToPath(new URL("../../../", import.meta.url));
const hearthNode = await import("../../../target/hearth-js/hearth.js");
const hex = (b) => Buffer.from(b).toString("hex");
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const dataDir = await tempDir();
const created = spawnSync(HEARTH, ["community", "create", "--data-dir", dataDir, "--name", "Bench Guild",
  "--description", "benchmark", "--category", "Talk", "--channel", "name=general,category=Talk"], { encoding: "utf8" });
if (created.status !== 0) throw new Error(created.stderr);
const { community, channels } = JSON.parse(created.stdout.trim());
const uuid = channels[0].uuid;
const node = await startNode({ dataDir });
const waku = await jsWaku(node.ws);

// Seed: N chat messages from 10 authors, Status envelopes from Hearth's package, encrypted and
// signed by js-waku.
const universal = `${community}-memberUpdate`;
const topic = `/waku/1/0x${hex(keccak_256(Buffer.from(universal)).subarray(0, 4))}/rfc26`;
const symKey = new Uint8Array(pbkdf2Sync(universal, "", 65356, 32, "sha256"));
const plain = waku.createEncoder({ contentTopic: topic, shardId: 32 });
const authors = Array.from({ length: 10 }, () => randomBytes(32));
const encoders = authors.map((a) => symmetric.createEncoder({ contentTopic: topic, routingInfo: plain.routingInfo, symKey, sigPrivKey: a }));
const seedStart = Date.now();
for (let i = 0; i < N; i++) {
  const now = Date.now();
  const text = `message ${i}: ${"lorem ipsum dolor sit amet ".repeat(1 + (i % 8))}`;
  const env = hearthNode.sealChatEnvelope(`${community}${uuid}`, text, BigInt(now), BigInt(now), authors[i % 10]);
  const r = await waku.lightPush.send(encoders[i % 10], { payload: env.message(0), timestamp: new Date(now) }, { useLegacy: false });
  if (r.failures.length) throw new Error(JSON.stringify(r.failures));
}
console.error(`bench-state: seeded ${N} messages in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);
await waku.stop();

const server = await serveDir(root);
const browser = await launchChromium();
const base = `${server.url}tests/bench/state/index.html?peer=${encodeURIComponent(node.ws)}&community=${community}&channel=${uuid}&n=${N}`;
async function run(context, mode, db = "") {
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`[${mode}] ${e}`));
  await page.goto(`${base}&mode=${mode}&db=${db}`);
  await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 300_000 });
  const r = await page.evaluate(() => window.benchResult);
  await page.close();
  if (r.error) throw new Error(`${mode}: ${r.error}`);
  return r;
}

const idb = [], hearth = [], revisit = [], jswaku = [], inbox = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const ctx = await browser.newContext();
    idb.push((await run(ctx, "idb")).ms);
    const h = await run(ctx, "hearth", `bench-${i}`);
    if (h.n < N) throw new Error(`hearth stored ${h.n} of ${N}`);
    hearth.push(h.ms);
    inbox.push(h.inboxMs);
    const r = await run(ctx, "revisit", `bench-${i}`);
    if (r.stored < 100) throw new Error(`revisit yielded ${r.stored} stored items`);
    revisit.push(r.startToStored);
    await ctx.close();
    const ctx2 = await browser.newContext();
    const j = await run(ctx2, "jswaku");
    if (j.n < N) throw new Error(`js-waku read ${j.n} of ${N}`);
    jswaku.push(j.ms);
    await ctx2.close();
  }
  const ua = await (async () => { const p = await browser.newPage(); const u = await p.evaluate(() => navigator.userAgent); await p.close(); return u; })();
  console.log(`# ${ua.match(/Chrome\/[\d.]+/)?.[0]}, ${RUNS} runs each, medians (min–max)`);
  const row = (name, xs, extra = "") => console.log(`${name.padEnd(58)} ${median(xs).toFixed(0).padStart(6)} ms  (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})${extra}`);
  row(`IndexedDB: write ${N === 1000 ? 10000 : N * 10} records`.replace(/\d+ records/, "10,000 records"), idb, `  = ${(10000 / (median(idb) / 1000)).toFixed(0)} records/s`);
  row("revisit: Client.start → first 100 stored items yielded", revisit);
  row(`Hearth: ${N} messages store → decode → verify → IndexedDB`, hearth, `  = ${(N / (median(hearth) / 1000)).toFixed(0)} msg/s (inbox part ${median(inbox).toFixed(0)} ms)`);
  row(`js-waku: ${N} messages store → decrypt → protobuf → verify`, jswaku, `  = ${(N / (median(jswaku) / 1000)).toFixed(0)} msg/s`);
  console.log(`ratio Hearth / js-waku (time): ${(median(hearth) / median(jswaku)).toFixed(2)}`);
} finally {
  await browser.close();
  server.close();
  await node.stop();
}
