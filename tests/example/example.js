// A plain-JS page on Hearth's browser package (no framework): open a community, show a channel,
// post to it. Parameters come from the URL: ?peer=<ws multiaddr>&community=<id or link>
// &channel=<uuid>&key=<hex private key>&name=<display name>&db=<IndexedDB name>.
// Everything it sees is also pushed to `window.hearthLog` for tests/interop/client-api.test.mjs.
import init, { Client } from "./pkg/hearth.js";

const params = new URLSearchParams(location.search);
const log = (window.hearthLog = []);
const t0 = performance.now();
const $ = (id) => document.getElementById(id);
const items = new Map();

function render() {
  const list = $("messages");
  list.replaceChildren(
    ...[...items.values()]
      .sort((a, b) => a.clock - b.clock || a.timestamp_ms - b.timestamp_ms)
      .map((item) => {
        const li = document.createElement("li");
        li.className = item.send_state.state;
        // textContent, never innerHTML: message text is untrusted.
        li.textContent = `${item.display_name ?? item.author.slice(0, 10)}: ${item.text}`;
        return li;
      }),
  );
}

await init();
log.push({ at: performance.now() - t0, kind: "starting" });
const client = await Client.start({ peers: [params.get("peer")], dbName: params.get("db") ?? "example" });
log.push({ at: performance.now() - t0, kind: "started" });
if (params.get("key")) client.setIdentity(params.get("key"), params.get("name") ?? undefined);
const community = client.community(params.get("community"));
const uuid = params.get("channel");

window.hearth = {
  client,
  community,
  send: (text) => community.send(uuid, text),
  join: () => community.requestToJoin(),
  health: () => client.health(),
};

(async () => {
  const events = community.events();
  for (let e; (e = await events.next()) !== null; ) {
    log.push({ at: performance.now() - t0, source: "community", ...e });
    if (e.kind === "description") $("name").textContent = e.info.name;
  }
})();

(async () => {
  const timeline = community.timeline(uuid);
  window.hearth.timeline = timeline;
  for (let e; (e = await timeline.next()) !== null; ) {
    log.push({ at: performance.now() - t0, source: "timeline", ...e });
    if (e.kind === "stored" || e.kind === "older") for (const i of e.items) items.set(i.id, i);
    if (e.kind === "upsert") items.set(e.item.id, e.item);
    if (e.kind === "progress") $("status").textContent = e.progress.phase;
    render();
  }
})();

$("composer").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const text = $("text").value.trim();
  if (!text) return;
  $("text").value = "";
  try {
    await community.send(uuid, text);
  } catch (e) {
    $("status").textContent = `${e.message} ${e.hint ?? ""}`;
  }
});
