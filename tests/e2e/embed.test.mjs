// End-to-end: the <hearth-channel> widget on a host page of another site (localhost on a second
// port, while Hearth is the node's own http://127.0.0.1:<port>), against `hearth serve --demo`.
// Messages show; theme and accent apply; the frame follows its content and grows when a message
// arrives; forged postMessages (to the host or to the frame) change nothing; hostile attributes
// fall back to safe defaults; with allow-post a message written in the widget reaches the full
// app in another browser context. Screenshots (dark and light, 360 px and desktop) go to
// target/e2e/. Also the figure: time to the first message painted on the host page, cold and
// warm.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdir } from "node:fs/promises";
import { launchChromium } from "./harness.mjs";
import { startDemo, skipWithoutNode as skip } from "./demo-node.mjs";

const root = new URL("../../", import.meta.url);
const shots = new URL("target/e2e/", root);
let demo, host, browser;
const pages = new Map(); // path → html

before(async () => {
  if (skip) return;
  await mkdir(shots, { recursive: true });
  demo = await startDemo();
  host = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path === "/favicon.ico") return res.writeHead(204).end();
    const html = pages.get(path);
    if (!html) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(html);
  });
  await new Promise((ok) => host.listen(0, "127.0.0.1", ok));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  host?.close();
  await demo?.stop();
});

/** A host page on http://localhost:<port> (another site than Hearth's 127.0.0.1). */
function hostPage(path, body, { bg = "#ffffff", fg = "#111111" } = {}) {
  pages.set(path, `<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>A blog that embeds Hearth</title>
<style>body{font-family:Georgia,serif;margin:0 auto;max-width:760px;padding:16px;background:${bg};color:${fg}} .spacer{height:3000px}</style>
<script type="module" src="${demo.info.app}embed.js"></script></head>
<body><h1>My project's blog</h1><p>Talk to us right here:</p>${body}<p>Thanks for reading.</p></body></html>`);
  return `http://localhost:${host.address().port}${path}`;
}

const element = (attrs, uuid) =>
  `<hearth-channel community="${demo.info.community}" channel="${uuid}" ${attrs}>` +
  `<a href="${demo.info.app}community/${demo.info.community}/${uuid}">#channel on Hearth</a></hearth-channel>`;

async function open(url, { width = 1280, height = 900, colorScheme = "light" } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && page.errors.push(m.text()));
  await page.goto(url);
  return page;
}

const embedFrame = async (page, index = 0) => {
  await page.waitForFunction(
    (i) => document.querySelectorAll("hearth-channel")[i]?.shadowRoot?.querySelector("iframe")?.src,
    index,
    { timeout: 20_000 },
  );
  for (let i = 0; i < 200; i++) {
    const frames = page.frames().filter((f) => f.url().includes("/embed/"));
    if (frames[index]) return frames[index];
    await page.waitForTimeout(50);
  }
  throw new Error("no embed frame");
};
const frameHeight = (page, index = 0) =>
  page.evaluate(
    (i) => document.querySelectorAll("hearth-channel")[i].shadowRoot.querySelector("iframe").getBoundingClientRect().height,
    index,
  );

