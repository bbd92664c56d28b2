// Starts the app. A file, not an inline script, so the page runs under a CSP without
// 'unsafe-inline'.
import init from "./hearth-web.js";
init();
