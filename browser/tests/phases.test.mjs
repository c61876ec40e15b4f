// Phases drive the work (issue 18): on 1 March 2011, in the campaign's 组织实施 phase and its
// themed stage 以优异成绩迎接建党90周年, a branch secretary's home says so and says that
// nominating opens only in 评选表彰; her nomination is refused with that phase's dates; the
// office opens the phase's work early on the campaign's page, and then it goes through.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, signedIn, state, startSimplerCampaign } from "./harness.mjs";

before(() => start({ prepare: startSimplerCampaign, today: "2011-03-01" }));
after(stop);

/// Nominates a member of the secretary's branch: each in turn until one is taken (a
/// probationary member is not eligible), or the first refusal that is not about her.
async function nominate(page) {
  const form = `${state.base}/selection/new?honour=excellent-member&org=${state.branch}`;
  await page.goto(form);
  const values = await page.locator("#subject option").evaluateAll((os) =>
    os.map((o) => o.value).filter((v) => v),
  );
  for (const value of values) {
    await page.goto(form);
    await page.selectOption("#subject", value);
    await page.fill("#deeds", "带领党员志愿服务队，为社区孤寡老人服务三百余小时。");
    await page.fill("#summary", "带领志愿服务队服务社区三百余小时");
    await page.getByRole("button", { name: "推荐" }).first().click();
    await page.waitForLoadState();
    if (/\/selection\/\d+$/.test(page.url())) return;
    if (!/不符合评选条件/.test(await page.locator("main").textContent())) return;
  }
}

test("nominating waits for its phase until the office opens it early", async () => {
  const secretary = await signedIn("secretary");
  const sp = secretary.page;
  const moment = await sp.locator("section.moment").textContent();
  assert.match(moment, /组织实施/, "the phase");
  assert.match(moment, /以优异成绩迎接建党90周年/, "the themed stage");
  assert.match(moment, /推荐评选：只在“评选表彰”阶段（2012-05-16至2012-06-30）开放/);

  await nominate(sp);
  assert.doesNotMatch(sp.url(), /\/selection\/\d+$/, "not nominated");
  const refusal = await sp.locator("main").textContent();
  assert.match(refusal, /推荐评选只在“评选表彰”阶段（2012-05-16至2012-06-30）开放/);

  // The office opens the commendation phase's work for March, with the reason.
  const office = await signedIn("office");
  const op = office.page;
  await op.goto(`${state.base}/campaigns`);
  await op.locator("tr.campaign-running a").first().click();
  await op.waitForLoadState();
  await op.selectOption("#phase", "commendation");
  await op.fill("#from", "2011-03-01");
  await op.fill("#until", "2011-03-31");
  await op.fill("#reason", "迎接建党90周年，提前推荐优秀共产党员");
  await op.getByRole("button", { name: "开放", exact: true }).click();
  await op.waitForLoadState();
  assert.match(await op.locator("#phases + .table").textContent(), /迎接建党90周年，提前推荐优秀共产党员/);
  await office.context.close();

  await nominate(sp);
  assert.match(sp.url(), /\/selection\/\d+$/, await sp.locator("main").textContent());
  await sp.goto(`${state.base}/`);
  assert.match(
    await sp.locator("section.moment").textContent(),
    /推荐评选：活动办公室已开放至2011年3月31日/,
  );
  await secretary.context.close();
});
