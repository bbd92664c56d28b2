// <hearth-channel>: a Hearth channel in any web page. Served by `hearth node` at /embed.js.
//
//   <script type="module" src="https://HEARTH/embed.js"></script>
//   <hearth-channel community="0x02…" channel="<uuid>" theme="auto|dark|light" accent="#e8590c"
//                   height="480" allow-post>
//     <a href="https://HEARTH/community/0x02…/<uuid>">#general on Hearth</a>
//   </hearth-channel>
//
// The link inside is what readers without scripts (or before this loads) see; once the element
// runs, its shadow root shows the channel instead. Pages that want a message only for readers
// with scripts off can add <noscript>…</noscript> beside it.
//
// The iframe (Hearth's /embed/ page, on Hearth's origin) is created when the element nears the
// viewport. `height` is the most the widget takes (clamped to 160…2000 CSS px, 480 when missing
// or not a number); below it the widget follows its content. `theme` is one of three words and
// `accent` only #rgb or #rrggbb: anything else is dropped here, and checked again by the page.
//
// Messages, version 1, from the embed page to this page only: {hearth: 1, type: "resize", height}.
// Accepted only from Hearth's origin AND from one of our own iframes' windows; anything else is
// ignored. Nothing is ever posted to the embed page: it listens to no message.
const ORIGIN = new URL(import.meta.url).origin;
const VERSION = 1;
const MIN = 160;
const MAX = 2000;
const DEFAULT = 480;
const COMMUNITY = /^0x0[23][0-9a-f]{64}$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACCENT = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
const frames = new Map(); // iframe window → element

export const clampHeight = (v) => {
  const n = v === null || v === "" ? NaN : Number(v);
  return Number.isFinite(n) ? Math.round(Math.min(MAX, Math.max(MIN, n))) : DEFAULT;
};

addEventListener("message", (e) => {
  if (e.origin !== ORIGIN) return;
  const el = frames.get(e.source);
  const d = e.data;
  if (!el || !d || typeof d !== "object" || d.hearth !== VERSION || d.type !== "resize") return;
  if (typeof d.height === "number" && Number.isFinite(d.height)) el.fit(d.height);
});

class HearthChannel extends HTMLElement {
  static observedAttributes = ["community", "channel", "theme", "accent", "height", "allow-post"];

  connectedCallback() {
    if (!this.shadowRoot) this.attachShadow({ mode: "open" });
    this.style.display = "block";
    this.build();
  }

  disconnectedCallback() {
    this.stop();
  }

  attributeChangedCallback() {
    if (this.shadowRoot) this.build();
  }

  stop() {
    this.io?.disconnect();
    this.io = null;
    if (this.frame) frames.delete(this.frame.contentWindow);
    this.frame = null;
  }

  build() {
    this.stop();
    const root = this.shadowRoot;
    root.replaceChildren();
    const community = this.getAttribute("community") ?? "";
    const channel = this.getAttribute("channel") ?? "";
    this.max = clampHeight(this.getAttribute("height"));
    if (!COMMUNITY.test(community) || !UUID.test(channel)) {
      // A broken snippet: say so, and keep the page's own link visible.
      const p = document.createElement("p");
      p.textContent = "This Hearth channel cannot be shown: its community or channel id is not valid.";
      root.append(p, document.createElement("slot"));
      return;
    }
    const theme = this.getAttribute("theme");
    const accent = this.getAttribute("accent") ?? "";
    const q = new URLSearchParams();
    if (theme === "dark" || theme === "light") q.set("theme", theme);
    if (ACCENT.test(accent)) q.set("accent", accent);
    if (this.hasAttribute("allow-post")) q.set("post", "1");
    q.set("host", location.origin);
    const src = `${ORIGIN}/embed/${community}/${channel}?${q}`;

    const frame = document.createElement("iframe");
    frame.title = this.getAttribute("title") || "Hearth channel";
    const s = frame.style;
    s.border = "0";
    s.display = "block";
    s.width = "100%";
    s.height = `${this.max}px`;
    s.colorScheme = "normal";
    root.append(frame);
    this.frame = frame;
    const load = () => {
      this.stop();
      this.frame = frame;
      frame.src = src;
      frames.set(frame.contentWindow, this);
    };
    if ("IntersectionObserver" in window) {
      this.io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && load(), {
        rootMargin: "200px",
      });
      this.io.observe(this);
    } else {
      load();
    }
  }

  /** Follows the page's content height, within MIN and this element's `height`. */
  fit(height) {
    if (!this.frame) return;
    const h = Math.round(Math.min(this.max, Math.max(MIN, height)));
    this.frame.style.height = `${h}px`;
    this.dispatchEvent(new CustomEvent("hearth-resize", { detail: { height: h } }));
  }
}

if (!customElements.get("hearth-channel")) customElements.define("hearth-channel", HearthChannel);
