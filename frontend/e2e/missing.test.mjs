// Issue 16, missing-from-care episodes in a real browser: a Manchester child is placed in
// Brightwater Lodge (Stockport, so Stockport is the host council, in Greater Manchester
// Police's area; its provider is admitted to the North West framework); the provider
// reports a missing episode and the child's return (found, and in which council area); a
// host-council user at Stockport sees the episode among those in its area and records the
// return-home interview; the placing council sees the interview and records the police's
// reference and risk grade; the force's liaison officer sees the home and the episode, and
// none of the child's profile, the fee, the bids or the agreement. axe-core checks every
// page. With SCREENSHOT_DIR set it saves the police pages at 1280 and 390 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, DEMO_PASSWORD, expectAccessible, hearthCommand, sql, asUser, newPage, nav, useHearth } from './harness.mjs';

let hearth;
let browser;
let placementID;
let requestID;

useHearth((h, b) => { hearth = h; browser = b; });

const commissioner = ACCOUNTS.find((a) => a.role === 'commissioner');
const provider = ACCOUNTS.find((a) => a.role === 'provider_admin');
const host = { email: 'host@stockport.example', role: 'host_council_user' };
const liaison = { email: 'liaison@gmp.example', role: 'police_liaison', mfa: true };

const as = (account, f) => asUser(browser, hearth, account, f);

