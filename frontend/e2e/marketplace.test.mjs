// Issue 3 in a real browser: a provider signs up and applies to the framework, the
// consortium admin admits it, the provider adds a home and a vacancy, and a commissioner
// finds it on the board and the map by distance, then watches the board update live
// when the provider changes the vacancy. axe-core checks every page on the way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, newPage, signIn, expectAccessible, hearthCommand, useHearth } from './harness.mjs';

let hearth;
let browser;
let provider; // the new provider's page, kept signed in across steps

useHearth((h, b) => { hearth = h; browser = b; });

const admin = ACCOUNTS.find((a) => a.role === 'consortium_admin');
const commissioner = ACCOUNTS.find((a) => a.role === 'commissioner');

test('a provider signs up and applies to the framework', async () => {
  provider = await newPage(browser, hearth.url);
  await provider.goto('/providers/sign-up');
  await expectAccessible(provider, 'provider sign-up');
  await provider.getByLabel('Organisation name').fill('Kestrel Care (browser test)');
  await provider.getByLabel('Company (Companies House)').check();
  await provider.getByLabel('Company or charity number').fill('0123 4567');
  await provider.getByLabel('Contact name').fill('Kim Kestrel');
  await provider.getByLabel('Contact email address').fill('kim@kestrel.example');
  await provider.getByLabel('Contact telephone number').fill('0161 496 0999');
  await provider.getByLabel('Your full name').fill('Kim Kestrel');
  await provider.getByLabel('Your email address').fill('kim@kestrel.example');
  await provider.getByLabel('Choose a password').fill('short');
  await provider.getByRole('button', { name: 'Register' }).click();
  await provider.locator('.govuk-error-summary').waitFor();
  assert.equal(await provider.getByLabel('Organisation name').inputValue(), 'Kestrel Care (browser test)');
  await expectAccessible(provider, 'sign-up with errors');
  await provider.getByLabel('Choose a password').fill('kestrel nests on cliffs');
  await provider.getByRole('button', { name: 'Register' }).click();
  // The answer is the same whether or not the email has an account: check your email.
  await provider.getByRole('heading', { name: 'Check your email' }).waitFor();
  await expectAccessible(provider, 'sign-up sent');
  await signIn(provider, { email: 'kim@kestrel.example', password: 'kestrel nests on cliffs' });
  await provider.goto('/provider/frameworks');
  await expectAccessible(provider, 'provider frameworks');
  await provider.getByRole('link', { name: 'North West Placements DPS (demo)' }).click();
  await expectAccessible(provider, 'application task list');
  await provider.getByRole('link', { name: 'Choose lots' }).click();
  await expectAccessible(provider, 'choose lots');
  await provider.getByLabel('Residential (shared homes)').check();
  await provider.getByRole('button', { name: 'Save and continue' }).click();
  await provider.getByRole('link', { name: 'Make your declarations' }).click();
  await expectAccessible(provider, 'declarations');
  await provider.getByLabel('Yes').check();
  const year = new Date().getFullYear();
  const insurance = provider.getByRole('group', { name: /insurance expire/ });
  await insurance.getByLabel('Day').fill('31');
  await insurance.getByLabel('Month').fill('3');
  await insurance.getByLabel('Year').fill(String(year + 1));
  const policy = provider.getByRole('group', { name: /safeguarding policy/ });
  await policy.getByLabel('Day').fill('1');
  await policy.getByLabel('Month').fill('4');
  await policy.getByLabel('Year').fill(String(year - 1));
  await provider.getByLabel('Name of your responsible individual').fill('Robin Responsible');
  await provider.getByRole('button', { name: 'Save and continue' }).click();
  await provider.getByRole('link', { name: 'Check your answers and submit' }).click();
  await expectAccessible(provider, 'check your answers');
  await provider.getByRole('button', { name: 'Accept and send' }).click();
  await provider.getByText('Your application has been submitted').waitFor();
});

