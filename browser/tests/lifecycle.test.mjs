// The whole life of a public commitment in the browser, on the demo city: a member drafts,
// the secretary returns it, the member fixes and resubmits, the secretary approves and
// publishes, the public board shows it, progress is reported with a photo, the item is
// closed, and a reviewer reviews the member.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { start, stop, signedIn, state } from "./harness.mjs";

before(start);
after(stop);

/// A small JPEG whose Exif block carries a GPS position, as a phone writes it.
function phonePhoto() {
  const seg = (marker, payload) => {
    const p = Buffer.from(payload, "latin1");
    const len = Buffer.alloc(2);
    len.writeUInt16BE(p.length + 2);
    return Buffer.concat([Buffer.from([0xff, marker]), len, p]);
  };
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    seg(0xe0, "JFIF\0\x01\x01\0\0\x01\0\x01\0\0"),
    seg(0xe1, "Exif\0\0GPSLatitude 35.2155N GPSLongitude 113.2418E"),
    seg(0xda, "\x01\x02\x03"),
    Buffer.from([0x12, 0xff, 0xd9]),
  ]);
}

/// Saves the commitment form. The demo campaign's dates lie in the past, so the form first
/// asks whether the passed due dates are meant; the second press saves.
async function saveDraft(page) {
  await step(page, "保存草稿");
  assert.match(await page.locator("[role=alert]").textContent(), /早于今天/);
  await step(page, "保存草稿");
}

async function step(page, label) {
  await page.getByRole("button", { name: label }).click();
  await page.waitForLoadState();
}

test("a commitment from draft to review, through every hand", async () => {
  const { base, dir, branch } = state;
  // The member writes her own commitment, starting from her account page.
  const member = await signedIn("member");
  await member.page.goto(`${base}/account`);
  await member.page.click("a.my-record");
  await member.page.click("a[href^='/c/new']");
  await member.page.fill("#title", "浏览器测试承诺");
  await member.page.fill("#content_1", "系统学习党章");
  await member.page.fill("#target_1", "全年学习30学时");
  await member.page.fill("#due_1", "2010-12-31");
  await saveDraft(member.page);
  const commitment = new URL(member.page.url()).pathname;
  assert.match(commitment, /^\/c\/\d+$/);
  await step(member.page, "提交审核");
  assert.match(await member.page.locator(".status").textContent(), /待审核/);

  // The secretary returns it with a reason.
  const secretary = await signedIn("secretary");
  await secretary.page.goto(`${base}${commitment}`);
  await secretary.page.fill("#return_reason", "目标请写得更具体");
  await step(secretary.page, "退回修改");
  assert.match(await secretary.page.locator(".status").textContent(), /已退回/);

  // The member sees why, fixes it and submits again.
  await member.page.goto(`${base}${commitment}`);
  assert.match(await member.page.content(), /目标请写得更具体/);
  await member.page.click("a[href$='/edit']");
  await member.page.fill("#target_1", "全年自学不少于40学时，写心得4篇");
  await saveDraft(member.page);
  await step(member.page, "提交审核");

  // The secretary approves and publishes.
  await secretary.page.goto(`${base}${commitment}`);
  await step(secretary.page, "审核通过");
  await step(secretary.page, "公开承诺");
  assert.match(await secretary.page.locator(".status").textContent(), /已公开/);

  // The public board shows it, without signing in, with its QR code.
  const visitor = await state.browser.newContext();
  const board = await visitor.newPage();
  await board.goto(`${base}/p/o/${branch}`);
  assert.match(await board.content(), /浏览器测试承诺/);
  assert.ok(await board.locator(".qr svg").count(), "a QR code");
  await visitor.close();

  // Progress with a photo.
  const photo = join(dir, "progress.jpg");
  writeFileSync(photo, phonePhoto());
  await member.page.goto(`${base}${commitment}`);
  await member.page.fill("#body", "已自学32学时");
  await member.page.setInputFiles("#files", photo);
  await step(member.page, "报告践诺进展");
  const img = member.page.locator("img.evidence").first();
  await img.waitFor();
  const src = await img.getAttribute("src");
  const served = await member.page.request.get(`${base}${src}`);
  assert.equal(served.headers()["content-type"], "image/jpeg");
  assert.ok(!(await served.body()).toString("latin1").includes("GPS"), "position removed");

  // The secretary closes the item as kept.
  await secretary.page.goto(`${base}${commitment}`);
  await secretary.page.getByRole("button", { name: "已兑现" }).first().click();
  // It cannot be undone: the page asks first, naming the item.
  await secretary.page.waitForURL(/\/step$/);
  assert.match(await secretary.page.locator("[role=alert]").textContent(), /将记为已兑现/);
  await secretary.page.getByRole("button", { name: "确定记为已兑现" }).click();
  await secretary.page.waitForURL(`${base}${commitment}`);
  assert.match(await secretary.page.locator("ol.items").textContent(), /已兑现/);

  // The office assigns a reviewer to the member; the reviewer reviews her.
  const memberId = await member.page.evaluate(async (b) => {
    const r = await fetch("/account");
    const html = await r.text();
    return html.match(/href="\/m\/(\d+)"/)[1];
  }, base);
  await member.page.goto(`${base}/m/${memberId}`);
  const memberName = (await member.page.locator("h1").first().textContent()).trim().split(/\s/)[0];
  const office = await signedIn("office");
  await office.page.goto(`${base}/o/${branch}/reviewers`);
  await office.page.selectOption("#reviewer", "reviewer");
  await office.page.selectOption("#subject", `member:${memberId}`);
  await step(office.page, "分配");
  const reviewer = await signedIn("reviewer");
  // The demo reviewer has hundreds of subjects: she finds the member by name.
  await reviewer.page.goto(`${base}/reviews`);
  await reviewer.page.fill("#desk_q", memberName);
  await step(reviewer.page, "查找");
  const form = reviewer.page.locator(`form:has(input[name=kind][value=member]):has(input[name=subject][value="${memberId}"])`);
  await form.locator("select[name=grade]").selectOption("good");
  await form.locator("textarea[name=comment]").fill("承诺具体，践诺扎实");
  await form.getByRole("button", { name: "保存点评" }).click();
  await reviewer.page.waitForLoadState();
  assert.match(await reviewer.page.content(), /承诺具体，践诺扎实/);

  for (const s of [member, secretary, office, reviewer]) await s.context.close();
});
