// Payload v1 (26/WAKU2-PAYLOAD) across implementations: Hearth (wasm, built by scripts/build-js)
// against js-waku's @waku/message-encryption, with fresh random keys and data on every run.
//
//   scripts/build-js
//   node --import ./tests/interop/polyfill.mjs --test tests/interop/payload.test.mjs
//
// Also checks the reference's computed-only full-stack vectors (shared/reference/status-wire.md
// §8.3) with js-waku and node:crypto, so that the Rust tests do not lock in a private mistake.

import assert from "node:assert/strict";
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { describe, test } from "node:test";

import {
  crypto as wakuCrypto,
  ecies,
  generatePrivateKey,
  generateSymmetricKey,
  getPublicKey,
  symmetric,
} from "@waku/message-encryption";

const hearth = await import("../../target/hearth-js/hearth.js");

const CONTENT_TOPIC = "/waku/1/0x35cd47c5/rfc26";
const PUBSUB_TOPIC = "/waku/2/rs/16/32";
// js-waku's encoders only read `routingInfo.pubsubTopic`; no network is involved here.
const ROUTING = { pubsubTopic: PUBSUB_TOPIC };

// Sizes that exercise 1-, 2- and 3-byte size fields and the padding edges (a signed frame of
// 189 bytes of data is exactly 256 bytes before padding, so it gets a whole block of padding).
const SIZES = [0, 1, 189, 190, 191, 255, 256, 4000, 65535, 65536, 100000];

const hex = (bytes) => Buffer.from(bytes).toString("hex");
const unhex = (s) => new Uint8Array(Buffer.from(s.replace(/^0x/, ""), "hex"));
const uncompressed = (priv) => getPublicKey(priv, false);

function freshPayload(size) {
  return new Uint8Array(randomBytes(size));
}

describe("js-waku encrypts and signs, Hearth decrypts", () => {
  for (const size of SIZES) {
    test(`symmetric, ${size} bytes`, async () => {
      const key = generateSymmetricKey();
      const signer = generatePrivateKey();
      const payload = freshPayload(size);
      const encoder = symmetric.createEncoder({
        contentTopic: CONTENT_TOPIC,
        routingInfo: ROUTING,
        symKey: key,
        sigPrivKey: signer,
      });
      const proto = await encoder.toProtoObj({ payload });
      assert.equal(proto.version, 1);
      const got = hearth.decryptSymmetric(proto.payload, key);
      assert.equal(hex(got.payload), hex(payload));
      assert.equal(hex(got.signer), hex(uncompressed(signer)));
    });

    test(`ECIES, ${size} bytes`, async () => {
      const recipient = generatePrivateKey();
      const signer = generatePrivateKey();
      const payload = freshPayload(size);
      const encoder = ecies.createEncoder({
        contentTopic: CONTENT_TOPIC,
        routingInfo: ROUTING,
        publicKey: uncompressed(recipient),
        sigPrivKey: signer,
      });
      const proto = await encoder.toProtoObj({ payload });
      const got = hearth.decryptAsymmetric(proto.payload, recipient);
      assert.equal(hex(got.payload), hex(payload));
      assert.equal(hex(got.signer), hex(uncompressed(signer)));
    });
  }

  test("an unsigned js-waku frame is refused, as status-go refuses it", async () => {
    const key = generateSymmetricKey();
    const frame = await symmetric.preCipher(freshPayload(10));
    const sealed = await symmetric.encryptSymmetric(frame, key);
    assert.throws(() => hearth.decryptSymmetric(sealed, key), /not signed/);

    const recipient = generatePrivateKey();
    const sealedEcies = await ecies.encryptAsymmetric(frame, uncompressed(recipient));
    assert.throws(() => hearth.decryptAsymmetric(sealedEcies, recipient), /not signed/);
  });

  test("a wrong key is refused", async () => {
    const signer = generatePrivateKey();
    const frame = await symmetric.preCipher(freshPayload(10), signer);
    const sealed = await symmetric.encryptSymmetric(frame, generateSymmetricKey());
    assert.throws(() => hearth.decryptSymmetric(sealed, generateSymmetricKey()), /AES-GCM/);

    const sealedEcies = await ecies.encryptAsymmetric(frame, uncompressed(generatePrivateKey()));
    assert.throws(() => hearth.decryptAsymmetric(sealedEcies, generatePrivateKey()), /ECIES tag/);
  });
});

