// Builds status.app preview links in Node the way status.app does (protobuf → URLData → brotli →
// base64url), so tests can craft any name or description, hostile ones included.
import { brotliCompressSync, brotliDecompressSync } from "node:zlib";

const varint = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const field = (no, wire, bytes) => [...varint((no << 3) | wire), ...bytes];
const str = (no, s) => {
  const b = [...Buffer.from(s, "utf8")];
  return field(no, 2, [...varint(b.length), ...b]);
};
const bytesField = (no, b) => field(no, 2, [...varint(b.length), ...b]);

/** The `<data>` of a `/c/` link for these community fields. */
export function communityData({ name, description, members = 0, color = "#4360DF", tags = [] }) {
  const community = [
    ...str(1, name),
    ...str(2, description),
    ...(members ? field(3, 0, varint(members)) : []),
    ...str(4, color),
    ...(tags.length ? bytesField(5, tags.flatMap(varint)) : []),
  ];
  const b64 = brotliCompressSync(Buffer.from(bytesField(1, community))).toString("base64url");
  return b64 + "=".repeat((4 - (b64.length % 4)) % 4); // padded, as status.app writes it
}

/** status.app's own decoder path (Node zlib) on a link's data: the URLData bytes. */
export function decodeData(data) {
  return brotliDecompressSync(Buffer.from(decodeURIComponent(data), "base64url"));
}

// Published vectors (shared/reference/preview-link-vectors.json, from status-web's test suite):
// the Doodles community link, and the community's serialized key.
export const DOODLES_KEY = "zQ3shYSHp7GoiXaauJMnDcjwU2yNjdzpXLosAWapPS4CFxc11";
export const DOODLES_DATA =
  "iyKACkQKB0Rvb2RsZXMSJ0NvbG9yaW5nIHRoZSB3b3JsZCB3aXRoIGpveSDigKIg4bSXIOKAohiYohsiByMxMzFEMkYqAwEhMwM=";
