// Models, lecture tours and the portal (issue 21): the office builds a delegation from
// commended models on a desktop and schedules three sessions, a double booking refused
// with the speaker named; a phone at the first session signs in once and rates a speaker;
// a citizen on a 360-pixel phone finds a branch by a part of its name and opens its board.
// The demo city rehearses 1 March 2012; the sessions are on that day so that signing in
// is open.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, signedIn, state } from "./harness.mjs";

before(() => start());
after(stop);

async function fits(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `${page.url()} fits the phone (${overflow} px too wide)`);
}

test("a delegation of commended models tours without double booking; a phone signs in and rates", async () => {
  const office = await signedIn("office");
  const op = office.page;
  await op.goto(`${state.base}/tours`);
  await op.fill("#name", "优秀党组织事迹报告团");
  await op.fill("#theme", "学习先进、争当先锋");
  await op.fill("#leader", "市委组织部部长");
  // The commended models, in speaking order.
  const commended = op.locator("label.order", { hasText: "受表彰" });
  const n = await commended.count();
  assert.ok(n >= 2, `the demo's honour roll gives speakers (${n})`);
  for (let i = 0; i < n; i++) await commended.nth(i).locator("input").fill(String(i + 1));
  await op.getByRole("button", { name: "组建报告团" }).click();
  await op.waitForLoadState();
  assert.match(op.url(), /\/tours\/\d+$/);
  const tour = op.url();

  const schedule = async (host, venue, from, to) => {
    await op.goto(tour);
    await op.fill("#host", host);
    await op.fill("#venue", venue);
    await op.fill("#starts", from);
    await op.fill("#ends", to);
    await op.getByRole("button", { name: "安排场次" }).click();
    await op.waitForLoadState();
    return op.locator("main").textContent();
  };
  await schedule("JZ-JF", "解放区委党校", "2012-03-01T00:00", "2012-03-01T00:30");
  await schedule("JZ-JF", "解放区文化馆", "2012-03-01T00:30", "2012-03-01T01:30");
  // 山阳区 half an hour later: the speakers cannot travel there in time.
  const refused = await schedule("JZ-SY", "山阳区礼堂", "2012-03-01T02:00", "2012-03-01T03:00");
  assert.match(refused, /时间冲突/);
  assert.match(refused, /于解放区(委党校|文化馆)宣讲/, "the other session is named");
  await schedule("JZ-SY", "山阳区礼堂", "2012-03-01T04:00", "2012-03-01T05:00");
  await op.goto(tour);
  const rows = op.locator("table.candidates").nth(1).locator("tbody tr");
  assert.equal(await rows.count(), 3, "three sessions scheduled");
  // The first session's QR code points at its public page.
  await rows.first().getByRole("link", { name: "签到二维码" }).click();
  await op.waitForLoadState();
  const address = (await op.locator(".poster .code").textContent()).trim();
  assert.match(address, /\/p\/s\/\d+$/);
  assert.equal(await op.locator(".poster svg").count(), 1);
  await office.context.close();

  // A phone at the venue.
  const phone = await state.browser.newContext({ viewport: { width: 360, height: 740 } });
  const pp = await phone.newPage();
  await pp.goto(address);
  await pp.getByRole("button", { name: "签到" }).click();
  await pp.waitForLoadState();
  assert.match(await pp.locator("main").textContent(), /签到成功/);
  await fits(pp);
  const first = pp.locator("section.rate").first();
  await first.locator("label", { hasText: "5" }).click();
  await first.locator("textarea").fill("事迹感人，很受教育");
  await first.getByRole("button", { name: "提交" }).click();
  await pp.waitForLoadState();
  assert.match(await pp.locator("section.rate").first().textContent(), /已评分/);
  // Once per phone: signing in again counts nothing.
  await pp.goto(address);
  assert.equal(await pp.getByRole("button", { name: "签到" }).count(), 0, "already signed in");
  // The comment waits for the office.
  assert.doesNotMatch(await pp.locator("main").textContent(), /事迹感人/);
  await phone.close();
});

test("a citizen finds a branch by name on a phone and opens its board", async () => {
  const phone = await state.browser.newContext({ viewport: { width: 360, height: 740 } });
  const pp = await phone.newPage();
  await pp.goto(`${state.base}/p/`);
  await fits(pp);
  await pp.fill("#find", "东村第2党支部");
  await pp.getByRole("button", { name: "查找" }).click();
  await pp.waitForLoadState();
  const hit = pp.locator("ul.model-cards a").first();
  const name = (await hit.textContent()).trim();
  assert.match(name, /东村第2党支部/);
  await hit.click();
  await pp.waitForLoadState();
  assert.match(pp.url(), /\/p\/o\//);
  assert.equal((await pp.locator("h1").textContent()).trim(), name);
  await fits(pp);
  await phone.close();
});

test("the portal's pages print on A4 without their forms", async () => {
  // A4 at 96 dpi, less the printer's margins: 718 px of width.
  const paper = await state.browser.newContext({ viewport: { width: 718, height: 1000 } });
  const page = await paper.newPage();
  await page.emulateMedia({ media: "print" });
  for (const path of ["/p/", "/p/models", "/p/practices", "/p/rules", "/p/tours"]) {
    await page.goto(`${state.base}${path}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${path} fits the paper (${overflow} px too wide)`);
    const shown = await page.evaluate(() =>
      [...document.querySelectorAll("main form")].filter((f) => f.offsetParent !== null).length);
    assert.equal(shown, 0, `${path} prints without its forms`);
  }
  await paper.close();
});
