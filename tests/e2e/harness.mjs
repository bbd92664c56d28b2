// Shared pieces for browser tests: the app's static server and Debian's Chromium.
import { chromium } from "playwright-core";
import { fileURLToPath } from "node:url";
import { serveDir as serve } from "../../scripts/serve.mjs";

/** Serves a directory (a file: URL) on loopback at a free port. */
export const serveDir = (dirUrl) => serve(fileURLToPath(dirUrl));

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
