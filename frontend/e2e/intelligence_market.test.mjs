// Issue 15, market and price, in a real browser: the consortium admin and a
// commissioner read spend and fees against the ceiling, placements at £10,000 a week or
// more, savings and levy, and the same provider's price across councils (the demo
// without history has none to compare, and says so), download each table's CSV, and
// open the method; each page passes axe and fits a phone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, expectAccessible, asUser, useHearth } from './harness.mjs';

let hearth;
let browser;

useHearth((h, b) => { hearth = h; browser = b; });

const heads = {
  prices: /^\ufeff?provider,lot,tier,council,awards,/,
  tiers: /^\ufeff?scope,lot,tier,ceiling,awards,median_weekly_fee,/,
  'lot-months': /^\ufeff?scope,month,lot,placements,spend,/,
  months: /^\ufeff?scope,month,placements,spend,at_ceiling,savings,levy_income/,
};

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
      const figures = await page.getByTestId('tier-table').count();
      const none = await page.getByTestId('market-figures-empty').count();
      assert.ok(figures > 0 || none === 1, 'the figures or their empty state');
      assert.equal(await page.getByRole('heading', { name: 'Your council', exact: true }).count(), role === 'commissioner' && figures > 0 ? 1 : 0);
      await page.getByText('How these figures are worked out').click();
      assert.match(await page.getByTestId('market-method').textContent(), /\(ceiling − weekly fee\) × weeks/);
      assert.match(await page.getByTestId('market-method').textContent(), /awaits the ONS series/);
      for (const [name, head] of Object.entries(heads)) {
        const href = await page.locator(`a[href="/intelligence/market.csv?table=${name}"]`).getAttribute('href');
        const res = await page.request.get(hearth.url + href);
        assert.equal(res.status(), 200, name);
        assert.match(await res.text(), head);
      }
      await expectAccessible(page, `market and price (${role})`);
    });
  });
}
