// Issue 11 in a real browser, with stripe-mock: a placement is invoiced for this month and,
// in advance, the next; the council ends it early; a credit note for the nights that did
// not happen appears under each invoice on the council's page and on the consortium
// admin's, and goes to Stripe (stripe-mock keeps nothing, so Hearth's own record of the
// Stripe credit note is what is checked).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, expectAccessible, hearthCommand, sql, asUser, nav, useHearth } from './harness.mjs';

let hearth;
let browser;

useHearth((h, b) => { hearth = h; browser = b; }, { stripe: true });

const admin = ACCOUNTS.find((a) => a.role === 'consortium_admin');
const commissioner = ACCOUNTS.find((a) => a.role === 'commissioner');
const provider = ACCOUNTS.find((a) => a.role === 'provider_admin');

const as = (account, f) => asUser(browser, hearth, account, f);
const month = (offset) => {
  const d = new Date();
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1));
  return m.toISOString().slice(0, 7);
};
let placementId;

test('a placement is awarded and started five days ago (through the API)', async () => {
  const councilToken = hearthCommand(hearth, 'token', 'create', '--email', commissioner.email, '--name', 'e2e');
  const providerToken = hearthCommand(hearth, 'token', 'create', '--email', provider.email, '--name', 'e2e');
  const call = (token, method, path, body) => fetch(hearth.url + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) })
    .then(async (r) => ({ status: r.status, body: await r.json() }));
  const now = new Date();
  const day = (d) => new Date(Date.now() + d * 864e5).toISOString().slice(0, 10);
  const created = await call(councilToken, 'POST', '/api/v1/requests', {
    child_ref: 'MCR-CREDIT-1', age_years: 14, birth_month: now.getMonth() + 1, birth_year: now.getFullYear() - 14, sex: 'female',
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
  placementId = award.body.placement_id;
  const started = await call(providerToken, 'POST', `/api/v1/placements/${placementId}/start`, { started_on: day(0) });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  // As if it had been agreed and started five days ago (before anything was invoiced): the
  // agreed start, the arrival and the first fee move together (the database refuses an
  // arrival before the agreed start).
  sql(hearth, `UPDATE placements SET start_date = current_date - 5, started_on = current_date - 5 WHERE id = ${placementId};
    UPDATE placement_fees SET effective_from = current_date - 5 WHERE placement_id = ${placementId}`);
});

test('the consortium admin invoices this month and, in advance, the next', async () => {
  await as(admin, async (page) => {
    await nav(page, 'Billing');
    await page.getByLabel('Council').selectOption({ label: 'Manchester' });
    await page.getByLabel('Invoices go to (email)').fill('invoices@manchester.example');
    await page.getByRole('button', { name: 'Save the contact' }).click();
    await page.getByText('The billing contact is saved').waitFor();
    for (const m of [month(0), month(1)]) {
      const options = await page.getByRole('combobox', { name: 'Month' }).locator('option').evaluateAll((os) => os.map((o) => o.value));
      if (!options.includes(m)) {
        // The form offers months up to this one: next month goes by its first and last days.
        const [y, mm] = m.split('-').map(Number);
        const last = new Date(Date.UTC(y, mm, 0)).getUTCDate();
        await page.getByText('Invoice another period instead').click();
        for (const [name, d] of [['from', 1], ['to', last]]) {
          await page.locator(`#${name}-day`).fill(String(d));
          await page.locator(`#${name}-month`).fill(String(mm));
          await page.locator(`#${name}-year`).fill(String(y));
        }
      } else {
        await page.getByRole('combobox', { name: 'Month' }).selectOption(m);
      }
      await page.getByRole('button', { name: 'Invoice the month' }).click();
      await page.getByText(/1 invoice created/).waitFor();
    }
    assert.equal(sql(hearth, 'SELECT count(*) FROM invoices'), '2');
  });
  // The worker sends both to Stripe within seconds.
  for (let i = 0; i < 40 && sql(hearth, "SELECT count(*) FROM invoices WHERE status = 'sent'") !== '2'; i++) await new Promise((r) => setTimeout(r, 500));
  assert.equal(sql(hearth, "SELECT count(*) FROM invoices WHERE status = 'sent'"), '2');
});

test('the council ends the placement early, and credit notes appear against both invoices', async () => {
  await as(commissioner, async (page) => {
    await page.goto(`${hearth.url}/placements/${placementId}`);
    await page.getByRole('link', { name: 'End this placement' }).click();
    await page.locator('input[name="reason"]').first().check();
    await page.getByRole('button', { name: 'End the placement' }).click();
    await page.getByText('The placement has ended and the bed is free again').waitFor();

    await nav(page, 'Invoices');
    // The worker works the credit job and issues the credit notes in Stripe within seconds.
    for (let i = 0; i < 40 && (await page.getByTestId('credit-note').count() < 2 || (await page.getByTestId('credit-note').allTextContents()).some((t) => /being issued/i.test(t))); i++) {
      await page.waitForTimeout(500);
      await page.reload();
    }
    const notes = await page.getByTestId('credit-note').allTextContents();
    assert.equal(notes.length, 2);
    for (const n of notes) {
      assert.match(n, /placement ended early/);
      assert.match(n, /MCR-CREDIT-1/);
      assert.match(n, /\bIssued\b/); // issued, not "Being issued"
    }
    // Next month did not happen at all: it nets to nothing.
    assert.match(await page.getByTestId('invoice').first().textContent(), /After credit notes: £0\.00/);
    await expectAccessible(page, 'invoices with credit notes (council)');
  });
  // Hearth's own record of Stripe's credit notes: each has its Stripe id, and its outbox job is done.
  assert.equal(sql(hearth, "SELECT count(*) FROM credit_notes WHERE status = 'issued' AND stripe_credit_note_id LIKE 'cn_%'"), '2');
  assert.equal(sql(hearth, "SELECT count(*) FROM stripe_jobs WHERE kind = 'credit_note' AND status = 'done'"), '2');
  // The nights this month before today happened (five, unless the month began since) and stay
  // billed at £4,200 ÷ 7 = £600 a night; the rest of both invoices is credited to the penny.
  assert.equal(sql(hearth, 'SELECT (SELECT sum(total_pence) FROM invoices) - (SELECT sum(total_pence) FROM credit_notes)'),
    sql(hearth, "SELECT (current_date - greatest(current_date - 5, date_trunc('month', current_date)::date)) * 60000"));

  await as(admin, async (page) => {
    await nav(page, 'Billing');
    const credits = await page.getByTestId('credit-notes').textContent();
    assert.match(credits, /IPA-\d{6}: placement ended early/);
    assert.doesNotMatch(credits, /MCR-CREDIT-1/);
    await expectAccessible(page, 'billing (admin) with credit notes');
  });
});