describe("Hearth encrypts and signs, js-waku decrypts", () => {
  for (const size of SIZES) {
    test(`symmetric, ${size} bytes`, async () => {
      const key = generateSymmetricKey();
      const signer = generatePrivateKey();
      const payload = freshPayload(size);
      const sealed = hearth.encryptSymmetric(payload, key, signer);

      const decoder = symmetric.createDecoder(CONTENT_TOPIC, ROUTING, key);
      const msg = await decoder.fromProtoObj(PUBSUB_TOPIC, {
        payload: sealed,
        contentTopic: CONTENT_TOPIC,
        version: 1,
        ephemeral: false,
      });
      assert.ok(msg, "js-waku could not decode Hearth's payload");
      assert.equal(hex(msg.payload), hex(payload));
      assert.equal(hex(msg.signaturePublicKey), hex(uncompressed(signer)));
      assert.ok(msg.verifySignature(uncompressed(signer)));

      // The frame itself is a whole number of 256-byte blocks, as go-waku pads it.
      const frame = await symmetric.decryptSymmetric(sealed, key);
      assert.equal(frame.length % 256, 0);
    });

    test(`ECIES, ${size} bytes`, async () => {
      const recipient = generatePrivateKey();
      const signer = generatePrivateKey();
      const payload = freshPayload(size);
      // Either SEC1 form of the recipient key will do for Hearth.
      const recipientKey = size % 2 ? getPublicKey(recipient, true) : uncompressed(recipient);
      const sealed = hearth.encryptAsymmetric(payload, recipientKey, signer);

      const decoder = ecies.createDecoder(CONTENT_TOPIC, ROUTING, recipient);
      const msg = await decoder.fromProtoObj(PUBSUB_TOPIC, {
        payload: sealed,
        contentTopic: CONTENT_TOPIC,
        version: 1,
        ephemeral: false,
      });
      assert.ok(msg, "js-waku could not decode Hearth's payload");
      assert.equal(hex(msg.payload), hex(payload));
      assert.equal(hex(msg.signaturePublicKey), hex(uncompressed(signer)));

      const frame = await ecies.decryptAsymmetric(sealed, recipient);
      assert.equal(frame.length % 256, 0);
    });
  }
});

// status-wire.md §8.3, verbatim.
const USER_PRIV = "e61784ba962bbcb77b4bf9b0f7fd41fca1a005fc1a9dc800a3a1c7812f06b132";
const USER_PUB =
  "049009ab5f188f9554fcfa648a5dba8c1f99afd93702854152f7c8bfc1606228bd63b9c87869b379fb8e4a2f78241a06d9283147643f24d581b263df43e3876274";
const A_UNIVERSAL_ID =
  "0x029f196bbfef4fa6a5eb81dd802133a63498325445ca1af1d154b1bb4542955133-memberUpdate";
const A_KEY = "9008b184483b614aa34465b28fd78473bb97bbf49de9f9003ec328d5a74de0c3";
const A_AMM =
  "0a4136e583721eed25ff0f903cdb47478941903ce2c3e2c81fab012144b22aaa7c696e7a004111040fd8af7416b51e127753cf0e32050da1db78fd2edc33449c970a001283010880d095ffbc311080d095ffbc311a0568656c6c6f3268307830323966313936626266656634666136613565623831646438303231333361363334393833323534343563613161663164313534623162623435343239353531333333303830346561372d626436362d346435642d393165622d623264636665323531356233380540011801";
const A_SIGNATURE =
  "8e125fc1690fe4806df8643186cceaf2f48271a42d9fb4e3fa1672267d40c1b9054d6df48356265cfa20ecf5eb957fbcc83ba8a8c407f180e0a1c25a5d848adf01";
const A_PAYLOAD =
  "09444dd5bec997effb1eaa5bf6ccb6a178e6319e76fe57ef3291aebb73e17130e82b993c8216d7836a1ff7df16a86e4e4679aac5be0cd008c1094fcff4a49ea7027779e8ee499e454060d81110abff5025e7b21d7826e04f5ab5b4543be0865225ced347117324e6aa5d1ecf2690838904608a2bd655d372061afcf4741efaa1cba5f43f57c155b76dbd6ad03c0cf716e17e2b3166191b4a101ed87d7df0b4f5d5b68139727de89f42750b71ad9228cedc08915c0ac3dceb64dc5622d239472ddfe5c053fdfac26b0b30163a7c18f8f572ea58c5bcd79f9481a354303be8b307a4bcf8e10e228333cf11935090d1a4b3c8df8c0bb97924e67a158e735b8aa6cac7bedad750112ab02afce0d8b6538666129247b205a071c533f7968d074735d7a810cb57951a8a28f5afa06971360dbcd35b6c288e07288e1db8f78fbca6706ef7e3f02216e15f829cd7d57690dfb29eb737c44fa3464bf744d6d5878463db10d93c8166b81eed2ab7c19a4caa390dfb1f60a570718dbd203a357ac94e5ac6207a3ee93535cf3964af6197dd22c5e04ad72af0bfbb97f041082a47b7e3e409aef5e5c41b73d2db78ad37dede28d9fcdee08cb3ea69562009ba09505a857d00b4d80bc94eb7fe819846cbf7a4c727699f9be03227ffa384f4b5db8ba291a6332dc159317cceea96c5244059d9b9c5527337d6ddad64e65e99fd401ea3df6253b09b7732ff1c33c522558a43d16e83403d000102030405060708090a0b";
