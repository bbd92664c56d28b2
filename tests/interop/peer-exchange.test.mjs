// `hearth node`'s ENR and peer exchange against js-waku's own code: @waku/enr decodes and verifies
// the record the node publishes, and @waku/discovery's peer-exchange client, asking node B, finds
// node A (B was started with `--peer-enr <A's ENR>`).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { sdk, proto, multiaddr, startNode, jsWaku, rawRequest, eventually, CLUSTER } from "./harness.mjs";

const { EnrDecoder } = await import("@waku/enr");
const { PeerExchangeCodec } = await import("@waku/discovery");

let a;
let b;
const wakus = [];

/** The node's own ENR, from /health (the `enr: …` stdout line follows the address lines). */
const enrOf = async (node) => eventually(async () => (await node.getHealth()).enr, 10_000, "the node's ENR");
const withoutPeerId = (addr) => addr.split("/p2p/")[0];

before(async () => {
  a = await startNode();
  a.enr = await enrOf(a);
  b = await startNode({ args: ["--peer-enr", a.enr] });
  b.enr = await enrOf(b);
});
after(async () => {
  await Promise.all(wakus.map((w) => w.stop().catch(() => {})));
  await b?.cleanup();
  await a?.cleanup();
});

test("@waku/enr decodes the node's ENR: peer id, ip, tcp, multiaddrs, waku2, shards", async () => {
  const enr = await EnrDecoder.fromString(a.enr);
  assert.equal(enr.peerId.toString(), a.peerId);
  assert.equal(enr.seq, 1n);
  assert.equal(enr.ip, "127.0.0.1");
  assert.equal(enr.tcp, Number(a.tcp.match(/\/tcp\/(\d+)\//)[1]));
  // WebSocket first, then WebRTC-direct; no /p2p inside the field.
  assert.deepEqual(enr.multiaddrs.map(String), [withoutPeerId(a.ws), withoutPeerId(a.webrtc)]);
  assert.deepEqual(enr.waku2, { relay: true, store: true, filter: true, lightPush: true });
  assert.deepEqual(enr.shardInfo, { clusterId: CLUSTER, shards: [32, 64] });
  const dialable = enr.peerInfo.multiaddrs.map(String);
  for (const addr of [a.tcp, a.ws, a.webrtc]) assert.ok(dialable.includes(addr), `${addr} in ${dialable}`);

  // B's record is B's, and B holds A's record for peer exchange.
  const health = await b.getHealth();
  assert.equal((await EnrDecoder.fromString(health.enr)).peerId.toString(), b.peerId);
  assert.equal(health.peer_exchange.records, 1);
});

test("js-waku's peer-exchange discovery, connected to B, discovers A with A's addresses", async () => {
  const waku = await sdk.createLightNode({
    defaultBootstrap: false,
    networkConfig: { clusterId: CLUSTER },
    discovery: { peerExchange: true },
    libp2p: { filterMultiaddrs: false, hideWebSocketInfo: true },
  });
  wakus.push(waku);
  const discovered = new Promise((resolve) =>
    waku.libp2p.addEventListener("peer:discovery", (e) => {
      if (e.detail.id.toString() === a.peerId) resolve(e.detail);
    }),
  );
  await waku.start();
  await waku.dial(multiaddr(b.ws));
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("A not discovered in 20 s")), 20_000));
  const peer = await Promise.race([discovered, timeout]);
  // libp2p hands discovered addresses on without their /p2p part.
  const addrs = peer.multiaddrs.map(String);
  for (const addr of [a.ws, a.tcp]) assert.ok(addrs.includes(withoutPeerId(addr)), `${addr} in ${addrs}`);
});

// js-waku's peer_exchange.proto does not declare nwaku's status_code (field 10), so read it here.
function fields(buf) {
  const out = [];
  let i = 0;
  const varint = () => {
    let x = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = buf[i++];
      x |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return x;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    if ((key & 7) === 0) out.push([key >> 3, varint()]);
    else if ((key & 7) === 2) {
      const n = Number(varint());
      out.push([key >> 3, buf.subarray(i, i + n)]);
      i += n;
    } else throw new Error(`unexpected wire type ${key & 7}`);
  }
  return out;
}
const statusCode = (rpcBytes) => {
  const response = fields(rpcBytes).find(([f]) => f === 2)?.[1];
  const code = response && fields(response).find(([f]) => f === 10)?.[1];
  return code === undefined ? undefined : Number(code);
};

test("raw queries: the ENR bytes, requested counts and nwaku's status codes", async () => {
  const client = await jsWaku(b.ws, [sdk.Protocols.LightPush]);
  wakus.push(client);
  const ask = async (node, rpc) => {
    const bytes = await rawRequest(client, node.ws, PeerExchangeCodec, proto.proto_peer_exchange.PeerExchangeRPC.encode(rpc));
    return { status: statusCode(bytes), infos: proto.proto_peer_exchange.PeerExchangeRPC.decode(bytes).response?.peerInfos ?? [] };
  };

  const full = await ask(b, { query: { numPeers: 60n } });
  assert.equal(full.status, 200);
  assert.equal(full.infos.length, 1);
  assert.deepEqual(Buffer.from(full.infos[0].enr), Buffer.from(a.enr.slice(4), "base64url"), "the raw RLP record");
  assert.equal((await EnrDecoder.fromRLP(full.infos[0].enr)).peerId.toString(), a.peerId);

  // As nwaku: nothing asked for or nothing known is 200 with no records; no query is 400.
  const none = await ask(b, { query: { numPeers: 0n } });
  assert.deepEqual([none.status, none.infos.length], [200, 0]);
  await client.dial(multiaddr(a.ws));
  const empty = await ask(a, { query: { numPeers: 60n } });
  assert.deepEqual([empty.status, empty.infos.length], [200, 0]);
  const noQuery = await ask(b, { response: { peerInfos: [] } });
  assert.equal(noQuery.status, 400);
});