test('the consortium admin admits the provider to the lot with a reason', async () => {
  const page = await newPage(browser, hearth.url);
  await signIn(page, admin);
  await page.getByRole('link', { name: 'Frameworks', exact: true }).click();
  await expectAccessible(page, 'admin frameworks');
  await page.getByRole('link', { name: 'North West Placements DPS (demo)' }).click();
  await expectAccessible(page, 'admin framework');
  await page.getByRole('link', { name: 'Kestrel Care (browser test)' }).click();
  await expectAccessible(page, 'admin application');
  await page.getByLabel('Admit to this lot').check();
  await page.getByRole('button', { name: /Record decision/ }).click();
  await page.locator('.govuk-error-summary').waitFor(); // a reason is required
  await expectAccessible(page, 'decision without reason');
  await page.getByLabel('Admit to this lot').check();
  await page.getByLabel('Reason (the provider will see it)').fill('Good Ofsted history and complete declarations');
  await page.getByRole('button', { name: /Record decision/ }).click();
  await page.getByText(/has been recorded and the provider emailed/).waitFor();
  await page.context().close();
});

let homeId;

test('the provider adds a home and publishes a vacancy', async () => {
  await provider.getByRole('link', { name: 'Homes', exact: true }).click();
  await expectAccessible(provider, 'homes');
  await provider.getByRole('button', { name: 'Add a home' }).click();
  await expectAccessible(provider, 'add a home');
  await provider.getByLabel('Name of the home').fill('Kestrel House');
  await provider.getByLabel('Ofsted URN').fill('SC654321');
  await provider.getByLabel('Type of home').selectOption('childrens_home');
  await provider.getByLabel('Latest Ofsted rating').selectOption('good');
  const insp = provider.getByRole('group', { name: /Date of that inspection/ });
  await insp.getByLabel('Day').fill('12');
  await insp.getByLabel('Month').fill('5');
  await insp.getByLabel('Year').fill('2025');
  await provider.getByLabel('Registered places').fill('3');
  await provider.getByLabel('Youngest age accepted').fill('11');
  await provider.getByLabel('Oldest age accepted').fill('17');
  await provider.getByLabel('Boys and girls').check();
  await provider.getByLabel('Residential (shared homes)').check();
  await provider.getByLabel('Risk of child sexual exploitation').check();
  await provider.getByLabel('Full postcode').fill('m14 6ab');
  await provider.getByRole('button', { name: 'Save home' }).click();
  await provider.getByText('Kestrel House has been saved').waitFor();
  homeId = new URL(provider.url()).pathname.split('/').pop();
  await expectAccessible(provider, 'home page');
  await provider.getByLabel('Beds free now').fill('1');
  await provider.getByRole('button', { name: 'Confirm vacancy' }).click();
  await provider.getByText('The vacancy for Kestrel House has been updated').waitFor();
  await provider.goto('/homes/upload');
  await expectAccessible(provider, 'upload homes');
});

