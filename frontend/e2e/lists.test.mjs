// Issue 14, lists people can work with: a commissioner narrows the requests list with
// the filter panel (search and a status checkbox), sees the chosen filters as tags and
// the count, sorts by a column (aria-sort), removes a filter by its tag, and the back
// button brings the filtered list back, because the filters live in the address. A
// bad filter in the address is a 400 page with the error beside the panel. The child
// search finds the child. axe checks every page, and at 390 px no page scrolls sideways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, expectAccessible, hearthCommand, asUser, useHearth } from './harness.mjs';

let hearth;
let browser;
useHearth((h, b) => { hearth = h; browser = b; });

const commissioner = ACCOUNTS.find((a) => a.role === 'commissioner');

async function noSidewaysScroll(page, what) {
  const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(over, 0, `${what} scrolls sideways by ${over}px at ${page.viewportSize().width}px`);
}

test('a commissioner filters, sorts and pages the requests list from its address, and finds a child', async () => {
  const token = hearthCommand(hearth, 'token', 'create', '--email', commissioner.email, '--name', 'e2e-lists');
  const post = (path, body) => fetch(hearth.url + path, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) })
    .then(async (r) => ({ status: r.status, body: await r.json() }));
  const now = new Date();
  for (const [i, ref] of ['MCR-LIST-A1', 'MCR-LIST-B2', 'MCR-LIST-A3'].entries()) {
    const created = await post('/api/v1/requests', {
      child_ref: ref, age_years: 14, birth_month: now.getMonth() + 1, birth_year: now.getFullYear() - 14, sex: 'female',
      needs: ['cse_risk'], legal_status: 's31', home_outcode: 'M14', within_miles: 40, lot_id: 1, tier: 'standard',
      start_date: new Date(Date.now() + 7 * 864e5).toISOString().slice(0, 10), duration_weeks: 26,
      deadline: new Date(Date.now() + (3 + i) * 3600e3).toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    assert.equal(created.status, 201);
    if (ref !== 'MCR-LIST-B2') assert.equal((await post(`/api/v1/requests/${created.body.id}/submit`)).status, 200);
  }

  await asUser(browser, hearth, commissioner, async (page) => {
    const rows = () => page.getByTestId('requests').locator('tbody tr td:first-child').allTextContents();
    await page.goto('/requests');
    await expectAccessible(page, 'the requests list');

    // Search and a status checkbox, then "Apply filters".
    const panel = page.getByTestId('filter-panel');
    await panel.getByLabel("Child's reference").fill('LIST');
    await panel.getByLabel('Open for responses').check();
    await panel.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL((u) => u.searchParams.get('status') === 'open' && u.searchParams.get('q') === 'LIST');
    assert.equal(await page.getByTestId('result-count').textContent(), '2 requests match your filters');
    assert.deepEqual((await rows()).map((s) => s.trim()), ['MCR-LIST-A3', 'MCR-LIST-A1']);
    await expectAccessible(page, 'the filtered requests list');

    // Sort by the child's reference: ascending, then descending, as aria-sort says.
    const header = page.getByRole('columnheader', { name: "Child's reference" });
    await header.getByRole('link').click();
    await page.waitForURL((u) => u.searchParams.get('sort') === 'child');
    assert.equal(await header.getAttribute('aria-sort'), 'ascending');
    assert.deepEqual((await rows()).map((s) => s.trim()), ['MCR-LIST-A1', 'MCR-LIST-A3']);
    await header.getByRole('link').click();
    await page.waitForURL((u) => u.searchParams.get('order') === 'desc');
    assert.equal(await header.getAttribute('aria-sort'), 'descending');
    assert.deepEqual((await rows()).map((s) => s.trim()), ['MCR-LIST-A3', 'MCR-LIST-A1']);

    // Remove the status filter by its tag: the draft shows again, still sorted.
    await page.getByRole('link', { name: 'Remove filter Status: Open for responses' }).click();
    await page.waitForURL((u) => !u.searchParams.has('status'));
    assert.deepEqual((await rows()).map((s) => s.trim()), ['MCR-LIST-B2', 'MCR-LIST-A3', 'MCR-LIST-A1']);

    // The back button brings the filtered list back.
    await page.goBack();
    await page.waitForURL((u) => u.searchParams.get('status') === 'open');
    assert.equal(await page.getByTestId('result-count').textContent(), '2 requests match your filters');
    assert.ok(await page.getByTestId('filter-panel').getByLabel('Open for responses').isChecked());

    // A bad filter in the address: a 400 page, the error beside the panel, the rest kept.
    const bad = await page.goto('/requests?status=Opened&q=LIST-B');
    assert.equal(bad.status(), 400);
    await page.getByRole('link', { name: /is not one of the choices/ }).first().waitFor();
    assert.deepEqual((await rows()).map((s) => s.trim()), ['MCR-LIST-B2']);
    await expectAccessible(page, 'the requests list with a bad filter');

    // Every list at 390 px: no sideways scroll (tables scroll in their own region).
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/requests?q=LIST', '/placements', '/notices', '/children/search?q=LIST']) {
      await page.goto(path);
      await noSidewaysScroll(page, path);
    }
    await page.setViewportSize({ width: 1280, height: 800 });

    // The child search from the menu finds the child's request.
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Find a child', exact: true }).click();
    await page.getByLabel("Child's reference").fill('list-a3');
    await page.getByRole('button', { name: 'Search' }).click();
    assert.equal(await page.getByTestId('result-count').textContent(), '1 record for “list-a3”');
    await page.getByRole('heading', { name: 'MCR-LIST-A3' }).waitFor();
    await expectAccessible(page, 'the child search');
  });
});
