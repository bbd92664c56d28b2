// `hearth serve --demo` for the browser tests that need the node itself (its HTTP server, its
// CSP, /embed.js): harness.mjs's startDemo, with a way to add a channel and to stop.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { startDemo as start } from "./harness.mjs";

const root = new URL("../../", import.meta.url);
export const binary = process.env.HEARTH_NODE ?? new URL("target/debug/hearth", root).pathname;
export const skipWithoutNode = existsSync(binary)
  ? false
  : `no node binary at ${binary} (cargo build -p hearth-node)`;

/** Starts the demo; resolves to `{ info, dataDir, stop() }` (`info`: the printed line). */
export async function startDemo() {
  const { demo: info, node, dataDir } = await start(binary);
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
