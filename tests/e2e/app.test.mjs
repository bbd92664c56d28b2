// End-to-end: the built app (dist/) in headless Chromium under a strict CSP, without a Waku node:
// every page mounts, a preview link renders its data at once marked unverified, damaged and
// hostile links stay inert, an identity can be made, and every page is screenshotted (light and
// dark, desktop and 360 px) into target/e2e/. Run by scripts/test after scripts/build-web.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile, mkdir } from "node:fs/promises";
import { serveDir, launchChromium, openPage } from "./harness.mjs";
import { communityData, DOODLES_DATA, DOODLES_KEY } from "./links.mjs";

const root = new URL("../../", import.meta.url);
const shots = new URL("target/e2e/", root);
// A peer that is not there: the client starts and keeps looking, as it would offline.
const NO_NODE = {
  ws: "/ip4/127.0.0.1/tcp/39999/ws/p2p/16Uiu2HAmPLe7Mzm8TsYUubgCAW1aJoeFScxrLj8ppHFivPo97bUZ",
};
let server, browser;

/** Errors other than the absent node's refused WebSocket. */
const realErrors = (page) =>
  page.errors.filter((e) => !/WebSocket connection to 'ws:\/\/127\.0\.0\.1:39999/.test(e));

before(async () => {
  await mkdir(shots, { recursive: true });
  server = await serveDir(new URL("dist/", root), { extra: { "/hearth.json": NO_NODE } });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  server?.close();
});

async function shoot(page, name) {
  await page.screenshot({ path: new URL(`${name}.png`, shots).pathname });
}

test("the home page mounts under a strict CSP and offers to open a community", async () => {
  const page = await openPage(browser);
  await page.goto(server.url);
  await page.waitForSelector("h1", { timeout: 20_000 });
  assert.match(await page.textContent("h1"), /Status Communities/);
  assert.ok(await page.isVisible("label[for=open-input]"), "the input has a label");
  // Garbage gets words, not a navigation.
  await page.fill("#open-input", "hello there");
  await page.click("text=Open");
  await page.waitForSelector(".form-error");
  assert.match(await page.textContent(".form-error"), /not a link Hearth can open/);
  // A status.app link opens its preview here.
  await page.fill("#open-input", `https://status.app/c/${DOODLES_DATA}#${DOODLES_KEY}`);
  await page.click("text=Open");
  await page.waitForSelector(".preview-name");
  assert.equal(new URL(page.url()).pathname, `/c/${DOODLES_DATA}`);
  assert.deepEqual(realErrors(page), []);
  await page.context().close();
});

test("a preview link renders its data at once, marked unverified, with Open in Status", async () => {
  const page = await openPage(browser);
  const t0 = Date.now();
  await page.goto(`${server.url}c/${DOODLES_DATA}#${DOODLES_KEY}`);
  await page.waitForSelector(".preview-name", { timeout: 20_000 });
  const shownAfter = Date.now() - t0;
  assert.equal(await page.textContent(".preview-name"), "Doodles");
  assert.match(await page.textContent(".preview-card .members"), /446,744 members/);
  assert.match(await page.textContent(".preview-description"), /Coloring the world with joy/);
  const tags = await page.$$eval(".preview-card .tag", (els) => els.map((e) => e.textContent));
  assert.deepEqual(tags, ["🎨 Art", "\u{1F5BC} NFT", "🌐 Web3"]);
  assert.equal(await page.textContent(".preview-card .badge"), "Unverified");
  assert.equal(await page.getAttribute(".state", "data-state"), "loading");
  assert.equal(
    await page.getAttribute("text=Open in Status", "href"),
    `status-app://c/${DOODLES_DATA}#${DOODLES_KEY}`,
  );
  // The colour comes from the link through CSSOM, never as an inline style string.
  const swatch = await page.$eval(".preview-card .community-swatch", (e) => getComputedStyle(e).backgroundColor);
  assert.equal(swatch, "rgb(19, 29, 47)");
  // Loading can be cancelled, and restarted.
  await page.click(".state >> text=Cancel");
  await page.waitForSelector('[data-state="cancelled"]');
  await page.click("text=Check again");
  await page.waitForSelector('[data-state="loading"]');
  console.log(`# preview data painted ${shownAfter} ms after navigation (cold, includes wasm start)`);
  assert.deepEqual(realErrors(page), []);
  await page.context().close();
});

test("a damaged link shows what is wrong and what to do", async () => {
  const page = await openPage(browser);
  await page.goto(`${server.url}c/not-base64-!!!#${DOODLES_KEY}`);
  await page.waitForSelector('[data-state="malformed"]', { timeout: 20_000 });
  assert.match(await page.textContent(".notice-what"), /cannot be opened/);
  assert.match(await page.textContent(".notice-next"), /Ask for the link again/);
  await page.goto(`${server.url}c/${DOODLES_DATA}#zQ3shNOTAKEY`);
  await page.waitForSelector('[data-state="malformed"]');
  assert.deepEqual(realErrors(page), []);
  await page.context().close();
});

test("HTML and script in a link's name and description render as text", async () => {
  const page = await openPage(browser);
  await page.addInitScript(() => (window.__pwned = 0));
  const name = "<img src=x onerror=window.__pwned=1>";
  const description = '<script>window.__pwned=2</script><a href="javascript:window.__pwned=3">x</a>';
  const data = communityData({ name: name.slice(0, 30), description, members: 3, color: "red;x:y" });
  await page.goto(`${server.url}c/${data}#${DOODLES_KEY}`);
  await page.waitForSelector(".preview-name", { timeout: 20_000 });
  assert.equal(await page.textContent(".preview-name"), name.slice(0, 30));
  assert.equal(await page.textContent(".preview-description"), description);
  assert.equal(await page.$$eval(".preview-card img, .preview-card script", (e) => e.length), 0);
  assert.equal(await page.$$eval('.preview-card a[href^="javascript"]', (e) => e.length), 0);
  // A colour that is not #RRGGBB never reaches a style.
  const swatch = await page.$eval(".preview-card .community-swatch", (e) => getComputedStyle(e).backgroundColor);
  assert.equal(swatch, "rgb(232, 89, 12)");
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__pwned), 0);
  assert.deepEqual(realErrors(page), []);
  await page.context().close();
});

