// Issue 12, national geography: a consortium admin records two councils that face each
// other across the Mersey as adjoining for the distant-placement rule (reg. 11), after
// the form shows every error beside its field, and removes it again; a provider typing
// a Welsh postcode for a home is told it is in Wales. axe-core checks every page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, expectAccessible, asUser, useHearth } from './harness.mjs';

let hearth;
let browser;

useHearth((h, b) => { hearth = h; browser = b; });

const admin = ACCOUNTS.find((a) => a.role === 'consortium_admin');
const provider = ACCOUNTS.find((a) => a.role === 'provider_admin');
const as = (account, f) => asUser(browser, hearth, account, f);

test('the consortium admin treats Liverpool and Wirral as adjoining, with a reason, then removes it', async () => {
  await as(admin, async (page) => {
    await page.goto(hearth.url + '/admin/frameworks');
    await page.getByRole('link', { name: /councils your consortium treats as adjoining/ }).click();
    await page.getByRole('heading', { name: 'Adjoining councils', level: 1 }).waitFor();
    assert.match(await page.getByTestId('overrides').textContent(), /None: only councils whose boundaries meet/);
    await expectAccessible(page, 'adjoining councils');

    await page.getByLabel('First council').selectOption({ label: 'Liverpool' });
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const summary = await page.locator('.govuk-error-summary').textContent();
    assert.match(summary, /Select the second council/);
    assert.match(summary, /Enter why your consortium treats these councils as adjoining/);
    assert.equal(await page.getByLabel('First council').inputValue(), 'E08000012', 'the typed council is kept');
    assert.match(await page.locator('#reason-error').textContent(), /Enter why/);
    await expectAccessible(page, 'adjoining councils: errors');

    await page.getByLabel('Second council').selectOption({ label: 'Wirral' });
    await page.getByLabel('Why your consortium treats them as adjoining').fill('The Mersey tunnels: ten minutes apart');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Liverpool and Wirral now count as adjoining').waitFor();
    const row = await page.getByTestId('overrides').textContent();
    assert.match(row, /Liverpool and Wirral/);
    assert.match(row, /The Mersey tunnels/);
    await expectAccessible(page, 'adjoining councils: one override');

    await page.getByRole('button', { name: 'Remove Liverpool and Wirral' }).click();
    await page.getByText('The override has been removed').waitFor();
    assert.match(await page.getByTestId('overrides').textContent(), /None: only councils whose boundaries meet/);
  });
});

test('a home in Cardiff is refused: the district is in Wales', async () => {
  await as(provider, async (page) => {
    await page.goto(hearth.url + '/homes/new');
    await page.getByLabel('Full postcode').fill('CF10 1AA');
    await page.getByRole('button', { name: 'Save home' }).click();
    const err = await page.locator('#postcode-error').textContent();
    assert.match(err, /CF10 is in Wales: Hearth's homes and placements are in England/);
    assert.equal(await page.getByLabel('Full postcode').inputValue(), 'CF10 1AA');
    await expectAccessible(page, 'home form: a Welsh postcode');
  });
});