test('a commissioner finds it by distance on the board and map, and the board updates live', async () => {
  const page = await newPage(browser, hearth.url);
  await signIn(page, commissioner);
  await page.getByRole('link', { name: 'Vacancies' }).click();
  await expectAccessible(page, 'vacancy board');
  await page.getByLabel("Child's home postcode district").fill('M1');
  await page.getByLabel('Within (miles)').fill('5');
  await page.getByLabel('Sort by').selectOption('distance');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/within=5/);
  await expectAccessible(page, 'filtered board');
  const card = page.locator(`#home-${homeId}`);
  await card.waitFor();
  assert.match(await card.textContent(), /M14, Manchester/);
  assert.doesNotMatch(await page.content(), /M14 6AB/); // the full postcode stays with the provider
  assert.match(await card.getByTestId('beds').textContent(), /1 free now/);
  // Far homes are filtered out: Fellside is in Kendal.
  assert.equal(await page.getByText('Fellside').count(), 0);
  // The board pages its cards and leaves the map until asked: opening "Show these homes
  // on a map" fetches it in place.
  assert.equal(await page.locator('a.hearth-map__area').count(), 0);
  await page.getByText('Show these homes on a map').click();
  const point = page.locator(`a.hearth-map__home[data-home="${homeId}"]`);
  await point.waitFor();
  await expectAccessible(page, 'board with its map open');
  // Selecting the home's point brings its row in the map's list of homes into view.
  await point.click();
  assert.equal(new URL(page.url()).hash, `#map-home-${homeId}`);
  // Council areas are drawn from the ONS boundaries: each is reachable by keyboard and
  // named below the map when focused; the licence notice is under the map.
  const wigan = page.locator('a.hearth-map__area', { has: page.locator('[data-council="E08000010"]') });
  await wigan.focus();
  assert.match(await page.locator('#map-focus-name').textContent(), /^Wigan: \d+ beds? free$/);
  assert.match(await page.getByTestId('map-attribution').textContent(), /Contains OS data © Crown copyright/);
  // Zooming out to England opens the map page, keeping the filters: the home is still
  // the one found.
  await page.getByRole('link', { name: 'England', exact: true }).click();
  await page.waitForURL(/\/board\/map\?.*map=national/);
  assert.match(page.url(), /within=5/);
  await page.locator(`a.hearth-map__home[data-home="${homeId}"]`).waitFor();
  assert.equal(await page.locator('a.hearth-map__area').count(), 153);
  await expectAccessible(page, 'map of England');
  await page.getByRole('link', { name: 'Back to the list of homes' }).click();
  await page.waitForURL(/\/board\?.*within=5/);
  // Live: wait until the event stream is connected, then the provider changes the vacancy.
  // The change arrives as a delta: the home's card is swapped, every other card and the
  // page itself stay as they were (no reload of the page or of the results).
  await page.waitForFunction(() => document.getElementById('board-results').dataset.live === 'connected');
  await page.evaluate(() => {
    window.stillThisPage = true;
    for (const card of document.querySelectorAll('[data-testid="home-card"]')) card.kept = true;
  });
  const others = await page.locator('[data-testid="home-card"]').count() - 1;
  const changed = Date.now();
  await provider.goto(`/homes/${homeId}`);
  await provider.getByLabel('Beds free now').fill('2');
  await provider.getByRole('button', { name: 'Confirm vacancy' }).click();
  await provider.getByText('has been updated').waitFor();
  await page.locator(`#home-${homeId} [data-testid=beds]`, { hasText: '2 free now' }).waitFor({ timeout: 5000 });
  const took = Date.now() - changed;
  console.log(`board updated ${took} ms after the provider's change (including the provider's page load)`);
  assert.ok(took < 5000);
  const after = await page.evaluate((id) => ({
    stillThisPage: window.stillThisPage === true,
    deltas: document.getElementById('board-results').dataset.deltas,
    reloaded: document.getElementById('board-results').dataset.reloaded,
    kept: [...document.querySelectorAll('[data-testid="home-card"]')].filter((c) => c.kept).map((c) => c.id),
    changedKept: document.getElementById(`home-${id}`).kept === true,
  }), homeId);
  assert.ok(Number(after.deltas) >= 1, 'the card came in a delta');
  assert.deepEqual({ ...after, deltas: undefined }, { stillThisPage: true, deltas: undefined, reloaded: undefined, kept: after.kept, changedKept: false });
  assert.equal(after.kept.length, others, 'every other card stayed in place');
  assert.match(await page.locator('#board-updated').textContent(), /Updated at/);
  await expectAccessible(page, 'board after live update');
  assert.deepEqual(page.externalRequests, []);
  await page.context().close();
});