test("a first identity is created from the dialog and shown with its alias and emoji hash", async () => {
  const page = await openPage(browser);
  await page.goto(`${server.url}settings`);
  await page.waitForSelector("#identity-title", { timeout: 20_000 });
  await page.click("text=Create or import an identity");
  await page.waitForSelector("dialog[open]");
  // Names Status would refuse on every message are refused here (status-go ValidateDisplayName).
  for (const bad of ["Ada", "Zoë Smith", "<b>hello</b>"]) {
    await page.fill("#id-name", bad);
    assert.equal(await page.$eval("#id-name", (e) => e.validity.valid), false, bad);
  }
  await page.fill("#id-name", "Ada Lovelace");
  await page.click("dialog >> text=Create identity");
  await page.waitForSelector(".kv-list", { timeout: 20_000 });
  const dd = await page.$$eval(".kv-list dd", (e) => e.map((x) => x.textContent));
  assert.equal(dd[0], "Ada Lovelace");
  assert.match(dd[1], /^[A-Z][a-z]+ [A-Z][a-z]+ [A-Z][a-z]+$/, "three-word alias");
  assert.ok([...new Intl.Segmenter().segment(dd[2])].length >= 14, "emoji hash");
  assert.match(dd[3], /^zQ3sh/);
  await page.click("text=Show my key");
  await page.waitForSelector(".secret");
  assert.match(await page.textContent(".secret code"), /^0x[0-9a-f]{64}$/);
  await page.click("text=Hide");
  // Kept sealed in IndexedDB: a reload opens it again without a prompt.
  await page.reload();
  await page.waitForSelector(".kv-list", { timeout: 20_000 });
  assert.equal(await page.textContent(".kv-list dd"), "Ada Lovelace");
  assert.deepEqual(realErrors(page), []);
  await page.context().close();
});

