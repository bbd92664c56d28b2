// Hearth's service worker: the app shell (wasm, JS, CSS, icons, the page itself) from a cache
// named after the build, so the app opens with no network; a new build has a new name, installs
// beside the old one and deletes it when it takes over. Messages and communities are not here:
// they live in IndexedDB (hearth::Client's storage), which the app reads first anyway.
// scripts/build-web fills in BUILD (a hash of the shell's bytes) and SHELL (its files).
const BUILD = "__BUILD__";
const SHELL = __SHELL__;
const CACHE = `hearth-shell-${BUILD}`;
// The embed pages have their own CSP (framable) and, read-only, their own build: kept under
// their own keys.
const EMBED_KEY = "/embed/";
const EMBED_POST_KEY = "/embed/?post=1";

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL);
      const shell = "/embed/shell/00000000-0000-4000-8000-000000000000";
      const [readOnly, posting] = await Promise.all([fetch(shell), fetch(`${shell}?post=1`)]);
      if (readOnly.ok) await cache.put(EMBED_KEY, readOnly);
      if (posting.ok) await cache.put(EMBED_POST_KEY, posting);
      // Which node to talk to, for a start with no network (refreshed on every online start).
      await cache.add("/hearth.json").catch(() => {});
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("hearth-shell-") && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

async function cached(key, request) {
  const cache = await caches.open(CACHE);
  return (await cache.match(key)) ?? fetch(request);
}

// The node's description of itself: fresh when online, the last one when not (so an offline
// start still knows which node to reconnect to).
async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (e) {
    const hit = await cache.match(request);
    if (hit) return hit;
    throw e;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== location.origin) return;
  if (url.pathname === "/hearth.json") {
    event.respondWith(networkFirst(request));
  } else if (request.mode === "navigate" && !url.pathname.includes(".") && url.pathname !== "/health") {
    const embed = url.pathname.startsWith("/embed/");
    const posts = url.searchParams.get("post") === "1";
    event.respondWith(cached(embed ? (posts ? EMBED_POST_KEY : EMBED_KEY) : "/", request));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(cached(url.pathname, request));
  }
});
