// Supervision (issue 19), as the office, an inspector on a 360-pixel phone, the branch's
// secretary and the public see it: the office plans an inspection of the secretary's
// branch, publishes the population (P) and draws with a lottery's numbers; the inspector
// works through the checklist on the phone and submits; the secretary reports her
// rectification; the office accepts it and closes the plan; the public page shows the
// result — and showed no target before.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, signedIn, state } from "./harness.mjs";

before(() => start());
after(stop);

const PLAN = "党支部专项督查";
const SEED = "中国福利彩票3D 2012年3月1日 第2012060期 开奖号码 4 1 8";

/// Answers yes on the confirmation page a step asks first.
async function confirm(page, name) {
  await page.getByRole("button", { name }).first().click();
  await page.waitForLoadState();
  await page.locator("main form button[type=submit]").first().click();
  await page.waitForLoadState();
}

test("a plan from its published population to the public's results", async () => {
  const office = await signedIn("office");
  const op = office.page;
  await op.goto(`${state.base}/inspections`);
  await op.fill("#name", PLAN);
  await op.fill("#scope", "JZ");
  await op.fill("#targets", state.branch);
  // Four inspectors in the pool, one of them from the branch's own district: three go.
  await op.fill("#per_target", "3");
  await op.getByRole("button", { name: "创建计划" }).click();
  await op.waitForLoadState();
  assert.match(op.url(), /\/inspections\/\d+$/);
  const planUrl = op.url();

  await confirm(op, "公布并冻结名单");
  const digest = (await op.locator("code.digest").first().textContent()).trim();
  assert.match(digest, /^[0-9a-f]{64}$/);

  // Before the draw the public sees P, and no target.
  const citizen = await state.browser.newContext();
  const cp = await citizen.newPage();
  await cp.goto(`${state.base}/p/inspections/jiaozuo-2010`);
  const before = await cp.locator("main").textContent();
  assert.ok(before.includes(digest), "P is public once frozen");

  await op.fill("#seed_input", SEED);
  await confirm(op, "抽取");
  const tasks = await op.locator("main table").last().textContent();
  assert.match(tasks, /周建国/, "the city's inspector is drawn");

  await cp.reload();
  const drawn = await cp.locator("main").textContent();
  assert.ok(drawn.includes(SEED), "the seed input is public");
  const targetName = (await op.locator("main table").last().locator("tbody a").first().textContent()).trim();
  assert.ok(!drawn.includes(targetName), "the target stays a surprise until the visits are over");

  // The inspector, on a phone at the branch.
  const inspector = await signedIn("inspector", { viewport: { width: 360, height: 740 } });
  const ip = inspector.page;
  await ip.goto(`${state.base}/inspections/tasks`);
  await ip.locator("ul.tasks li", { hasText: PLAN }).locator("a").click();
  await ip.waitForLoadState();
  assert.match(await ip.locator("h1").textContent(), new RegExp(targetName));
  assert.match(await ip.locator("ul.known").first().textContent(), /实施方案/, "what is known is shown");
  const items = await ip.locator("ol.checklist > li").count();
  assert.ok(items >= 5, `${items} items`);
  for (let n = 0; n < items; n++) {
    const card = ip.locator("ol.checklist > li").nth(n);
    if (n === 0) {
      await card.getByLabel("不符合").check();
      await card.locator("textarea").fill("实施方案未报上级党组织审批");
    } else {
      await card.getByLabel("符合", { exact: true }).check();
    }
    await card.getByRole("button", { name: "保存" }).click();
    await ip.waitForLoadState();
  }
  assert.equal(await ip.locator("ol.checklist > li.judged").count(), items);
  const width = await ip.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `${width}px wide on a 360px phone`);
  await confirm(ip, "提交检查结果");
  assert.match(await ip.locator("main").textContent(), /检查结果已提交/);
  await inspector.context.close();

  // The branch's secretary reports what she did.
  const secretary = await signedIn("secretary");
  const sp = secretary.page;
  await sp.goto(`${state.base}/o/${state.branch}`);
  await sp.getByRole("link", { name: /整改事项/ }).click();
  await sp.waitForLoadState();
  assert.match(await sp.locator("main").textContent(), /实施方案未报上级党组织审批/);
  await sp.locator("textarea[name=report]").first().fill("实施方案已报街道党工委审批通过");
  await sp.getByRole("button", { name: "报告整改情况" }).first().click();
  await sp.waitForLoadState();
  assert.match(await sp.locator("main").textContent(), /已报告/);
  await secretary.context.close();

  // The office accepts it and closes the plan.
  await op.goto(`${state.base}/o/${state.branch}/rectification`);
  await op.getByRole("button", { name: "审核通过，销号" }).first().click();
  await op.waitForLoadState();
  assert.match(await op.locator("main").textContent(), /已销号/);
  await op.goto(planUrl);
  await confirm(op, "结束计划并公开结果");
  assert.match(await op.locator("main").textContent(), /已结束/);
  await office.context.close();

  // The public sees the result.
  await cp.reload();
  const after = await cp.locator("main").textContent();
  assert.ok(after.includes(targetName), "the target named once the plan is closed");
  assert.match(after, /已销号1项/);
  await citizen.close();
});
