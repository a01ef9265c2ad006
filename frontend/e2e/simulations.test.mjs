// Issue 17, the outcomes simulator: a consortium admin finds Simulations in the menu,
// sends a run with mistakes and sees every error beside its field, sends it right, watches
// it queue and finish (the page follows it without a reload), and reads its tables and
// chart and the parameters page. axe-core checks every page. With SCREENSHOT_DIR set it saves each page at 1280 and 390 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, expectAccessible, asUser, useHearth, nav } from './harness.mjs';

let hearth;
let browser;

useHearth((h, b) => { hearth = h; browser = b; });

const admin = ACCOUNTS.find((a) => a.role === 'consortium_admin');

async function shoot(page, name) {
  const dir = process.env.SCREENSHOT_DIR;
  if (!dir) return;
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `${dir}/${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

test('a consortium admin runs a simulation and reads its result', async () => {
  await asUser(browser, hearth, admin, async (page) => {
    await page.goto(hearth.url + '/');
    await nav(page, 'Simulations');
    await page.getByRole('heading', { name: 'Simulations', level: 1 }).waitFor();
    await expectAccessible(page, 'simulations');
    await shoot(page, 'simulations');

    await page.getByLabel('Random seed').fill('0');
    await page.getByLabel('Visibility alone').fill('lots');
    await page.getByLabel('Price').fill('60');
    await page.getByRole('button', { name: 'Run the simulation' }).click();
    const summary = await page.locator('.govuk-error-summary').textContent();
    assert.match(summary, /Enter a seed from 1 to 1,000,000/);
    assert.match(summary, /The four weights must add up to 100/);
    assert.equal(await page.getByLabel('Visibility alone').inputValue(), 'lots', 'the typed value is kept');
    await expectAccessible(page, 'simulations: errors');

    await page.getByLabel('Region whose councils place').selectOption('North East');
    await page.getByLabel('Random seed').fill('2');
    await page.getByLabel('Visibility alone').fill('0.2');
    await page.getByLabel('Price').fill('40');
    await page.getByRole('button', { name: 'Run the simulation' }).click();
    await page.getByRole('heading', { name: /Simulation \d+/, level: 1 }).waitFor();
    await expectAccessible(page, 'simulation: queued or running');

    // The page follows the run by itself and shows the result when it is done.
    await page.getByTestId('table-residential').waitFor({ timeout: 180_000 });
    assert.match(await page.getByTestId('table-residential').textContent(), /Councils alone.*Consortium on Hearth.*Bound/s);
    assert.match(await page.getByTestId('table-secure').textContent(), /First come, first served/);
    await expectAccessible(page, 'simulation: result');
    await shoot(page, 'simulation');

    await page.goto(hearth.url + '/simulations/parameters');
    assert.match(await page.getByTestId('parameters').textContent(), /margin-response.*Assumption/s);
    await expectAccessible(page, 'simulation parameters');
    await shoot(page, 'simulation-parameters');
  });
});
