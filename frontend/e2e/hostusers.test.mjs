// Issue 12, host-council users: the consortium admin invites the staff of a council
// outside the consortium (errors beside the field first), and a host-council user of a
// non-member council (the demo's Derbyshire) sees only the host view: their work list,
// notices and placements into their area, and a refusal on everything of the placing
// councils'. axe-core checks every page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, expectAccessible, hearthCommand, asUser, nav, useHearth } from './harness.mjs';

let hearth;
let browser;

useHearth((h, b) => { hearth = h; browser = b; });

const admin = ACCOUNTS.find((a) => a.role === 'consortium_admin');
const host = { email: 'host@derbyshire.example', role: 'host_council_user' };

test('the consortium admin invites a host council user at a council outside the consortium', async () => {
  await asUser(browser, hearth, admin, async (page) => {
    await nav(page, 'Users');
    await page.getByRole('button', { name: 'Add a user' }).click();
    await page.getByLabel('Full name').fill('Kit Kernow');
    await page.getByLabel('Email address').fill('kit@cornwall.example');
    await page.getByLabel('Organisation').selectOption({ label: 'Cornwall' });
    await page.getByLabel('Role').selectOption({ label: 'Commissioner' });
    await page.getByRole('button', { name: 'Add user and send invitation' }).click();
    const summary = page.locator('.govuk-error-summary');
    await summary.waitFor();
    assert.match(await summary.textContent(), /a council outside it can only have host council users/);
    assert.equal(await page.getByLabel('Email address').inputValue(), 'kit@cornwall.example');
    assert.equal((await page.locator('#organisation_id option:checked').textContent()).trim(), 'Cornwall');
    await expectAccessible(page, 'add user: commissioner outside the consortium');
    await page.getByLabel('Role').selectOption({ label: 'Host council user' });
    await page.getByRole('button', { name: 'Add user and send invitation' }).click();
    await page.getByText('Kit Kernow has been added and sent an invitation').waitFor();
    const row = page.getByRole('row', { name: /kit@cornwall.example/ });
    assert.match(await row.textContent(), /Cornwall/);
    assert.match(await row.textContent(), /Host council user/);
    await nav(page, 'Email outbox');
    await page.getByRole('cell', { name: 'kit@cornwall.example' }).first().waitFor();
  });
});

test('a host council user of a non-member council sees only the host view', async () => {
  await asUser(browser, hearth, host, async (page) => {
    await page.getByRole('heading', { level: 1, name: 'Children placed in Derbyshire' }).waitFor();
    assert.match(await page.getByTestId('whoami').textContent(), /Host council user/);
    const menu = await page.getByRole('navigation', { name: 'Menu' }).textContent();
    assert.match(menu, /Notices/);
    assert.match(menu, /Placements into your area/);
    for (const other of ['Requests', 'Vacancies', 'Invoices', 'Approvals', 'Secure referrals']) assert.doesNotMatch(menu, new RegExp(other));
    await expectAccessible(page, 'host council user home');
    await nav(page, 'Placements into your area');
    await page.getByText('No placements').waitFor();
    await expectAccessible(page, 'host council user placements');
    await nav(page, 'Notices');
    await page.getByText('Notices to your council as the host').waitFor();
    await expectAccessible(page, 'host council user notices');
    for (const path of ['/requests', '/requests/1', '/placements/1/fee', '/placements/1/agreement', '/children?ref=X', '/board', '/billing', '/secure/referrals', '/admin/users']) {
      const res = await page.goto(path);
      assert.equal(res.status(), 403, path);
      await page.getByRole('heading', { name: 'You do not have permission to see this page' }).waitFor();
    }
    await expectAccessible(page, 'host council user refused');
  });
  const token = hearthCommand(hearth, 'token', 'create', '--email', host.email, '--name', 'e2e');
  const get = (path) => fetch(hearth.url + path, { headers: { Authorization: `Bearer ${token}` } }).then(async (r) => ({ status: r.status, body: await r.json() }));
  const placements = await get('/api/v1/placements');
  assert.equal(placements.status, 200);
  assert.deepEqual(placements.body.placements, []);
  assert.equal((await get('/api/v1/notices')).status, 200);
  for (const path of ['/api/v1/requests/1', '/api/v1/placements/1/agreement', '/api/v1/children?ref=X', '/api/v1/invitations']) {
    assert.equal((await get(path)).status, 403, path);
  }
});
