// Every demo account, in Chinese and in English, on a 360-pixel phone: every page its
// menu and home lead to (and the pages those lead to) shows no translation key, no
// internal code, no sentence in two languages, no link that answers 403/404/405, and
// nothing wider than the screen. See crawl.mjs for what is checked and how.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, signedIn, state } from "./harness.mjs";
import { crawl, ACCOUNTS } from "./crawl.mjs";

before(start);
after(stop);

for (const username of ACCOUNTS) {
  test(`${username}: every page reachable reads in one language and leads somewhere`, async () => {
    for (const lang of ["zh-CN", "en"]) {
      const { context, page } = await signedIn(username, {
        viewport: { width: 360, height: 740 },
        isMobile: true,
        hasTouch: true,
      });
      // Links answer the same in either language: checked once.
      const { findings, visited } = await crawl(page, state.base, lang, {
        checkLinks: lang === "zh-CN",
      });
      assert.ok(visited.length >= 5, `${username} ${lang}: only ${visited.length} pages reached`);
      assert.deepEqual(findings, [], `${username} in ${lang}`);
      await context.close();
    }
  });
}
