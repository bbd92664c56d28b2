// Stands in for @waku/core in the benchmark page: @waku/message-encryption's bundle imports
// `messageHash` for DecodedMessage.hash, which the measured path (decryptSymmetric, postCipher)
// never calls.
export function messageHash() {
  throw new Error("messageHash is not part of the status-decode benchmark");
}
