// Removing a user's access (a leaver): the consortium admin removes a commissioner from
// the users list through a confirmation page; the list shows them as removed and they
// can no longer sign in. A provider admin sees their own people at /provider/users; the
// command line removes access too. axe-core checks every page, at desktop width and on a
// phone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, DEMO_PASSWORD, expectAccessible, hearthCommand, asUser, nav, newPage, useHearth } from './harness.mjs';

let hearth;
let browser;

useHearth((h, b) => { hearth = h; browser = b; });

const admin = ACCOUNTS.find((a) => a.role === 'consortium_admin');
const providerAdmin = ACCOUNTS.find((a) => a.role === 'provider_admin');

test('the consortium admin removes a leaver\'s access, who then cannot sign in', async () => {
  await asUser(browser, hearth, admin, async (page) => {
    await nav(page, 'Users');
    await expectAccessible(page, 'users');
    await page.getByRole('link', { name: 'Remove access for Lee Commissioner' }).click();
    await page.getByRole('heading', { level: 1, name: 'Remove access for Lee Commissioner?' }).waitFor();
    await expectAccessible(page, 'remove access: confirm');
    await page.getByRole('button', { name: 'Remove access' }).click();
    await page.getByText("Lee Commissioner's access has been removed").waitFor();
    assert.match(await page.getByRole('row', { name: /commissioner@liverpool.example/ }).textContent(), /Removed/);
    await expectAccessible(page, 'users after a removal');
  });
  const page = await newPage(browser, hearth.url);
  try {
    await page.goto('/sign-in');
    await page.getByLabel('Email address').fill('commissioner@liverpool.example');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    assert.equal(new URL(page.url()).pathname, '/sign-in');
  } finally {
    await page.context().close();
  }
});

test('a provider admin sees their own people, each with a Remove access link but their own', async () => {
  await asUser(browser, hearth, providerAdmin, async (page) => {
    await page.goto('/provider/users');
    const text = await page.locator('table').textContent();
    assert.match(text, /staff@brightwater.example/);
    assert.doesNotMatch(text, /nw-consortium|manchester.example/);
    await page.getByRole('link', { name: 'Remove access for Sam Staff' }).waitFor();
    assert.equal(await page.getByRole('link', { name: /Remove access for Pat Provider/ }).count(), 0);
    await expectAccessible(page, 'provider users');
  });
});

test('hearth user deactivate removes access from the command line', () => {
  const out = hearthCommand(hearth, 'user', 'deactivate', '--email', 'commissioner@sefton.example');
  assert.match(out, /Removed the access of commissioner@sefton.example/);
});
