// The status-decode benchmark in Chromium (issue #5, "Benchmark"): the same 1,000 signed,
// symmetric channel messages (written by `cargo bench -p hearth --bench status_decode --
// --write-fixture`) decoded
//   (a) by Hearth's wasm: StatusDecoder.decodeWakuMessage, every layer in one call;
//   (b) by js-waku: @waku/proto's WakuMessage, @waku/message-encryption's decryptSymmetric +
//       postCipher (payload v1 and its signature), then protobuf decoders on protons-runtime (the
//       runtime js-waku's own protos use) for ProtocolMessage → ApplicationMetadataMessage →
//       ChatMessage, with the AMM signer recovered by @noble/secp256k1 (js-waku's curve library)
//       and the message id hashed by js-waku's keccak256 — the work Hearth does.
// Both must agree on every message's id, signer and text before anything is timed.
// Results are posted to `window.benchResult` for tests/bench/status-decode/run.mjs.

import init, { StatusDecoder } from "./pkg/hearth.js";
import { WakuMessage } from "./vendor/waku-proto/index.js";
import { decryptSymmetric, postCipher } from "./vendor/message-encryption/symmetric.js";
import { keccak256 } from "./vendor/message-encryption/crypto.js";
import * as secp from "./vendor/noble-secp256k1/index.js";

const ROUNDS = 15;
// V8 tiers wasm (Liftoff → TurboFan) and JavaScript up while they run: measured rounds start only
// after at least this long and this many warm-up rounds, so both sides are compared at full speed.
const WARM_UP_MS = 10000;
const WARM_UP_ROUNDS = 5;
const { message, decodeMessage } = self.ProtonsRuntime;

const unhex = (s) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

// ---- protobuf decoders, written the way protons generates them (decode only) ---------------

const noEncode = () => {
  throw new Error("decode only");
};

/** Reads fields until `length` (or the end), dispatching on field numbers. */
function fields(reader, length, onField) {
  const end = length == null ? reader.len : reader.pos + length;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (!onField(tag >>> 3, reader)) reader.skipType(tag & 7);
  }
}

// status/protocol_message.proto: installation_id = 2, public_message = 102 (bundles and
// encrypted_message are absent from these messages; protons would skip them just the same).
const ProtocolMessage = message(noEncode, (reader, length) => {
  const obj = { installationId: "", publicMessage: new Uint8Array(0) };
  fields(reader, length, (field, r) => {
    if (field === 2) obj.installationId = r.string();
    else if (field === 102) obj.publicMessage = r.bytes();
    else return false;
    return true;
  });
  return obj;
});

// status/application_metadata.proto: signature = 1, payload = 2, type = 3.
const ApplicationMetadataMessage = message(noEncode, (reader, length) => {
  const obj = { signature: new Uint8Array(0), payload: new Uint8Array(0), type: 0 };
  fields(reader, length, (field, r) => {
    if (field === 1) obj.signature = r.bytes();
    else if (field === 2) obj.payload = r.bytes();
    else if (field === 3) obj.type = r.int32();
    else return false;
    return true;
  });
  return obj;
});

// status/chat.proto ChatMessage: every scalar and string field a text message carries.
const ChatMessage = message(noEncode, (reader, length) => {
  const obj = {
    clock: 0n, timestamp: 0n, text: "", responseTo: "", ensName: "", chatId: "",
    messageType: 0, contentType: 0, displayName: "", customizationColor: 0,
  };
  fields(reader, length, (field, r) => {
    switch (field) {
      case 1: obj.clock = r.uint64(); return true;
      case 2: obj.timestamp = r.uint64(); return true;
      case 3: obj.text = r.string(); return true;
      case 4: obj.responseTo = r.string(); return true;
      case 5: obj.ensName = r.string(); return true;
      case 6: obj.chatId = r.string(); return true;
      case 7: obj.messageType = r.int32(); return true;
      case 8: obj.contentType = r.int32(); return true;
      case 14: obj.displayName = r.string(); return true;
      case 19: obj.customizationColor = r.uint32(); return true;
      default: return false;
    }
  });
  return obj;
});

// ---- the two decoders ----------------------------------------------------------------------

