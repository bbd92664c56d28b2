// `hearth node` against js-waku (@waku/sdk), the reference light client we did not write.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  sdk, proto, multiaddr, openStream, startNode, jsWaku, rawRequest, eventually, sleep, messageHash, PUBSUB,
} from "./harness.mjs";

const CONTENT = "/hearth/1/interop/proto";
let node;
const wakus = [];
const light = async (addr, protocols) => {
  const w = await jsWaku(addr, protocols);
  wakus.push(w);
  return w;
};

before(async () => {
  node = await startNode();
});
after(async () => {
  await Promise.all(wakus.map((w) => w.stop().catch(() => {})));
  await node?.cleanup();
});

test("js-waku lightpush v3 → js-waku filter and store, with equal hashes", async () => {
  const sender = await light(node.ws);
  const receiver = await light(node.ws);
  const encoder = sender.createEncoder({ contentTopic: CONTENT, shardId: 32 });
  const decoder = receiver.createDecoder({ contentTopic: CONTENT, shardId: 32 });
  assert.equal(encoder.pubsubTopic, PUBSUB);

  const received = [];
  const ok = await receiver.filter.subscribe([decoder], (m) => received.push(m));
  assert.equal(ok, true, "filter subscribe accepted");

  const payload = sdk.utf8ToBytes(`hello from js-waku ${Date.now()}`);
  const result = await sender.lightPush.send(encoder, { payload });
  assert.equal(result.failures.length, 0, JSON.stringify(result.failures));
  assert.ok(result.successes.length >= 1);

  const pushed = await eventually(() => received[0], 10_000, "filter push");
  assert.deepEqual(pushed.payload, payload);
  assert.equal(pushed.pubsubTopic, PUBSUB);

  const fromStore = [];
  for await (const page of receiver.store.queryGenerator([decoder])) {
    for (const p of page) fromStore.push(await p);
  }
  const stored = fromStore.find((m) => m && Buffer.from(m.payload).equals(Buffer.from(payload)));
  assert.ok(stored, "store returns the message");

  // The node's hash, read from a raw store v3 response, equals js-waku's own computation.
  const req = proto.proto_store.StoreQueryRequest.encode({
    requestId: "hash-check",
    includeData: true,
    pubsubTopic: PUBSUB,
    contentTopics: [CONTENT],
    paginationForward: true,
    messageHashes: [],
  });
  const res = proto.proto_store.StoreQueryResponse.decode(
    await rawRequest(receiver, node.ws, "/vac/waku/store-query/3.0.0", req),
  );
  assert.equal(res.statusCode, 200);
  assert.equal(res.requestId, "hash-check");
  const entry = res.messages.find((kv) => Buffer.from(kv.message.payload).equals(Buffer.from(payload)));
  assert.ok(entry.message.timestamp > 0n, "js-waku set a timestamp");
  const jsHash = messageHash(PUBSUB, entry.message);
  assert.equal(Buffer.from(entry.messageHash).toString("hex"), Buffer.from(jsHash).toString("hex"));
  assert.equal(Buffer.from(pushed.hash).toString("hex"), Buffer.from(jsHash).toString("hex"));
});

// Builds a WakuMessage for raw requests; the timestamp is now, so the store archives it.
const wakuMessage = (payload, contentTopic = CONTENT) => ({
  payload,
  contentTopic,
  version: 0,
  timestamp: BigInt(Date.now()) * 1_000_000n,
  ephemeral: false,
});

const lightpushV3 = async (waku, addr, message, pubsubTopic = PUBSUB, requestId = crypto.randomUUID()) =>
  proto.proto_lightpush.LightPushResponseV3.decode(
    await rawRequest(
      waku,
      addr,
      "/vac/waku/lightpush/3.0.0",
      proto.proto_lightpush.LightPushRequestV3.encode({ requestId, pubsubTopic, message }),
    ),
  );

const storeQuery = async (waku, addr, query) =>
  proto.proto_store.StoreQueryResponse.decode(
    await rawRequest(
      waku,
      addr,
      "/vac/waku/store-query/3.0.0",
      proto.proto_store.StoreQueryRequest.encode({
        requestId: crypto.randomUUID(),
        includeData: true,
        pubsubTopic: PUBSUB,
        contentTopics: [CONTENT],
        paginationForward: false,
        messageHashes: [],
        ...query,
      }),
    ),
  );