test('the provider answers a placement request that its home fits with a sealed bid', async () => {
  // A commissioner's system submits a request through the API (token from the CLI, which
  // shares the running server's database).
  const token = hearthCommand(hearth, 'token', 'create', '--email', commissioner.email, '--name', 'e2e');
  const api = (path, body) => fetch(hearth.url + path, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) })
    .then(async (r) => ({ status: r.status, body: await r.json() }));
  const now = new Date();
  const lotId = 1; // the demo framework's first lot, residential, in this test's fresh database
  const created = await api('/api/v1/requests', {
    child_ref: 'MCR-E2E-1', age_years: 14, birth_month: now.getMonth() + 1, birth_year: now.getFullYear() - 14, sex: 'female',
    needs: ['cse_risk'], legal_status: 's31', home_outcode: 'M14', within_miles: 10, lot_id: lotId, tier: 'standard',
    start_date: new Date(Date.now() + 7 * 864e5).toISOString().slice(0, 10), duration_weeks: 26,
    deadline: new Date(Date.now() + 3 * 3600e3).toISOString().replace(/\.\d+Z$/, 'Z'),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const submitted = await api(`/api/v1/requests/${created.body.id}/submit`);
  assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
  assert.ok(submitted.body.invited.some((i) => i.provider === 'Kestrel Care (browser test)'));

  provider = await newPage(browser, hearth.url);
  await signIn(provider, { email: 'kim@kestrel.example', password: 'kestrel nests on cliffs' });
  await provider.getByRole('link', { name: 'Requests', exact: true }).click();
  await expectAccessible(provider, 'invitations');
  await provider.getByRole('link', { name: `Request ${created.body.id}` }).click();
  await expectAccessible(provider, 'invitation');
  assert.doesNotMatch(await provider.content(), /MCR-E2E-1/);
  await provider.getByLabel(/Kestrel House/).check();
  await provider.getByLabel('Weekly core fee (£)').fill('6,200');
  await provider.getByRole('button', { name: 'Send sealed bid' }).click();
  await provider.locator('.govuk-error-summary').waitFor(); // no start date; above the ceiling
  assert.equal(await provider.getByLabel('Weekly core fee (£)').inputValue(), '6,200');
  await expectAccessible(provider, 'bid with errors');
  const start = new Date(Date.now() + 7 * 864e5);
  const when = provider.getByRole('group', { name: 'Earliest start date' });
  await when.getByLabel('Day').fill(String(start.getDate()));
  await when.getByLabel('Month').fill(String(start.getMonth() + 1));
  await when.getByLabel('Year').fill(String(start.getFullYear()));
  await provider.getByLabel('Weekly core fee (£)').fill('4,950');
  const note = 'Waking night staff trained in CSE, and a key worker the child already knows.';
  await provider.getByLabel('How you will meet: Risk of child sexual exploitation').fill(note);
  await provider.getByRole('button', { name: 'Send sealed bid' }).click();
  await provider.getByText('Your bid has been sent').waitFor();
  await expectAccessible(provider, 'invitation with a bid');
  // Changing the bid keeps its notes on each need: the form shows them, and saving a
  // changed fee stores them again rather than dropping them.
  await provider.reload();
  await provider.getByRole('heading', { name: 'Change your bid' }).waitFor();
  assert.equal(await provider.getByLabel('How you will meet: Risk of child sexual exploitation').inputValue(), note);
  await provider.getByLabel('Weekly core fee (£)').fill('4,900');
  await provider.getByRole('button', { name: 'Send sealed bid' }).click();
  await provider.locator('.govuk-notification-banner').waitFor();
  await provider.reload();
  assert.equal(await provider.getByLabel('How you will meet: Risk of child sexual exploitation').inputValue(), note);
  assert.match(await provider.getByLabel('Weekly core fee (£)').inputValue(), /^4,?900(\.00)?$/);
  await provider.context().close();

  // The commissioner sees whom the request reached and only the count of sealed bids.
  const page = await newPage(browser, hearth.url);
  await signIn(page, commissioner);
  await page.getByRole('link', { name: 'Requests', exact: true }).click();
  await expectAccessible(page, 'requests');
  await page.getByRole('link', { name: 'MCR-E2E-1' }).click();
  await page.getByTestId('sealed').waitFor();
  assert.match(await page.getByTestId('sealed').textContent(), /1 bid/);
  assert.doesNotMatch(await page.content(), /£4,9[05]0/);
  assert.match(await page.getByTestId('invited').textContent(), /Kestrel Care/);
  await expectAccessible(page, 'request while sealed');
  await page.context().close();
});

