// Issue 16, police forces: the consortium admin invites a force's liaison officer
// (errors beside the fields first), and the demo's Greater Manchester Police liaison
// (two-factor) sees the children's homes in its area with their address and manager,
// the missing episodes there by child reference only, and a refusal everywhere else.
// axe-core checks every page, at desktop width and on a phone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, PHONE, expectAccessible, expectNarrow, hearthCommand, asUser, nav, useHearth } from './harness.mjs';

let hearth;
let browser;

useHearth((h, b) => { hearth = h; browser = b; });

const admin = ACCOUNTS.find((a) => a.role === 'consortium_admin');
const liaison = { email: 'liaison@gmp.example', role: 'police_liaison', mfa: true };

test('the consortium admin invites a police force liaison officer', async () => {
  await asUser(browser, hearth, admin, async (page) => {
    await nav(page, 'Police');
    await page.getByRole('cell', { name: 'Greater Manchester Police', exact: true }).waitFor();
    await expectAccessible(page, 'police forces');
    await page.getByRole('button', { name: 'Invite a police force' }).click();
    await page.getByLabel("Liaison officer's email address").fill('not-an-email');
    await page.getByRole('button', { name: 'Invite the officer' }).click();
    const summary = page.locator('.govuk-error-summary');
    await summary.waitFor();
    assert.match(await summary.textContent(), /Select a police force/);
    assert.match(await summary.textContent(), /Enter the officer's full name/);
    assert.equal(await page.getByLabel("Liaison officer's email address").inputValue(), 'not-an-email');
    await expectAccessible(page, 'invite a police force: errors');
    await page.getByLabel('Police force').selectOption({ label: 'Merseyside Police' });
    await page.getByLabel("Liaison officer's full name").fill('Mo Merseyside');
    await page.getByLabel("Liaison officer's email address").fill('mo@merseyside.police.example');
    await page.getByRole('button', { name: 'Invite the officer' }).click();
    await page.getByText('Mo Merseyside has been invited as a police liaison officer').waitFor();
    assert.match(await page.getByRole('row', { name: /Merseyside Police/ }).textContent(), /mo@merseyside.police.example/);
  });
});

test('a police liaison officer sees the homes and missing episodes in the force area, and nothing else', async () => {
  await asUser(browser, hearth, liaison, async (page) => {
    await page.getByRole('heading', { level: 1, name: 'Greater Manchester Police' }).waitFor();
    const menu = await page.getByRole('navigation', { name: 'Menu' }).textContent();
    assert.match(menu, /Homes in your area/);
    assert.match(menu, /Missing episodes/);
    for (const other of ['Requests', 'Vacancies', 'Placements', 'Notices', 'Approvals']) assert.doesNotMatch(menu, new RegExp(other));
    await expectAccessible(page, 'police home');
    await nav(page, 'Homes in your area');
    const homes = page.getByTestId('police-homes');
    await homes.waitFor();
    const text = await homes.textContent();
    assert.match(text, /14 Palatine Road/);
    assert.match(text, /Alex Brightwater/);
    assert.doesNotMatch(text, /Moorland|Southport/); // Sefton is Merseyside's
    await expectAccessible(page, 'police homes');
    await page.setViewportSize(PHONE);
    await expectNarrow(page, 'police homes on a phone');
    await page.setViewportSize({ width: 1280, height: 900 });
    await nav(page, 'Missing episodes');
    await page.getByRole('heading', { level: 1, name: 'Missing and absent episodes' }).waitFor();
    assert.doesNotMatch(await page.locator('main').textContent(), /£|weekly fee|Needs/);
    await expectAccessible(page, 'police missing episodes');
    for (const path of ['/placements', '/notices', '/requests', '/board', '/children?ref=X', '/admin/police', '/homes', '/intelligence']) {
      const res = await page.goto(path);
      assert.equal(res.status(), 403, path);
    }
  });
  const token = hearthCommand(hearth, 'token', 'create', '--email', liaison.email, '--name', 'e2e');
  const get = (path) => fetch(hearth.url + path, { headers: { Authorization: `Bearer ${token}` } }).then(async (r) => ({ status: r.status, body: await r.json() }));
  const homes = await get('/api/v1/police/homes');
  assert.equal(homes.status, 200);
  assert.ok(homes.body.homes.some((h) => h.manager_name === 'Alex Brightwater'));
  assert.equal((await get('/api/v1/police/missing-episodes')).status, 200);
  for (const path of ['/api/v1/placements', '/api/v1/notices', '/api/v1/vacancies', '/api/v1/homes']) {
    assert.equal((await get(path)).status, 403, path);
  }
});
