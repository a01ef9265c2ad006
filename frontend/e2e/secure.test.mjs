// Issue 5 end to end in a real browser: a council sends a secure referral; the SWCU
// coordinator circulates it to two homes; one declines with a reason, one accepts; the
// coordinator allocates the bed while the national bed board, open elsewhere, updates
// live; the coordinator releases the held bed with a reason and allocates it again; the
// home confirms the admission; the daily report shows it. axe-core checks every page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, newPage, signIn, expectAccessible, asUser, nav, useHearth } from './harness.mjs';

let hearth;
let browser;
let referralPath;

useHearth((h, b) => { hearth = h; browser = b; });

const commissioner = ACCOUNTS.find((a) => a.role === 'commissioner');
const coordinator = ACCOUNTS.find((a) => a.role === 'swcu_coordinator');
const oakfield = ACCOUNTS.find((a) => a.role === 'secure_home_user');
const heron = { email: 'manager@heroncourt.example' };
const OAKFIELD = "Oakfield Secure Children's Home (demo)";
const HERON = "Heron Court Secure Children's Home (demo)";

const as = (account, f) => asUser(browser, hearth, account, f);

async function fillDate(page, group, d) {
  const g = page.getByRole('group', { name: group });
  await g.getByLabel('Day').fill(String(d.getDate()));
  await g.getByLabel('Month').fill(String(d.getMonth() + 1));
  await g.getByLabel('Year').fill(String(d.getFullYear()));
}

