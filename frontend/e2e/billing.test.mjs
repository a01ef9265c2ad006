// Issue 6 in a real browser, with stripe-mock: a placement is awarded and starts; the
// consortium admin sets the council's billing contact and invoices the month; the
// provider sets up payments and sees its status change when Stripe says payouts are
// enabled; the council reads its invoice, sees it paid, and downloads the CSV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, expectAccessible, hearthCommand, sql, sendWebhook, asUser, nav, useHearth } from './harness.mjs';

let hearth;
let browser;

useHearth((h, b) => { hearth = h; browser = b; }, { stripe: true });

const admin = ACCOUNTS.find((a) => a.role === 'consortium_admin');
const commissioner = ACCOUNTS.find((a) => a.role === 'commissioner');
const provider = ACCOUNTS.find((a) => a.role === 'provider_admin');

const as = (account, f) => asUser(browser, hearth, account, f);

test('a placement is awarded and starts (through the API)', async () => {
  const councilToken = hearthCommand(hearth, 'token', 'create', '--email', commissioner.email, '--name', 'e2e');
  const providerToken = hearthCommand(hearth, 'token', 'create', '--email', provider.email, '--name', 'e2e');
  const call = (token, method, path, body) => fetch(hearth.url + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) })
    .then(async (r) => ({ status: r.status, body: await r.json() }));
  const now = new Date();
  const day = (d) => new Date(Date.now() + d * 864e5).toISOString().slice(0, 10);
  const created = await call(councilToken, 'POST', '/api/v1/requests', {
    child_ref: 'MCR-BILL-1', age_years: 14, birth_month: now.getMonth() + 1, birth_year: now.getFullYear() - 14, sex: 'female',
    needs: ['cse_risk'], legal_status: 's31', home_outcode: 'M14', within_miles: 10, lot_id: 1, tier: 'standard',
    start_date: day(1), duration_weeks: 26, deadline: new Date(Date.now() + 3 * 3600e3).toISOString().replace(/\.\d+Z$/, 'Z'),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;
  assert.equal((await call(councilToken, 'POST', `/api/v1/requests/${id}/submit`)).status, 200);
  const invitation = await call(providerToken, 'GET', `/api/v1/invitations/${id}`);
  const bid = await call(providerToken, 'PUT', `/api/v1/invitations/${id}/bid`, { home_id: invitation.body.homes[0].home_id, earliest_start: day(0), weekly_fee_pence: 420000, notice_days: 28 });
  assert.equal(bid.status, 200, JSON.stringify(bid.body));
  sql(hearth, `UPDATE placement_requests SET submitted_at = now() - interval '3 hours', deadline = now() - interval '1 second', status = 'closed' WHERE id = ${id}`);
  const award = await call(councilToken, 'POST', `/api/v1/requests/${id}/award`, { bid_id: bid.body.id });
  assert.equal(award.status, 201, JSON.stringify(award.body));
  assert.equal(award.body.status, 'awarded');
  const started = await call(providerToken, 'POST', `/api/v1/placements/${award.body.placement_id}/start`, { started_on: day(0) });
  assert.equal(started.status, 200, JSON.stringify(started.body));
});

test("the consortium admin sets the council's billing contact and invoices the month", async () => {
  await as(admin, async (page) => {
    await nav(page, 'Billing');
    await expectAccessible(page, 'billing (admin)');
    await page.getByRole('button', { name: 'Invoice the month' }).click(); // last month: nothing to bill
    await page.getByLabel('Council').selectOption({ label: 'Manchester' });
    await page.getByLabel('Invoices go to (email)').fill('invoices@manchester.example');
    await page.getByRole('button', { name: 'Save the contact' }).click();
    await page.getByText('The billing contact is saved').waitFor();
    const now = new Date();
    await page.getByRole('combobox', { name: 'Month' }).selectOption(`${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`);
    await page.getByRole('button', { name: 'Invoice the month' }).click();
    await page.getByText(/1 invoice created/).waitFor();
    assert.match(await page.getByTestId('runs').textContent(), /£/);
    await expectAccessible(page, 'billing (admin) after a run');
  });
});

test('the provider sets up payments and sees payouts enabled when Stripe says so', async () => {
  await as(provider, async (page) => {
    await nav(page, 'Payments');
    assert.match(await page.getByTestId('onboarding').textContent(), /Not started/);
    await expectAccessible(page, 'payments (provider)');
    await page.getByRole('button', { name: 'Set up payments' }).click();
    const link = page.getByTestId('stripe-link');
    assert.match(await link.getAttribute('href'), /^https:\/\//);
    await expectAccessible(page, 'set up payments');
    await page.getByRole('link', { name: 'Back to payments' }).click();
    assert.match(await page.getByTestId('onboarding').textContent(), /Onboarding not finished/);
    assert.ok(await page.getByRole('button', { name: 'Resume onboarding' }).isVisible());
    const [org, account] = sql(hearth, 'SELECT organisation_id, stripe_account_id FROM billing_accounts').split('|');
    const status = await sendWebhook(hearth, { id: 'evt_e2e_acct', type: 'account.updated',
      data: { object: { id: account, object: 'account', payouts_enabled: true, charges_enabled: true, details_submitted: true, metadata: { hearth_organisation_id: org } } } });
    assert.equal(status, 200);
    await page.reload();
    assert.match(await page.getByTestId('onboarding').textContent(), /Payouts enabled/);
    assert.match(await page.getByTestId('payments').textContent(), /IPA-\d{6} \(MCR-BILL-1\)/);
  });
});

test('the council reads its invoice, sees it paid and downloads the lines', async () => {
  await as(commissioner, async (page) => {
    await nav(page, 'Invoices');
    const invoice = page.getByTestId('invoice');
    assert.match(await invoice.textContent(), /MCR-BILL-1/);
    // The worker sends it to Stripe within seconds.
    for (let i = 0; i < 30 && !/\bsent\b/.test(await invoice.locator('.govuk-tag').textContent()); i++) {
      await page.waitForTimeout(500);
      await page.reload();
    }
    assert.equal((await invoice.locator('.govuk-tag').textContent()).trim(), 'Sent');
    await expectAccessible(page, 'invoices (council)');
    const id = sql(hearth, 'SELECT id FROM invoices LIMIT 1');
    const event = { id: 'evt_e2e_paid', type: 'invoice.paid', data: { object: { id: 'in_e2e', object: 'invoice', metadata: { hearth_invoice_id: id } } } };
    for (let i = 0; i < 3; i++) assert.equal(await sendWebhook(hearth, event), 200);
    await page.reload();
    assert.equal((await page.getByTestId('invoice').locator('.govuk-tag').textContent()).trim(), 'Paid');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the lines as CSV' }).click()]);
    assert.equal(download.suggestedFilename(), 'invoices.csv');
  });
});
