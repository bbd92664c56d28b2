// Hearth's light client (`hearth publish|subscribe|query`, built on `hearth::net::LightClient`, not
// on the node's server code) against js-waku (@waku/sdk) through one `hearth node`: what one side
// sends the other receives, both compute the same message hash, and store time ranges, direction
// and paging agree.
//
//   cargo build -p hearth-node
//   node --import ./tests/interop/polyfill.mjs --test --test-force-exit tests/interop/client.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { sdk, startNode, jsWaku, eventually, messageHash, HEARTH, PUBSUB } from "./harness.mjs";

const WAIT = 30_000;
let node;
const wakus = [];
const children = new Set();

const light = async (addr, protocols) => {
  const w = await jsWaku(addr, protocols);
  wakus.push(w);
  return w;
};

before(async () => {
  node = await startNode();
});
after(async () => {
  for (const c of children) c.kill("SIGKILL");
  await Promise.all(wakus.map((w) => w.stop().catch(() => {})));
  await node?.cleanup();
});

const hex = (bytes) => Buffer.from(bytes).toString("hex");
const hash0x = (bytes) => `0x${hex(bytes)}`;
// A content topic of its own for every test, so that tests never see each other's messages.
const freshTopic = (name) => `/hearth/1/client-${name}-${Date.now()}/proto`;
const randomPayload = (n = 24) => crypto.getRandomValues(new Uint8Array(n));

// Timestamps are nanoseconds, beyond a double's 53 bits: read them as strings, compare as BigInt.
const parseLine = (line) => JSON.parse(line.replace(/"timestamp":(-?\d+)/g, '"timestamp":"$1"'));

/** Spawns a light-client subcommand against the node, tracked so `after` can kill it. */
function spawnHearth(args) {
  const child = spawn(HEARTH, [...args, "--peer", node.tcp], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: "warn" },
  });
  children.add(child);
  const proc = { child, stdout: "", stderr: "", lines: [] };
  let partial = "";
  child.stdout.on("data", (d) => {
    proc.stdout += d;
    const lines = (partial + d).split("\n");
    partial = lines.pop();
    proc.lines.push(...lines.filter((l) => l.trim()).map(parseLine));
  });
  child.stderr.on("data", (d) => (proc.stderr += d));
  proc.exited = new Promise((resolve) => child.on("exit", (code, signal) => {
    children.delete(child);
    resolve({ code, signal });
  }));
  proc.kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await proc.exited;
  };
  return proc;
}

/** Runs a subcommand to completion (killed after 30 s) and returns its JSON lines. */
async function runHearth(args) {
  const proc = spawnHearth(args);
  let timer;
  try {
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`hearth ${args.join(" ")} hung:\n${proc.stderr}`)), WAIT);
    });
    const { code, signal } = await Promise.race([proc.exited, timeout]);
    assert.equal(code, 0, `hearth ${args.join(" ")} exited with ${code ?? signal}:\n${proc.stderr}`);
    return proc.lines;
  } finally {
    clearTimeout(timer);
    await proc.kill();
  }
}

const publish = async (contentTopic, payload, extra = []) => {
  const lines = await runHearth([
    "publish", "--pubsub-topic", PUBSUB, "--content-topic", contentTopic, "--payload-hex", hex(payload), ...extra,
  ]);
  assert.equal(lines.length, 1, "publish prints one JSON line");
  const [report] = lines;
  assert.deepEqual(report.failed, []);
  assert.equal(report.accepted.length, 1);
  assert.equal(report.accepted[0].peer, node.peerId);
  assert.match(report.hash, /^0x[0-9a-f]{64}$/);
  return report;
};

const query = (contentTopic, extra = []) =>
  runHearth(["query", "--pubsub-topic", PUBSUB, "--content-topic", contentTopic, ...extra]);

