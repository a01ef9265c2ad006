// Browser-test harness: runs the real `hearth` binary on its own embedded PostgreSQL
// with the demo consortium, and drives Debian's Chromium with playwright-core.
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, chmodSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { TOTP } from 'otpauth';
import assert from 'node:assert/strict';
import { before, after } from 'node:test';

export const DEMO_PASSWORD = 'hearth-demo-password';
export const DEMO_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

export const ACCOUNTS = [
  { role: 'consortium_admin', email: 'admin@nw-consortium.example', label: 'Consortium administrator', heading: 'Consortium administration' },
  { role: 'commissioner', email: 'commissioner@manchester.example', label: 'Commissioner', heading: 'Placements for Manchester' },
  { role: 'approver', email: 'approver@manchester.example', label: 'Approver (DCS or delegate)', heading: 'Approvals for Manchester', mfa: true },
  { role: 'provider_admin', email: 'admin@brightwater.example', label: 'Provider administrator', heading: "Brightwater Children's Homes (demo)" },
  { role: 'provider_user', email: 'staff@brightwater.example', label: 'Provider user', heading: "Brightwater Children's Homes (demo)" },
  { role: 'swcu_coordinator', email: 'coordinator@swcu.example', label: 'SWCU coordinator', heading: 'Secure Welfare Coordination Unit', mfa: true },
  { role: 'secure_home_user', email: 'manager@oakfield.example', label: 'Secure home user', heading: "Oakfield Secure Children's Home (demo)" },
];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export const WEBHOOK_SECRET = 'whsec_e2e_hearth';

