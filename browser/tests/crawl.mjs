// The crawl: as one account, in one language, visit every page reachable from the menu and
// the home, and report what a person should never meet there. Used by crawl.test.mjs; it
// can also be run by hand against a running server (see docs/TESTING.md).

import { readFileSync } from "node:fs";

/// The Chinese words of the interface and of the campaign file (labels, statuses, periods,
/// criteria, grades, honours, kinds of organisation): none may stand on an English page.
function chineseTerms() {
  const read = (rel) => readFileSync(new URL(rel, import.meta.url), "utf8");
  const values = [];
  for (const line of read("../../locales/zh-CN.toml").split("\n")) {
    const m = line.match(/^[\w.-]+\s*=\s*"(.*)"\s*$/);
    if (m && !m[1].includes("{")) values.push(m[1]);
  }
  for (const m of read("../../crates/domain/src/campaign/builtin_2010.toml").matchAll(/^name\s*=\s*"(.*)"/gm)) {
    values.push(m[1]);
  }
  return [...new Set(values.filter((v) => /[\u4e00-\u9fff]/.test(v) && v.length >= 2))];
}

/// Demo account names, which the header and the home's greeting show as they are.
export const ACCOUNTS = [
  "admin", "office", "jiefang", "shanyang", "secretary", "member", "reviewer", "inspector",
  "education",
];

/// Latin words a Chinese page may show: names of file formats and of the product's parts
/// that are written in Latin letters in Chinese too.
const LATIN_IN_CHINESE = new Set([
  ...ACCOUNTS, "csv", "xlsx", "docx", "pdf", "excel", "word", "wps", "api", "openapi", "url",
  "http", "https", "totp", "qr", "png", "jpg", "jpeg", "zip", "id", "sm3", "cookie", "utf",
  "gb", "gbk", "javascript", "xianfeng", "json",
  // The demo's district inspectors' accounts (made with the inspector pool).
  "dc-jf", "dc-sy", "dc-zz",
]);

/// Where a crawl does not go: leaving, switching language, downloads.
function skipped(path) {
  return (
    path.startsWith("/logout") ||
    path.startsWith("/lang") ||
    path.startsWith("/files/") ||
    path.startsWith("/assets/") ||
    /\.(csv|xlsx|docx|pdf|png|svg|ico|json)(\?|$)/.test(path) ||
    /\/(docx|xlsx)(\?|$)/.test(path) ||
    /\/export(\?|$)/.test(path) ||
    path.startsWith("/api/")
  );
}

/// What a page shows that a reader should not meet, as lines of findings.
async function inspect(page, lang, screen) {
  return page.evaluate(([lang, screen]) => {
    const found = [];
    const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    const main = document.querySelector("main");
    const text = main ? main.innerText : document.body.innerText;
    // A translation key: section.key_with_underscores.
    for (const m of text.matchAll(/\b(web|app|todo|selection|commitment|scores|eval|plan|records|ballot|calendar|store|cli|api|import|ingest|org|orgplan|campaign|idcard)\.[a-z_]+\b/g)) {
      found.push(`raw key "${m[0]}"`);
    }
    // An internal code: lowercase words joined by _ (or by - between letters only).
    for (const m of text.matchAll(/(?<![\w./:@-])[a-z]+(?:_[a-z]+)+(?![\w./:@-])/g)) {
      found.push(`code "${m[0]}"`);
    }
    if (lang === "zh-CN") {
      // Labels and headings in Chinese carry no English words (names and codes people
      // type are capitals and digits: JZ-JF, 2011-h1 is a period's code, shown nowhere).
      for (const el of main.querySelectorAll("th, label, button, legend, h1, h2, h3, dt, summary, nav a, option, .hint, p, td, li, a")) {
        // A document's content (a bulletin's tables of codes and scores) is data.
        if (!visible(el) || el.closest("[data-document]")) continue;
        const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join(" ");
        for (const m of own.matchAll(/(?<![\w@./-])[a-z][a-z-]{2,}(?![\w@./-])/gi)) {
          const word = m[0].toLowerCase();
          if (!window.__latin.has(word)) found.push(`English "${m[0]}" in <${el.tagName.toLowerCase()}>: ${own.trim().slice(0, 80)}`);
        }
      }
    } else {
      // English pages: no word of the Chinese interface or campaign, no sentence in both
      // languages, no full-width punctuation. Names of people and organisations (data, in
      // Chinese) may stand on their own or inside an English sentence; what people wrote
      // may stand on its own.
      const terms = window.__terms;
      for (const el of main.querySelectorAll("*")) {
        // A document marked as written in Chinese (a bulletin, a 公文) is shown as written.
        if (!visible(el) || el.closest("textarea, script, style, [lang='zh-CN']")) continue;
        const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join(" ");
        if (!/[\u4e00-\u9fff（）：]/.test(own)) continue;
        const where = `<${el.tagName.toLowerCase()}>: ${own.trim().replace(/\s+/g, " ").slice(0, 80)}`;
        if (/[A-Za-z][（）：]|[（）：]\s*[A-Za-z]/.test(own)) found.push(`full-width punctuation in ${where}`);
        for (const part of own.split(/[·\n:：|—()]+|（\d+）/).map((p) => p.trim()).filter(Boolean)) {
          if (!/[\u4e00-\u9fff]/.test(part)) continue;
          if (terms.has(part)) found.push(`Chinese term "${part}" in ${where}`);
          // A Chinese sentence (not a name standing in an English one) beside English words.
          else if (/[A-Za-z]{3,}/.test(part) && /[\u4e00-\u9fff][，。；！？]/.test(part)) {
            found.push(`two languages in ${where}`);
          }
        }
      }
    }
    // The screen's width as given: a phone browser zooms out to show a page wider than it,
    // which would then read as fitting.
    const width = document.documentElement.scrollWidth;
    if (width > screen) found.push(`${width}px wide on a ${screen}px screen`);
    return found;
  }, [lang, screen]);
}

