// Issue 15, the sufficiency view: a commissioner sees Manchester beside the consortium,
// the consortium admin the consortium; both narrow the figures with the filters (kept in
// the address), open the one-page summary and download the CSV; a bad filter is a 400
// page. The e2e demo has no history, so the tables show their empty state. axe checks
// every page, and at 390 px none scrolls sideways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, expectAccessible, asUser, useHearth } from './harness.mjs';

let hearth;
let browser;
useHearth((h, b) => { hearth = h; browser = b; });

for (const role of ['commissioner', 'consortium_admin']) {
  test(`the ${role} reads the sufficiency view, filters it and opens its summary`, async () => {
    const account = ACCOUNTS.find((a) => a.role === role);
    await asUser(browser, hearth, account, async (page) => {
      await page.goto('/intelligence');
      await page.getByRole('link', { name: 'Sufficiency' }).click();
      await page.waitForURL('**/intelligence/sufficiency');
      await expectAccessible(page, `the sufficiency view (${role})`);
      await assert.doesNotReject(page.getByText(/Data as of \d\d:\d\d/).waitFor());
      assert.equal(await page.getByTestId('demand-council').count(), role === 'commissioner' ? 1 : 0);
      await assert.doesNotReject(page.getByTestId('method').getByText('80% interval').waitFor());

      await page.getByLabel('Sex').selectOption('female');
      await page.getByLabel('Age').selectOption('10-15');
      await page.getByRole('button', { name: 'Show figures' }).click();
      await page.waitForURL((u) => u.searchParams.get('sex') === 'female' && u.searchParams.get('age') === '10-15');
      assert.equal(await page.getByLabel('Sex').inputValue(), 'female');
      await expectAccessible(page, `the filtered sufficiency view (${role})`);

      const csv = await page.request.get('/intelligence/sufficiency.csv?sex=female');
      assert.equal(csv.status(), 200);
      assert.match(await csv.text(), /Month,Requests,Providers reached,Bids,Declines,Awards,No bid/);

      await page.getByRole('link', { name: /Sufficiency summary/ }).click();
      await page.waitForURL('**/intelligence/sufficiency/summary**');
      await expectAccessible(page, `the sufficiency summary (${role})`);
      await assert.doesNotReject(page.getByRole('heading', { name: 'Projected demand' }).waitFor());

      const bad = await page.goto('/intelligence/sufficiency?age=old');
      assert.equal(bad.status(), 400);
      await assert.doesNotReject(page.getByText('The age filter is not one of its choices').waitFor());
    });
  });
}