test("two hearth nodes relay to each other: push on one, filter on the other", async () => {
  const second = await startNode({ args: ["--peer", node.tcp] });
  try {
    await eventually(async () => (await second.getHealth()).peers.length > 0, 10_000, "nodes connected");
    // Give gossipsub a heartbeat to graft the mesh.
    await sleep(1500);
    const sender = await light(node.ws);
    const receiver = await light(second.ws, [sdk.Protocols.Filter]);
    const topic = "/hearth/1/relay/proto";
    const received = [];
    await receiver.filter.subscribe([receiver.createDecoder({ contentTopic: topic, shardId: 32 })], (m) => received.push(m));
    const payload = sdk.utf8ToBytes("across the mesh");
    const res = await lightpushV3(sender, node.ws, wakuMessage(payload, topic));
    assert.equal(res.statusCode, 200, res.statusDesc);
    assert.equal(res.relayPeerCount, 1, "published to the other node");
    const got = await eventually(() => received[0], 10_000, "relayed push");
    assert.deepEqual(got.payload, payload);
    assert.equal((await second.getHealth()).counters.relayed, 1);
  } finally {
    await second.cleanup();
  }
});

test("a message survives kill -9 between publish and query", async () => {
  const own = await startNode();
  let restarted;
  try {
    const client = await light(own.ws, [sdk.Protocols.LightPush]);
    const payload = sdk.utf8ToBytes(`durable ${Date.now()}`);
    const res = await lightpushV3(client, own.ws, wakuMessage(payload));
    assert.equal(res.statusCode, 200);
    await own.kill9();
    await client.stop();
    restarted = await startNode({ dataDir: own.dataDir });
    assert.equal(restarted.peerId, own.peerId, "the node key persists");
    const asker = await light(restarted.ws, [sdk.Protocols.Store]);
    const q = await storeQuery(asker, restarted.ws, {});
    assert.equal(q.statusCode, 200);
    assert.ok(q.messages.some((kv) => Buffer.from(kv.message.payload).equals(Buffer.from(payload))));
  } finally {
    await (restarted ?? own).cleanup();
  }
});

test("limits answer with nwaku's codes: 101 filter topics, oversize push, page size 500", async () => {
  const client = await light(node.ws);
  const sub = proto.proto_filter_v2.FilterSubscribeResponse.decode(
    await rawRequest(
      client,
      node.ws,
      "/vac/waku/filter-subscribe/2.0.0-beta1",
      proto.proto_filter_v2.FilterSubscribeRequest.encode({
        requestId: "too-many",
        filterSubscribeType: proto.proto_filter_v2.FilterSubscribeRequest.FilterSubscribeType.SUBSCRIBE,
        pubsubTopic: PUBSUB,
        contentTopics: Array.from({ length: 101 }, (_, i) => `/hearth/1/t${i}/proto`),
      }),
    ),
  );
  assert.equal(sub.statusCode, 400);
  assert.equal(sub.statusDesc, "exceeds maximum content topics: 100");
  assert.equal(sub.requestId, "too-many");

  const big = await lightpushV3(client, node.ws, wakuMessage(new Uint8Array(1024 * 1024 + 1)));
  assert.equal(big.statusCode, 420);
  assert.match(big.statusDesc, /^Message size exceeded maximum of 1048576 bytes$/);

  const noTopic = proto.proto_lightpush.LightPushResponseV3.decode(
    await rawRequest(client, node.ws, "/vac/waku/lightpush/3.0.0",
      proto.proto_lightpush.LightPushRequestV3.encode({ requestId: "no-topic", message: wakuMessage(new Uint8Array([1])) })),
  );
  assert.equal(noTopic.statusCode, 420);
  const otherShard = await lightpushV3(client, node.ws, wakuMessage(new Uint8Array([1])), "/waku/2/rs/16/1");
  assert.equal(otherShard.statusCode, 421);

  const topic = "/hearth/1/paging/proto";
  for (let i = 0; i < 120; i++) {
    const r = await lightpushV3(client, node.ws, wakuMessage(new Uint8Array([i, 1, 2]), topic));
    assert.equal(r.statusCode, 200, r.statusDesc);
  }
  const page = await storeQuery(client, node.ws, { contentTopics: [topic], paginationLimit: 500n });
  assert.equal(page.statusCode, 200);
  assert.equal(page.messages.length, 100, "capped at 100");
  assert.ok(page.paginationCursor?.length === 32, "more pages exist");
  const rest = await storeQuery(client, node.ws, { contentTopics: [topic], paginationCursor: page.paginationCursor });
  assert.equal(rest.messages.length, 20);
  assert.equal(rest.paginationCursor, undefined);
  const times = [...rest.messages, ...page.messages].map((kv) => kv.message.timestamp);
  assert.deepEqual(times, [...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), "ascending across pages");
});

