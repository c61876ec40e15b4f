// A county office moves in (issue 17): it imports a township's leadership team and
// cadres, makes accounts for every branch secretary of the township and prints their
// slips; a secretary activates her account on a phone, adds a member and transfers another
// out; the receiving branch's secretary activates hers and accepts.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { start, stop, signedIn, state } from "./harness.mjs";

before(start);
after(stop);

const TOWN = "JZ-JF-03";
const SENDING = `${TOWN}-01`;
const RECEIVING = `${TOWN}-02`;
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

/// A valid ID number from its first 17 digits (GB 11643 check character).
function idNumber(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return first17 + "10X98765432"[sum % 11];
}

/// Imports a sheet through the import page, confirming after the preview.
async function importSheet(page, kind, name, text) {
  const file = join(state.dir, name);
  writeFileSync(file, text);
  await page.goto(`${state.base}/import`);
  await page.selectOption("#kind", kind);
  await page.setInputFiles("#file", file);
  await page.click("main form button[type=submit]");
  await page.waitForURL(/\/import\/\d+$/);
  await page.click("form[action$='/confirm'] button");
  await page.waitForLoadState();
  assert.match(await page.locator("h1").textContent(), /导入完成/, `${kind} imported`);
}

/// The activation codes of the slips, by user name.
const codes = {};

/// A 360-pixel page fits its width.
async function fits(page, what) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `${what} is ${width}px wide`);
}

test("the county office imports a township's team and cadres and prints its secretaries' slips", async () => {
  const { context, page } = await signedIn("jiefang");
  await importSheet(
    page,
    "teams",
    "teams.csv",
    `班子名称,所属组织编码,班子类别\n东关镇党委领导班子,${TOWN},乡镇（街道）班子\n`,
  );
  await importSheet(
    page,
    "cadres",
    "cadres.csv",
    "姓名,身份证号,职务,所属班子,是否主要负责人,任职时间\n" +
      `周建国,${idNumber("41080219720304001")},党委书记,东关镇党委领导班子,是,2011-06-01\n` +
      `钱卫东,${idNumber("41080219750607002")},镇长,东关镇党委领导班子,否,2011-06-01\n`,
  );
  await page.goto(`${state.base}/o/${TOWN}`);
  const team = await page.locator("ul.teams").textContent();
  assert.match(team, /东关镇党委领导班子/);
  assert.match(team, /周建国.*主要负责人/s);

  // Accounts for every branch secretary of the township, as slips to print.
  await page.click("nav.main a[href='/accounts']");
  await page.fill("#bulk_scope", TOWN);
  await page.selectOption("#bulk_kind", "secretaries");
  await page.selectOption("#bulk_format", "slips");
  await page.click("form[action='/accounts/bulk'] button");
  await page.waitForLoadState();
  const slips = page.locator(".slip");
  assert.ok((await slips.count()) >= 3, "a slip per branch");
  for (const slip of await slips.all()) {
    const [username, code] = await slip.locator(".slip-code").allTextContents();
    codes[username] = code;
    assert.equal(await slip.locator(".slip-qr svg").count(), 1, "each slip has its QR code");
  }
  assert.ok(codes[`s-${SENDING}`] && codes[`s-${RECEIVING}`], JSON.stringify(codes));
  // Printed: A4, two slips a row, the page's chrome left off.
  await page.emulateMedia({ media: "print" });
  const columns = await page.evaluate(
    () => getComputedStyle(document.querySelector(".slips")).gridTemplateColumns.split(" ").length,
  );
  assert.equal(columns, 2, "two slips a row on paper");
  const pdf = join(state.dir, "slips.pdf");
  await page.pdf({ path: pdf, format: "A4" });
  assert.ok(statSync(pdf).size > 10_000, "the slips print to a PDF");
  await context.close();
});

/// Activates an account on a phone from its slip's link and signs in with it.
async function activateOnPhone(username) {
  const context = await state.browser.newContext(PHONE);
  const page = await context.newPage();
  await page.goto(`${state.base}/activate?code=${codes[username]}`);
  assert.match(await page.locator(".notice").textContent(), new RegExp(username));
  await fits(page, "the activation page");
  await page.fill("#password", "Mine-2010!");
  await page.fill("#repeat", "Mine-2010!");
  await page.click("main form button[type=submit]");
  await page.waitForLoadState();
  assert.match(await page.locator(".notice").textContent(), /账号已激活/);
  await page.click("main a[href='/login']");
  await page.fill("#username", username);
  await page.fill("#password", "Mine-2010!");
  await page.click("main button[type=submit]");
  await page.waitForURL(`${state.base}/`);
  return { context, page };
}

let moved = "";

test("a secretary activates on her phone, adds a member and transfers another out", async () => {
  const { context, page } = await activateOnPhone(`s-${SENDING}`);
  // The code worked once.
  const again = await fetch(`${state.base}/activate`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `code=${codes[`s-${SENDING}`]}&password=Other-2010!&repeat=Other-2010!`,
  });
  assert.equal(again.status, 404, "a code is used once");

  await page.goto(`${state.base}/o/${SENDING}`);
  // Another member than the secretary herself (the roster names her 党支部书记).
  const others = page.locator("table tbody tr").filter({ hasNotText: "书记" }).locator("a[href^='/m/']");
  assert.ok((await others.count()) > 1, "her branch has members");
  moved = await others.first().getAttribute("href");
  await page.click(`a[href='/o/${SENDING}/members/new']`);
  await fits(page, "the member form");
  await page.fill("#name", "新党员甲");
  await page.fill("#id_number", idNumber("41080219880808003"));
  await page.fill("#joined_on", "2011-07-01");
  await page.click("form[action$='/members/new'] button[type=submit]");
  await page.waitForURL(/\/m\/\d+$/);
  assert.match(await page.locator("h1").textContent(), /新党员甲/);
  assert.match(await page.locator("dl.facts").textContent(), /预备党员/);

  await page.goto(`${state.base}${moved}`);
  await page.fill("#to", RECEIVING);
  await page.fill("#transfer_note", "工作调动");
  await page.click(`form[action='${moved}/transfer'] button`);
  await page.waitForURL(`${state.base}/transfers`);
  assert.match(await page.locator("ul.transfers").textContent(), /待接收/);
  await fits(page, "the transfers page");
  await context.close();
});

test("the receiving secretary activates hers and accepts the member", async () => {
  assert.ok(moved, "a member on her way");
  const { context, page } = await activateOnPhone(`s-${RECEIVING}`);
  // Her home says a member waits for her.
  const waiting = page.locator(".todo a[href='/transfers']");
  assert.ok((await waiting.count()) >= 1, "waiting on her home");
  await waiting.first().click();
  await page.waitForURL(`${state.base}/transfers`);
  await page.getByRole("button", { name: "接收" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator("ul.transfers").textContent(), /已接收/);
  await page.goto(`${state.base}${moved}`);
  assert.match(await page.locator("nav.crumbs").textContent(), /.+/);
  const crumbs = await page.locator("nav.crumbs a").getAttribute("href");
  assert.equal(crumbs, `/o/${RECEIVING}`, "her record is now the receiving branch's");
  await context.close();
});
