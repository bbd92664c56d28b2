// libp2p-webrtc-websys 0.5 assigns `ondatachannel` only after the Noise handshake, so data
// channels the node opens right after it are dropped by the browser (rust-libp2p#5646). This
// swaps in an `RTCPeerConnection` subclass (web-sys looks the global up at each `new`) that holds
// such channels, and their first messages, until libp2p's handlers are set, then hands them over
// in order. It also counts the channels that arrived before (early) and after (late) the
// handler, which the WebRTC-direct probe (crate/tests/webrtc_direct.rs) reports.
const state = { buffer: true, early: 0, late: 0 };

function holdMessages(ch) {
  const desc = Object.getOwnPropertyDescriptor(RTCDataChannel.prototype, 'onmessage');
  const held = [];
  let handler = null;
  const hold = (ev) => { if (!handler) held.push(ev); };
  ch.addEventListener('message', hold);
  Object.defineProperty(ch, 'onmessage', {
    configurable: true,
    get() { return handler; },
    set(h) {
      handler = h;
      desc.set.call(ch, h);
      if (h) {
        ch.removeEventListener('message', hold);
        const queued = held.splice(0);
        queueMicrotask(() => { for (const ev of queued) h.call(ch, ev); });
      }
    },
  });
}

function install() {
  const Base = globalThis.RTCPeerConnection;
  if (!Base || Base.__hearthShim) return;
  const desc = Object.getOwnPropertyDescriptor(Base.prototype, 'ondatachannel');
  class Held extends Base {
    constructor(...args) {
      super(...args);
      const early = [];
      let handler = null;
      const buffering = state.buffer;
      Object.defineProperty(this, 'ondatachannel', {
        configurable: true,
        get() { return handler; },
        set(h) {
          handler = h;
          desc.set.call(this, h);
          if (h) {
            const queued = early.splice(0);
            queueMicrotask(() => { for (const ev of queued) h.call(this, ev); });
          }
        },
      });
      this.addEventListener('datachannel', (ev) => {
        if (handler) { state.late += 1; if (buffering) holdMessages(ev.channel); return; }
        state.early += 1;
        if (buffering) { holdMessages(ev.channel); early.push(ev); }
      });
    }
  }
  Held.__hearthShim = true;
  globalThis.RTCPeerConnection = Held;
}

// Installed once per page; connections made afterwards hold early channels.
export function install_webrtc_shim() { install(); }

// For the probe: whether connections made from now on hold early channels, with the counters
// reset.
export function observe_datachannels(buffer) {
  state.buffer = buffer;
  state.early = 0;
  state.late = 0;
  install();
}
export function early_datachannels() { return state.early; }
export function late_datachannels() { return state.late; }
