// A member of the public with a ballot slip: types the code on the public page and
// votes, on a phone, without an account, counting the screens.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { start, stop, state, xianfeng } from "./harness.mjs";

let code = "";

before(() =>
  start({
    // The demo's round that opens today: one slip per subject, as the office prints them.
    prepare() {
      const open = xianfeng("eval", "round", "list")
        .split("\n")
        .map((l) => l.split("\t"))
        .find((cols) => cols[1]?.includes("今日开放"));
      assert.ok(open, "the demo has a round open today");
      xianfeng("eval", "codes", open[0], "--per-subject", "1", "--out", "slips.csv", "--base-url", "http://xianfeng.test");
      const rows = readFileSync(join(state.dir, "slips.csv"), "utf8").trim().split("\n");
      const header = rows[0].replace(/^\uFEFF/, "").split(",");
      code = rows[1].split(",")[header.indexOf("code")];
    },
  }),
);
after(stop);

test("a citizen types the code from her slip on the public page and votes", async () => {
  assert.match(code, /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]$/, "a code as printed");
  const context = await state.browser.newContext({
    viewport: { width: 360, height: 740 },
    isMobile: true,
    hasTouch: true,
  });
  const page = await context.newPage();
  await page.goto(`${state.base}/p/`);
  let screens = 0;
  page.on("framenavigated", (f) => {
    if (f === page.mainFrame()) screens += 1;
  });
  // Typed as people type: small letters, no dash.
  await page.fill("#code", code.replace(/-/g, "").toLowerCase());
  await page.getByRole("button", { name: "去评议" }).click();
  await page.waitForURL(/\/p\/b\/[A-Z0-9-]+$/);
  await page.getByLabel("满意", { exact: true }).check();
  await page.getByRole("button", { name: "提交评议" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator("main").textContent(), /谢谢您的评议/);
  // The thank-you page leads on: to the subject's public board.
  assert.equal(await page.locator("main a[href^='/p/o/']").count() >= 1, true);
  // The code box's page, the ballot, the thanks (a redirect may add a navigation).
  assert.ok(screens >= 2 && screens <= 3, `${screens} screens`);
  await context.close();
});