const B_COMMUNITY_PRIV = "8e43ef7ff697491a62844ac826a0fc250de5eca4f1ec00909efd899f2bbe36de";
const B_AMM =
  "0a414dda6e0f8df91dd70d558ce0edc023a097b78aca97764f49e8c577c9719decce72ae504a9e2c91e8acd6942c89c8354de456338a20765ec302a416f81b9c3e610012300880e2cfaa06222102f411e1c163613a31c35fbeac08c905305e94fbcf70a621ca09d14b508282d33e2a05616c696365181b";
const B_SIGNATURE =
  "6425f0edfab3bc79fc379d1489ef4ac3b8fc144bf059679808713f3e2b6039b47f11644fd5ff4b42d8a0402d1bbf6fd157bb7e8b1259538d93ab0055d87b052a01";
const B_PAYLOAD =
  "0453ef960ce9bc2bf2aeacd151421ccb053975057c18121a5fc81654ae80d9c09396cfbbd1954229a6d426a7f2f47b06e88353bfe2da1fcc863982c3fe0ac7a876000102030405060708090a0b0c0d0e0f2f6fb793903e0f8e6c98f9b257acbd2bf92770030c4ef07e8b15c653465ad464165e57ed02a1ffb90612fbc182b6eb77945cf0be31011fe2ffd5f2a857107a046bca74be0fad3bbf7718a8f5cfaa33e458439ebf490f44d3c85b0b53d3f6e8698dc77ead385864b4323becc65b2ca5f600cc9b7e00cbd4e9398e3f6d41fa8d881124b2223496d14d633280944c04891af39ea8676bf28e51bbdea50c51bb52ffd845ab9d1d68f73c2601cf21a50b3d29fe50cbc742c0a7d8c694295716d0af906bcd97f3730f8553aba111a7721a95a8d06b0fd72a5eb7417e48eeaa47f57d26cb592a36a2ec9a786a6a9f20ef4e6af21189da705c6ef02edf7ba8f7e10a7816975c06e6d061b655a28c10c77010766f86f18267eea949b92c3e510935e6188b";

/// js-waku's own signer (noble-secp256k1, RFC 6979) over the frame gives the vector's signature.
async function assertSignatureReproduces(frame, expected) {
  const signed = frame.slice(0, frame.length - 65);
  const sig = await wakuCrypto.sign(wakuCrypto.keccak256(signed), unhex(USER_PRIV));
  assert.equal(hex(sig), expected);
  assert.equal(hex(frame.slice(frame.length - 65)), expected);
}

describe("status-wire.md §8.3 vectors, checked by js-waku", () => {
  test("the user key", () => {
    assert.equal(hex(uncompressed(unhex(USER_PRIV))), USER_PUB);
  });

  test("(a) symmetric key: node:crypto PBKDF2 of the universal chat id", () => {
    const key = pbkdf2Sync(A_UNIVERSAL_ID, "", 65356, 32, "sha256");
    assert.equal(hex(key), A_KEY);
  });

  test("(a) channel message: js-waku opens it to the ProtocolMessage, signed by the user", async () => {
    const frame = await symmetric.decryptSymmetric(unhex(A_PAYLOAD), unhex(A_KEY));
    assert.equal(frame.length, 512);
    assert.equal(hex(frame.slice(0, 2)), "05cf");
    const decoded = symmetric.postCipher(frame);
    assert.equal(hex(decoded.payload), "b206cb01" + A_AMM);
    assert.equal(hex(decoded.sig.publicKey), USER_PUB);
    await assertSignatureReproduces(frame, A_SIGNATURE);
    // And Hearth agrees on the same bytes.
    const got = hearth.decryptSymmetric(unhex(A_PAYLOAD), unhex(A_KEY));
    assert.equal(hex(got.payload), "b206cb01" + A_AMM);
    assert.equal(hex(got.signer), USER_PUB);
  });

  test("(b) request to join: js-waku opens the ECIES payload with the community key", async () => {
    const frame = await ecies.decryptAsymmetric(unhex(B_PAYLOAD), unhex(B_COMMUNITY_PRIV));
    assert.equal(frame.length, 256);
    assert.equal(hex(frame.slice(0, 2)), "0577");
    const decoded = ecies.postCipher(frame);
    assert.equal(hex(decoded.payload), B_AMM);
    assert.equal(hex(decoded.sig.publicKey), USER_PUB);
    await assertSignatureReproduces(frame, B_SIGNATURE);
    const got = hearth.decryptAsymmetric(unhex(B_PAYLOAD), unhex(B_COMMUNITY_PRIV));
    assert.equal(hex(got.payload), B_AMM);
    assert.equal(hex(got.signer), USER_PUB);
  });
});