async function shoot(page, name) {
  const dir = process.env.SCREENSHOT_DIR;
  if (!dir) return;
  const size = page.viewportSize();
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `${dir}/${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize(size);
}

// hhmm is a time of day in England (GMT or BST) as the time boxes take it.
const hhmm = (d) => d.toLocaleTimeString('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hour12: false });

// fillDate fills the GOV.UK date input in group with d's day in England.
async function fillDate(group, d) {
  const [day, month, year] = d.toLocaleDateString('en-GB', { timeZone: 'Europe/London' }).split('/');
  await group.getByLabel('Day').fill(String(Number(day)));
  await group.getByLabel('Month').fill(String(Number(month)));
  await group.getByLabel('Year').fill(year);
}

test('a Manchester child is placed in a Stockport home and starts (through the API)', async () => {
  const councilToken = hearthCommand(hearth, 'token', 'create', '--email', commissioner.email, '--name', 'e2e');
  const providerToken = hearthCommand(hearth, 'token', 'create', '--email', provider.email, '--name', 'e2e');
  const call = (token, method, path, body) => fetch(hearth.url + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) })
    .then(async (r) => ({ status: r.status, body: await r.json() }));
  const now = new Date();
  const day = (d) => new Date(Date.now() + d * 864e5).toISOString().slice(0, 10);
  // The demo's Brightwater Lodge is full until next month: a bed comes free now.
  sql(hearth, "UPDATE homes SET beds_free = 1, next_free_date = NULL, next_free_beds = NULL WHERE name = 'Brightwater Lodge'");
  const created = await call(councilToken, 'POST', '/api/v1/requests', {
    child_ref: 'MCR-MISSING-1', age_years: 14, birth_month: now.getMonth() + 1, birth_year: now.getFullYear() - 14, sex: 'female',
    needs: ['cse_risk'], legal_status: 's31', home_outcode: 'M14', within_miles: 10, lot_id: 1, tier: 'standard',
    start_date: day(1), duration_weeks: 26, deadline: new Date(Date.now() + 3 * 3600e3).toISOString().replace(/\.\d+Z$/, 'Z'),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;
  requestID = id;
  assert.equal((await call(councilToken, 'POST', `/api/v1/requests/${id}/submit`)).status, 200);
  const invitation = await call(providerToken, 'GET', `/api/v1/invitations/${id}`);
  const lodgeID = Number(sql(hearth, "SELECT id FROM homes WHERE name = 'Brightwater Lodge'"));
  const lodge = invitation.body.homes.find((h) => h.home_id === lodgeID);
  assert.ok(lodge, JSON.stringify(invitation.body.homes));
  const bid = await call(providerToken, 'PUT', `/api/v1/invitations/${id}/bid`, { home_id: lodge.home_id, earliest_start: day(0), weekly_fee_pence: 420000, notice_days: 28 });
  assert.equal(bid.status, 200, JSON.stringify(bid.body));
  sql(hearth, `UPDATE placement_requests SET submitted_at = now() - interval '3 hours', deadline = now() - interval '1 second', status = 'closed' WHERE id = ${id}`);
  const award = await call(councilToken, 'POST', `/api/v1/requests/${id}/award`, { bid_id: bid.body.id, reason: 'Near her school.', out_of_area_reason: 'near_family' });
  assert.equal(award.status, 201, JSON.stringify(award.body));
  placementID = award.body.placement_id;
  const started = await call(providerToken, 'POST', `/api/v1/placements/${placementID}/start`, { started_on: day(0) });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  // Stockport's host-council user, with the demo password.
  const out = hearthCommand(hearth, 'user', 'create', '--email', host.email, '--role', 'host_council_user', '--org', 'Stockport', '--consortium', 'North West Placements Consortium (demo)');
  const reset = out.match(/\/password\/reset\/\S+/)[0];
  const page = await newPage(browser, hearth.url);
  await page.goto(reset);
  await page.getByLabel('New password', { exact: true }).fill(DEMO_PASSWORD);
  await page.getByLabel('Confirm new password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: /password/i }).click();
  await page.waitForURL('**/sign-in');
  await page.context().close();
});

test('the provider reports a missing episode and the return: found, in Manchester', async () => {
  // The episode began half an hour ago, or just after midnight: never before the
  // placement's first day (today).
  const now = new Date();
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 0, 1);
  const began = new Date(Math.max(now.getTime() - 30 * 60e3, midnight));
  await as(provider, async (page) => {
    await page.goto(`/placements/${placementID}`);
    const report = page.locator(`form[action="/placements/${placementID}/incidents"]`);
    await report.getByLabel('Missing', { exact: true }).check();
    assert.match(await report.textContent(), /whereabouts are not known \(SSDA903 code M\)/);
    await fillDate(report.getByRole('group', { name: 'Date the episode began' }), began);
    await report.getByLabel('Time the episode began').fill(hhmm(began));
    // The police have not yet given a reference: the council records it later.
    await report.getByRole('button', { name: 'Report the episode' }).click();
    await page.getByText('The episode is reported').waitFor();
    await expectAccessible(page, 'placement: episode reported');
    const back = page.locator(`form[action^="/placements/${placementID}/incidents/"]`);
    const returned = new Date();
    await fillDate(back.getByRole('group', { name: 'Date the child returned' }), returned);
    await back.getByLabel('Time the child returned').fill(hhmm(returned));
    await back.getByLabel('Found', { exact: true }).check();
    await back.getByLabel(/Council area where the child was found/).selectOption({ label: 'Manchester' });
    await back.getByRole('button', { name: 'Record the return' }).click();
    await page.getByText("The child's return is recorded").waitFor();
    assert.match(await page.getByTestId('incidents').textContent(), /Found/);
    assert.match(await page.getByTestId('rhi').first().textContent(), /Interview due/);
    await page.getByTestId('incidents').getByRole('link', { name: /Missing/ }).click();
    assert.match(await page.getByTestId('police-ref').textContent(), /Not recorded/);
    await expectAccessible(page, 'episode (provider)');
  });
});

test('the host council sees the episode in its area and records the return-home interview', async () => {
  await as(host, async (page) => {
    await nav(page, 'Missing episodes');
    const table = page.getByTestId('episodes');
    await table.waitFor();
    assert.match(await table.textContent(), /MCR-MISSING-1/);
    assert.match(await table.textContent(), /Interview due/);
    await expectAccessible(page, 'missing episodes (host council user)');
    await table.getByRole('link', { name: /MCR-MISSING-1/ }).click();
    const form = page.getByTestId('interview-form');
    // Done without being accepted: refused beside the field, what was typed kept.
    const now = new Date();
    await fillDate(form.getByRole('group', { name: 'Date the interview was done' }), now);
    await form.getByLabel('Time the interview was done').fill(hhmm(now));
    await form.getByLabel('Who did the interview').fill('Independent advocate, Stockport');
    await form.getByRole('button', { name: 'Record the interview' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    assert.match(await page.locator('.govuk-error-summary').textContent(), /only when the child accepted it/);
    assert.equal(await page.getByLabel('Who did the interview').inputValue(), 'Independent advocate, Stockport');
    await expectAccessible(page, 'interview refused');
    const again = page.getByTestId('interview-form');
    await fillDate(again.getByRole('group', { name: 'Date the interview was offered' }), now);
    await again.getByLabel('Time the interview was offered').fill(hhmm(now));
    await again.getByLabel('Yes', { exact: true }).check();
    await again.getByRole('button', { name: 'Record the interview' }).click();
    await page.getByText('The return-home interview is recorded').waitFor();
    assert.match(await page.getByTestId('rhi-state').textContent(), /Interview done/);
    await expectAccessible(page, 'episode (host council user)');
  });
});

test("the placing council sees the interview and records the police's reference and risk grade", async () => {
  await as(commissioner, async (page) => {
    await nav(page, 'Missing');
    await page.getByTestId('episodes').getByRole('link', { name: /MCR-MISSING-1/ }).click();
    assert.match(await page.getByTestId('rhi-done').textContent(), /Stockport.*Independent advocate, Stockport/);
    await expectAccessible(page, 'episode (placing council)');
    await page.getByLabel('Police reference').fill('GMP-2611-0042');
    await page.getByLabel('Risk grade the police gave').selectOption({ label: 'High risk' });
    await page.getByRole('button', { name: 'Save the police details' }).click();
    await page.getByText('The episode is updated').waitFor();
    assert.match(await page.getByTestId('police-ref').textContent(), /GMP-2611-0042/);
    assert.match(await page.getByTestId('episode-summary').textContent(), /High risk/);
    await page.goto(`/placements/${placementID}`);
    assert.match(await page.getByTestId('rhi').first().textContent(), /Interview done/);
  });
});

// What the liaison must never see: the child's profile (age, sex, needs, legal status), the
// fee, the bids and the agreement.
const profile = [/\b14 years|\baged? 14\b/i, /\bage\b/i, /\bfemale\b|\bsex\b/i, /sexual exploitation|\bneeds\b/i, /section 31|legal status|care order/i,
  /£|4,200|weekly fee|\bfee\b/i, /\bbids?\b/i, /agreement/i, /Near her school/];

test('the police liaison sees the home and the episode, and not the child\'s profile', async () => {
  await as(liaison, async (page) => {
    await nav(page, 'Homes in your area');
    const lodge = page.getByTestId('police-homes').getByRole('row', { name: /Brightwater Lodge/ });
    const home = await lodge.textContent();
    for (const want of ['3 Lodge Lane', 'Heaton Mersey', 'SK4 3AA', 'Stockport', 'Bea Lodge', '0161 496 0102', 'lodge@brightwater.example', 'SC500102']) {
      assert.ok(home.includes(want), `${want} in ${home}`);
    }
    const main = page.locator('main');
    for (const never of profile) assert.doesNotMatch(await main.textContent(), never);
    await expectAccessible(page, 'police homes (liaison)');
    await shoot(page, 'police-homes');
    await nav(page, 'Missing episodes');
    const row = page.getByTestId('police-missing').getByRole('row', { name: /MCR-MISSING-1/ });
    const episode = await row.textContent();
    for (const want of ['MCR-MISSING-1', 'Manchester', 'Brightwater Lodge', 'GMP-2611-0042', 'High risk', 'Found']) {
      assert.ok(episode.includes(want), `${want} in ${episode}`);
    }
    for (const never of profile) assert.doesNotMatch(await main.textContent(), never);
    await expectAccessible(page, 'police missing episodes (liaison)');
    await shoot(page, 'police-missing');
    const episodeID = sql(hearth, `SELECT id FROM placement_incidents WHERE placement_id = ${placementID}`);
    for (const path of [`/placements/${placementID}`, `/placements/${placementID}/agreement`, `/requests/${requestID}`, `/missing/${episodeID}`]) {
      const res = await page.goto(path);
      assert.equal(res.status(), 403, path);
      for (const never of profile) assert.doesNotMatch(await page.locator('main').textContent(), never, path);
    }
  });
});
