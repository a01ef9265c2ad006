// Issue 16's webhooks in a real browser: Brightwater's admin registers an endpoint on
// the webhooks pages, pointing at a receiver on this machine, and copies the signing
// secret shown once; the commissioner awards Brightwater's bid; the receiver gets
// placement.awarded, signed in Stripe's scheme (checked here with Node's own HMAC),
// with Brightwater's view of the placement; the delivery shows in the endpoint's log,
// and "Send again" repeats the same event. axe-core checks every page.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ACCOUNTS, expectAccessible, asUser, useHearth } from './harness.mjs';

let hearth;
let browser;
useHearth((h, b) => { hearth = h; browser = b; }, { env: { HEARTH_WEBHOOK_ALLOW_LOOPBACK: 'true' } });

const commissioner = ACCOUNTS.find((a) => a.role === 'commissioner');
const brightwater = ACCOUNTS.find((a) => a.role === 'provider_admin');
const as = (account, f) => asUser(browser, hearth, account, f);

// The receiver: Brightwater's own system, verifying each delivery as its README says.
let secret = '';
const received = [];
const rejected = [];
function verify(body, header) {
  const parts = header.split(',').map((p) => p.split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const want = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const fresh = Math.abs(Date.now() / 1000 - Number(t)) < 300;
  return fresh && parts.filter(([k]) => k === 'v1').some(([, v]) => {
    const got = Buffer.from(v, 'hex');
    return got.length === want.length && timingSafeEqual(got, want);
  });
}
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    if (!verify(body, req.headers['hearth-signature'] ?? '')) {
      rejected.push(body);
      res.writeHead(400).end('bad signature');
      return;
    }
    received.push({ id: req.headers['hearth-event-id'], event: JSON.parse(body) });
    res.writeHead(204).end();
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const receiverURL = `http://127.0.0.1:${receiver.address().port}/hearth-events`;
after(() => receiver.close());

async function until(what, cond, ms = 30000) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a provider admin registers an endpoint and sees its signing secret once', async () => {
  await as(brightwater, async (page) => {
    await page.goto('/account');
    await page.getByRole('link', { name: 'Manage webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    await expectAccessible(page, 'webhooks: none yet');
    await page.getByRole('link', { name: 'Register an endpoint' }).click();
    await page.getByLabel('Endpoint address').fill('https://10.1.2.3/hook');
    await page.getByRole('button', { name: 'Register endpoint' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    assert.match(await page.locator('.govuk-error-summary').textContent(), /public internet/);
    await expectAccessible(page, 'register an endpoint: private address');
    await page.getByLabel('Endpoint address').fill(receiverURL);
    await page.getByLabel('Description (optional)').fill('Brightwater case system');
    await page.getByRole('button', { name: 'Register endpoint' }).click();
    secret = (await page.getByTestId('new-secret').textContent()).trim();
    assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    await expectAccessible(page, 'endpoint: secret shown once');
    await page.goto('/webhooks');
    assert.doesNotMatch(await page.locator('main').textContent(), new RegExp(secret));
    await page.getByRole('link', { name: receiverURL }).click();
    assert.equal(await page.getByTestId('new-secret').count(), 0, 'the secret is shown again');
    await expectAccessible(page, 'endpoint');
  });
});

test('the commissioner awards Brightwater\'s bid, and Brightwater\'s system is told, signed, with its own view', async () => {
  await as(commissioner, async (page) => {
    await page.getByRole('link', { name: 'Requests', exact: true }).click();
    // The demo's history fills the list: find the demo's closed request by its reference.
    await page.goto('/requests?q=MCR-DEMO-0398');
    await page.getByTestId('requests').getByRole('link', { name: 'MCR-DEMO-0398', exact: true }).click();
    await page.locator('a[href*="/bids/"]', { hasText: 'Brightwater House' }).first().click();
    await page.getByRole('button', { name: 'Award this bid' }).click();
    const why = page.getByLabel(/Why you/);
    if (await why.count()) await why.fill('The home knows her school and has a CSE lead.');
    const reason = page.getByLabel('Near family, friends or school');
    if (await reason.count()) await reason.check();
    await page.getByRole('button', { name: 'Award the placement' }).click();
    await page.waitForURL(/\/placements\/\d+/);
  });
  await until('placement.awarded at the receiver', () => received.some((r) => r.event.type === 'placement.awarded'));
  const { id, event } = received.find((r) => r.event.type === 'placement.awarded');
  assert.equal(id, event.id);
  assert.match(id, /^evt_[a-z0-9]{26}$/);
  const p = event.data.placement;
  assert.equal(p.access, 'provider');
  assert.equal(p.child_ref, 'MCR-DEMO-0398');
  assert.equal(p.home_name, 'Brightwater House');
  assert.equal(p.weekly_fee_pence, 495000);
  assert.ok(p.child && p.child.age_years === 14, JSON.stringify(p.child));
  assert.equal(p.end_note, undefined);
  assert.deepEqual(rejected, []);
});

test('the delivery shows in the endpoint\'s log, and sending it again repeats the same event', async () => {
  await as(brightwater, async (page) => {
    await page.goto('/webhooks');
    await page.getByRole('link', { name: receiverURL }).click();
    const row = page.getByTestId('deliveries').locator('tbody tr', { hasText: 'placement.awarded' });
    await row.waitFor();
    assert.match(await row.textContent(), /Delivered/);
    assert.match(await row.textContent(), /HTTP 204/);
    await expectAccessible(page, 'endpoint: delivery log');
    const before = received.length;
    await row.getByRole('button', { name: /Send again/ }).click();
    await page.getByText('The delivery will be sent again shortly').waitFor();
    await until('the replay', () => received.length > before);
    assert.equal(received.at(-1).id, received.find((r) => r.event.type === 'placement.awarded').id);
    await page.reload();
    await page.getByText('(sent again)').first().waitFor();
    await expectAccessible(page, 'endpoint: delivery log after sending again');
  });
});