// startHearth runs the binary on a fresh data folder and waits until it is ready. With
// stripe set, it also runs stripe-mock on loopback and points Hearth at it; env adds
// variables for this Hearth only (an SMTP capture server's address, say).
export async function startHearth({ stripe = false, env: extra = {} } = {}) {
  const bin = process.env.HEARTH_BIN;
  assert.ok(bin, 'HEARTH_BIN must name the hearth binary (make e2e sets it)');
  const dir = mkdtempSync(join(tmpdir(), 'hearth-e2e-'));
  chmodSync(dir, 0o755); // the embedded server runs as the postgres user when we are root
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // No metrics listener: browser test files run two at a time, and each server would take
  // the default metrics port.
  const env = { ...process.env, HEARTH_BASE_URL: url, HEARTH_DEMO: 'true', HEARTH_METRICS_ADDR: '', ...extra };
  delete env.DATABASE_URL;
  let mock = null;
  if (stripe) {
    const mockPort = await freePort();
    const httpsPort = await freePort();
    mock = spawn(process.env.STRIPE_MOCK_BIN || 'stripe-mock', ['-http-addr', `127.0.0.1:${mockPort}`, '-https-addr', `127.0.0.1:${httpsPort}`], { stdio: 'ignore' });
    Object.assign(env, { STRIPE_SECRET_KEY: 'sk_test_e2e', STRIPE_API_BASE: `http://127.0.0.1:${mockPort}`, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET });
  }
  const proc = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--data-dir', join(dir, 'pg')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`hearth exited early:\n${log}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`hearth not ready in 60s:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    dataDir: join(dir, 'pg'),
    log: () => log,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      mock?.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// newPage opens a page that fails the test on any request leaving this machine, and
// weighs every page it visits (see weighPages): closing its context fails the test when
// a page was too heavy.
export async function newPage(browser, baseURL, options = {}) {
  const context = await browser.newContext({ baseURL, ...options });
  const page = await context.newPage();
  const external = [];
  page.on('request', (req) => {
    const u = new URL(req.url());
    if (!['127.0.0.1', 'localhost'].includes(u.hostname) && u.protocol !== 'data:') external.push(req.url());
  });
  page.externalRequests = external;
  const visits = await weighPages(page);
  const close = context.close.bind(context);
  context.close = async (...args) => {
    await close(...args);
    expectLight(visits);
  };
  return page;
}

// Page weight (issue 14): a page visited for the first time in a browser moves at most
// 100 KB over the network, compressed, with its styles, scripts and fonts; visited again,
// at most 20 KB (its assets come from the cache).
export const PAGE_WEIGHT = { first: 100 * 1024, repeat: 20 * 1024 };

// weighed lists every page visit weighed, for the summary.
export const weighed = [];
const unchecked = new Set();

// weighPages counts the bytes each visit of page moves until it has loaded: every response
// (with its headers) that Chromium's network log ties to the visit's document and that was
// asked for before the load event, from the document itself to its styles, scripts, fonts
// and any fetch its scripts make on the way. What a page fetches later (a live board's
// refreshes) is not its weight. It returns the visits, in order, as they fill in.
async function weighPages(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Page.enable');
  const visits = [];
  const byLoader = new Map();
  const loaderOf = new Map();
  const seen = new Set();
  cdp.on('Page.loadEventFired', () => {
    if (visits.length) visits[visits.length - 1].loaded = true;
  });
  cdp.on('Network.requestWillBeSent', (e) => {
    if (!byLoader.get(e.loaderId)?.loaded) loaderOf.set(e.requestId, e.loaderId);
    if (e.type === 'Document' && e.requestId === e.loaderId && !byLoader.has(e.loaderId)) {
      const u = new URL(e.request.url);
      const path = u.pathname;
      const visit = { path, url: path + u.search, method: e.request.method, bytes: 0, first: !seen.has(path) };
      seen.add(path);
      byLoader.set(e.loaderId, visit);
      visits.push(visit);
      weighed.push(visit);
    }
  });
  cdp.on('Network.responseReceived', (e) => {
    const visit = e.type === 'Document' && byLoader.get(e.loaderId);
    if (visit) { // after any redirect
      const u = new URL(e.response.url);
      visit.path = u.pathname;
      visit.url = u.pathname + u.search;
    }
  });
  cdp.on('Network.loadingFinished', (e) => {
    const visit = byLoader.get(loaderOf.get(e.requestId));
    if (visit) visit.bytes += e.encodedDataLength;
  });
  unchecked.add(visits);
  return visits;
}

// expectLight fails when a visit moved more than PAGE_WEIGHT allows, naming the page and its bytes.
export function expectLight(visits) {
  unchecked.delete(visits);
  const heavy = visits.filter((v) => v.bytes > (v.first ? PAGE_WEIGHT.first : PAGE_WEIGHT.repeat))
    .map((v) => `${v.method} ${v.url}: ${v.bytes} bytes on ${v.first ? 'first' : 'a repeat'} visit (limit ${v.first ? PAGE_WEIGHT.first : PAGE_WEIGHT.repeat})`);
  assert.deepEqual(heavy, [], `pages too heavy:\n${heavy.join('\n')}`);
}

function weightSummary() {
  const heaviest = (first) => weighed.filter((v) => v.first === first).reduce((a, v) => (v.bytes > (a?.bytes ?? -1) ? v : a), null);
  const f = heaviest(true);
  const r = heaviest(false);
  return `page weight: ${weighed.length} visits; heaviest first visit ${f ? `${f.path} ${f.bytes} B` : '-'}, heaviest repeat ${r ? `${r.path} ${r.bytes} B` : '-'}`;
}

export function totpNow() {
  return new TOTP({ secret: DEMO_TOTP_SECRET, digits: 6, period: 30, algorithm: 'SHA1' }).generate();
}

// Hearth accepts each TOTP code once (the current step or the next), so every sign-in
// uses a step later than the account's last: lastStep remembers them, and a code
// refused because the demo loader's enrolment used its step is retried with the next.
const lastStep = new Map();

async function enterSecurityCode(page, email) {
  const stepNow = () => Math.floor(Date.now() / 30000);
  let step = Math.max(stepNow(), (lastStep.get(email) ?? -Infinity) + 1);
  for (let attempt = 0; attempt < 2; attempt++, step++) {
    const wait = (step - 1) * 30000 - Date.now() + 500;
    if (step > stepNow() + 1 && wait > 0) await new Promise((r) => setTimeout(r, wait));
    lastStep.set(email, step);
    const code = new TOTP({ secret: DEMO_TOTP_SECRET, digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: step * 30000 });
    await page.getByLabel('Security code').fill(code);
    const [res] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/sign-in/mfa' && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Continue' }).click(),
    ]);
    if (res.status() !== 422) return;
  }
  throw new Error(`security code for ${email} refused twice`);
}

export async function signIn(page, account) {
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(account.email);
  await page.getByLabel('Password').fill(account.password ?? DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (account.mfa) {
    await page.waitForURL('**/sign-in/mfa');
    await expectAccessible(page, `MFA page for ${account.role}`);
    await enterSecurityCode(page, account.email);
  }
  await page.waitForURL((u) => u.pathname === '/');
}

// overflow (run in the page) is null when the page does not scroll sideways, else the
// scroll width and the outermost elements sticking out past the window's right edge.
export function overflow() {
  const w = window.innerWidth;
  if (document.documentElement.scrollWidth <= w) return null;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    const scrolled = el.parentElement?.closest('.hearth-table-scroll') && getComputedStyle(el).position !== 'absolute';
    if (r.right > w + 1 && !scrolled && !out.some((o) => o.el.contains(el))) out.push({ el, right: Math.round(r.right) });
  }
  const name = (el) => el.tagName.toLowerCase() + (el.id ? `#${el.id}` : '') + [...el.classList].map((c) => `.${c}`).join('');
  return `scrollWidth ${document.documentElement.scrollWidth} > ${w}: ${out.slice(0, 4).map((o) => `${name(o.el)} to ${o.right}px`).join(', ')}`;
}

