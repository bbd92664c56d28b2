// A community created with `hearth community create` and published by `hearth node` (its control
// node), read back by code we did not write: js-waku's store protocol and @waku/message-encryption
// (symmetric key = PBKDF2 of the community id, status-wire.md §3.1), a small protobuf reader of our
// own, and @noble/curves for the signature. The description's signer must be the community key and
// its fields what was asked for; the store-node list (AMM type 83) must name the node, signed twice
// by the community key.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { pbkdf2Sync } from "node:crypto";

import { symmetric } from "@waku/message-encryption";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3";

import { HEARTH, PUBSUB, proto, rawRequest, startNode, jsWaku, eventually, tempDir } from "./harness.mjs";

const hex = (b) => Buffer.from(b).toString("hex");

/** Reads a protobuf message into { field number: [values] } (varints as BigInt, the rest bytes). */
function fields(bytes) {
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
const str = (b) => (b ? Buffer.from(b).toString("utf8") : "");
const one = (f, n) => f[n]?.[0];

/** The compressed key that signed keccak256(payload) (r ‖ s ‖ v, v ∈ {0, 1}). */
function signer(payload, signature) {
  const sig = secp256k1.Signature.fromBytes(signature.subarray(0, 64), "compact").addRecoveryBit(signature[64]);
  return "0x" + hex(sig.recoverPublicKey(keccak_256(payload)).toBytes(true));
}

let node;
let waku;
let community;
const dataDir = await tempDir();

before(async () => {
  const created = spawnSync(HEARTH, [
    "community", "create", "--data-dir", dataDir,
    "--name", "Interop Guild",
    "--description", "Read back by js-waku",
    "--color", "#aa5500",
    "--tag", "Ethereum", "--tag", "Privacy",
    "--category", "Talk", "--category", "Build",
    "--channel", "name=general,category=Talk,emoji=💬,description=Say hi",
    "--channel", "name=rust,category=Build,color=#ce422b",
    "--on-request",
  ], { encoding: "utf8" });
  assert.equal(created.status, 0, created.stderr);
  community = JSON.parse(created.stdout.trim()).community;
  node = await startNode({ dataDir });
  waku = await jsWaku(node.ws);
});
after(async () => {
  await waku?.stop().catch(() => {});
  await node?.cleanup();
});

test("the description, read by js-waku, is signed by the community key and says what was asked", async () => {
  const topic = `/waku/1/0x${hex(keccak_256(Buffer.from(community)).subarray(0, 4))}/rfc26`;
  const symKey = new Uint8Array(pbkdf2Sync(community, "", 65356, 32, "sha256"));
  const decoder = symmetric.createDecoder(topic, { pubsubTopic: PUBSUB }, symKey);
  const stored = await eventually(async () => {
    const res = proto.proto_store.StoreQueryResponse.decode(
      await rawRequest(waku, node.ws, "/vac/waku/store-query/3.0.0",
        proto.proto_store.StoreQueryRequest.encode({
          requestId: crypto.randomUUID(), includeData: true, pubsubTopic: PUBSUB,
          contentTopics: [topic], paginationForward: false, messageHashes: [],
        })),
    );
    return res.messages.length >= 2 ? res.messages : null;
  }, 15_000, "the description and the store-node list in the store");

  const amms = [];
  for (const kv of stored) {
    const msg = await decoder.fromProtoObj(PUBSUB, kv.message);
    assert.ok(msg, "js-waku opens the payload with pbkdf2(community id)");
    assert.equal(msg.version, 1);
    // No encryption layer (SkipEncryptionLayer): the RFC-26 data is the AMM itself.
    const amm = fields(msg.payload);
    amms.push({ type: Number(one(amm, 3)), payload: one(amm, 2), signature: one(amm, 1) });
  }

  const description = amms.find((a) => a.type === 25);
  assert.ok(description, "an AMM of type COMMUNITY_DESCRIPTION");
  assert.equal(signer(description.payload, description.signature), community, "signed by the community key");
  const d = fields(description.payload);
  assert.equal(str(one(d, 18)), community, "ID");
  assert.ok(one(d, 1) > 0n, "clock");
  const identity = fields(one(d, 5));
  assert.equal(str(one(identity, 4)), "Interop Guild");
  assert.equal(str(one(identity, 5)), "Read back by js-waku");
  assert.equal(str(one(identity, 6)), "#aa5500");
  assert.deepEqual((d[14] ?? []).map(str), ["Ethereum", "Privacy"]);
  assert.equal(one(fields(one(d, 3)), 3), 3n, "access MANUAL_ACCEPT (on request)");
  const categories = Object.fromEntries((d[8] ?? []).map((e) => {
    const entry = fields(e);
    const c = fields(one(entry, 2));
    return [str(one(entry, 1)), { name: str(one(c, 2)), position: Number(one(c, 3) ?? 0n) }];
  }));
  assert.deepEqual(Object.values(categories).map((c) => c.name).sort(), ["Build", "Talk"]);
  const channels = (d[6] ?? []).map((e) => {
    const entry = fields(e);
    const chat = fields(one(entry, 2));
    const ci = fields(one(chat, 3));
    return {
      uuid: str(one(entry, 1)),
      name: str(one(ci, 4)),
      description: str(one(ci, 5)),
      color: str(one(ci, 6)),
      emoji: str(one(ci, 7)),
      category: categories[str(one(chat, 4))]?.name,
      access: one(fields(one(chat, 2)), 3),
    };
  }).sort((a, b) => a.name.localeCompare(b.name));
  assert.deepEqual(channels.map(({ uuid, ...c }) => c), [
    { name: "general", description: "Say hi", color: "#aa5500", emoji: "💬", category: "Talk", access: 1n },
    { name: "rust", description: "", color: "#ce422b", emoji: "", category: "Build", access: 1n },
  ]);
  for (const c of channels) assert.match(c.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

  // The store-node list: AMM type 83 by the community key, its inner payload signed again by it.
  const list = amms.find((a) => a.type === 83);
  assert.ok(list, "an AMM of type COMMUNITY_PUBLIC_STORENODES_INFO");
  assert.equal(signer(list.payload, list.signature), community);
  const info = fields(list.payload);
  assert.equal(signer(one(info, 2), one(info, 1)), community, "the inner signature");
  const nodes = fields(one(info, 2));
  assert.equal("0x" + hex(one(nodes, 2)), community);
  const storenode = fields(one(nodes, 3));
  assert.equal(str(one(storenode, 2)), node.peerId);
  assert.ok(str(one(storenode, 4)).endsWith(`/p2p/${node.peerId}`), str(one(storenode, 4)));
});