test("js-waku lightpush v3 → hearth subscribe and hearth query, with js-waku's hash", async () => {
  const topic = freshTopic("from-js");
  const sub = spawnHearth(["subscribe", "--pubsub-topic", PUBSUB, "--content-topic", topic, "--count", "1"]);
  try {
    const subscribed = await eventually(
      () => sub.stderr.match(/hearth: subscribed with (\d+) peer\(s\)/) ?? sub.child.exitCode !== null,
      WAIT,
      "hearth subscribe to subscribe",
    );
    assert.ok(Array.isArray(subscribed), `hearth subscribe exited early:\n${sub.stderr}`);
    assert.equal(Number(subscribed[1]), 1, "subscribed with the one node");

    const sender = await light(node.ws, [sdk.Protocols.LightPush]);
    const encoder = sender.createEncoder({ contentTopic: topic, shardId: 32 });
    assert.equal(encoder.pubsubTopic, PUBSUB);
    const payload = randomPayload();
    const timestamp = new Date();
    // The exact message js-waku puts on the wire, and js-waku's own hash of it.
    const wire = await encoder.toProtoObj({ payload, timestamp });
    assert.equal(wire.timestamp, BigInt(timestamp.getTime()) * 1_000_000n);
    assert.ok(wire.timestamp > 0n);
    const jsHash = hash0x(messageHash(PUBSUB, wire));

    const result = await sender.lightPush.send(encoder, { payload, timestamp }, { useLegacy: false });
    assert.equal(result.failures.length, 0, JSON.stringify(result.failures));
    assert.equal(result.successes.length, 1);

    let timer;
    const { code } = await Promise.race([
      sub.exited,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no filter push:\n${sub.stderr}`)), WAIT))),
    ]).finally(() => clearTimeout(timer));
    assert.equal(code, 0, sub.stderr);
    assert.equal(sub.lines.length, 1, sub.stdout);
    const got = sub.lines[0];
    assert.equal(got.hash, jsHash, "hearth's hash equals js-waku's");
    assert.equal(got.payload_hex, hex(payload));
    assert.equal(got.content_topic, topic);
    assert.equal(got.pubsub_topic, PUBSUB);
    assert.equal(BigInt(got.timestamp), wire.timestamp);
    assert.equal(got.origin, `filter:${node.peerId}`);
    assert.ok(!got.version, `version ${got.version}`);
    assert.ok(!got.ephemeral, `ephemeral ${got.ephemeral}`);

    const stored = await query(topic);
    assert.equal(stored.length, 1, JSON.stringify(stored));
    assert.equal(stored[0].hash, jsHash);
    assert.equal(stored[0].payload_hex, hex(payload));
    assert.equal(stored[0].content_topic, topic);
    assert.equal(stored[0].pubsub_topic, PUBSUB);
    assert.equal(BigInt(stored[0].timestamp), wire.timestamp);

    // The same message looked up by the hash js-waku computed.
    const byHash = await runHearth(["query", "--hash", jsHash]);
    assert.deepEqual(byHash.map((m) => [m.hash, m.payload_hex]), [[jsHash, hex(payload)]]);
  } finally {
    await sub.kill();
  }
});

test("hearth publish → js-waku filter and js-waku store, with hearth's hash", async () => {
  const topic = freshTopic("from-hearth");
  const receiver = await light(node.ws, [sdk.Protocols.Filter, sdk.Protocols.Store]);
  const decoder = receiver.createDecoder({ contentTopic: topic, shardId: 32 });
  const received = [];
  assert.equal(await receiver.filter.subscribe([decoder], (m) => received.push(m)), true, "filter subscribe accepted");

  const payload = randomPayload(100);
  const timestamp = BigInt(Date.now()) * 1_000_000n + 123_457n; // sub-millisecond digits on purpose
  const report = await publish(topic, payload, ["--timestamp", String(timestamp)]);

  const pushed = await eventually(() => received[0], WAIT, "js-waku filter push");
  assert.equal(received.length, 1);
  assert.equal(hex(pushed.payload), hex(payload));
  assert.equal(pushed.contentTopic, topic);
  assert.equal(pushed.pubsubTopic, PUBSUB);
  assert.equal(pushed.proto.timestamp, timestamp);
  assert.equal(pushed.version, 0);
  assert.equal(pushed.ephemeral, false);
  assert.equal(hash0x(pushed.hash), report.hash, "js-waku's hash equals hearth publish's");
  assert.equal(hash0x(messageHash(PUBSUB, pushed.proto)), report.hash);

  const fromStore = [];
  for await (const page of receiver.store.queryGenerator([decoder])) {
    for (const p of page) fromStore.push(await p);
  }
  assert.equal(fromStore.length, 1);
  assert.equal(hex(fromStore[0].payload), hex(payload));
  assert.equal(fromStore[0].proto.timestamp, timestamp);
  assert.equal(hash0x(fromStore[0].hash), report.hash);
});

// Five messages published by `hearth publish` at timestamps a second apart around now (the node
// only archives messages within 20 s of its clock), with distinct sub-millisecond digits so that
// nanosecond precision matters. Shared by the store tests below; published once.
let fiveSent;
async function five() {
  if (fiveSent) return fiveSent;
  const topic = freshTopic("range");
  const base = (BigInt(Date.now()) - 3_000n) * 1_000_000n;
  const sent = [];
  for (let i = 0; i < 5; i++) {
    const timestamp = base + BigInt(i) * 1_000_000_000n + BigInt(i * 111 + 7);
    const payload = Uint8Array.from([i, ...randomPayload(8)]);
    const report = await publish(topic, payload, ["--timestamp", String(timestamp)]);
    sent.push({ timestamp, payload: hex(payload), hash: report.hash });
  }
  fiveSent = { topic, sent };
  return fiveSent;
}
const summary = (lines) => lines.map((m) => ({ timestamp: BigInt(m.timestamp), payload: m.payload_hex, hash: m.hash }));
const oldestFirst = (xs) => [...xs].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));

test("hearth query: time range and paging, against js-waku store", async () => {
  const { topic, sent } = await five();
  // Which messages come back, whatever their order (the order is the next test's business).
  const set = async (extra) => oldestFirst(summary(await query(topic, extra)));

  assert.deepEqual(summary(await query(topic, ["--forward"])), sent, "--forward: all five, oldest first");
  assert.deepEqual(await set([]), sent, "without --forward: all five");

  // --start and --end are inclusive, to the nanosecond.
  const range = ["--start", String(sent[1].timestamp), "--end", String(sent[3].timestamp)];
  const inRange = sent.slice(1, 4);
  assert.deepEqual(summary(await query(topic, [...range, "--forward"])), inRange);
  assert.deepEqual(await set(range), inRange);
  // One nanosecond inside the edges drops the edge messages.
  const narrow = ["--start", String(sent[1].timestamp + 1n), "--end", String(sent[3].timestamp - 1n)];
  assert.deepEqual(summary(await query(topic, narrow)), [sent[2]]);
  assert.deepEqual(await set(["--start", String(sent[3].timestamp)]), sent.slice(3));
  assert.deepEqual(summary(await query(topic, ["--end", String(sent[1].timestamp), "--forward"])), sent.slice(0, 2));

  // Small pages: the client follows the cursor to the end in both directions; --pages stops it.
  assert.deepEqual(summary(await query(topic, ["--page-size", "2", "--forward"])), sent);
  assert.deepEqual(await set(["--page-size", "2"]), sent);
  assert.deepEqual(summary(await query(topic, [...range, "--page-size", "2", "--forward"])), inRange);
  assert.deepEqual(summary(await query(topic, ["--page-size", "2", "--pages", "2", "--forward"])), sent.slice(0, 4));
  assert.deepEqual(await set(["--page-size", "2", "--pages", "1"]), sent.slice(3), "first backward page: the newest two");
  assert.deepEqual(summary(await query(topic, ["--page-size", "1", "--pages", "1"])), [sent[4]]);

  // --no-data: the same hashes, no messages.
  const hashesOnly = await query(topic, [...range, "--no-data", "--forward"]);
  assert.deepEqual(hashesOnly.map((m) => m.hash), inRange.map((m) => m.hash));
  assert.ok(hashesOnly.every((m) => m.payload_hex === undefined && m.timestamp === undefined));

  // js-waku over the same range (its Date bounds have millisecond precision: round outwards)
  // gives the same messages with the same hashes.
  const js = await light(node.ws, [sdk.Protocols.Store]);
  const decoder = js.createDecoder({ contentTopic: topic, shardId: 32 });
  const jsQuery = async (options) => {
    const out = [];
    for await (const page of js.store.queryGenerator([decoder], options)) {
      for (const p of page) {
        const m = await p;
        out.push({ timestamp: m.proto.timestamp, payload: hex(m.payload), hash: hash0x(m.hash) });
      }
    }
    return out;
  };
  // One more millisecond each way: js-waku turns a Date into nanoseconds as
  // `BigInt(date.getTime() * 1e6)`, a floating-point product above 2^53, which lands up to 128 ns
  // off (@waku/core 0.0.40 lib/store/rpc.js) — enough to drop a message stamped a few ns past the
  // millisecond. The messages are a second apart, so the wider bounds take in no other.
  const timeStart = new Date(Number(sent[1].timestamp / 1_000_000n) - 1);
  const timeEnd = new Date(Number(sent[3].timestamp / 1_000_000n) + 2);
  assert.deepEqual(await jsQuery({ timeStart, timeEnd, paginationForward: true, paginationLimit: 2 }), inRange);
  assert.deepEqual(await jsQuery({ paginationForward: true }), sent);
});

test("hearth query without --forward prints newest first, as its --help says", async () => {
  const { topic, sent } = await five();
  const newestFirst = [...sent].reverse();
  const range = ["--start", String(sent[1].timestamp), "--end", String(sent[3].timestamp)];
  assert.deepEqual(summary(await query(topic)), newestFirst, "one page");
  assert.deepEqual(summary(await query(topic, ["--page-size", "2"])), newestFirst, "pages of two");
  assert.deepEqual(summary(await query(topic, range)), newestFirst.slice(1, 4), "a time range");
});