// PHONE is the narrowest width every page must fit without scrolling sideways.
export const PHONE = { width: 390, height: 844 };

// expectNarrow fails when the page scrolls sideways at PHONE's width (it narrows the
// window for the check and puts it back).
export async function expectNarrow(page, what) {
  const size = page.viewportSize();
  if (size && size.width !== PHONE.width) await page.setViewportSize({ width: PHONE.width, height: size.height });
  const wide = await page.evaluate(overflow);
  if (size && size.width !== PHONE.width) await page.setViewportSize(size);
  assert.equal(wide, null, `${what} (${page.url()}) scrolls sideways at ${PHONE.width} px: ${wide}`);
}

// checked lists every page axe has checked, for the summary.
export const checked = [];

// expectAccessible runs axe-core on the page and fails on any violation, on a title out
// of pattern, or on sideways scrolling at a phone's width.
export async function expectAccessible(page, what) {
  await expectNarrow(page, what);
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze();
  const problems = results.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`);
  assert.deepEqual(problems, [], `axe found violations on ${what} (${page.url()}):\n${problems.join('\n')}`);
  const path = new URL(page.url()).pathname;
  checked.push(path);
  // One title pattern (GOV.UK's, with Hearth for GOV.UK), "Error: " first when the page
  // shows an error summary.
  const withError = (await page.locator('.govuk-error-summary').count()) > 0;
  if (withError) checkedWithError.push(path);
  assert.match(await page.title(), withError ? TITLE_WITH_ERROR : TITLE, `title of ${what} (${page.url()})`);
}

export const SERVICE_NAME = "Children's placements marketplace";
const TITLE = new RegExp(`^(?!Error: ).+ – ${SERVICE_NAME} – Hearth$`);
const TITLE_WITH_ERROR = new RegExp(`^Error: .+ – ${SERVICE_NAME} – Hearth$`);
const checkedWithError = [];

// hearthCommand runs the hearth binary against the running test server's data folder
// (it shares the server's embedded PostgreSQL) and returns its standard output.
export function hearthCommand(hearth, ...args) {
  return execFileSync(process.env.HEARTH_BIN, [...args, '--data-dir', hearth.dataDir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

// sql runs one statement on the test server's embedded PostgreSQL with psql, for what a
// browser cannot do quickly — letting a response deadline pass — and returns its rows.
export function sql(hearth, statement) {
  const pid = readFileSync(join(hearth.dataDir, 'data', 'postmaster.pid'), 'utf8').split('\n');
  const url = `postgres://hearth@127.0.0.1:${pid[3].trim()}/hearth?sslmode=disable`;
  return execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', statement], { encoding: 'utf8' }).trim();
}

// sendWebhook posts a Stripe event to Hearth signed as Stripe signs them (HMAC-SHA256 of
// "timestamp.payload" with the endpoint secret), and returns the HTTP status.
export async function sendWebhook(hearth, event) {
  const payload = JSON.stringify({ object: 'event', api_version: '2023-10-16', ...event });
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${payload}`).digest('hex');
  const res = await fetch(`${hearth.url}/stripe/webhook`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': `t=${t},v1=${v1}` }, body: payload });
  return res.status;
}

// nav follows a link in the service navigation (home pages repeat some as tasks).
export function nav(page, name) {
  return page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name, exact: true }).click();
}

// asUser opens a page signed in as account, runs f on it, checks that nothing left this
// machine, and closes it.
export async function asUser(browser, hearth, account, f) {
  const page = await newPage(browser, hearth.url);
  await signIn(page, account);
  try {
    await f(page);
    assert.deepEqual(page.externalRequests, []);
  } finally {
    await page.context().close();
  }
}

// useHearth starts Hearth (with stripe-mock when options.stripe) and Chromium before a
// file's tests and hands them to ready; after the tests it stops both and prints the pages
// axe-core checked.
export function useHearth(ready, options = {}) {
  let hearth;
  let browser;
  before(async () => {
    hearth = await startHearth(options);
    browser = await launchBrowser();
    ready(hearth, browser);
  });
  after(async () => {
    await browser?.close();
    await hearth?.stop();
    console.log(`axe-core checked ${checked.length} page views (${checkedWithError.length} with an error shown: ${[...new Set(checkedWithError)].join(', ')}) with 0 violations: ${[...new Set(checked)].join(', ')}`);
    console.log(weightSummary());
    for (const visits of unchecked) expectLight(visits); // pages whose context a test left open
  });
}
