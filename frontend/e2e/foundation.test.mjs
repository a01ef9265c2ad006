// The foundation in a real browser: every demo account signs in and sees its role's
// home page, forms show the GOV.UK error summary and keep what was typed, and every
// page visited passes axe-core with no violations and makes no external request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, newPage, signIn, expectAccessible, useHearth } from './harness.mjs';

let hearth;
let browser;

useHearth((h, b) => { hearth = h; browser = b; });

test('the sign-in page is accessible and styled by GOV.UK Frontend', async () => {
  const page = await newPage(browser, hearth.url);
  await page.goto('/');
  assert.equal(new URL(page.url()).pathname, '/sign-in');
  await expectAccessible(page, 'sign-in page');
  // GOV.UK Frontend's stylesheet and JavaScript loaded from Hearth itself.
  const font = await page.locator('h1').evaluate((el) => getComputedStyle(el).fontWeight);
  assert.equal(font, '700');
  assert.ok(await page.locator('body.govuk-frontend-supported').count(), 'GOV.UK Frontend JavaScript did not start');
  assert.deepEqual(page.externalRequests, []);
  await page.context().close();
});

for (const account of ACCOUNTS) {
  test(`${account.role} signs in and sees their home page`, async () => {
    const page = await newPage(browser, hearth.url);
    await signIn(page, account);
    await assert.doesNotReject(page.getByRole('heading', { level: 1, name: account.heading }).waitFor());
    const who = await page.getByTestId('whoami').textContent();
    assert.match(who, new RegExp(account.label.replace(/[()]/g, '\\$&')));
    await expectAccessible(page, `${account.role} home`);
    await page.getByRole('link', { name: 'Your account' }).click();
    await expectAccessible(page, `${account.role} account page`);
    if (account.role === 'approver') {
      await page.getByRole('link', { name: 'Approvals' }).click();
      // The demo leaves one decision waiting: a distant, over-ceiling award.
      await page.getByRole('link', { name: /MCR-DEMO-0377/ }).waitFor();
      await expectAccessible(page, 'approvals');
      await page.getByRole('link', { name: /MCR-DEMO-0377/ }).click();
      await page.getByTestId('evaluation').waitFor();
      await expectAccessible(page, 'approval decision page');
    }
    if (account.role !== 'consortium_admin') {
      await page.goto('/admin/audit');
      await assert.doesNotReject(page.getByRole('heading', { name: 'You do not have permission to see this page' }).waitFor());
      await expectAccessible(page, '403 page');
    }
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in');
    assert.deepEqual(page.externalRequests, []);
    await page.context().close();
  });
}

test('a sign-in form with errors shows the error summary and keeps the email', async () => {
  const page = await newPage(browser, hearth.url);
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill('not-an-email');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const summary = page.locator('.govuk-error-summary');
  await summary.waitFor();
  assert.match(await summary.textContent(), /Enter an email address in the correct format/);
  assert.match(await summary.textContent(), /Enter your password/);
  assert.equal(await page.getByLabel('Email address').inputValue(), 'not-an-email');
  assert.match(await page.title(), /^Error: /);
  // GOV.UK Frontend moves focus to the summary so screen readers announce it.
  assert.ok(await summary.evaluate((el) => el === document.activeElement || el.contains(document.activeElement)));
  // The summary links to the field.
  await summary.getByRole('link', { name: /Enter your password/ }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
  await expectAccessible(page, 'sign-in with errors');
  await page.context().close();
});

test('the consortium admin adds a user: errors first, then success and the invitation in the outbox', async () => {
  const page = await newPage(browser, hearth.url);
  await signIn(page, ACCOUNTS[0]);
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await expectAccessible(page, 'users page');
  await page.getByRole('button', { name: 'Add a user' }).click();
  await expectAccessible(page, 'add user page');
  await page.getByLabel('Full name').fill('Taylor Typed');
  await page.getByLabel('Email address').fill('taylor@');
  await page.getByRole('button', { name: 'Add user and send invitation' }).click();
  await page.locator('.govuk-error-summary').waitFor();
  assert.equal(await page.getByLabel('Full name').inputValue(), 'Taylor Typed');
  assert.equal(await page.getByLabel('Email address').inputValue(), 'taylor@');
  await expectAccessible(page, 'add user with errors');
  await page.getByLabel('Email address').fill('taylor@bolton.example');
  await page.getByLabel('Organisation').selectOption({ label: 'Bolton' });
  await page.getByLabel('Role').selectOption('commissioner');
  await page.getByRole('button', { name: 'Add user and send invitation' }).click();
  await page.getByText('Taylor Typed has been added and sent an invitation').waitFor();
  await expectAccessible(page, 'users page with success banner');
  await page.getByRole('link', { name: 'Email outbox' }).click();
  await expectAccessible(page, 'outbox');
  await page.getByRole('link', { name: 'Your Hearth account' }).first().click();
  // The stored message shows where the link goes, never the token (only SMTP carries it).
  assert.match(await page.getByTestId('email-body').textContent(), /\/password\/reset\/\[link hidden/);
  await expectAccessible(page, 'email page');
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByLabel('Action').selectOption('user.create');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  assert.match(await page.getByTestId('result-count').textContent(), /^[1-9]\d* entr/);
  await expectAccessible(page, 'audit log');
  await page.context().close();
});

test('information and error pages are accessible', async () => {
  const page = await newPage(browser, hearth.url);
  for (const path of ['/accessibility', '/cookies', '/password/forgot', '/no-such-page']) {
    await page.goto(path);
    await expectAccessible(page, path);
  }
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Page not found');
  await page.context().close();
});