test('a council sends a secure referral', async () => {
  await as(commissioner, async (page) => {
    await nav(page, 'Secure referrals');
    await expectAccessible(page, 'secure referrals');
    await page.getByRole('button', { name: 'Send a secure referral' }).click();
    await page.getByLabel("Your council's reference for the child").fill('MCR-E2E-SEC');
    assert.equal(await page.locator('.govuk-caption-l').textContent(), 'Step 1 of 2');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    assert.equal(await page.getByLabel("Your council's reference for the child").inputValue(), 'MCR-E2E-SEC');
    await expectAccessible(page, 'secure referral with errors');
    const now = new Date();
    await page.getByLabel('Age in years').fill('14');
    await page.getByLabel('Month of birth (1 to 12)').fill(String(now.getMonth() + 1));
    await page.getByLabel('Year of birth').fill(String(now.getFullYear() - 14));
    await page.getByLabel('Female', { exact: true }).check();
    await page.getByLabel('Ethnicity (DfE SSDA903 categories)').selectOption('MWBA');
    await page.getByLabel('Religion (optional)').fill('Muslim');
    await page.getByLabel('First language (optional)').fill('Arabic');
    await page.getByRole('group', { name: 'Is the child on a child protection plan?' }).getByLabel('Yes').check();
    await page.getByLabel('Section 25 order granted').check();
    await page.getByLabel('Likely to injure themselves in other accommodation (s25(1)(b))').check();
    await fillDate(page, 'Order started on (if granted)', new Date());
    await page.getByLabel('First order (at most 3 months)').check();
    await fillDate(page, 'Order expires on (if granted)', new Date(Date.now() + 60 * 864e5));
    await page.getByLabel('Urgent (within days)').check();
    await page.getByLabel('Self-harm or suicidal ideation').check();
    await page.getByLabel('Postcode district where the child is now').fill('M14');
    await page.getByLabel('Social worker: name and phone or email').fill('Chris Social Worker, 0161 496 0100');
    await page.getByLabel('Sanctioning officer: name and phone or email').fill('Head of Service, 0161 496 0101');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForLoadState();
    if (await page.locator('.govuk-error-summary').count()) throw new Error(await page.locator('.govuk-error-summary').textContent());

    // Check your answers: every answer with its own Change link; changing one loses nothing.
    await page.getByRole('heading', { name: 'Check your answers before sending the referral' }).waitFor();
    assert.equal(await page.locator('.govuk-caption-l').textContent(), 'Step 2 of 2');
    const answers = page.getByTestId('referral-answers');
    assert.equal(await answers.locator('.govuk-summary-list__row').count(), await answers.getByRole('link', { name: /^Change/ }).count());
    assert.match(await answers.textContent(), /White and Black African/);
    assert.match(await answers.textContent(), /Arabic/);
    await expectAccessible(page, 'secure referral: check your answers');
    await answers.getByRole('link', { name: "Change the child's first language" }).click();
    await page.waitForURL(/\/secure\/referrals\/new\?change=1#first_language$/);
    await page.getByRole('link', { name: 'Start again' }).waitFor();
    assert.equal(await page.getByLabel("Your council's reference for the child").inputValue(), 'MCR-E2E-SEC');
    assert.equal(await page.getByLabel('Ethnicity (DfE SSDA903 categories)').inputValue(), 'MWBA');
    assert.ok(await page.getByLabel('Self-harm or suicidal ideation').isChecked());
    await page.getByLabel('First language (optional)').fill('Arabic and English');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Check your answers before sending the referral' }).waitFor();
    assert.match(await page.getByTestId('referral-answers').textContent(), /Arabic and English/);
    await page.getByRole('button', { name: 'Send the referral' }).click();
    await page.getByText('The referral has been sent to the Secure Welfare Coordination Unit').waitFor();
    assert.equal(await page.getByTestId('referral-status').textContent(), 'Received');
    referralPath = new URL(page.url()).pathname;
    await expectAccessible(page, 'secure referral (council)');
  });
});

test('the coordinator circulates it to two homes', async () => {
  await as(coordinator, async (page) => {
    await nav(page, 'Waiting list');
    await expectAccessible(page, 'waiting list');
    await page.getByRole('link', { name: 'MCR-E2E-SEC' }).click();
    await page.getByRole('checkbox', { name: new RegExp(`^${OAKFIELD.replace(/[()]/g, '\\$&')}`) }).check();
    await page.getByRole('checkbox', { name: new RegExp(`^${HERON.replace(/[()]/g, '\\$&')}`) }).check();
    await expectAccessible(page, 'secure referral (SWCU)');
    await page.getByRole('button', { name: 'Circulate to these homes' }).click();
    await page.getByText('The referral has been sent to 2 homes').waitFor();
    assert.match(await page.getByTestId('circulations').textContent(), /Waiting for an answer/);
  });
});

test('one home declines with a reason and the other offers a bed', async () => {
  await as(heron, async (page) => {
    await nav(page, 'Your home');
    await expectAccessible(page, 'secure home');
    await page.locator(`a[href="${referralPath}"]`).first().click();
    // A home deciding sees why the order is sought, not the child's ethnicity or religion.
    const summary = await page.getByTestId('referral-summary').textContent();
    assert.match(summary, /Likely to injure themselves in other accommodation/);
    assert.doesNotMatch(summary, /White and Black African|Muslim/);
    await page.getByLabel('No, we decline').check();
    await page.getByLabel('Staffing').check();
    await expectAccessible(page, 'secure referral (home)');
    await page.getByRole('button', { name: 'Send your answer' }).click();
    await page.getByText('You have declined; the SWCU has been told').waitFor();
  });
  await as(oakfield, async (page) => {
    await page.goto(referralPath);
    await page.getByLabel('Yes, we can offer a bed').check();
    await page.getByRole('group', { name: 'The bed you offer' }).getByRole('radio').first().check();
    await fillDate(page, 'Earliest admission date', new Date());
    await page.getByRole('button', { name: 'Send your answer' }).click();
    await page.getByText('You have offered a bed; the SWCU has been told').waitFor();
  });
});

test('the coordinator allocates the bed and the national board updates live', async () => {
  const board = await newPage(browser, hearth.url);
  await signIn(board, commissioner);
  await board.goto('/secure/board');
  await expectAccessible(board, 'secure bed board');
  const region = board.locator('#secure-board');
  await board.waitForFunction(() => document.getElementById('secure-board')?.dataset.live === 'connected');
  const heldBefore = Number(await board.locator(`tr[data-home="${OAKFIELD}"] [data-testid="held"]`).textContent());
  // The refresh swaps only the parts that changed: the other homes' rows stay in place.
  await board.evaluate((home) => {
    for (const row of document.querySelectorAll('#secure-board tr[data-part]')) if (row.dataset.home !== home) row.kept = true;
  }, OAKFIELD);

  await as(coordinator, async (page) => {
    await nav(page, 'Suggested allocation');
    await expectAccessible(page, 'suggested allocation');
    assert.match(await page.getByTestId('suggestions').textContent(), /MCR-E2E-SEC/);
    await page.goto(referralPath);
    await page.getByRole('radio', { name: /bed .* \(offered/ }).check();
    await page.getByRole('button', { name: 'Allocate the bed' }).click();
    await page.getByText('The bed is held for the child').waitFor();
    assert.equal(await page.getByTestId('referral-status').textContent(), 'Bed allocated');
  });

  await board.waitForFunction(([home, before]) => {
    const cell = document.querySelector(`tr[data-home="${home}"] [data-testid="held"]`);
    return cell && Number(cell.textContent) === before + 1;
  }, [OAKFIELD, heldBefore], { timeout: 5000 });
  assert.ok(Number(await region.getAttribute('data-refreshed')) >= 1);
  assert.ok(Number(await region.getAttribute('data-deltas')) >= 1, 'the refresh came as a delta');
  assert.equal(await region.getAttribute('data-reloaded'), null, 'the board was not reloaded whole');
  const rows = await board.evaluate(() => [...document.querySelectorAll('#secure-board tr[data-part]')].map((r) => r.kept === true));
  assert.equal(rows.filter((kept) => !kept).length, 1, "only Oakfield's row was swapped");
  await expectAccessible(board, 'secure bed board after a live update');
  await board.context().close();
});

test('the coordinator releases the held bed, with a reason, and allocates it again', async () => {
  await as(coordinator, async (page) => {
    await page.goto(referralPath);
    await page.getByRole('button', { name: 'Release the held bed' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    assert.match(await page.locator('.govuk-error-summary').textContent(), /Enter why the bed is released/);
    await expectAccessible(page, 'release without a reason');
    await page.getByLabel('Why the bed is released').fill('The court moved the hearing; the home keeps its offer open');
    await page.getByRole('button', { name: 'Release the held bed' }).click();
    await page.getByText('The bed is released and the child is back on the waiting list').waitFor();
    assert.equal(await page.getByTestId('referral-status').textContent(), 'Offers received');
    await page.getByRole('radio', { name: /bed .* \(offered/ }).check();
    await page.getByRole('button', { name: 'Allocate the bed' }).click();
    await page.getByText('The bed is held for the child').waitFor();
    assert.equal(await page.getByTestId('referral-status').textContent(), 'Bed allocated');
  });
});

test('the home confirms the admission and the daily report shows it', async () => {
  await as(oakfield, async (page) => {
    await page.goto(referralPath);
    await fillDate(page, 'Date the child was admitted', new Date());
    await page.getByRole('button', { name: 'Confirm the admission' }).click();
    await page.getByText('The admission is confirmed: the bed is occupied').waitFor();
    assert.equal(await page.getByTestId('referral-status').textContent(), 'Placed');
  });
  await as(coordinator, async (page) => {
    await nav(page, 'Daily report');
    assert.match(await page.getByTestId('report-allocations').textContent(), /MCR-E2E-SEC \(Manchester\) to Oakfield/);
    assert.match(await page.getByTestId('report-declines').textContent(), /Staffing: 1/);
    await expectAccessible(page, 'daily report');
    await nav(page, 'Measures');
    await expectAccessible(page, 'secure measures');
  });
});

// Issue 14: the home keeps its beds current in one table — each row preselected to the
// bed's state, one save for every change (all or nothing, each error beside its bed),
// and "Confirm, no changes" — without sideways scrolling at 390 px.
test('the home updates its beds in one table and confirms them', async () => {
  await as(oakfield, async (page) => {
    await nav(page, 'Your home');
    const state = (bed) => page.getByLabel(`State of bed ${bed}`, { exact: true });
    assert.equal(await state('B8').inputValue(), 'occupied');
    assert.equal(await page.locator('form[action="/secure/beds"]').count(), 1);
    await state('B8').selectOption('closed');
    await state('B7').selectOption('free');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    const summary = await page.locator('.govuk-error-summary').textContent();
    assert.match(summary, /Select why the bed is closed/);
    assert.match(summary, /Enter the date the bed is expected to reopen/);
    assert.match(await page.getByTestId('bed-B8').textContent(), /Select why the bed is closed/);
    assert.equal(await state('B7').inputValue(), 'free', 'what was typed is kept');
    assert.match(await page.getByTestId('bed-B7').textContent(), /Occupied/, 'nothing was saved');
    await expectAccessible(page, 'beds table with errors');
    await page.getByLabel('Why closed (bed B8)').selectOption('staffing');
    const reopens = new Date(Date.now() + 7 * 86400e3);
    await fillDate(page, 'Reopens on (bed B8, day month year)', reopens);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('2 beds are saved').waitFor();
    assert.match(await page.getByTestId('bed-B8').textContent(), /Closed/);
    assert.match(await page.getByTestId('bed-B7').textContent(), /Free/);
    assert.equal(await state('B8').inputValue(), 'closed');
    await page.getByRole('button', { name: 'Confirm, no changes' }).click();
    await page.getByText(/All \d+ beds are confirmed as shown/).waitFor();
    await expectAccessible(page, 'beds table');
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page scrolls ${overflow} px sideways at 390 px`);
  });
});
