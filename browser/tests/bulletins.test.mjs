// Bulletins (issue 20), as the office on a desktop and the public on a 360-pixel phone: the
// office finds the scheduled draft waiting on its home page, drafts a progress bulletin of
// the second half of 2011 in one action, sees a heading out of order refused by its line,
// fixes it, issues the bulletin with its number and downloads the .docx; a citizen reads it
// on the phone, and the page fits the screen.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, signedIn, state } from "./harness.mjs";

before(() => start());
after(stop);

test("the office drafts, edits and issues a bulletin; a phone reads it", async () => {
  const office = await signedIn("office");
  const op = office.page;
  // The monthly bulletin drafted itself on 1 March and waits.
  assert.match(await op.locator("main").textContent(), /待修改印发的通报草稿/);

  await op.goto(`${state.base}/bulletins`);
  const card = op.locator("form.draft-form").first();
  await card.locator("select[name=period]").selectOption("2011-h2");
  await card.getByRole("button", { name: "生成草稿" }).click();
  await op.waitForLoadState();
  assert.match(op.url(), /\/bulletins\/\d+$/);
  const draftUrl = op.url();
  const doc = await op.locator("article.gongwen").textContent();
  assert.match(doc, /2011年下半年/);
  assert.match(doc, /横向比位次/);

  // A heading out of order is refused by its line; the text is kept to fix.
  const body = await op.inputValue("#body");
  await op.fill("#body", body.replace("二、比学赶超情况", "三、比学赶超情况"));
  await op.getByRole("button", { name: "保存" }).click();
  await op.waitForLoadState();
  assert.match(await op.locator("main").textContent(), /第\d+行/);
  await op.goto(draftUrl);
  await op.fill("#body", body.replace("四、下步工作要求", "四、下步工作要求\n请各县（市、区）于3月底前报送整改情况。"));
  await op.getByRole("button", { name: "保存" }).click();
  await op.waitForLoadState();
  assert.match(await op.locator("article.gongwen").textContent(), /3月底前报送整改情况/);

  await op.fill("#prefix", "焦创办");
  await op.fill("#main_to", "各县（市、区）委组织部");
  await op.check("input[name=public]");
  await op.getByRole("button", { name: "印发" }).last().click();
  await op.waitForLoadState();
  const issued = await op.locator("main").textContent();
  assert.match(issued, /焦创办〔2012〕4号/, "the demo issued three in 2012 before");
  assert.doesNotMatch(issued, /修改草稿/, "issued is final");

  const [download] = await Promise.all([
    op.waitForEvent("download"),
    op.getByRole("link", { name: "下载Word文档" }).click(),
  ]);
  assert.match(download.suggestedFilename(), /焦创办〔2012〕4号\.docx$/);
  const id = draftUrl.split("/").pop();
  await office.context.close();

  // A citizen on a phone.
  const phone = await state.browser.newContext({ viewport: { width: 360, height: 740 } });
  const pp = await phone.newPage();
  await pp.goto(`${state.base}/p/bulletins`);
  await pp.locator(`a[href="/p/bulletins/${id}"]`).click();
  await pp.waitForLoadState();
  const text = await pp.locator("article.gongwen").textContent();
  assert.match(text, /焦创办〔2012〕4号/);
  assert.match(text, /3月底前报送整改情况/);
  const overflow = await pp.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page fits the phone (${overflow} px too wide)`);
  await phone.close();
});
