// The HTTP bridge (`hearth node --bridge`) from the outside: a message posted with `curl` is read
// back from the node's store by js-waku's store protocol and opened by @waku/message-encryption's
// symmetric decoder on the community's universal chat topic (key = PBKDF2 of the chat id,
// status-wire.md §3.1). The payload's signer must be the bridge's key, and so must the application
// message's own signature (checked with @noble/curves); the text and channel must be what was
// posted, and js-waku's message hash must be the one the bridge answered with.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { pbkdf2Sync } from "node:crypto";

import { symmetric } from "@waku/message-encryption";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3";

import { HEARTH, PUBSUB, proto, rawRequest, startNode, jsWaku, eventually, tempDir, messageHash, fields, one } from "./harness.mjs";

const hex = (b) => Buffer.from(b).toString("hex");

const str = (b) => (b ? Buffer.from(b).toString("utf8") : "");

/** The uncompressed key (0x04…) that signed keccak256(payload) (r ‖ s ‖ v, v ∈ {0, 1}). */
function signer(payload, signature) {
  const sig = secp256k1.Signature.fromBytes(signature.subarray(0, 64), "compact").addRecoveryBit(signature[64]);
  return "0x" + hex(sig.recoverPublicKey(keccak_256(payload)).toBytes(false));
}

/** `curl` as a program using the bridge would: { status, body }. */
function curl(method, url, { token, body } = {}) {
  const args = ["-s", "-w", "\n%{http_code}", "-X", method, url];
  if (token) args.push("-H", `Authorization: Bearer ${token}`);
  if (body !== undefined) args.push("-H", "Content-Type: application/json", "--data-binary", "@-");
  const r = spawnSync("curl", args, { input: body ?? "", encoding: "utf8" });
  assert.equal(r.status, 0, `curl failed: ${r.stderr}`);
  const cut = r.stdout.lastIndexOf("\n");
  return { status: Number(r.stdout.slice(cut + 1)), body: JSON.parse(r.stdout.slice(0, cut)) };
}

const run = (...args) => {
  const r = spawnSync(HEARTH, args, { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim());
};

let node;
let waku;
let community;
let channel;
let token;
let bridgeKey;
let api;
const dataDir = await tempDir();

before(async () => {
  const created = run(
    "community", "create", "--data-dir", dataDir,
    "--name", "Bridge Guild", "--description", "Posted to with curl",
    "--color", "#335577", "--channel", "general",
  );
  community = created.community;
  channel = created.channels[0].uuid;
  token = run("bridge", "token", "create", "--data-dir", dataDir, "--label", "interop").token;
  bridgeKey = run("bridge", "identity", "--data-dir", dataDir).public_key;
  node = await startNode({ dataDir, args: ["--bridge", "--bridge-name", "Interop Bot"] });
  api = node.health.replace(/\/health$/, "/api/v1");
  waku = await jsWaku(node.ws);
});
after(async () => {
  await waku?.stop().catch(() => {});
  await node?.cleanup();
});

test("a message posted with curl is opened by js-waku, signed by the bridge's key", async () => {
  const url = `${api}/communities/${community}/channels/${channel}/messages`;
  const text = `deploy ${crypto.randomUUID()} finished ✅`;

  // Refused requests send nothing.
  assert.equal(curl("POST", url, { body: JSON.stringify({ text }) }).status, 401);
  assert.equal(curl("POST", url, { token, body: "{not json" }).status, 400);

  const posted = curl("POST", url, { token, body: JSON.stringify({ text }) });
  assert.equal(posted.status, 201, JSON.stringify(posted.body));
  assert.equal(posted.body.state, "sent");
  assert.equal(posted.body.author, bridgeKey);

  const universal = `${community}-memberUpdate`;
  const topic = `/waku/1/0x${hex(keccak_256(Buffer.from(universal)).subarray(0, 4))}/rfc26`;
  const symKey = new Uint8Array(pbkdf2Sync(universal, "", 65356, 32, "sha256"));
  const decoder = symmetric.createDecoder(topic, { pubsubTopic: PUBSUB }, symKey);
  const stored = await eventually(async () => {
    const res = proto.proto_store.StoreQueryResponse.decode(
      await rawRequest(waku, node.ws, "/vac/waku/store-query/3.0.0",
        proto.proto_store.StoreQueryRequest.encode({
          requestId: crypto.randomUUID(), includeData: true, pubsubTopic: PUBSUB,
          contentTopics: [topic], paginationForward: false, messageHashes: [],
        })),
    );
    return res.messages.length >= 1 ? res.messages : null;
  }, 15_000, "the bridge's message in the store");
  assert.equal(stored.length, 1, "only the accepted post went out");

  const kv = stored[0];
  assert.equal("0x" + hex(messageHash(PUBSUB, kv.message)), posted.body.hash, "js-waku's hash is the bridge's");
  const msg = await decoder.fromProtoObj(PUBSUB, kv.message);
  assert.ok(msg, "js-waku opens the payload with pbkdf2(universal chat id)");
  assert.equal(msg.version, 1);
  assert.equal("0x" + hex(msg.signaturePublicKey), bridgeKey, "the payload is signed by the bridge");

  // ProtocolMessage.public_message (102) → ApplicationMetadataMessage → ChatMessage.
  const amm = fields(one(fields(msg.payload), 102));
  assert.equal(Number(one(amm, 3)), 1, "AMM type CHAT_MESSAGE");
  assert.equal(signer(one(amm, 2), one(amm, 1)), bridgeKey, "the application message is signed by the bridge");
  const chat = fields(one(amm, 2));
  assert.equal(str(one(chat, 3)), text);
  assert.equal(str(one(chat, 6)), community + channel, "the channel's chat id");
});
