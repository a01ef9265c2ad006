// Issue 16, the SSDA903 export, in a real browser: Manchester's commissioner opens the
// return from the menu, reads the last complete year's counts and validation report
// (drawn from the demo's history), chooses another year, downloads the Episodes file,
// the Missing file and the ZIP, and is told beside the field when the year is wrong; each
// page passes axe and fits a phone. The consortium admin is refused: the return is
// child-level, the placing council's alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, expectAccessible, asUser, nav, useHearth } from './harness.mjs';

let hearth;
let browser;

useHearth((h, b) => { hearth = h; browser = b; });

const commissioner = ACCOUNTS.find((a) => a.role === 'commissioner');
const admin = ACCOUNTS.find((a) => a.role === 'consortium_admin');

test('the commissioner reads and downloads the SSDA903 return', async () => {
  await asUser(browser, hearth, commissioner, async (page) => {
    await page.goto(hearth.url + '/');
    await nav(page, 'SSDA903 return');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'SSDA903 return');
    const year = await page.getByLabel('Collection year (1 April to 31 March)').inputValue();
    assert.match(year, /^\d{4}-\d{2}$/);
    assert.match(await page.getByTestId('ssda-year').textContent(), new RegExp(`^${year}: 1 April \\d{4} to 31 March \\d{4}$`));
    assert.match(await page.getByTestId('ssda-counts').textContent(), /Episodes\s*\d+/);
    assert.equal(await page.getByTestId('ssda-gaps').count(), 1, 'the demo history gives the year episodes to report on');
    assert.match(await page.getByTestId('ssda-attribution').textContent(), /Open Government Licence v3\.0/);
    await expectAccessible(page, 'the SSDA903 return');

    const episodes = await page.request.get(`${hearth.url}/returns/ssda903/${year}/episodes.csv`);
    assert.equal(episodes.status(), 200);
    assert.match(await episodes.text(), /^CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\r?\n[^,]+,\d\d\/\d\d\/\d{4},/);
    const missing = await page.request.get(`${hearth.url}/returns/ssda903/${year}/missing.csv`);
    assert.match(await missing.text(), /^CHILD,DOB,MISSING,MIS_START,MIS_END\r?\n/);
    const zip = await page.request.get(`${hearth.url}/returns/ssda903/${year}/ssda903.zip`);
    assert.equal(zip.headers()['content-type'], 'application/zip');
    assert.equal((await zip.body()).subarray(0, 2).toString(), 'PK');

    // Another year from the list.
    const options = await page.getByLabel('Collection year (1 April to 31 March)').locator('option').allTextContents();
    assert.equal(options.length, 4, 'choose, then the current year and the two before it');
    await page.getByLabel('Collection year (1 April to 31 March)').selectOption({ index: 3 });
    await page.getByRole('button', { name: 'Show this year' }).click();
    assert.match(await page.getByTestId('ssda-year').textContent(), /^\d{4}-\d{2}: /);

    // A year typed into the address: the error beside the field, never a 500.
    const res = await page.goto(hearth.url + '/returns/ssda903?year=2025-27');
    assert.equal(res.status(), 422);
    assert.match(await page.locator('#year-error').textContent(), /Enter the collection year like \d{4}-\d{2}/);
    await expectAccessible(page, 'the SSDA903 return with a bad year');
  });
});

test('the consortium admin sees no child-level return', async () => {
  await asUser(browser, hearth, admin, async (page) => {
    const res = await page.goto(hearth.url + '/returns/ssda903');
    assert.equal(res.status(), 403);
  });
});