/// Crawls as the signed-in `page`, in `lang`; returns findings ("path: what") and the
/// pages visited. `checkLinks` also fetches every link found, for 403/404/405.
export async function crawl(page, base, lang, { checkLinks = true, limit = 60, depth = 2 } = {}) {
  await page.addInitScript(([words, terms]) => {
    window.__latin = new Set(words);
    window.__terms = new Set(terms);
  }, [[...LATIN_IN_CHINESE], chineseTerms()]);
  await page.goto(`${base}/lang?to=${lang}&back=/`);
  const findings = [];
  const visited = new Set();
  // Pages of one shape (/c/12 and /c/13) are visited twice at most.
  const shapes = new Map();
  const shape = (path) => path.replace(/\?.*$/, (q) => q.replace(/=[^&]*/g, "=")).replace(/\/[^/?]*[0-9A-Z][^/?]*/g, "/*");
  const local = (href) => {
    if (!href || href.startsWith("#") || href.startsWith("mailto:")) return null;
    const u = new URL(href, `${base}/`);
    if (u.origin !== base) return null;
    return u.pathname + u.search;
  };
  const links = async () =>
    page.evaluate(() => [...document.querySelectorAll("a[href]")].map((a) => a.getAttribute("href")));
  await page.goto(`${base}/`);
  const menu = await page.evaluate(() => [...document.querySelectorAll("nav.main a")].map((a) => a.getAttribute("href")));
  let level = ["/", ...menu, ...(await links())].map(local).filter(Boolean);
  const allLinks = new Map();
  for (let d = 0; d < depth && level.length; d++) {
    const next = [];
    for (const path of level) {
      if (skipped(path) || visited.has(path) || visited.size >= limit) continue;
      const sh = shape(path);
      if ((shapes.get(sh) ?? 0) >= 2) continue;
      shapes.set(sh, (shapes.get(sh) ?? 0) + 1);
      visited.add(path);
      const response = await page.goto(`${base}${path}`);
      const status = response?.status() ?? 0;
      if (status >= 400) {
        findings.push(`${path}: answers ${status}`);
        continue;
      }
      for (const f of await inspect(page, lang, page.viewportSize().width)) findings.push(`${path}: ${f}`);
      for (const h of await links()) {
        const p = local(h);
        if (!p || p.startsWith("/logout") || p.startsWith("/lang")) continue;
        if (!allLinks.has(p)) allLinks.set(p, path);
        next.push(p);
      }
    }
    level = next;
  }
  if (checkLinks) {
    const checkedShapes = new Map();
    for (const [to, from] of allLinks) {
      const sh = shape(to);
      if ((checkedShapes.get(sh) ?? 0) >= 3) continue;
      checkedShapes.set(sh, (checkedShapes.get(sh) ?? 0) + 1);
      const r = await page.request.get(`${base}${to}`, { maxRedirects: 5 });
      if ([403, 404, 405].includes(r.status())) findings.push(`${from}: link ${to} answers ${r.status()}`);
    }
  }
  return { findings, visited: [...visited] };
}
