// `hearth node` against a js-waku relay node (@waku/relay): gossipsub on /vac/waku/relay/2.0.0,
// message id sha256(data), anonymous (StrictNoSign) messages, cluster 16 shard 32.
//
// The npm registry holds @waku/relay up to 0.0.14, built for @waku/core 0.0.31 and libp2p 1.x
// (@chainsafe/libp2p-gossipsub 13); it exports wakuGossipSub/wakuRelay but not createRelayNode. The
// relay node is assembled here the way js-waku's later createRelayNode does it: @waku/sdk's own
// libp2p (2.x, with the metadata service) plus `pubsub: wakuGossipSub()`, a Relay on top, and the
// sdk's WakuNode around both.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  sdk, proto, multiaddr, startNode, jsWaku, rawRequest, eventually, sleep, messageHash, CLUSTER, PUBSUB,
} from "./harness.mjs";

const { wakuGossipSub, wakuRelay } = await import("@waku/relay");

const CONTENT = "/hearth/1/relay-interop/proto";
const hex = (bytes) => Buffer.from(bytes).toString("hex");
let node;
let relayWaku;
const wakus = [];
const light = async (addr, protocols) => {
  const w = await jsWaku(addr, protocols);
  wakus.push(w);
  return w;
};

/** A js-waku relay node on cluster 16 shard 32, dialled to the node and meshed with it. */
async function relayNode(addr, peerId) {
  const options = {
    defaultBootstrap: false,
    networkConfig: { clusterId: CLUSTER },
    libp2p: { filterMultiaddrs: false, hideWebSocketInfo: true, services: { pubsub: wakuGossipSub() } },
  };
  const libp2p = await sdk.createLibp2pAndUpdateOptions(options);
  // @waku/relay 0.0.14's Relay subscribes its topics at construction if gossipsub already runs.
  await libp2p.start();
  const waku = new sdk.WakuNode(options, libp2p, {}, wakuRelay([PUBSUB])(libp2p));
  wakus.push(waku);
  await waku.start();
  assert.deepEqual(waku.relay.gossipSub.multicodecs, ["/vac/waku/relay/2.0.0"]);
  await waku.dial(multiaddr(addr), [sdk.Protocols.Relay]);
  await eventually(() => waku.relay.getMeshPeers(PUBSUB).includes(peerId), 30_000, "js-waku relay grafts the node");
  return waku;
}

/** The WakuMessage js-waku's encoder puts on the wire for `payload` at `date`, for hashing. */
const wireMessage = (payload, date) => ({
  payload,
  contentTopic: CONTENT,
  version: 0,
  timestamp: BigInt(date.getTime()) * 1_000_000n,
  meta: undefined,
  ephemeral: false,
});

before(async () => {
  node = await startNode();
  relayWaku = await relayNode(node.ws, node.peerId);
}, { timeout: 60_000 });
after(async () => {
  await Promise.all(wakus.map((w) => w.stop().catch(() => {})));
  await node?.cleanup();
});

test("the mesh holds: the node neither prunes the js-waku relay peer nor drops it", { timeout: 60_000 }, async () => {
  // Several gossipsub heartbeats (1 s on both sides): a PRUNE from the node would take it out of
  // js-waku's mesh, and a connection closed by the node would empty it.
  await sleep(3000);
  assert.deepEqual(relayWaku.relay.getMeshPeers(PUBSUB), [node.peerId]);
  const open = relayWaku.libp2p.getConnections().filter((c) => c.remotePeer.toString() === node.peerId && c.status === "open");
  assert.equal(open.length, 1);
  const health = await node.getHealth();
  const me = health.peers.find((p) => p.peer_id === relayWaku.libp2p.peerId.toString());
  assert.ok(me, `node lists the relay peer: ${JSON.stringify(health.peers)}`);
  assert.equal(me.agent, "js-waku", "identify ran");
});

