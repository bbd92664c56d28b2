// The light-client benchmark in Chromium (issue #4, "Benchmark"): Hearth's wasm LightClient and
// js-waku (@waku/sdk's browser bundle) against the same `hearth node`, over WebSocket.
//
// The page is opened as index.html?client=hearth|js-waku&mode=…&addr=<node ws multiaddr>:
//   mode=start   one cold run: load the library (module import, wasm instantiation), create the
//                client, dial the node, wait for it as a store peer, read the first store page.
//                Posts { load, ready, firstPage, total, … } (ms since this script started).
//   mode=rounds  starts a client, then exposes `window.bench.round(maxPages)`, which reads pages
//                of 100 following the cursor and resolves with { ms, counts }.
//   mode=seed    (hearth only) lightpushes `n` messages for the others to read.
// Results go to `window.benchResult` for tests/bench/light-client/run.mjs, which checks counts.

const t0 = performance.now();
const params = new URLSearchParams(location.search);
const client = params.get("client");
const mode = params.get("mode");
const addr = params.get("addr");

const PUBSUB = "/waku/2/rs/16/32";
const CONTENT = "/hearth/1/bench-store/proto";
const PAGE_SIZE = 100;
const since = () => performance.now() - t0;

/** Each client behind the same three calls; `load` is the import (and wasm instantiation). */
const clients = {
  async hearth() {
    const { default: init, LightClient } = await import("./pkg/hearth.js");
    await init();
    const load = since();
    const lc = await LightClient.start([addr], 20000);
    return {
      load,
      /** Message counts of up to `maxPages` pages; `onPage` runs as each arrives. */
      pages: async (maxPages, onPage) =>
        Array.from(await lc.queryPages(PUBSUB, [CONTENT], PAGE_SIZE, maxPages, onPage)),
      push: (payload, ts) => lc.push(PUBSUB, CONTENT, payload, ts),
    };
  },
  async "js-waku"() {
    let requests = 0;
    const sdk = await import("./vendor/waku-sdk/index.js");
    const load = since();
    const waku = await sdk.createLightNode({
      defaultBootstrap: false,
      networkConfig: { clusterId: 16 },
      libp2p: { filterMultiaddrs: false, hideWebSocketInfo: true },
    });
    await waku.start();
    await waku.dial(addr);
    await waku.waitForPeers([sdk.Protocols.Store], 20000);
    const decoder = waku.createDecoder({ contentTopic: CONTENT, shardId: 32 });
    // Counts store requests (one stream each): js-waku reads on until a page comes back empty.
    const streams = waku.store.protocol.streamManager;
    const getStream = streams.getStream.bind(streams);
    streams.getStream = (peer) => {
      requests++;
      return getStream(peer);
    };
    return {
      load,
      requests: () => requests,
      async pages(maxPages, onPage) {
        const counts = [];
        const query = { paginationLimit: PAGE_SIZE, paginationForward: true };
        for await (const page of waku.store.queryGenerator([decoder], query)) {
          const messages = await Promise.all(page);
          const n = messages.filter((m) => m !== undefined && m.payload.length > 0).length;
          onPage?.(n, counts.length);
          counts.push(n);
          // Breaking here returns the generator before it asks for the next page.
          if (counts.length >= maxPages) break;
        }
        return counts;
      },
    };
  },
};

async function main() {
  if (!clients[client]) throw new Error(`unknown client ${client}`);
  if (!addr) throw new Error("no addr");
  const c = await clients[client]();
  const ready = since();
  if (mode === "start") {
    let firstPage;
    const counts = await c.pages(1, () => (firstPage ??= since()));
    const total = since();
    return { client, scriptStart: t0, load: c.load, ready, firstPage, total, counts };
  }
  if (mode === "rounds") {
    window.bench = {
      async round(maxPages) {
        const before = c.requests?.();
        const start = performance.now();
        const counts = await c.pages(maxPages);
        const ms = performance.now() - start;
        return { ms, counts, requests: c.requests ? c.requests() - before : undefined };
      },
    };
    return { client, ready, visibility: document.visibilityState };
  }
  if (mode === "seed") {
    if (!c.push) throw new Error(`${client} does not seed`);
    const n = Number(params.get("n") ?? 1000);
    const size = Number(params.get("size") ?? 300);
    // Distinct, increasing timestamps (1 µs apart, all within the node's 20 s window) fix the
    // order the store returns them in.
    const base = BigInt(Date.now()) * 1_000_000n;
    const start = performance.now();
    const hashes = new Set();
    const CONCURRENCY = 16;
    for (let i = 0; i < n; i += CONCURRENCY) {
      const batch = [];
      for (let j = i; j < Math.min(n, i + CONCURRENCY); j++) {
        const payload = new Uint8Array(size);
        for (let k = 0; k < size; k++) payload[k] = (j * 31 + k * 7) & 0xff;
        new DataView(payload.buffer).setUint32(0, j);
        batch.push(c.push(payload, base + BigInt(j) * 1000n));
      }
      for (const h of await Promise.all(batch)) hashes.add(h);
    }
    return { client, seeded: hashes.size, ms: performance.now() - start };
  }
  throw new Error(`unknown mode ${mode}`);
}

main().then(
  (r) => {
    window.benchResult = r;
    document.getElementById("out").textContent = JSON.stringify(r, null, 2);
  },
  (e) => {
    window.benchResult = { error: `${client} ${mode}: ${e?.stack ?? e}` };
    document.getElementById("out").textContent = window.benchResult.error;
  },
);