test("a passphrase-sealed identity is locked after a reload until its passphrase opens it", async () => {
  const page = await openPage(browser);
  await page.goto(`${server.url}settings`);
  await page.waitForSelector("#identity-title", { timeout: 20_000 });
  await page.click("text=Create or import an identity");
  await page.waitForSelector("dialog[open]");
  await page.fill("#id-name", "Grace Hopper");
  await page.fill("#id-pass", "correct horse");
  await page.click("dialog >> text=Create identity");
  await page.waitForSelector(".kv-list dd >> text=zQ3sh", { timeout: 20_000 });
  const key = await page.textContent(".kv-list dd.key-text");
  // After a reload the key is sealed: only its public parts are shown, with an Unlock button.
  await page.reload();
  await page.waitForSelector("text=Locked: sealed with your passphrase.", { timeout: 20_000 });
  assert.equal(await page.textContent(".kv-list dd"), "Grace Hopper");
  assert.equal(await page.$$eval(".kv-list dd.key-text", (e) => e.length), 0);
  await page.click(".card >> text=Unlock");
  await page.waitForSelector("dialog[open] .unlock-form");
  // A wrong passphrase says so and what to do; nothing opens.
  await page.fill("#unlock-pass", "wrong horse");
  await page.click("dialog >> button[type=submit]");
  await page.waitForSelector("dialog .notice-what >> text=does not open this identity", { timeout: 20_000 });
  assert.match(await page.textContent("dialog .notice-next"), /recovery phrase/);
  await page.fill("#unlock-pass", "correct horse");
  await page.click("dialog >> button[type=submit]");
  await page.waitForSelector("dialog[open]", { state: "detached", timeout: 20_000 }).catch(() => {});
  await page.waitForSelector(".kv-list dd.key-text", { timeout: 20_000 });
  assert.equal(await page.textContent(".kv-list dd.key-text"), key, "the same key is back");
  await shoot(page, "settings-unlocked-desktop-light");
  // Forgetting takes two clicks and leaves no identity.
  await page.reload();
  await page.waitForSelector("text=Locked: sealed with your passphrase.", { timeout: 20_000 });
  await page.click(".card >> text=Unlock");
  await page.waitForSelector("dialog[open] .unlock-form");
  await shoot(page, "unlock-dialog-desktop-light");
  await page.click("dialog >> text=Use another identity");
  await page.waitForSelector("dialog >> text=Forget it: I have my key or phrase");
  await page.click("dialog >> text=Forget it: I have my key or phrase");
  await page.waitForSelector("dialog[open] #id-name");
  await page.click("dialog >> text=Not now");
  await page.reload();
  await page.waitForSelector("text=Create or import an identity", { timeout: 20_000 });
  assert.deepEqual(realErrors(page), []);
  await page.context().close();
});

test("screenshots of every page, light and dark, desktop and 360 px", async () => {
  const pages = {
    home: "",
    preview: `c/${DOODLES_DATA}#${DOODLES_KEY}`,
    "preview-key-only": `c#${DOODLES_KEY}`,
    "preview-profile": `u#zQ3shwQPhRuDJSjVGVBnTjCdgXy5i9WQaeVPdGJD6yTarJQSj`,
    "preview-damaged": `c/xx#${DOODLES_KEY}`,
    community: `community/0x02a3d2fc4e6dc5f4b4d0c1e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7`,
    settings: "settings",
    "not-found": "no/such/page",
  };
  for (const [name, path] of Object.entries(pages)) {
    for (const [width, height, tag] of [[1280, 800, "desktop"], [360, 740, "360"]]) {
      for (const scheme of ["light", "dark"]) {
        const page = await openPage(browser, { width, height, colorScheme: scheme });
        await page.goto(server.url + path);
        await page.waitForSelector("main", { timeout: 20_000 });
        await page.waitForTimeout(400);
        await shoot(page, `${name}-${tag}-${scheme}`);
        assert.deepEqual(realErrors(page), [], `${name} ${tag} ${scheme}`);
        await page.context().close();
      }
    }
  }
});

test("the built page carries no inline script", async () => {
  const html = await readFile(new URL("dist/index.html", root), "utf8");
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
  assert.match(html, /<script type="module" src="\/bootstrap.js"><\/script>/);
});
