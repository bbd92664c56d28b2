// `hearth serve --demo` for the browser tests that need the node itself (its HTTP server, its
// CSP, /embed.js): a fresh data directory per run, free ports, the one JSON line it prints.
import { spawn, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../../", import.meta.url);
export const binary = process.env.HEARTH_NODE ?? new URL("target/debug/hearth", root).pathname;
export const skipWithoutNode = existsSync(binary)
  ? false
  : `no node binary at ${binary} (cargo build -p hearth-node)`;

/** Starts the demo; resolves to `{ info, dataDir, stop() }` (`info`: the printed line). */
export async function startDemo() {
  const dataDir = await mkdtemp(join(tmpdir(), "hearth-e2e-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const node = spawn(binary, [
    "serve", "--demo", "--data-dir", dataDir, "--web", new URL("dist", root).pathname,
    "--port", String(port), "--ws-port", String(port + 1),
  ], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  node.stderr.on("data", (d) => (err += d));
  const info = await new Promise((ok, fail) => {
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
  return {
    info,
    dataDir,
    /** Adds a channel to the running demo (the node republishes); returns its uuid. */
    addChannel(name) {
      const out = execFileSync(binary, ["channel", "add", "--data-dir", dataDir, `name=${name},category=Welcome`]);
      return JSON.parse(String(out).trim().split("\n").pop()).added;
    },
    async stop() {
      node.kill();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
