// Issue 11 in a real browser, the marketplace's invariants: a provider tries to bid with a
// home that matching did not find for the request and is refused beside the field; it
// offers the home as an alternative instead, and after the deadline the commissioner
// sees the rule the home fails. Then the council cancels the request, with a reason, and
// the provider sees it cancelled. axe-core checks every page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, expectAccessible, hearthCommand, sql, asUser, useHearth } from './harness.mjs';

let hearth;
let browser;
let requestID;

useHearth((h, b) => { hearth = h; browser = b; });

const commissioner = ACCOUNTS.find((a) => a.role === 'commissioner');
const brightwater = ACCOUNTS.find((a) => a.role === 'provider_admin');

const as = (account, f) => asUser(browser, hearth, account, f);

test('a request for a 14-year-old girl with a CSE risk and missing episodes matches Brightwater House only', async () => {
  const token = hearthCommand(hearth, 'token', 'create', '--email', commissioner.email, '--name', 'e2e');
  const api = (path, body) => fetch(hearth.url + path, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) })
    .then(async (r) => ({ status: r.status, body: await r.json() }));
  const now = new Date();
  const created = await api('/api/v1/requests', {
    child_ref: 'MCR-INV-1', age_years: 14, birth_month: now.getMonth() + 1, birth_year: now.getFullYear() - 14, sex: 'female',
    needs: ['cse_risk', 'missing_episodes'], legal_status: 's31', home_outcode: 'M14', within_miles: 20, lot_id: 1, tier: 'standard',
    start_date: new Date(Date.now() + 7 * 864e5).toISOString().slice(0, 10), duration_weeks: 26,
    deadline: new Date(Date.now() + 3 * 3600e3).toISOString().replace(/\.\d+Z$/, 'Z'),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  requestID = created.body.id;
  const submitted = await api(`/api/v1/requests/${requestID}/submit`);
  assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
  assert.ok(submitted.body.invited.some((i) => /Brightwater/.test(i.provider)), JSON.stringify(submitted.body.invited));
});

test('the provider tries a home that was not matched, is refused, and offers it as an alternative', async () => {
  await as(brightwater, async (page) => {
    await page.goto(`/invitations/${requestID}`);
    await expectAccessible(page, 'invitation with matched and other homes');
    // Brightwater Cottage cannot meet a CSE risk: it is listed, with why, but not matched.
    const cottage = page.getByLabel(/Brightwater Cottage .*not matched/);
    await cottage.check();
    const start = new Date(Date.now() + 7 * 864e5);
    const when = page.getByRole('group', { name: 'Earliest start date' });
    await when.getByLabel('Day').fill(String(start.getDate()));
    await when.getByLabel('Month').fill(String(start.getMonth() + 1));
    await when.getByLabel('Year').fill(String(start.getFullYear()));
    await page.getByLabel('Weekly core fee (£)').fill('4,600');
    await page.getByLabel('Notice period (days)').fill('28');
    await page.getByRole('button', { name: 'Send sealed bid' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    const summary = await page.locator('.govuk-error-summary').textContent();
    assert.match(summary, /Brightwater Cottage was not matched to this request: it cannot meet/);
    assert.match(await page.locator('#home_id-error').textContent(), /offer it as an alternative/);
    assert.equal(await page.getByLabel('Weekly core fee (£)').inputValue(), '4,600');
    assert.ok(await page.getByLabel(/Brightwater Cottage .*not matched/).isChecked());
    await expectAccessible(page, 'bid on an unmatched home, refused');

    await page.getByLabel(/Offer this home as an alternative/).check();
    await page.getByRole('button', { name: 'Send sealed bid' }).click();
    await page.getByText('Your bid has been sent').waitFor();
    assert.match(await page.content(), /Alternative offer: it cannot meet/);
    await expectAccessible(page, 'invitation with an alternative offer');
  });
});

test('after the deadline the commissioner sees the alternative offer and the rule its home fails', async () => {
  sql(hearth, `UPDATE placement_requests SET submitted_at = now() - interval '3 hours', deadline = now() - interval '1 second', status = 'closed', closed_at = now() WHERE id = ${requestID}`);
  await as(commissioner, async (page) => {
    await page.goto(`/requests/${requestID}`);
    const offer = page.getByTestId('alternative');
    await offer.waitFor();
    assert.match(await offer.textContent(), /^Alternative offer: it cannot meet/);
    await expectAccessible(page, 'request with an alternative offer');
  });
});

test('the council cancels the request with a reason, and the provider sees it cancelled', async () => {
  await as(commissioner, async (page) => {
    await page.goto(`/requests/${requestID}`);
    await page.getByRole('link', { name: 'Cancel this request' }).click();
    await page.getByRole('heading', { name: 'Are you sure you want to cancel this request?' }).waitFor();
    await expectAccessible(page, 'cancel a request: confirmation');
    await page.getByRole('button', { name: 'Cancel the request' }).click();
    await page.locator('.govuk-error-summary').waitFor(); // a reason is required
    assert.match(await page.locator('#reason-error').textContent(), /Enter why you are cancelling/);
    await expectAccessible(page, 'cancel a request without a reason');
    await page.getByLabel(/Why you are cancelling the request/).fill('The child is staying with her aunt');
    await page.getByRole('button', { name: 'Cancel the request' }).click();
    await page.getByText('The request is cancelled; every invited provider has been told').waitFor();
    assert.match(await page.getByTestId('cancelled').textContent(), /staying with her aunt/);
    assert.equal(await page.getByRole('link', { name: 'Cancel this request' }).count(), 0);
    await expectAccessible(page, 'cancelled request');
  });
  await as(brightwater, async (page) => {
    await page.goto(`/invitations/${requestID}`);
    const cancelled = page.getByTestId('cancelled');
    await cancelled.waitFor();
    assert.match(await cancelled.textContent(), /Cancelled.*staying with her aunt/s);
    assert.equal(await page.getByRole('button', { name: 'Send sealed bid' }).count(), 0);
    await expectAccessible(page, 'cancelled invitation');
    await page.goto('/notices');
    assert.match(await page.content(), new RegExp(`Placement request ${requestID} has been cancelled`));
  });
});
