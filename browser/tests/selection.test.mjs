// Selection and commendation in the browser, for one member of the demo city, rehearsed on
// the dates of June 2012: the branch secretary nominates within quota, the office assesses,
// approves and recommends level by level, puts the member on a public notice, a citizen
// objects on the public page, the office finds the objection untrue and, once the notice
// is over, commends the member, who is then on the honour roll.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, restart, signedIn, state, startSimplerCampaign } from "./harness.mjs";

before(() => start({ prepare: startSimplerCampaign, today: "2012-06-18" }));
after(stop);

async function click(page, name) {
  await page.getByRole("button", { name }).first().click();
  await page.waitForLoadState();
}

test("a member from nomination by the branch to the honour roll", async () => {
  // The branch secretary nominates one of the branch's formal members.
  const secretary = await signedIn("secretary");
  const sp = secretary.page;
  await sp.goto(`${state.base}/selection`);
  await sp.selectOption("#honour", "excellent-member");
  await sp.fill("#org", state.branch);
  await click(sp, "推荐");
  const options = await sp.locator("#subject option").evaluateAll((os) =>
    os.map((o) => [o.value, o.textContent]).filter(([v]) => v),
  );
  assert.ok(options.length > 0, "the branch has members to nominate");
  let name = "";
  for (const [value, label] of options) {
    await sp.goto(`${state.base}/selection/new?honour=excellent-member&org=${state.branch}`);
    await sp.selectOption("#subject", value);
    await sp.fill("#deeds", "带领党员志愿服务队，为社区孤寡老人服务三百余小时。");
    await sp.fill("#summary", "带领志愿服务队服务社区三百余小时");
    await click(sp, "推荐");
    if (/\/selection\/\d+$/.test(sp.url())) {
      name = label;
      break;
    }
  }
  assert.ok(name, "someone in the branch is eligible");
  assert.match(await sp.locator("ul.checks").textContent(), /正式党员/);
  // The branch's quota is full: nominating another eligible member is refused with the
  // reason (the probationary members are refused for that first).
  const rest = options.slice(options.findIndex(([, label]) => label === name) + 1);
  let quota = rest.length === 0;
  for (const [value] of rest) {
    await sp.goto(`${state.base}/selection/new?honour=excellent-member&org=${state.branch}`);
    await sp.selectOption("#subject", value);
    await sp.fill("#deeds", "事迹");
    await sp.fill("#summary", "事迹突出");
    await click(sp, "推荐");
    const said = await sp.locator("main").textContent();
    assert.doesNotMatch(sp.url(), /\/selection\/\d+$/, "a second nomination");
    if (/名额/.test(said)) {
      quota = true;
      break;
    }
  }
  assert.ok(quota, "the quota is full");
  await sp.goto(`${state.base}/selection`);
  const first = await sp.locator("table a").first().getAttribute("href");
  await secretary.context.close();

  // The office assesses, approves and recommends on until the city decides it.
  const office = await signedIn("office");
  const op = office.page;
  await op.goto(`${state.base}${first}`);
  for (let level = 0; level < 6; level++) {
    await op.fill("textarea[name=note]", "考核组实地考核，群众认可");
    await click(op, "考核");
    await op.fill("textarea[name=note]", "会议研究同意");
    await click(op, "审定");
    // The same honour one level up (not the provincial honour the city may recommend for).
    const onward = op.getByRole("button", { name: "向上推荐：优秀共产党员", exact: true });
    if ((await onward.count()) === 0) break;
    await onward.first().click();
    await op.waitForLoadState();
  }
  const top = new URL(op.url()).pathname;
  assert.match(await op.locator("main").textContent(), /已审定/);

  // On notice from 18 June 2012 for five working days.
  await op.goto(`${state.base}/selection/notices`);
  const id = top.split("/").pop();
  await op.check(`input[name=n_${id}]`);
  await op.fill("#title", "优秀共产党员拟表彰对象公示");
  await op.fill("#contact", "市委组织部 0391-0000000");
  await click(op, "发布公示");
  const admin = new URL(op.url()).pathname;
  const notice = admin.split("/").pop();
  assert.match(await op.locator("main").textContent(), /2012-06-18 — 2012-06-25/);

  // A citizen objects on the public page, by name as this notice asks.
  const citizen = await state.browser.newContext({ viewport: { width: 360, height: 740 } });
  const cp = await citizen.newPage();
  await cp.goto(`${state.base}/p/n/${notice}`);
  assert.match(await cp.locator("table.candidates").textContent(), new RegExp(name));
  await cp.fill("#content", "反映该同志服务时长有夸大。");
  await cp.fill("#name", "赵敏");
  await cp.fill("#contact", "13900000000");
  await click(cp, "提交异议");
  assert.match(await cp.locator("main").textContent(), /已收到/);
  await citizen.close();

  // The office investigates and finds it untrue.
  await op.goto(`${state.base}${admin}`);
  assert.match(await op.locator("main").textContent(), /赵敏/);
  await op.fill("textarea[name=investigation]", "经核实，服务时长有签到记录为证。");
  await op.selectOption("select[name=finding]", "not_upheld");
  await click(op, "记录核实结果");
  assert.match(await op.locator("main").textContent(), /不属实/);
  await office.context.close();

  // The day after the notice ends, the office commends the member.
  await restart("2012-06-26");
  const later = await signedIn("office");
  await later.page.goto(`${state.base}${top}`);
  await later.page.fill("input[name=document_no]", "焦发〔2012〕15号");
  await later.page.fill("input[name=commended_on]", "2012-06-26");
  await click(later.page, "表彰");
  assert.match(await later.page.locator("main").textContent(), /已表彰/);
  await later.context.close();

  // On the honour roll, with a certificate.
  const visitor = await state.browser.newContext();
  const vp = await visitor.newPage();
  await vp.goto(`${state.base}/p/honours/rehearsal-2010`);
  const roll = await vp.locator("main").textContent();
  assert.match(roll, new RegExp(name));
  assert.match(roll, /焦发〔2012〕15号/);
  await vp.click("text=荣誉证书");
  assert.match(await vp.locator("article.certificate").textContent(), /优秀共产党员/);
  await visitor.close();
});
