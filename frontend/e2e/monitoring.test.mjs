// Issue 15, provider quality beyond Ofsted, in a real browser: a commissioner records a
// monitoring visit to a home that bid on a closed demo request, is shown a bad field
// beside the field with everything typed kept, corrects it, and finds the visit beside
// the bid on the comparison; the framework page and the alerts list (the demo's Ofsted
// fall) pass axe and fit a phone's width.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, expectAccessible, asUser, nav, useHearth } from './harness.mjs';

let hearth;
let browser;

useHearth((h, b) => { hearth = h; browser = b; });

const admin = ACCOUNTS.find((a) => a.role === 'consortium_admin');
const commissioner = ACCOUNTS.find((a) => a.role === 'commissioner');
const provider = ACCOUNTS.find((a) => a.role === 'provider_admin');

const DOMAINS = ["Children's experiences and progress", 'How well children are helped and protected', 'Leadership and management',
  'Care planning, health and education', "The home's environment"];

test('a commissioner records a visit from the bid comparison and sees it there', async () => {
  await asUser(browser, hearth, commissioner, async (page) => {
    await nav(page, 'Requests');
    // The demo's history fills the list: find the demo's closed request by its reference.
    await page.goto('/requests?q=MCR-DEMO-0398');
    await page.getByTestId('requests').getByRole('link', { name: 'MCR-DEMO-0398', exact: true }).click();
    const comparison = page.url();
    const brightwater = page.getByTestId('evaluation').getByRole('row').filter({ hasText: 'Brightwater House' });
    // Liverpool's visits to Marine Lodge (the demo's) show; Brightwater House has none.
    const marine = page.getByTestId('evaluation').getByRole('row').filter({ hasText: 'Marine Lodge' });
    assert.match(await marine.getByTestId('last-visit').textContent(), /Visited \d+ \w+ \d{4}: Good/);
    await brightwater.getByTestId('no-visit').click();
    await page.getByRole('heading', { name: 'Monitoring visits to Brightwater House' }).waitFor();
    await expectAccessible(page, 'monitoring visits to a home, none yet');

    // One bad field: a date in the future. Everything else is kept.
    const next = new Date(Date.now() + 5 * 86400000);
    await page.getByLabel('Day').fill(String(next.getDate()));
    await page.getByLabel('Month').fill(String(next.getMonth() + 1));
    await page.getByLabel('Year').fill(String(next.getFullYear()));
    await page.getByLabel('Unannounced').check();
    for (const d of DOMAINS) await page.getByRole('group', { name: d }).getByLabel(/^3 Good/).check();
    await page.getByRole('group', { name: 'Overall judgement' }).getByLabel('3 Good').check();
    await page.getByLabel('Summary of what the visit found').fill('Warm, settled home; the CSE lead knows each girl well.');
    await page.getByRole('button', { name: 'Record the visit' }).click();
    await page.getByText('There is a problem').waitFor();
    assert.match(await page.locator('#visited_on-error').textContent(), /must be today or in the past/);
    assert.equal(await page.getByLabel('Summary of what the visit found').inputValue(), 'Warm, settled home; the CSE lead knows each girl well.');
    assert.ok(await page.getByRole('group', { name: 'Leadership and management' }).getByLabel(/^3 Good/).isChecked());
    assert.ok(await page.getByLabel('Unannounced').isChecked());
    await expectAccessible(page, 'record a visit, with an error');

    const today = new Date();
    await page.getByLabel('Day').fill(String(today.getDate()));
    await page.getByLabel('Month').fill(String(today.getMonth() + 1));
    await page.getByLabel('Year').fill(String(today.getFullYear()));
    await page.getByRole('group', { name: "The home's environment" }).getByLabel(/^4 Strong/).check();
    await page.getByRole('button', { name: 'Record the visit' }).click();
    await page.getByText(/The visit of .* is recorded/).waitFor();
    assert.equal(await page.getByTestId('visit').count(), 1);
    await expectAccessible(page, 'monitoring visits to a home');

    await page.goto(comparison);
    assert.match(await brightwater.getByTestId('last-visit').textContent(), /Visited \d+ \w+ \d{4}: Good/);
    await expectAccessible(page, 'bid comparison with monitoring visits');
    await nav(page, 'Monitoring');
    assert.match(await page.getByTestId('monitored-homes').textContent(), /Brightwater House[\s\S]*: Good/);
    await expectAccessible(page, 'monitoring and alerts (commissioner)');
  });
});

test('the framework is published and the consortium admin sees the Ofsted fall', async () => {
  await asUser(browser, hearth, admin, async (page) => {
    await nav(page, 'Monitoring');
    assert.match(await page.getByTestId('alerts').textContent(), /Greenacre House[\s\S]*Inadequate[\s\S]*was Requires improvement to be good/);
    await expectAccessible(page, 'monitoring and alerts (consortium admin)');
    await page.getByRole('link', { name: 'published monitoring framework' }).click();
    for (const d of DOMAINS) await page.getByRole('heading', { name: d }).waitFor();
    await expectAccessible(page, 'monitoring framework');
  });
});

test("the provider reads the visits to its own home", async () => {
  await asUser(browser, hearth, provider, async (page) => {
    await nav(page, 'Homes');
    await page.getByRole('link', { name: 'Brightwater House', exact: true }).click();
    await page.getByRole('link', { name: "Councils' monitoring visits to this home" }).click();
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Monitoring visits to Brightwater House');
    assert.equal(await page.getByRole('heading', { name: 'Record a visit' }).count(), 0);
    await expectAccessible(page, 'monitoring visits (provider)');
  });
});
