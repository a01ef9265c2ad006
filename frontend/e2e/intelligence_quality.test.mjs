// Issue 15, provider quality beyond Ofsted, in a real browser: the consortium admin and
// a commissioner read the providers' figures over the default period (the refresh task
// runs when Hearth starts, so the page soon says when its data is from), open one
// provider's homes and choose a financial year; each page passes axe and fits a phone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, expectAccessible, asUser, useHearth } from './harness.mjs';

let hearth;
let browser;

// With the demo's history, so that the providers have figures to show.
useHearth((h, b) => { hearth = h; browser = b; }, { env: { HEARTH_DEMO_HISTORY: 'true' } });

const admin = ACCOUNTS.find((a) => a.role === 'consortium_admin');
const commissioner = ACCOUNTS.find((a) => a.role === 'commissioner');

// visit opens the view from the index, waiting for the first refresh to land.
async function visit(page) {
  await page.goto(hearth.url + '/intelligence');
  await page.getByRole('link', { name: 'Provider quality' }).click();
  for (let i = 0; i < 20 && !(await page.getByTestId('as-of').textContent()).includes('Data as of'); i++) {
    await page.waitForTimeout(500);
    await page.reload();
  }
  assert.match(await page.getByTestId('as-of').textContent(), /Data as of \d\d:\d\d/);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Provider quality');
  const csv = await page.getByRole('link', { name: 'Download these figures (CSV)' }).getAttribute('href');
  const res = await page.request.get(hearth.url + csv);
  assert.equal(res.status(), 200);
  assert.match(await res.text(), /^\ufeff?level,provider,home,ofsted_rating,from,to,placements,/);
}

test('the consortium admin reads provider quality and opens a provider', async () => {
  await asUser(browser, hearth, admin, async (page) => {
    await visit(page);
    await expectAccessible(page, 'provider quality (consortium admin)');
    await page.getByTestId('quality-providers').getByRole('link').first().click();
    await page.getByTestId('quality-homes').waitFor();
    await expectAccessible(page, 'provider quality, a provider\'s homes');
  });
});

test('a commissioner reads provider quality over another period', async () => {
  await asUser(browser, hearth, commissioner, async (page) => {
    await visit(page);
    // The last 12 months first, then each whole financial year: choose the latest year.
    const options = (await page.getByLabel('Period').locator('option').allTextContents()).filter((o) => o !== 'Choose…');
    assert.match(options[0], /^The last 12 months/);
    assert.ok(options.length > 1, 'the demo history gives at least one whole financial year');
    await page.getByLabel('Period').selectOption({ label: options[1] });
    await page.getByRole('button', { name: 'Show this period' }).click();
    const chosen = options[1].match(/\((.*)\)$/)[1];
    assert.equal((await page.getByTestId('period').textContent()).trim(), chosen);
    await expectAccessible(page, 'provider quality (commissioner, a financial year)');
  });
});