test('a commissioner writes a request in three pages, checks it and sends it', async () => {
  const page = await newPage(browser, hearth.url);
  await signIn(page, commissioner);
  await page.getByRole('link', { name: 'Requests', exact: true }).click();
  await page.getByRole('button', { name: 'Write a request' }).click();
  await expectAccessible(page, 'request: the child');
  await page.getByLabel("Your council's reference for the child").fill('MCR-E2E-2');
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await page.locator('.govuk-error-summary').waitFor();
  assert.equal(await page.getByLabel("Your council's reference for the child").inputValue(), 'MCR-E2E-2');
  await expectAccessible(page, 'request: the child, with errors');
  const now = new Date();
  await page.getByLabel('Age in years').fill('15');
  await page.getByLabel('Month', { exact: true }).fill(String(now.getMonth() + 1));
  await page.getByLabel('Year', { exact: true }).fill(String(now.getFullYear() - 15));
  await page.getByLabel('Male', { exact: true }).check();
  await page.getByLabel('Section 20 (accommodated)').check();
  await page.getByLabel('Religion (optional)').fill('Muslim');
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await page.waitForURL('**/edit/needs');
  await page.getByText('Step 2 of 3').waitFor();
  await expectAccessible(page, 'request: needs');
  await page.getByLabel('History of going missing').check();
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await page.waitForURL('**/edit/placement');
  await expectAccessible(page, 'request: placement');
  await page.getByLabel('Postcode district of the child').fill('M14');
  await page.getByLabel('Must be within (miles)').fill('25');
  await page.getByLabel('Lot').selectOption({ label: 'Residential (shared homes)' });
  await page.getByLabel('Standard').check();
  const start = new Date(Date.now() + 10 * 864e5);
  const startGroup = page.getByRole('group', { name: 'Wanted start date' });
  await startGroup.getByLabel('Day').fill(String(start.getDate()));
  await startGroup.getByLabel('Month').fill(String(start.getMonth() + 1));
  await startGroup.getByLabel('Year').fill(String(start.getFullYear()));
  await page.getByLabel('Expected duration (weeks)').fill('52');
  const due = new Date(Date.now() + 26 * 3600e3);
  const dueGroup = page.getByRole('group', { name: 'Providers must respond by (date)' });
  await dueGroup.getByLabel('Day').fill(String(due.getDate()));
  await dueGroup.getByLabel('Month').fill(String(due.getMonth() + 1));
  await dueGroup.getByLabel('Year').fill(String(due.getFullYear()));
  await page.getByLabel('Providers must respond by (time)').fill('17:30');
  await page.getByRole('button', { name: 'Save and check your answers' }).click();
  await page.getByRole('heading', { name: 'Check your answers before sending' }).waitFor();
  await expectAccessible(page, 'request: check your answers');
  // Every answer has its own Change link, to its page and field, and the page comes back.
  assert.match(await page.getByTestId('answers-child').textContent(), /Muslim/);
  assert.match(await page.getByTestId('answers-placement').textContent(), /Residential \(shared homes\)/);
  await page.getByRole('link', { name: 'Change religion' }).click();
  await page.waitForURL(/\/edit\/child\?check=1#religion$/);
  await page.getByText('Step 1 of 3').waitFor();
  assert.equal(await page.getByLabel('Religion (optional)').inputValue(), 'Muslim');
  assert.equal(await page.getByLabel('Age in years').inputValue(), '15');
  await page.getByLabel('Religion (optional)').fill('Sikh');
  await page.getByRole('button', { name: 'Save and check your answers' }).click();
  await page.getByRole('heading', { name: 'Check your answers before sending' }).waitFor();
  assert.match(await page.getByTestId('answers-child').textContent(), /Sikh/);
  await page.getByRole('link', { name: 'Change providers must respond by' }).click();
  await page.waitForURL(/\/edit\/placement\?check=1#deadline-day$/);
  await page.getByRole('link', { name: 'Back' }).click();
  await page.getByRole('heading', { name: 'Check your answers before sending' }).waitFor();
  await page.getByRole('button', { name: 'Send to providers' }).click();
  await page.getByText('The request has been sent to every provider with a home that fits').waitFor();
  await expectAccessible(page, 'request: sent');
  assert.deepEqual(page.externalRequests, []);
  await page.context().close();
});
