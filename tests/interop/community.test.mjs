// A community created with `hearth community create` and published by `hearth node` (its control
// node), read back by code we did not write: js-waku's store protocol and @waku/message-encryption
// (symmetric key = PBKDF2 of the community id, status-wire.md §3.1), a small protobuf reader of our
// own, and @noble/curves for the signature. The description's signer must be the community key and
// its fields what was asked for; the store-node list (AMM type 83) must name the node, signed twice
// by the community key. Then a request to join built entirely in JavaScript (AMM, EIP-191 revealed
// account, ECIES with js-waku) is pushed to the node, waits (the community is on request), is
// accepted with `hearth community accept`, and the answer is opened with js-waku's ECIES decoder.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { pbkdf2Sync } from "node:crypto";

import { ecies, generatePrivateKey, getPublicKey, symmetric } from "@waku/message-encryption";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3";

import { HEARTH, PUBSUB, proto, rawRequest, startNode, jsWaku, eventually, tempDir, fields, one } from "./harness.mjs";

const hex = (b) => Buffer.from(b).toString("hex");

const str = (b) => (b ? Buffer.from(b).toString("utf8") : "");

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

// ---------------------------------------------------------------------------------------------
// Request to join, written in JavaScript

const cat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) { out.set(p, i); i += p.length; }
  return out;
};
const varint = (v) => {
  v = BigInt(v);
  const out = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return new Uint8Array(out);
};
const pbVarint = (field, v) => cat(varint(field << 3), varint(v));
const pbBytes = (field, b) => cat(varint((field << 3) | 2), varint(b.length), b);
const utf8 = (s) => new Uint8Array(Buffer.from(s, "utf8"));

/** r ‖ s ‖ recovery id (0 or 1) over a 32-byte digest, found by recovering our own key. */
function sign65(digest, priv) {
  const compact = secp256k1.sign(digest, priv, { prehash: false, format: "compact" });
  const own = hex(getPublicKey(priv, true));
  for (const v of [0, 1]) {
    const sig = secp256k1.Signature.fromBytes(compact, "compact").addRecoveryBit(v);
    if (hex(sig.recoverPublicKey(digest).toBytes(true)) === own) return cat(compact, new Uint8Array([v]));
  }
  throw new Error("no recovery id");
}
const toTopic = (s) => `/waku/1/0x${hex(keccak_256(utf8(s)).subarray(0, 4))}/rfc26`;

test("a request to join built with js-waku waits, is accepted, and js-waku opens the answer", async () => {
  const communityPoint = secp256k1.Point.fromHex(community.slice(2));
  const communityUncompressed = communityPoint.toBytes(false);
  const requester = generatePrivateKey();
  const requesterUncompressed = getPublicKey(requester, false);
  const memberKey = "0x" + hex(requesterUncompressed);
  const wallet = generatePrivateKey();
  const address = "0x" + hex(keccak_256(getPublicKey(wallet, false).subarray(1)).subarray(12));

  // The revealed account: personal_sign over keccak256(requester ‖ community ‖ request id).
  const requestId = keccak_256(utf8(`${memberKey}-${community}`));
  const message = keccak_256(cat(getPublicKey(requester, true), communityPoint.toBytes(true), requestId));
  const personal = keccak_256(cat(utf8("\x19Ethereum Signed Message:\n32"), message));
  const walletSig = sign65(personal, wallet);
  walletSig[64] += 27;
  const account = cat(pbBytes(1, utf8(address)), pbBytes(2, walletSig), pbBytes(3, varint(1)), pbVarint(4, 1));
  const request = cat(
    pbVarint(1, Math.floor(Date.now() / 1000)),
    pbBytes(4, communityPoint.toBytes(true)),
    pbBytes(5, utf8("JS Member")),
    pbBytes(6, account),
  );
  const amm = cat(pbBytes(1, sign65(keccak_256(request), requester)), pbBytes(2, request), pbVarint(3, 27));

  const encoder = ecies.createEncoder({
    contentTopic: toTopic(hex(communityUncompressed)),
    routingInfo: { pubsubTopic: PUBSUB },
    publicKey: communityUncompressed,
    sigPrivKey: requester,
  });
  const wire = await encoder.toProtoObj({ payload: amm });
  const pushed = proto.proto_lightpush.LightPushResponseV3.decode(
    await rawRequest(waku, node.ws, "/vac/waku/lightpush/3.0.0",
      proto.proto_lightpush.LightPushRequestV3.encode({ requestId: crypto.randomUUID(), pubsubTopic: PUBSUB, message: wire })),
  );
  assert.equal(pushed.statusCode, 200, pushed.statusDesc);

  // On request: it waits until the owner accepts.
  const pending = await eventually(() => {
    const out = spawnSync(HEARTH, ["community", "requests", "--data-dir", dataDir], { encoding: "utf8" });
    return out.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((r) => r.requester === memberKey);
  }, 15_000, "the request is pending");
  assert.equal(pending.state, "pending");
  assert.equal(pending.display_name, "JS Member");
  const accepted = spawnSync(HEARTH, ["community", "accept", "--data-dir", dataDir, memberKey], { encoding: "utf8" });
  assert.equal(accepted.status, 0, accepted.stderr);

  // The answer: ECIES to the requester on contact-discovery-(X mod 5000).
  const x = BigInt("0x" + hex(requesterUncompressed.subarray(1, 33)));
  const topic = toTopic(`contact-discovery-${x % 5000n}`);
  const decoder = ecies.createDecoder(topic, { pubsubTopic: PUBSUB }, requester);
  const answer = await eventually(async () => {
    const res = proto.proto_store.StoreQueryResponse.decode(
      await rawRequest(waku, node.ws, "/vac/waku/store-query/3.0.0",
        proto.proto_store.StoreQueryRequest.encode({
          requestId: crypto.randomUUID(), includeData: true, pubsubTopic: PUBSUB,
          contentTopics: [topic], paginationForward: false, messageHashes: [],
        })),
    );
    for (const kv of res.messages) {
      const m = await decoder.fromProtoObj(PUBSUB, kv.message);
      if (m) return m;
    }
    return null;
  }, 15_000, "the answer on the partitioned topic");
  const response = fields(answer.payload);
  assert.equal(Number(one(response, 3)), 48, "COMMUNITY_REQUEST_TO_JOIN_RESPONSE");
  assert.equal(signer(one(response, 2), one(response, 1)), community, "signed by the community key");
  const r = fields(one(response, 2));
  assert.equal(one(r, 3), 1n, "accepted");
  assert.equal("0x" + hex(one(r, 5)), community);
  const descAmm = fields(one(r, 9));
  assert.equal(signer(one(descAmm, 2), one(descAmm, 1)), community);
  const members = (fields(one(descAmm, 2))[2] ?? []).map((e) => str(one(fields(e), 1)));
  assert.ok(members.includes(memberKey), "the carried description lists the new member");
});
