// Issue 15, the out-of-area view in a real browser: the commissioner sees Manchester
// beside the consortium, the consortium admin every council; both pages (charts, tables,
// the annual return and its year filter) pass axe and fit a phone. The e2e demo has no
// history, so the figures are the demo's few awards (under 5: suppressed) or none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, expectAccessible, asUser, useHearth } from './harness.mjs';

let hearth;
let browser;

useHearth((h, b) => { hearth = h; browser = b; });

const admin = ACCOUNTS.find((a) => a.role === 'consortium_admin');
const commissioner = ACCOUNTS.find((a) => a.role === 'commissioner');

for (const account of [commissioner, admin]) {
  test(`the out-of-area view reads well for the ${account.label.toLowerCase()}`, async () => {
    await asUser(browser, hearth, account, async (page) => {
      await page.goto(hearth.url + '/intelligence');
      await page.getByRole('link', { name: 'Out of area' }).click();
      await page.getByRole('heading', { level: 1, name: 'Out of area placements' }).waitFor();
      assert.match(await page.getByTestId('as-of').innerText(), /^Data as of \d\d:\d\d$/);
      assert.ok(await page.getByRole('table', { name: /Placements by where the home is/ }).isVisible());
      await expectAccessible(page, `the out-of-area view (${account.role})`);
      // The annual return: another year through the filter.
      const year = page.getByLabel('Financial year');
      const options = await year.locator('option').allInnerTexts();
      await year.selectOption({ label: options[2] });
      await page.getByRole('button', { name: 'Show the year' }).click();
      await page.getByRole('heading', { name: `Annual out-of-area return, ${options[2]}` }).waitFor();
      await expectAccessible(page, `the out-of-area return (${account.role})`);
    });
  });
}
