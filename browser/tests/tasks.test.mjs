// The most common task of each role, from its home, counting the screens it takes: a
// member writes and submits a three-item commitment, the branch secretary approves it.
// The server rehearses a day in the campaign (2010-06-01), when due dates lie ahead.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, signedIn, state } from "./harness.mjs";

before(() => start({ today: "2010-06-01" }));
after(stop);

/// Counts the pages the browser loads from now on (each a screen the person waits for).
function screens(page) {
  let n = 0;
  page.on("framenavigated", (f) => {
    if (f === page.mainFrame()) n += 1;
  });
  return () => n;
}

let commitment = "";

test("a member writes and submits a three-item commitment from her home in two screens", async () => {
  const { context, page } = await signedIn("member");
  const seen = screens(page);
  // Her home says what waits: her commitment, not written yet.
  const todo = page.locator(".todo a[href^='/c/new']");
  assert.equal(await todo.count(), 1, "the home links to the form");
  await todo.click();
  await page.waitForURL(/\/c\/new/);
  await page.fill("#title", "2010年党员公开承诺");
  const items = [
    ["study", "系统学习党章", "全年自学不少于40学时", "2010-12-31"],
    ["service", "结对帮扶困难群众", "每月走访不少于2次", "2011-06-30"],
    ["party-spirit", "按时参加组织生活", "全年无缺席", "2011-12-31"],
  ];
  for (const [i, [activity, content, target, due]] of items.entries()) {
    const n = i + 1;
    await page.selectOption(`#activity_${n}`, activity);
    await page.fill(`#content_${n}`, content);
    await page.fill(`#target_${n}`, target);
    await page.fill(`#due_${n}`, due);
  }
  await page.getByRole("button", { name: "保存并提交审核" }).click();
  await page.waitForURL(/\/c\/\d+$/);
  assert.match(await page.locator(".status").textContent(), /待审核/);
  assert.equal(await page.locator("ol.items > li").count(), 3, "three items");
  assert.equal(seen(), 2, "screens after the home");
  commitment = new URL(page.url()).pathname;
  await context.close();
});

test("the branch secretary approves it from her home", async () => {
  assert.ok(commitment, "the member's commitment");
  const { context, page } = await signedIn("secretary");
  const seen = screens(page);
  const link = page.locator(`.todo a[href='${commitment}']`);
  assert.equal(await link.count(), 1, "waiting on her home");
  await link.click();
  await page.waitForURL(`${state.base}${commitment}`);
  await page.getByRole("button", { name: "审核通过" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator(".status").textContent(), /已审核/);
  assert.equal(seen(), 2, "screens after the home");
  // Done: no longer waiting.
  await page.goto(`${state.base}/`);
  assert.equal(await page.locator(`.todo a[href='${commitment}']`).count(), 0);
  await context.close();
});