test("the widget on another site shows the channel, themed, sized to its height, deaf to forged messages", { skip }, async () => {
  const general = demo.info.channels.find((c) => c.name === "general").uuid;
  const url = hostPage(
    "/dark.html",
    element(`theme="dark" accent="#0a5" height="560"`, general) +
      `<div class="spacer"></div>` + element(`theme="dark"`, general),
    { bg: "#101418", fg: "#e8e8e8" },
  );
  const t0 = Date.now();
  const page = await open(url);
  const frame = await embedFrame(page);
  await frame.waitForSelector(".timeline-row .message", { timeout: 30_000 });
  const cold = Date.now() - t0;
  // The chrome: community, channel, connection, Open in Hearth (to the full app, new tab).
  await frame.waitForFunction(() => document.querySelector(".embed-community")?.textContent === "Hearth Demo", null, { timeout: 30_000 });
  assert.equal(await frame.textContent(".embed-channel"), "#general");
  assert.equal(
    await frame.getAttribute(".embed-open", "href"),
    `${demo.info.app}community/${demo.info.community}/${general}`,
  );
  // Read-only: no composer.
  assert.equal(await frame.$(".composer"), null);
  // Theme and accent applied (the accent through CSSOM, the theme as data-theme).
  assert.equal(await frame.evaluate(() => document.documentElement.dataset.theme), "dark");
  assert.equal(await frame.$eval(".embed-head", (e) => getComputedStyle(e).borderTopColor), "rgb(0, 170, 85)");
  // A long history fills the height asked for, and no more.
  await page.waitForFunction(() => document.querySelector("hearth-channel").shadowRoot.querySelector("iframe").style.height === "560px");
  assert.equal(await frameHeight(page), 560);
  // The fallback link is not shown once the element runs.
  assert.equal(await page.isVisible("hearth-channel > a"), false);

  // Lazy: an element far below the fold has its frame, but loads nothing until scrolled to.
  const lazySrc = () => page.evaluate(() => document.querySelectorAll("hearth-channel")[1].shadowRoot.querySelector("iframe").getAttribute("src"));
  assert.equal(await lazySrc(), null);
  await page.evaluate(() => document.querySelectorAll("hearth-channel")[1].scrollIntoView());
  await page.waitForFunction(() => document.querySelectorAll("hearth-channel")[1].shadowRoot.querySelector("iframe").getAttribute("src"));
  assert.match(await lazySrc(), /\/embed\//);
  await page.evaluate(() => scrollTo(0, 0));
  // Forged messages: the host posting a resize to itself, or anything to the frame.
  await page.evaluate(() => {
    window.postMessage({ hearth: 1, type: "resize", height: 170 }, "*");
    const f = document.querySelector("hearth-channel").shadowRoot.querySelector("iframe");
    f.contentWindow.postMessage({ hearth: 1, type: "resize", height: 170 }, "*");
    f.contentWindow.postMessage({ hearth: 1, type: "send", text: "forged by the host" }, "*");
    f.contentWindow.postMessage("<img src=x onerror=alert(1)>", "*");
  });
  await page.waitForTimeout(1000);
  assert.equal(await frameHeight(page), 560, "a forged resize changed nothing");
  assert.equal(await frame.$("text=forged by the host"), null);
  // The host cannot reach into the frame (another origin).
  const reach = await page.evaluate(() => {
    try {
      return document.querySelector("hearth-channel").shadowRoot.querySelector("iframe").contentDocument?.title ?? "blocked";
    } catch {
      return "blocked";
    }
  });
  assert.equal(reach, "blocked");
  await page.screenshot({ path: new URL("embed-host-desktop-dark.png", shots).pathname });
  await page.setViewportSize({ width: 360, height: 800 });
  await page.waitForTimeout(500);
  await page.screenshot({ path: new URL("embed-host-360-dark.png", shots).pathname });
  assert.deepEqual(page.errors, []);

  // Warm: the same browser context again (storage and HTTP cache kept).
  const t1 = Date.now();
  await page.reload();
  const again = await embedFrame(page);
  await again.waitForSelector(".timeline-row .message", { timeout: 30_000 });
  const warm = Date.now() - t1;
  console.log(`# figure: widget first message painted on a host page: cold ${cold} ms, warm ${warm} ms`);
  await page.context().close();
});

test("hostile attributes fall back to safe defaults; a broken snippet keeps its link", { skip }, async () => {
  const general = demo.info.channels.find((c) => c.name === "general").uuid;
  const url = hostPage(
    "/hostile.html",
    element(`theme="dark;}body{display:none" accent="red;background:url(//x)" height="1000000000"`, general) +
      element(`height="-40"`, general) +
      `<hearth-channel community="0xnot" channel="nope"><a href="https://example.org/fallback">fallback link</a></hearth-channel>`,
  );
  const page = await open(url, { width: 360, height: 800 });
  const first = await embedFrame(page, 0);
  await first.waitForSelector(".timeline-row .message", { timeout: 30_000 });
  const src = await page.evaluate(() => document.querySelector("hearth-channel").shadowRoot.querySelector("iframe").src);
  const q = new URL(src).searchParams;
  assert.equal(q.get("theme"), null, src);
  assert.equal(q.get("accent"), null, src);
  assert.equal(q.get("host"), new URL(url).origin);
  // A billion pixels asked: the clamp (a long channel fills it).
  await page.waitForFunction(() => document.querySelector("hearth-channel").shadowRoot.querySelector("iframe").style.height === "2000px", null, { timeout: 10_000 });
  // Negative: the smallest height.
  const second = await page.evaluate(() => document.querySelectorAll("hearth-channel")[1].shadowRoot.querySelector("iframe").style.height);
  assert.equal(second, "160px");
  const broken = await page.evaluate(() => document.querySelectorAll("hearth-channel")[2].shadowRoot.textContent);
  assert.match(broken, /cannot be shown/);
  assert.equal(await page.isVisible("text=fallback link"), true);
  // The embed page itself, opened with a hostile query, keeps its defaults too; and an unknown
  // channel or a bad address is a clear state.
  const direct = await page.context().newPage();
  await direct.goto(`${demo.info.app}embed/${demo.info.community}/${general}?theme=%3C%2Fstyle%3E&accent=javascript:1&host=http://evil.example/x`);
  await direct.waitForSelector(".embed[data-state]");
  assert.equal(await direct.evaluate(() => document.documentElement.dataset.theme ?? null), null);
  await direct.goto(`${demo.info.app}embed/${demo.info.community}/00000000-0000-4000-8000-000000000000`);
  await direct.waitForSelector('.embed[data-state="no-channel"]', { timeout: 30_000 });
  assert.match(await direct.textContent(".embed-state"), /no such channel/);
  await direct.goto(`${demo.info.app}embed/${demo.info.community}/not-a-channel-uuid`);
  await direct.waitForSelector('.embed[data-state="bad-link"]', { timeout: 20_000 });
  await direct.goto(`${demo.info.app}embed/0xzz/${general}`);
  await direct.waitForSelector('.embed[data-state="not-found"]', { timeout: 20_000 });
  await page.context().close();
});

test("with allow-post the widget grows as messages arrive, and what it sends reaches the full app", { skip }, async () => {
  const uuid = demo.addChannel("widget");
  const url = hostPage("/post.html", element(`theme="light" height="640" allow-post`, uuid));
  const page = await open(url, { width: 360, height: 800 });
  const frame = await embedFrame(page);
  // A fresh channel: the widget is small, and says so.
  await frame.waitForSelector(".timeline-empty", { timeout: 60_000 });
  await page.waitForFunction(() => parseFloat(document.querySelector("hearth-channel").shadowRoot.querySelector("iframe").style.height) < 400);
  const small = await frameHeight(page);
  await page.screenshot({ path: new URL("embed-host-360-light-empty.png", shots).pathname, fullPage: true });
  // Posting: an identity (made in Hearth's frame, kept in Hearth's storage), then joining.
  await frame.fill("#composer-input", "first try");
  await frame.press("#composer-input", "Enter");
  await frame.waitForSelector("dialog[open]", { timeout: 10_000 });
  await frame.fill("#id-name", "Widget Writer");
  await frame.click("dialog >> text=Create identity");
  await frame.waitForFunction(() => !document.querySelector("dialog[open]"));
  await frame.click(".embed-join button", { timeout: 30_000 });
  await frame.waitForSelector("#composer-input", { timeout: 60_000 });
  const text = `hello from a blog ${Date.now()}`;
  await frame.fill("#composer-input", text);
  await frame.press("#composer-input", "Enter");
  await frame.waitForSelector(`.timeline-row >> text=${text}`, { timeout: 30_000 });
  // The frame grew to its new content.
  await page.waitForFunction(
    (h) => parseFloat(document.querySelector("hearth-channel").shadowRoot.querySelector("iframe").style.height) > h,
    small,
    { timeout: 10_000 },
  );
  assert.ok((await frameHeight(page)) > small);
  await page.screenshot({ path: new URL("embed-host-360-light.png", shots).pathname, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.waitForTimeout(500);
  await page.screenshot({ path: new URL("embed-host-desktop-light.png", shots).pathname });

  // The full app, another browser (nothing shared with the widget), sees it.
  const reader = await open(`${demo.info.app}community/${demo.info.community}/${uuid}`);
  await reader.waitForSelector(`.timeline-row >> text=${text}`, { timeout: 60_000 });
  assert.equal(await reader.locator(`.timeline-row >> text=${text}`).count(), 1);
  await reader.context().close();
  assert.deepEqual(page.errors.filter((e) => !/favicon/.test(e)), []);
  await page.context().close();
});
