// Stands in for Node's `crypto` module, which @noble/secp256k1 1.7 imports; in a browser it uses
// WebCrypto (`self.crypto`) instead and never touches this.
export default {};