test("lightpush from a js-waku light node → relayed by the node → js-waku relay subscription", { timeout: 60_000 }, async () => {
  const received = [];
  const decoder = relayWaku.createDecoder({ contentTopic: CONTENT, shardId: 32 });
  assert.equal(decoder.pubsubTopic, PUBSUB);
  const unsubscribe = relayWaku.relay.subscribe([decoder], (m) => received.push(m));
  try {
    const sender = await light(node.ws, [sdk.Protocols.LightPush]);
    const encoder = sender.createEncoder({ contentTopic: CONTENT, shardId: 32 });
    const payload = sdk.utf8ToBytes(`relayed to js-waku ${Date.now()}`);
    const timestamp = new Date(Date.now() - 1000);
    const result = await sender.lightPush.send(encoder, { payload, timestamp });
    assert.equal(result.failures.length, 0, JSON.stringify(result.failures));
    assert.deepEqual(result.successes.map(String), [node.peerId]);

    const got = await eventually(() => received[0], 30_000, "relayed message at the js-waku relay node");
    assert.equal(received.length, 1);
    assert.deepEqual(got.payload, payload);
    assert.equal(got.contentTopic, CONTENT);
    assert.equal(got.pubsubTopic, PUBSUB);
    assert.equal(got.timestamp.getTime(), timestamp.getTime());
    assert.equal(got.version, 0);
    const expected = hex(messageHash(PUBSUB, wireMessage(payload, timestamp)));
    assert.equal(hex(got.hash), expected);

    // A raw lightpush v3 reports the js-waku relay node as the one relay peer it reached.
    const payload2 = sdk.utf8ToBytes(`counted ${Date.now()}`);
    const message2 = wireMessage(payload2, new Date());
    const res = proto.proto_lightpush.LightPushResponseV3.decode(
      await rawRequest(sender, node.ws, "/vac/waku/lightpush/3.0.0",
        proto.proto_lightpush.LightPushRequestV3.encode({ requestId: "relay-count", pubsubTopic: PUBSUB, message: message2 })),
    );
    assert.equal(res.statusCode, 200, res.statusDesc);
    assert.equal(res.relayPeerCount, 1);
    const got2 = await eventually(() => received[1], 30_000, "second relayed message");
    assert.deepEqual(got2.payload, payload2);
    assert.equal(hex(got2.hash), hex(messageHash(PUBSUB, message2)));
  } finally {
    unsubscribe();
  }
});

test("js-waku relay publish → the node → js-waku filter and store, with equal hashes", { timeout: 60_000 }, async () => {
  const receiver = await light(node.ws, [sdk.Protocols.Filter, sdk.Protocols.Store]);
  const decoder = receiver.createDecoder({ contentTopic: CONTENT, shardId: 32 });
  const pushed = [];
  assert.equal(await receiver.filter.subscribe([decoder], (m) => pushed.push(m)), true);
  const relayedBefore = (await node.getHealth()).counters.relayed;

  const encoder = relayWaku.createEncoder({ contentTopic: CONTENT, shardId: 32 });
  const payload = sdk.utf8ToBytes(`published over relay ${Date.now()}`);
  const timestamp = new Date(Date.now() - 2000);
  const sent = await relayWaku.relay.send(encoder, { payload, timestamp });
  assert.equal(sent.failures.length, 0, JSON.stringify(sent.failures));
  assert.deepEqual(sent.successes.map(String), [node.peerId], "gossipsub sent it to the node");
  const expected = hex(messageHash(PUBSUB, wireMessage(payload, timestamp)));

  const viaFilter = await eventually(() => pushed.find((m) => hex(m.payload) === hex(payload)), 30_000, "filter push");
  assert.equal(viaFilter.contentTopic, CONTENT);
  assert.equal(viaFilter.timestamp.getTime(), timestamp.getTime());
  assert.equal(hex(viaFilter.hash), expected);

  const stored = await eventually(async () => {
    for await (const page of receiver.store.queryGenerator([decoder])) {
      for (const p of page) {
        const m = await p;
        if (m && hex(m.payload) === hex(payload)) return m;
      }
    }
  }, 30_000, "store returns the relayed message");
  assert.equal(stored.contentTopic, CONTENT);
  assert.equal(stored.timestamp.getTime(), timestamp.getTime());
  assert.equal(hex(stored.hash), expected);

  // The hash the node itself computed and archived (store v3 answers with it) is the same.
  const res = proto.proto_store.StoreQueryResponse.decode(
    await rawRequest(receiver, node.ws, "/vac/waku/store-query/3.0.0",
      proto.proto_store.StoreQueryRequest.encode({
        requestId: "relay-hash", includeData: true, pubsubTopic: PUBSUB, contentTopics: [CONTENT],
        paginationForward: true, messageHashes: [],
      })),
  );
  assert.equal(res.statusCode, 200);
  const entry = res.messages.find((kv) => hex(kv.message.payload) === hex(payload));
  assert.ok(entry, "raw store query returns it");
  assert.equal(hex(entry.messageHash), expected);
  assert.equal(entry.message.timestamp, BigInt(timestamp.getTime()) * 1_000_000n);

  // The node took it in exactly once, and from relay.
  const health = await node.getHealth();
  assert.equal(health.counters.relayed, relayedBefore + 1);
});
