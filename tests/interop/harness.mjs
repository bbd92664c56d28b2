// Shared pieces for interop tests: start and stop `hearth node`, create js-waku light nodes, and
// talk raw Waku protocols through js-waku's own libp2p when a test needs the exact status code.

// js-waku's libp2p dependencies call Promise.withResolvers, which Node 20 lacks. This module runs
// before @waku/sdk is loaded (it is imported dynamically below), so the polyfill is in place.
if (!Promise.withResolvers) {
  Promise.withResolvers = function () {
    let resolve, reject;
    const promise = new this((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
  };
}

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const sdk = await import("@waku/sdk");
export const { multiaddr } = await import("@multiformats/multiaddr");
export const proto = await import("@waku/proto");
const { pipe } = await import("it-pipe");
const lp = await import("it-length-prefixed");
const { default: all } = await import("it-all");
export const { messageHash } = await import("@waku/core");

const root = fileURLToPath(new URL("../../", import.meta.url));
export const HEARTH = process.env.HEARTH_BIN ?? join(root, "target/debug/hearth");
export const CLUSTER = 16;
export const PUBSUB = "/waku/2/rs/16/32";

/** A fresh data directory, removed by `node.cleanup()`. */
export async function tempDir() {
  return mkdtemp(join(tmpdir(), "hearth-node-"));
}

/**
 * Starts `hearth node` on loopback with ephemeral ports and waits until it has printed its
 * tcp, ws and webrtc-direct addresses and its health URL.
 */
export async function startNode({ dataDir, args = [] } = {}) {
  dataDir ??= await tempDir();
  const child = spawn(
    HEARTH,
    [
      "node",
      "--data-dir", dataDir,
      "--listen", "/ip4/127.0.0.1/tcp/0",
      "--listen", "/ip4/127.0.0.1/tcp/0/ws",
      "--listen", "/ip4/127.0.0.1/udp/0/webrtc-direct",
      "--http", "127.0.0.1:0",
      ...args,
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" } },
  );
  const node = { child, dataDir, addrs: [], stderr: "" };
  // HEARTH_NODE_LOG=1 shows the node's log while debugging a test.
  if (process.env.HEARTH_NODE_LOG) child.stderr.pipe(process.stderr);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hearth node did not start:\n${node.stderr}`)), 30_000);
    const ready = () => {
      if (node.addrs.length >= 3 && node.health) {
        clearTimeout(timer);
        resolve();
      }
    };
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const lines = out.split("\n");
      out = lines.pop();
      node.addrs.push(...lines.filter((l) => l.startsWith("/")));
      ready();
    });
    child.stderr.on("data", (d) => {
      node.stderr += d;
      const m = node.stderr.match(/health at (http:\/\/\S+)/);
      if (m) node.health = m[1];
      ready();
    });
    child.on("exit", (code) => reject(new Error(`hearth node exited with ${code}:\n${node.stderr}`)));
  });
  node.ws = node.addrs.find((a) => a.includes("/ws/"));
  node.tcp = node.addrs.find((a) => /\/tcp\/\d+\/p2p\//.test(a));
  node.webrtc = node.addrs.find((a) => a.includes("/webrtc-direct/"));
  node.peerId = node.ws.split("/p2p/")[1];
  node.getHealth = async () => (await fetch(node.health)).json();
  node.stop = () => stopChild(child, "SIGTERM");
  node.kill9 = () => stopChild(child, "SIGKILL");
  node.cleanup = async () => {
    await node.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  return node;
}

function stopChild(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", resolve);
    child.kill(signal);
  });
}

/** A js-waku light node on cluster 16, connected to `addr` and ready for the given protocols. */
export async function jsWaku(addr, protocols = [sdk.Protocols.LightPush, sdk.Protocols.Filter, sdk.Protocols.Store]) {
  const waku = await sdk.createLightNode({
    defaultBootstrap: false,
    networkConfig: { clusterId: CLUSTER },
    libp2p: { filterMultiaddrs: false, hideWebSocketInfo: true },
  });
  await waku.start();
  await waku.dial(multiaddr(addr));
  await waku.waitForPeers(protocols, 20_000);
  return waku;
}

/**
 * One raw request/response on a fresh stream, the way js-waku's own protocol cores do it: write
 * one length-prefixed frame, close our side, read frames until the service node closes its side.
 */
export async function rawRequest(waku, addr, protocol, requestBytes) {
  const stream = await waku.libp2p.dialProtocol(multiaddr(addr), protocol);
  const frames = await pipe([requestBytes], (s) => lp.encode(s), stream, (s) => lp.decode(s), (s) => all(s));
  if (frames.length !== 1) throw new Error(`expected one response frame, got ${frames.length}`);
  return frames[0].subarray();
}

/** Opens a raw stream for tests that misbehave on purpose. */
export const openStream = (waku, addr, protocol) => waku.libp2p.dialProtocol(multiaddr(addr), protocol);
export { pipe, lp };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value or `ms` pass. */
export async function eventually(check, ms = 10_000, what = "condition") {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Reads a protobuf message into { field number: [values] } (varints as BigInt, the rest bytes). */
export function fields(bytes) {
  const out = {};
  let i = 0;
  const varint = () => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = bytes[i++];
      if (b === undefined) throw new Error("truncated varint");
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (i < bytes.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    let value;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const len = Number(varint());
      value = bytes.subarray(i, i + len);
      i += len;
    } else if (wire === 1) { value = bytes.subarray(i, i + 8); i += 8; }
    else if (wire === 5) { value = bytes.subarray(i, i + 4); i += 4; }
    else throw new Error(`wire type ${wire}`);
    (out[field] ??= []).push(value);
  }
  return out;
}

/** The first value of field `n` in what [`fields`] read. */
export const one = (f, n) => f[n]?.[0];
