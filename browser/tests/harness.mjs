// Shared by the browser tests: a real xianfeng server on a fresh demo city, and the
// system's Chromium, headless, started the way this machine's closed network needs.

import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createServer } from "node:net";
import { chromium } from "playwright-core";

const BIN = process.env.XIANFENG_BIN ?? resolve("../target/debug/xianfeng");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const PASSWORD = "Pass-word-1";
/// The day the demo city lives on (`xianfeng demo` serves on it): its data are made for
/// that day, so a server on a demo database rehearses it unless a test picks another.
export const DEMO_DAY = "2012-03-01";

/// What the tests share: the server's address, its working folder, the demo secretary's
/// branch code, and the browser.
export const state = { base: "", dir: "", branch: "", browser: null, server: null, today: "" };

function freePort() {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/// Runs the command line on the test's database, on the day the server rehearses.
export function xianfeng(...args) {
  return execFileSync(BIN, [...args, "--db", join(state.dir, "x.db")], {
    cwd: state.dir,
    encoding: "utf8",
    env: { ...process.env, ...(state.today ? { XIANFENG_TODAY: state.today } : {}) },
  });
}

/// Starts the server on the database; `today` (YYYY-MM-DD) makes it a rehearsal on that date.
export async function serve(today) {
  state.today = today ?? "";
  const port = await freePort();
  state.base = `http://127.0.0.1:${port}`;
  // The public address printed into QR codes: this server, as a deployment names its own.
  const args = [
    "serve", "--addr", `127.0.0.1:${port}`, "--db", join(state.dir, "x.db"),
    "--public-url", `http://127.0.0.1:${port}`,
  ];
  if (today) args.push("--today", today);
  state.server = spawn(BIN, args, { cwd: state.dir, stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${state.base}/healthz`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
}

/// Stops the server and starts it again (on another rehearsal date, say).
export async function restart(today) {
  const exited = new Promise((ok) => state.server.once("exit", ok));
  state.server.kill("SIGTERM");
  await exited;
  await serve(today);
}

/// The built-in campaign as an office would adapt it, started in place of the demo's:
/// outstanding members need only be formal members without sanctions (the demo has no
/// member ballots to rate them by).
export function startSimplerCampaign() {
  const text = xianfeng("campaign", "show-builtin")
    .replace('code = "jiaozuo-2010"', 'code = "rehearsal-2010"')
    .replace(
      'eligibility = { formal_members_only = true, no_sanction = true, min_grade = "good", min_satisfaction = 0.8 }',
      "eligibility = { formal_members_only = true, no_sanction = true }",
    );
  const file = join(state.dir, "rehearsal.toml");
  writeFileSync(file, text);
  xianfeng("campaign", "create", "--from", file, "--start");
}

/// A fresh demo city served; `options.prepare()` runs command-line steps on it before the
/// server starts, `options.today` rehearses a date (by default the demo's own day).
export async function start(options = {}) {
  state.dir = mkdtempSync(join(tmpdir(), "xianfeng-browser-"));
  state.today = options.today ?? DEMO_DAY;
  xianfeng("init", "--demo", "--password", PASSWORD);
  const users = JSON.parse(xianfeng("user", "list", "--json"));
  state.branch = users.find((u) => u.username === "secretary").organisations[0];
  if (options.prepare) options.prepare();
  await serve(options.today ?? DEMO_DAY);
  state.browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export async function stop() {
  await state.browser?.close();
  state.server?.kill("SIGTERM");
  rmSync(state.dir, { recursive: true, force: true });
}

/// A new browser context signed in as `username`; nothing may come from outside the server.
export async function signedIn(username, options = {}) {
  const context = await state.browser.newContext(options);
  const page = await context.newPage();
  const external = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(state.base)) external.push(r.url());
  });
  context.on("close", () => assert.deepEqual(external, [], "requests outside the server"));
  await page.goto(`${state.base}/login`);
  await page.fill("#username", username);
  await page.fill("#password", PASSWORD);
  await page.click("main button[type=submit]");
  await page.waitForURL(`${state.base}/`);
  return { context, page };
}
