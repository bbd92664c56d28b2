// Starts the app. A file, not an inline script, so the page runs under a CSP without
// 'unsafe-inline'. Then registers the service worker (web/pwa/sw.js) that keeps the app shell
// for offline starts; a browser without one just runs online.
import init from "./hearth-web.js";
init();
if ("serviceWorker" in navigator) {
  addEventListener("load", () => navigator.serviceWorker.register("/sw.js").catch(() => {}));
}
