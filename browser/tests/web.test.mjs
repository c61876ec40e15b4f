// End-to-end: a real xianfeng server on the demo city, the system's Chromium headless.
// Run from browser/: `npm ci && npm test` after `cargo build` (see the README).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { start, stop, signedIn, state } from "./harness.mjs";

before(start);
after(stop);

/// A valid ID number from its first 17 digits (GB 11643 check character).
function idNumber(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return first17 + "10X98765432"[sum % 11];
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
  await page.goto(`${state.base}/search`);
  await page.fill("#q", state.branch);
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
  const file = join(state.dir, "roster.csv");
  writeFileSync(
    file,
    "姓名,身份证号,所在组织编码\n" +
      `浏览器甲,${idNumber("41080219950101003")},${state.branch}\n` +
      `浏览器乙,410802199501010000,${state.branch}\n`,
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
  const saved = join(state.dir, "errors.csv");
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
  await page.goto(`${state.base}/account`);
  assert.match(await page.locator("h1").textContent(), /My account/);
  // A new visit in the same browser, signed out, keeps English by cookie.
  await page.click("header button");
  await page.waitForURL(`${state.base}/login`);
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await context.close();
});

test("on a 360-pixel phone every page fits the screen", async () => {
  const { context, page } = await signedIn("secretary", {
    viewport: { width: 360, height: 740 },
    isMobile: true,
    hasTouch: true,
  });
  for (const path of ["/", `/o/${state.branch}`, "/search?q=%E6%94%AF%E9%83%A8", "/import", "/account", `/p/o/${state.branch}`, `/o/${state.branch}/setup`, `/o/${state.branch}/study`, `/o/${state.branch}/service`, "/reviews", "/scores", "/selection", `/selection/new?honour=excellent-member&org=${state.branch}`, "/selection/notices"]) {
    await page.goto(`${state.base}${path}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${path} is ${width}px wide`);
  }
  // Touch targets are large enough for a thumb.
  await page.goto(`${state.base}/`);
  const height = await page.locator("nav.main a").first().evaluate((a) => a.getBoundingClientRect().height);
  assert.ok(height >= 40, `nav link ${height}px high`);
  await context.close();
});

test("the score dashboard on a phone: charts, drill-down, how a score was made", async () => {
  const { context, page } = await signedIn("office", {
    viewport: { width: 360, height: 740 },
    isMobile: true,
    hasTouch: true,
  });
  const fits = async (what) => {
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${what} is ${width}px wide`);
  };
  await page.goto(`${state.base}/scores?period=2011-h2&scope=JZ-JF&level=branch`);
  await fits("the dashboard");
  assert.ok(await page.locator("svg.chart").count() >= 2, "charts drawn");
  assert.equal(await page.locator("script").count(), 0, "no script on the dashboard");
  // Drill down from the district to one of its towns.
  await page.goto(`${state.base}/scores?period=2011-h2&scope=JZ-JF`);
  const town = page.locator("a[href^='/scores?'][href*='scope=JZ-JF-']").first();
  await town.click();
  await page.waitForLoadState();
  assert.match(page.url(), /scope=JZ-JF-/);
  // A subject's page says how its score was made, part by part.
  await page.goto(`${state.base}/scores?period=2011-h2&scope=JZ-JF&level=branch`);
  await page.locator("a[href^='/scores/s/']").first().click();
  await page.waitForLoadState();
  await fits("a subject's score");
  const content = await page.content();
  assert.match(content, /得分构成/);
  assert.match(content, /领导点评/);
  assert.match(content, /历次得分/);
  await context.close();
});
