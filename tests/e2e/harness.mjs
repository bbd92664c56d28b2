// Shared pieces for browser tests: the app's static server and Debian's Chromium.
import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { readFile, mkdtemp } from "node:fs/promises";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".png": "image/png",
};

/** The strict policy the app must run under (the node sends the same shape): no inline script,
 * no inline style attribute strings, wasm allowed, images only from the page and blob: URLs. */
export const CSP =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "img-src 'self' blob:; connect-src 'self' ws://127.0.0.1:* http://127.0.0.1:*; font-src 'self'; manifest-src 'self'; " +
  "frame-src 'self'; worker-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Serves the built app (a file: URL) on loopback as a single-page app: a path that is no file
 * gets index.html, as `hearth node` does, so /c/…, /community/… load the app. `extra` maps a
 * path to a JSON value to serve (e.g. /hearth.json).
 */
export async function serveDir(dirUrl, { extra = {}, csp = CSP } = {}) {
  const root = resolve(fileURLToPath(dirUrl));
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname in extra) {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify(extra[url.pathname]));
    }
    const path = normalize(decodeURIComponent(url.pathname));
    let file = join(root, path.endsWith("/") ? path + "index.html" : path);
    if (!file.startsWith(root)) return res.writeHead(403).end();
    let body;
    try {
      body = await readFile(file);
    } catch {
      if (extname(path) && extname(path) !== ".html") return res.writeHead(404).end("not found");
      file = join(root, "index.html");
      body = await readFile(file);
    }
    const headers = { "content-type": TYPES[extname(file)] ?? "application/octet-stream" };
    if (extname(file) === ".html" && csp) headers["content-security-policy"] = csp;
    res.writeHead(200, headers);
    res.end(body);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  server.url = `http://127.0.0.1:${server.address().port}/`;
  return server;
}

/** Headless Debian Chromium with the flags this closed network needs (no background calls). */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A page that records errors, CSP violations included, into `page.errors`. */
export async function openPage(browser, { width = 1280, height = 800, colorScheme = "light" } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && page.errors.push(m.text()));
  return page;
}

/**
 * Starts `hearth serve --demo` (the node binary at `binary`, the app from dist/) in `dataDir` (a
 * new one unless given) and resolves with its one JSON line as `demo`, the child process and the
 * data dir.
 */
export async function startDemo(binary, { extraArgs = [], dataDir } = {}) {
  dataDir ??= await mkdtemp(join(tmpdir(), "hearth-e2e-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const node = spawn(binary, [
    "serve", "--demo", "--data-dir", dataDir, "--web", new URL("../../dist", import.meta.url).pathname,
    "--port", String(port), "--ws-port", String(port + 1), ...extraArgs,
  ], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  node.stderr.on("data", (d) => (err += d));
  const demo = await new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`demo did not start in 60 s: ${err}`)), 60_000);
    node.stdout.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        ok(JSON.parse(out.slice(0, nl)));
      }
    });
    node.on("exit", (code) => fail(new Error(`demo exited ${code}: ${err}`)));
  });
  return { demo, node, dataDir };
}
