// Issue 15, market and price, in a real browser: the consortium admin and a
// commissioner read the same provider's price across councils (the demo without
// history has none to compare, and says so); each page passes axe and fits a phone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, expectAccessible, asUser, useHearth } from './harness.mjs';

let hearth;
let browser;

useHearth((h, b) => { hearth = h; browser = b; });

for (const role of ['consortium_admin', 'commissioner']) {
  const account = ACCOUNTS.find((a) => a.role === role);
  test(`the ${role} reads market and price`, async () => {
    await asUser(browser, hearth, account, async (page) => {
      await page.goto(hearth.url + '/intelligence');
      await page.getByRole('link', { name: 'Market and price' }).click();
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Market and price');
      assert.match(await page.getByTestId('as-of').textContent(), /Data as of \d\d:\d\d/);
      const empty = await page.getByTestId('market-empty').count();
      const table = await page.getByTestId('price-table').count();
      assert.equal(empty + table, 1, 'either the comparison or the empty state');
      const res = await page.request.get(hearth.url + '/intelligence/market.csv');
      assert.equal(res.status(), 200);
      assert.match(await res.text(), /^\ufeff?provider,lot,tier,council,awards,/);
      await expectAccessible(page, `market and price (${role})`);
    });
  });
}