test("lightpush v2 and rate limits (429 with request_id N/A)", async () => {
  const limited = await startNode({ args: ["--rate-limit", "lightpush:2/1m"] });
  try {
    const client = await light(limited.ws, [sdk.Protocols.LightPush]);
    const v2 = async (requestId) =>
      proto.proto_lightpush.PushRpc.decode(
        await rawRequest(
          client,
          limited.ws,
          "/vac/waku/lightpush/2.0.0-beta1",
          proto.proto_lightpush.PushRpc.encode({
            requestId,
            request: { pubsubTopic: PUBSUB, message: wakuMessage(sdk.utf8ToBytes(requestId)) },
          }),
        ),
      );
    const first = await v2("one");
    assert.deepEqual([first.requestId, first.response.isSuccess, first.response.info], ["one", true, "OK"]);
    assert.equal((await lightpushV3(client, limited.ws, wakuMessage(new Uint8Array([2])))).statusCode, 200);
    const third = await lightpushV3(client, limited.ws, wakuMessage(new Uint8Array([3])));
    assert.equal(third.statusCode, 429);
    assert.equal(third.requestId, "N/A");
    const fourth = await v2("four");
    assert.deepEqual([fourth.requestId, fourth.response.isSuccess, fourth.response.info], ["N/A", false, "TOO_MANY_REQUESTS"]);
  } finally {
    await limited.cleanup();
  }
});

test("metadata: the node answers with its cluster and drops a peer from another cluster", async () => {
  const client = await light(node.ws, [sdk.Protocols.Store]);
  const res = proto.proto_metadata.WakuMetadataResponse.decode(
    await rawRequest(client, node.ws, "/vac/waku/metadata/1.0.0", proto.proto_metadata.WakuMetadataRequest.encode({ clusterId: 16, shards: [] })),
  );
  assert.equal(res.clusterId, 16);
  assert.deepEqual(res.shards, [32, 64]);

  const stranger = await sdk.createLightNode({
    defaultBootstrap: false,
    networkConfig: { clusterId: 1 },
    libp2p: { filterMultiaddrs: false, hideWebSocketInfo: true },
  });
  wakus.push(stranger);
  await stranger.start();
  // The node may drop the peer before js-waku's dial() has finished opening its first stream.
  await stranger.dial(multiaddr(node.ws)).catch(() => {});
  await eventually(() => node.stderr.includes("cluster 1 is not ours (16)"), 10_000, "node refused cluster 1");
  await eventually(() => stranger.libp2p.getConnections().length === 0, 10_000, "cluster-1 peer disconnected");
});

test("bad input on every protocol gets an error or a reset, and other peers keep being served", async () => {
  const attacker = await light(node.ws, [sdk.Protocols.Store]);
  const bystander = await light(node.ws, [sdk.Protocols.Store]);
  const protocols = [
    "/vac/waku/lightpush/3.0.0",
    "/vac/waku/lightpush/2.0.0-beta1",
    "/vac/waku/filter-subscribe/2.0.0-beta1",
    "/vac/waku/store-query/3.0.0",
    "/vac/waku/metadata/1.0.0",
    "/vac/waku/peer-exchange/2.0.0-alpha1",
  ];
  const random = (n) => crypto.getRandomValues(new Uint8Array(n));
  const frame = (body) => Uint8Array.from([...varint(body.length), ...body]);
  const attacks = [
    ["random protobuf frame", () => frame(random(64))],
    ["truncated frame", () => Uint8Array.from([100, ...random(10)])],
    ["endless varint", () => new Uint8Array(12).fill(0xff)],
    ["2^40-byte length prefix", () => Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 1, 2, 3])],
    ["random bytes", () => random(300)],
  ];

  let stop = false;
  let served = 0;
  const keepQuerying = (async () => {
    while (!stop) {
      const r = await storeQuery(bystander, node.ws, {});
      assert.equal(r.statusCode, 200);
      served++;
      // An honest pace: the node rate-limits store to 20 pages a second per peer by default.
      await sleep(100);
    }
  })();

  // The attack runs in rounds until the bystander has been served at least 5 times while it goes on:
  // how long one round takes depends on the machine, so a fixed round could end before 5 queries.
  const outcomes = {};
  let rounds = 0;
  while (rounds === 0 || (served < 5 && rounds < 50)) {
    rounds++;
    await attackRound();
  }
  stop = true;
  await keepQuerying;
  assert.ok(served >= 5, `bystander served ${served} times during ${rounds} rounds of attack`);
  assert.equal(node.child.exitCode, null, "node still running");
  const health = await node.getHealth();
  assert.equal(health.status, "ok");
  console.log(`attack outcomes ${JSON.stringify(outcomes)} in ${rounds} rounds, bystander queries served ${served}`);

  async function attackRound() {
    for (const protocol of protocols) {
      for (const [name, make] of attacks) {
        for (let i = 0; i < 4; i++) {
          const stream = await openStream(attacker, node.ws, protocol);
          const result = await Promise.race([
            (async () => {
              try {
                await stream.sink([make()]);
                let bytes = 0;
                for await (const chunk of stream.source) bytes += chunk.byteLength;
                return bytes > 0 ? "answered" : "closed";
              } catch {
                return "reset";
              }
            })(),
            sleep(10_000).then(() => "hung"),
          ]);
          stream.abort?.(new Error("done"));
          outcomes[result] = (outcomes[result] ?? 0) + 1;
          assert.notEqual(result, "hung", `${protocol} ${name} got no answer and no close within 10 s`);
        }
      }
    }
  }
});

function varint(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
