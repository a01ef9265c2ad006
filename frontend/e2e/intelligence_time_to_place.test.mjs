// Issue 15, time to place, in a real browser: the consortium admin and a commissioner
// read how long placing takes (the refresh task runs when Hearth starts, so the page
// soon says when its data is from); each page passes axe and fits a phone's width.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, expectAccessible, asUser, useHearth } from './harness.mjs';

let hearth;
let browser;

useHearth((h, b) => { hearth = h; browser = b; });

const admin = ACCOUNTS.find((a) => a.role === 'consortium_admin');
const commissioner = ACCOUNTS.find((a) => a.role === 'commissioner');

// visit opens the view from the index, waiting for the first refresh to land.
async function visit(page) {
  await page.goto(hearth.url + '/intelligence');
  await page.getByRole('link', { name: 'Time to place' }).click();
  for (let i = 0; i < 20 && !(await page.getByTestId('as-of').textContent()).includes('Data as of'); i++) {
    await page.waitForTimeout(500);
    await page.reload();
  }
  assert.match(await page.getByTestId('as-of').textContent(), /Data as of \d\d:\d\d/);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Time to place');
  const csv = await page.getByRole('link', { name: 'Download these figures (CSV)' }).getAttribute('href');
  const res = await page.request.get(hearth.url + csv);
  assert.equal(res.status(), 200);
  assert.match(await res.text(), /^\ufeff?scope,lot,urgency,awards,/);
}

test('the consortium admin reads time to place', async () => {
  await asUser(browser, hearth, admin, async (page) => {
    await visit(page);
    assert.equal(await page.getByRole('heading', { name: 'Your council' }).count(), 0);
    await expectAccessible(page, 'time to place (consortium admin)');
  });
});

test('a commissioner reads time to place', async () => {
  await asUser(browser, hearth, commissioner, async (page) => {
    await visit(page);
    await expectAccessible(page, 'time to place (commissioner)');
  });
});
