// hearth::Client through the browser package (target/hearth-js-web) in a real Chromium, on the
// plain-JS example page (tests/example), against a community hosted by `hearth node` (its control
// node, which admits whoever asks), with js-waku on the other side:
// - joining, then sending: js-waku's @waku/message-encryption opens what the page sent, with the
//   page's key as signer;
// - the page closed, js-waku publishes three messages it encrypted itself (the Status envelope from
//   Hearth's Node package, the payload v1 layer js-waku's): the page reopened shows its stored
//   messages before any network answer (IndexedDB), then the three, none lost, none twice.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { cp, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { symmetric } from "@waku/message-encryption";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3";

import { HEARTH, PUBSUB, startNode, jsWaku, eventually, tempDir } from "./harness.mjs";
import { launchChromium } from "../e2e/harness.mjs";
import { serveDir } from "../../scripts/serve.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const hearthNode = await import("../../target/hearth-js/hearth.js");
const hex = (b) => Buffer.from(b).toString("hex");
const topicOf = (chatId) => `/waku/1/0x${hex(keccak_256(Buffer.from(chatId)).subarray(0, 4))}/rfc26`;
const WAIT = 30_000;

let node, waku, browser, server, site, community, uuid;
const dataDir = await tempDir();

before(async () => {
  const created = spawnSync(HEARTH, [
    "community", "create", "--data-dir", dataDir,
    "--name", "Example Guild", "--description", "For the JS package",
    "--category", "Talk", "--channel", "name=general,category=Talk",
  ], { encoding: "utf8" });
  assert.equal(created.status, 0, created.stderr);
  const out = JSON.parse(created.stdout.trim());
  community = out.community;
  uuid = out.channels[0].uuid;
  node = await startNode({ dataDir });
  waku = await jsWaku(node.ws);
  site = join(root, "target", "example-site");
  await rm(site, { recursive: true, force: true });
  await mkdir(site, { recursive: true });
  await cp(join(root, "tests/example"), site, { recursive: true });
  await cp(join(root, "target/hearth-js-web"), join(site, "pkg"), { recursive: true });
  server = await serveDir(site);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
  await waku?.stop();
  await node?.stop?.();
  node?.child?.kill();
  await rm(site, { recursive: true, force: true });
});

const pageUrl = (key) =>
  `${server.url}?peer=${encodeURIComponent(node.ws)}&community=${community}&channel=${uuid}` +
  `&key=${key}&name=Ada%20Lovelace&db=client-api`;

/** The page's log, once `check(log)` holds. */
const logWhen = (page, check, what) =>
  eventually(async () => {
    const log = await page.evaluate(() => window.hearthLog ?? []);
    return check(log) ? log : null;
  }, WAIT, what);

test("join, send, close, miss three from js-waku, reopen: stored first, then all three once", async () => {
  const key = hex(randomBytes(32));
  const myKey = "0x" + hex(secp256k1.getPublicKey(Buffer.from(key, "hex"), false));
  const context = await browser.newContext();
  let page = await context.newPage();
  await page.goto(pageUrl(key));

  // Join: the control node accepts and republishes the description listing us.
  await logWhen(page, (l) => l.some((e) => e.kind === "description" && e.info.state.state === "verified"), "the verified description");
  const pending = await page.evaluate(() => window.hearth.join());
  assert.equal(pending.state, "pending");
  await logWhen(page, (l) => l.some((e) => e.kind === "description" && e.info.membership.state === "member"), "membership");

  // Send: shown pending first, then sent.
  const sent = await page.evaluate(() => window.hearth.send("hello from the page"));
  assert.equal(sent.send_state.state, "sent", JSON.stringify(sent.send_state));
  const log1 = await logWhen(page, (l) => l.some((e) => e.kind === "upsert" && e.item.id === sent.id && e.item.send_state.state === "sent"), "the sent item");
  const firstSight = log1.find((e) => (e.kind === "upsert" && e.item.id === sent.id));
  assert.equal(firstSight.item.send_state.state, "pending", "pending before the network confirmed it");

  // js-waku opens it with the channel's key (pbkdf2 of the universal chat id), signer = the page.
  const universal = `${community}-memberUpdate`;
  const symKey = new Uint8Array(pbkdf2Sync(universal, "", 65356, 32, "sha256"));
  const decoder = symmetric.createDecoder(topicOf(universal), { pubsubTopic: PUBSUB }, symKey);
  let opened;
  for await (const page of waku.store.queryGenerator([decoder])) {
    for (const m of await Promise.all(page)) {
      if (m && "0x" + hex(m.signaturePublicKey ?? []) === myKey) opened = m;
    }
  }
  assert.ok(opened, "js-waku opened the page's message and found the page's key as signer");
  await page.close();

  // While the page is closed: three messages sealed by js-waku (envelope from Hearth's package),
  // signed with the page's own key as another device of the same member would (a non-member's
  // messages are not shown, as Status Desktop does not show them).
  const author = Buffer.from(key, "hex");
  const plain = waku.createEncoder({ contentTopic: topicOf(universal), shardId: 32 });
  const encoder = symmetric.createEncoder({
    contentTopic: topicOf(universal), routingInfo: plain.routingInfo, symKey, sigPrivKey: author,
  });
  const now = Date.now();
  for (let i = 0; i < 3; i++) {
    const envelope = hearthNode.sealChatEnvelope(`${community}${uuid}`, `while you were away ${i}`, BigInt(now + i), BigInt(now + i), author);
    const result = await waku.lightPush.send(encoder, { payload: envelope.message(0), timestamp: new Date(now + i) }, { useLegacy: false });
    assert.equal(result.failures.length, 0, JSON.stringify(result.failures));
  }

  // Reopen: the stored items come before any network answer, then the three, once each.
  const t0 = Date.now();
  page = await context.newPage();
  await page.goto(pageUrl(key));
  const log2 = await logWhen(page, (l) => {
    const texts = new Map();
    for (const e of l) {
      if (e.kind === "stored") for (const i of e.items) texts.set(i.id, i.text);
      if (e.kind === "upsert") texts.set(e.item.id, e.item.text);
    }
    return [...texts.values()].filter((t) => t.startsWith("while you were away")).length === 3;
  }, "the three messages from js-waku");
  const timeline = log2.filter((e) => e.source === "timeline");
  const stored = timeline.find((e) => e.kind === "stored");
  assert.ok(stored.items.some((i) => i.id === sent.id), "the sent message is in storage");
  const firstNetwork = timeline.findIndex((e) => e.kind === "upsert" || (e.kind === "progress" && e.progress.phase !== "stored"));
  assert.ok(timeline.indexOf(stored) < firstNetwork, "stored items before any network answer");
  const away = new Map();
  for (const e of timeline) {
    if (e.kind === "upsert" && e.item.text.startsWith("while you were away")) away.set(e.item.id, (away.get(e.item.id) ?? 0) + 1);
  }
  assert.equal(away.size, 3, "none lost");
  // Reading the DOM: each message once.
  const lines = await page.locator("#messages li").allTextContents();
  assert.equal(lines.filter((t) => t.includes("while you were away")).length, 3, lines.join("\n"));
  const started = log2.find((e) => e.kind === "starting").at;
  console.log(`# revisit (debug wasm): Client.start → stored items ${(stored.at - started).toFixed(0)} ms; page load → the three inbox messages ${Date.now() - t0} ms`);
  const health = await page.evaluate(() => window.hearth.health());
  assert.equal(health.storage.backend, "indexed_db");
  await context.close();
});
