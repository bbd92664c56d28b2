// Node 20 lacks Promise.withResolvers (Node >= 22), which js-waku's libp2p dependencies call.
// Preload with `node --import ./tests/interop/polyfill.mjs`.
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