/** js-waku and friends, layer by layer; same outputs as Hearth's (text, id, author). */
async function decodeWithJsWaku(bytes, key) {
  const wm = WakuMessage.decode(bytes);
  if (wm.version !== 1) throw new Error("not version 1");
  const frame = await decryptSymmetric(wm.payload, key);
  const opened = postCipher(frame);
  if (!opened?.sig) throw new Error("unsigned frame");
  const pm = decodeMessage(opened.payload, ProtocolMessage);
  const ammBytes = pm.publicMessage.length ? pm.publicMessage : opened.payload;
  const amm = decodeMessage(ammBytes, ApplicationMetadataMessage);
  if (amm.signature.length !== 65) throw new Error("AMM signature");
  const signature = secp.Signature.fromCompact(amm.signature.subarray(0, 64));
  const signer = secp.recoverPublicKey(keccak256(amm.payload), signature, amm.signature[64], false);
  const withSigner = new Uint8Array(signer.length + ammBytes.length);
  withSigner.set(signer);
  withSigner.set(ammBytes, signer.length);
  const id = "0x" + hex(keccak256(withSigner));
  if (amm.type !== 1) throw new Error("not a chat message");
  const chat = decodeMessage(amm.payload, ChatMessage);
  return { id, signer, text: chat.text, frameSigner: opened.sig.publicKey };
}

function decodeWithHearth(decoder, bytes) {
  const d = decoder.decodeWakuMessage(bytes);
  const out = { id: d.id, signer: d.signer, text: d.text, kind: d.kind };
  d.free();
  return out;
}

// ---- timing ---------------------------------------------------------------------------------

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function measure(round) {
  const rate = async () => {
    const t0 = performance.now();
    const n = await round();
    return n / ((performance.now() - t0) / 1000);
  };
  // The first round after the agreement pass: roughly what a freshly opened page gets.
  const first = await rate();
  const warmUpStart = performance.now();
  for (let i = 1; i < WARM_UP_ROUNDS || performance.now() - warmUpStart < WARM_UP_MS; i++) {
    await round();
  }
  const rates = [];
  for (let i = 0; i < ROUNDS; i++) rates.push(await rate());
  return { first, median: median(rates), best: Math.max(...rates), rounds: ROUNDS };
}

async function run() {
  const fixture = await (await fetch("./fixture.json")).json();
  const messages = fixture.messages.map(unhex);
  const key = unhex(fixture.key);
  await init();
  const decoder = new StatusDecoder();
  decoder.addChatKey(fixture.transportChatId, key);

  // Agreement first: both must read the same id, author and text from every message.
  for (const [i, bytes] of messages.entries()) {
    const h = decodeWithHearth(decoder, bytes);
    const j = await decodeWithJsWaku(bytes, key);
    if (h.kind !== "chat" || h.id !== j.id || hex(h.signer) !== hex(j.signer) || h.text !== j.text) {
      throw new Error(`message ${i}: Hearth ${JSON.stringify(h)} vs js-waku ${JSON.stringify(j)}`);
    }
  }

  let sink = 0;
  const hearth = await measure(async () => {
    for (const bytes of messages) {
      const d = decodeWithHearth(decoder, bytes);
      sink += d.text.length + d.id.length + d.signer.length;
    }
    return messages.length;
  });
  // One message after another, as status-web's `for await` store loop does.
  const jsSequential = await measure(async () => {
    for (const bytes of messages) {
      const d = await decodeWithJsWaku(bytes, key);
      sink += d.text.length + d.id.length + d.signer.length;
    }
    return messages.length;
  });
  // All at once, as js-waku's store decodes a page (Promise.all): WebCrypto may overlap.
  const jsConcurrent = await measure(async () => {
    const all = await Promise.all(messages.map((bytes) => decodeWithJsWaku(bytes, key)));
    for (const d of all) sink += d.text.length + d.id.length + d.signer.length;
    return messages.length;
  });
  decoder.free();
  return {
    messages: messages.length,
    userAgent: navigator.userAgent,
    hearth,
    jsSequential,
    jsConcurrent,
    sink,
  };
}

run().then(
  (result) => {
    window.benchResult = result;
    document.getElementById("out").textContent = JSON.stringify(result, null, 2);
  },
  (error) => {
    window.benchResult = { error: String(error?.stack ?? error) };
    document.getElementById("out").textContent = String(error?.stack ?? error);
  },
);
