// Issue #9's benchmark pages (run by tests/bench/state/run.mjs), opened as
// index.html?mode=…&peer=<ws multiaddr>&community=<id>&channel=<uuid>&db=<name>&n=<messages>:
//   idb      IndexedDB write throughput: `n` message records through hearth's storage.
//   hearth   a first visit: Client.start → the timeline's stored items → the offline inbox (newest
//            pages) → load_older until `n` messages are stored: every message from store through
//            decode, verify (two signatures) and IndexedDB.
//   revisit  the same database again: Client.start → the first 100 stored items yielded.
//   jswaku   js-waku on the same messages: @waku/sdk store pages (50 at a time) with
//            @waku/message-encryption's symmetric decoder (payload v1, one signature), then the
//            Status layers with a protobuf reader and @noble/curves (the second signature).
// Timings start once a store peer is connected, so connection set-up is left out of both.
const params = new URLSearchParams(location.search);
const mode = params.get("mode");
const N = Number(params.get("n") ?? 1000);
const done = (r) => (window.benchResult = r);

async function hearthPage() {
  const { default: init, Client, benchStorageWrites } = await import("/target/bench/state/pkg/hearth.js");
  await init();
  if (mode === "idb") {
    const ms = await benchStorageWrites("bench-idb", N, 500);
    return done({ ms, n: N });
  }
  const t0 = performance.now();
  const client = await Client.start({ peers: [params.get("peer")], dbName: params.get("db"), timeoutMs: 20000 });
  const tStarted = performance.now();
  const community = client.community(params.get("community"));
  const timeline = community.timeline(params.get("channel"));
  const items = new Set();
  let tStored, tLive, askedOlder = false;
  for (let e; (e = await timeline.next()) !== null; ) {
    if (e.kind === "stored") {
      tStored = performance.now();
      for (const i of e.items) items.add(i.id);
      if (mode === "revisit") return done({ startToStored: tStored - t0, stored: e.items.length });
    }
    if (e.kind === "upsert") items.add(e.item.id);
    if (e.kind === "older") {
      for (const i of e.items) items.add(i.id);
      return done({ ms: performance.now() - tStarted, n: items.size, inboxMs: tLive - tStarted });
    }
    if (e.kind === "progress" && e.progress.phase === "live" && !askedOlder) {
      tLive = performance.now();
      askedOlder = true;
      timeline.loadOlder(N);
    }
    if (e.kind === "progress" && e.progress.phase === "failed") return done({ error: e.progress.reason });
  }
}

/** { field: [values] } of one protobuf message (varints as numbers, the rest as bytes). */
function fields(bytes) {
  const out = {};
  let i = 0;
  const varint = () => {
    let v = 0, mul = 1;
    for (;;) {
      const b = bytes[i++];
      v += (b & 0x7f) * mul;
      if (!(b & 0x80)) return v;
      mul *= 128;
    }
  };
  while (i < bytes.length) {
    const key = varint();
    const f = Math.floor(key / 8), w = key & 7;
    let value;
    if (w === 0) value = varint();
    else if (w === 2) { const len = varint(); value = bytes.subarray(i, i + len); i += len; }
    else if (w === 1) { value = bytes.subarray(i, i + 8); i += 8; }
    else if (w === 5) { value = bytes.subarray(i, i + 4); i += 4; }
    else throw new Error(`wire type ${w}`);
    (out[f] ??= []).push(value);
  }
  return out;
}

async function jsWakuPage() {
  const sdk = await import("/node_modules/@waku/sdk/bundle/index.js");
  const { symmetric } = await import("/node_modules/@waku/message-encryption/bundle/index.js");
  const { secp256k1 } = await import("@noble/curves/secp256k1.js");
  const { keccak_256 } = await import("@noble/hashes/sha3.js");
  const waku = await sdk.createLightNode({
    defaultBootstrap: false,
    networkConfig: { clusterId: 16 },
    libp2p: { filterMultiaddrs: false, hideWebSocketInfo: true },
  });
  await waku.start();
  await waku.dial(params.get("peer"));
  await waku.waitForPeers([sdk.Protocols.Store], 20000);
  const universal = `${params.get("community")}-memberUpdate`;
  const enc = new TextEncoder();
  const topic = "/waku/1/0x" + [...keccak_256(enc.encode(universal)).subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("") + "/rfc26";
  const pw = await crypto.subtle.importKey("raw", enc.encode(universal), "PBKDF2", false, ["deriveBits"]);
  const symKey = new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: new Uint8Array(), iterations: 65356 }, pw, 256));
  const decoder = symmetric.createDecoder(topic, waku.createEncoder({ contentTopic: topic, shardId: 32 }).routingInfo, symKey);
  const t0 = performance.now();
  let n = 0;
  const texts = [];
  for await (const page of waku.store.queryGenerator([decoder], { paginationLimit: 50 })) {
    for (const m of await Promise.all(page)) {
      if (!m) continue;
      // ProtocolMessage.public_message (field 102) → AMM {1 signature, 2 payload, 3 type}.
      const pm = fields(m.payload);
      const amm = fields(pm[102][0]);
      const payload = amm[2][0], sig = amm[1][0];
      const s = secp256k1.Signature.fromBytes(sig.subarray(0, 64), "compact").addRecoveryBit(sig[64]);
      s.recoverPublicKey(keccak_256(payload));
      const chat = fields(payload);
      texts.push(new TextDecoder().decode(chat[3]?.[0] ?? new Uint8Array()));
      n++;
    }
  }
  done({ ms: performance.now() - t0, n });
}

(mode === "jswaku" ? jsWakuPage() : hearthPage()).catch((e) => done({ error: String(e?.stack ?? e) }));
