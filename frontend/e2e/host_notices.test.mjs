// Issue 12 end to end: a placement into a council outside the consortium (Derbyshire,
// with no Hearth users) sends the host notice to its statutory notification mailbox —
// seen here by a small SMTP capture server — and the acknowledgement link in it works
// once, without an account. The placing council sees the acknowledgement.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { ACCOUNTS, expectAccessible, hearthCommand, sql, asUser, useHearth, newPage } from './harness.mjs';

// The capture server: every message Hearth sends, parsed.
const mails = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, session, done) {
    simpleParser(stream).then((m) => {
      mails.push({ to: session.envelope.rcptTo.map((r) => r.address), subject: m.subject, text: m.text });
      done();
    }, done);
  },
});
const smtpPort = await new Promise((resolve, reject) => {
  const probe = net.createServer();
  probe.listen(0, '127.0.0.1', () => { const { port } = probe.address(); probe.close(() => resolve(port)); });
  probe.on('error', reject);
});
await new Promise((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
after(() => new Promise((resolve) => smtp.close(resolve)));

let hearth;
let browser;
useHearth((h, b) => { hearth = h; browser = b; }, {
  env: { SMTP_ADDR: `127.0.0.1:${smtpPort}`, SMTP_STARTTLS: 'false', HEARTH_MAIL_KEY: randomBytes(32).toString('base64') },
});

const commissioner = ACCOUNTS.find((a) => a.role === 'commissioner');
const brightwater = ACCOUNTS.find((a) => a.role === 'provider_admin');
const approver = ACCOUNTS.find((a) => a.role === 'approver');
const as = (account, f) => asUser(browser, hearth, account, f);

async function waitForMail(to, subject, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = mails.find((x) => x.to.includes(to) && subject.test(x.subject));
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${subject}; captured: ${mails.map((x) => `${x.to} ${x.subject}`).join('; ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function api(token, method, path, body) {
  return fetch(hearth.url + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) })
    .then(async (r) => ({ status: r.status, body: await r.json() }));
}

let ackLink;
let placementID;

test('Derbyshire is outside the consortium, has no council staff on Hearth, and has a notification mailbox', () => {
  assert.equal(sql(hearth, "SELECT consortium_id IS NULL FROM organisations WHERE name = 'Derbyshire'"), 't');
  // The demo's only Derbyshire account is a host-council user; no commissioner or approver.
  assert.equal(sql(hearth, "SELECT count(*) FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE o.name = 'Derbyshire' AND u.role <> 'host_council_user'"), '0');
  assert.equal(sql(hearth, "SELECT m.email FROM council_mailboxes m JOIN organisations o ON o.id = m.council_id WHERE o.name = 'Derbyshire'"), 'notices@derbyshire.example');
});

test('a placement into Derbyshire is awarded and approved; the host notice reaches its mailbox', async () => {
  // Brightwater lists a home in Buxton (SK17, Derbyshire) with a bed free.
  await as(brightwater, async (page) => {
    await page.goto('/homes/upload');
    await page.getByLabel('CSV file').setInputFiles({ name: 'homes.csv', mimeType: 'text/csv', buffer: Buffer.from(
      'name,ofsted_urn,home_type,ofsted_rating,inspection_date,registered_places,min_age,max_age,sexes,postcode,needs,lots\n'
      + 'Peak View,SC500901,childrens_home,good,2025-05-01,3,11,17,any,SK17 6AA,cse_risk;missing_episodes,residential\n') });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByText('1 rows were uploaded').waitFor();
    await page.goto('/homes/vacancies/upload');
    await page.getByLabel('CSV file').setInputFiles({ name: 'vacancies.csv', mimeType: 'text/csv', buffer: Buffer.from('ofsted_urn,beds_free,next_free_date,next_free_beds\nSC500901,1,,\n') });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByText('1 rows were uploaded').waitFor();
  });

  const councilToken = hearthCommand(hearth, 'token', 'create', '--email', commissioner.email, '--name', 'e2e');
  const now = new Date();
  const created = await api(councilToken, 'POST', '/api/v1/requests', {
    child_ref: 'MCR-PEAK-1', age_years: 14, birth_month: now.getMonth() + 1, birth_year: now.getFullYear() - 14, sex: 'female',
    needs: ['cse_risk'], legal_status: 's31', home_outcode: 'M14', within_miles: 40, lot_id: 1, tier: 'standard',
    start_date: new Date(Date.now() + 7 * 864e5).toISOString().slice(0, 10), duration_weeks: 26,
    deadline: new Date(Date.now() + 3 * 3600e3).toISOString().replace(/\.\d+Z$/, 'Z'),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const requestID = created.body.id;
  const submitted = await api(councilToken, 'POST', `/api/v1/requests/${requestID}/submit`);
  assert.equal(submitted.status, 200, JSON.stringify(submitted.body));

  const providerToken = hearthCommand(hearth, 'token', 'create', '--email', brightwater.email, '--name', 'e2e');
  const homeID = Number(sql(hearth, "SELECT id FROM homes WHERE ofsted_urn = 'SC500901'"));
  const bid = await api(providerToken, 'PUT', `/api/v1/invitations/${requestID}/bid`, {
    home_id: homeID, earliest_start: new Date(Date.now() + 7 * 864e5).toISOString().slice(0, 10), weekly_fee_pence: 480000, notice_days: 28,
  });
  assert.ok([200, 201].includes(bid.status), JSON.stringify(bid.body));

  sql(hearth, `UPDATE placement_requests SET submitted_at = now() - interval '3 hours', deadline = now() - interval '1 second' WHERE id = ${requestID}`);
  sql(hearth, `UPDATE placement_requests SET status = 'closed', closed_at = now() WHERE id = ${requestID}`);
  await as(commissioner, async (page) => {
    await page.goto(`/requests/${requestID}`);
    await page.getByTestId('evaluation').waitFor();
    assert.equal(await page.getByTestId('no-host-mailbox').count(), 0, 'Derbyshire has a mailbox: no warning');
    await page.getByRole('button', { name: 'Award to Peak View' }).click();
    await page.getByLabel("No suitable home in the council's area").check(); // out of area: the return asks why
    await page.getByRole('button', { name: 'Award the placement' }).click();
    await page.getByText('waits for your council').waitFor();
  });
  placementID = Number(sql(hearth, `SELECT id FROM placements WHERE request_id = ${requestID}`));

  // The approver approves through the API, with what regulation 11 asks recorded.
  const approverToken = hearthCommand(hearth, 'token', 'create', '--email', approver.email, '--name', 'e2e');
  const today = new Date().toISOString().slice(0, 10);
  const decided = await api(approverToken, 'POST', `/api/v1/approvals/${placementID}`, {
    decision: 'approve', wishes_consulted: true, wishes_on: today, iro_consulted: true, iro_on: today, host_consulted: true, host_on: today, emergency: false,
  });
  assert.equal(decided.status, 200, JSON.stringify(decided.body));

  const mail = await waitForMail('notices@derbyshire.example', /^Placement into your area: Peak View/);
  assert.match(mail.text, /Manchester is placing a child in Peak View/);
  assert.match(mail.text, /MCR-PEAK-1/);
  const m = mail.text.match(/(http:\/\/127\.0\.0\.1:\d+\/notices\/ack\/[A-Za-z0-9_-]{43})\s/);
  assert.ok(m, `no acknowledgement link in:\n${mail.text}`);
  ackLink = m[1];
  // The outbox never held the working link.
  assert.equal(sql(hearth, `SELECT count(*) FROM emails WHERE position('${ackLink.split('/').pop()}' in body) > 0`), '0');
});

test('the acknowledgement link needs no account, shows the notice and works once', async () => {
  const page = await newPage(browser, hearth.url);
  try {
    await page.goto(ackLink);
    await page.getByRole('heading', { name: /Placement into your area: Peak View/ }).waitFor();
    assert.match(await page.getByTestId('notice-body').textContent(), /Peak View/);
    await expectAccessible(page, 'notice acknowledgement');
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByTestId('acknowledged').waitFor();
    await expectAccessible(page, 'notice acknowledged');

    const again = await page.goto(ackLink);
    assert.equal(again.status(), 410);
    await page.getByRole('heading', { name: 'This link has already been used' }).waitFor();
    assert.doesNotMatch(await page.locator('main').textContent(), /Peak View|MCR-PEAK-1/);
    await expectAccessible(page, 'used acknowledgement link');

    const guessed = await page.goto(`${hearth.url}/notices/ack/${randomBytes(32).toString('base64url')}`);
    assert.equal(guessed.status(), 404);
    assert.deepEqual(page.externalRequests, []);
  } finally {
    await page.context().close();
  }

  await as(commissioner, async (page) => {
    await page.goto(`/placements/${placementID}`);
    const notices = await page.getByTestId('host-notices').textContent();
    assert.match(notices, /Acknowledged/);
    await expectAccessible(page, 'placement with the host notice acknowledged');
  });
});
