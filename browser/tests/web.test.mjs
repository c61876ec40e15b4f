// End-to-end: a real xianfeng server on the demo city, the system's Chromium headless.
// Run from browser/: `npm ci && npm test` after `cargo build` (see the README).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createServer } from "node:net";
import { chromium } from "playwright-core";

const BIN = process.env.XIANFENG_BIN ?? resolve("../target/debug/xianfeng");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const PASSWORD = "Pass-word-1";

let dir, server, base, browser, branch;

function freePort() {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function xianfeng(...args) {
  return execFileSync(BIN, [...args, "--db", join(dir, "x.db")], { cwd: dir, encoding: "utf8" });
}

/// A valid ID number from its first 17 digits (GB 11643 check character).
function idNumber(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return first17 + "10X98765432"[sum % 11];
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "xianfeng-browser-"));
  xianfeng("init", "--demo", "--password", PASSWORD);
  const users = JSON.parse(xianfeng("user", "list", "--json"));
  branch = users.find((u) => u.username === "secretary").organisations[0];
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(BIN, ["serve", "--addr", `127.0.0.1:${port}`, "--db", join(dir, "x.db")], {
    cwd: dir,
    stdio: "ignore",
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

async function signedIn(username, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  // Nothing may come from anywhere but this server: the intranet has no internet.
  const external = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(base)) external.push(r.url());
  });
  context.on("close", () => assert.deepEqual(external, [], "requests outside the server"));
  await page.goto(`${base}/login`);
  await page.fill("#username", username);
  await page.fill("#password", PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForURL(`${base}/`);
  return { context, page };
}

test("a secretary signs in and opens the tree level by level", async () => {
  const { context, page } = await signedIn("office");
  const root = page.locator("ul.tree > li > details").first();
  await root.locator("summary").click({ position: { x: 2, y: 10 } });
  // The children arrive from /tree/{code} when the node opens.
  await root.locator(".kids ul.tree li").first().waitFor();
  const kids = await root.locator(".kids ul.tree > li").count();
  assert.ok(kids > 1, `children loaded: ${kids}`);
  await root.locator(".kids ul.tree > li a").first().click();
  await page.waitForURL(/\/o\//);
  assert.ok(await page.locator("h1").textContent());
  await context.close();
});

test("search finds an organisation by name and stays in scope", async () => {
  const { context, page } = await signedIn("secretary");
  await page.goto(`${base}/search`);
  await page.fill("#q", branch);
  await page.press("#q", "Enter");
  await page.waitForURL(/\/search\?q=/);
  const results = await page.locator("ul.orgs li").count();
  assert.equal(results, 1, "her own branch, found by its code");
  await page.fill("#q", "党委");
  await page.press("#q", "Enter");
  await page.waitForLoadState();
  assert.equal(await page.locator("ul.orgs li").count(), 0, "nothing above her branch");
  await context.close();
});

test("a roster with one bad row: preview, its error, the download, the import", async () => {
  const { context, page } = await signedIn("secretary");
  const file = join(dir, "roster.csv");
  writeFileSync(
    file,
    "姓名,身份证号,所在组织编码\n" +
      `浏览器甲,${idNumber("41080219950101003")},${branch}\n` +
      `浏览器乙,410802199501010000,${branch}\n`,
  );
  await page.click("nav.main a[href='/import']");
  await page.selectOption("#kind", "members");
  await page.setInputFiles("#file", file);
  await page.click("main form button[type=submit]");
  await page.waitForURL(/\/import\/\d+$/);
  assert.equal((await page.locator(".bad-rows").textContent()).trim(), "1");
  const issue = await page.locator("table.issues tbody tr").first().textContent();
  assert.match(issue, /校验码/);
  assert.match(issue, /^\s*3/);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.click("a[href$='errors.csv']"),
  ]);
  const saved = join(dir, "errors.csv");
  await download.saveAs(saved);
  const csv = readFileSync(saved, "utf8");
  assert.ok(csv.startsWith("\ufeff"), "a BOM so that Excel reads UTF-8");
  assert.match(csv, /\n3,/);

  await page.check("input[name=skip_bad]");
  await page.click("form[action$='/confirm'] button");
  await page.waitForLoadState();
  assert.match(await page.locator("h1").textContent(), /导入完成/);
  const counts = await page.locator(".counts").textContent();
  assert.match(counts.replace(/\s+/g, ""), /新增1/);
  await context.close();
});

test("the English switch is remembered", async () => {
  const { context, page } = await signedIn("member");
  await page.click("nav.langs a[lang=en]");
  await page.waitForLoadState();
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await page.goto(`${base}/account`);
  assert.match(await page.locator("h1").textContent(), /My account/);
  // A new visit in the same browser, signed out, keeps English by cookie.
  await page.click("header button");
  await page.waitForURL(`${base}/login`);
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await context.close();
});

test("on a 360-pixel phone every page fits the screen", async () => {
  const { context, page } = await signedIn("secretary", {
    viewport: { width: 360, height: 740 },
    isMobile: true,
    hasTouch: true,
  });
  for (const path of ["/", `/o/${branch}`, "/search?q=%E6%94%AF%E9%83%A8", "/import", "/account", `/p/o/${branch}`]) {
    await page.goto(`${base}${path}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${path} is ${width}px wide`);
  }
  // Touch targets are large enough for a thumb.
  await page.goto(`${base}/`);
  const height = await page.locator("nav.main a").first().evaluate((a) => a.getBoundingClientRect().height);
  assert.ok(height >= 40, `nav link ${height}px high`);
  await context.close();
});
