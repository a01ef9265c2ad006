// Hearth at a phone's width: every demo account, in a 390 px wide window, follows every
// link it can reach from its home page (two of each shape, as cmd/hearth/links_test.go
// does) and no page may scroll sideways. Every page visited also passes axe-core and the
// harness's page-weight check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNTS, newPage, signIn, expectAccessible, useHearth, overflow, PHONE } from './harness.mjs';

let hearth;
let browser;

useHearth((h, b) => { hearth = h; browser = b; });

const MAX_PAGES = 40;

// shape is a link with its ids and query values left out.
function shape(href) {
  const u = new URL(href, 'http://x');
  return u.pathname.replace(/\d+/g, 'N') + '?' + [...u.searchParams.keys()].sort().join('&');
}

function followable(href) {
  if (!href.startsWith('/') || href.startsWith('//')) return false;
  const path = href.split(/[?#]/)[0];
  return !/^\/(static|assets)\//.test(path) && !path.endsWith('.csv') && !path.endsWith('/agreement') && !path.endsWith('/events');
}

for (const account of ACCOUNTS) {
  test(`${account.role}: no page scrolls sideways at 390 px`, async () => {
    const page = await newPage(browser, hearth.url, { viewport: PHONE });
    const problems = [];
    let failed = null;
    try {
      await signIn(page, account);
      const seen = new Set(['/']);
      const shapes = new Map();
      const queue = [{ href: '/', from: 'sign-in' }];
      let visited = 0;
      while (queue.length && visited < MAX_PAGES) {
        const { href, from } = queue.shift();
        const res = await page.goto(href);
        visited++;
        if (!res || res.status() >= 400) {
          problems.push(`${href} (linked from ${from}) answers ${res?.status()}`);
          continue;
        }
        if (!(res.headers()['content-type'] ?? '').startsWith('text/html')) continue; // the API's description, say
        const wide = await page.evaluate(overflow);
        if (wide) problems.push(`${href} scrolls sideways: ${wide}`); // expectAccessible checks it too, at 390 px
        try {
          await expectAccessible(page, `${href} at 390 px for ${account.role}`);
        } catch (e) {
          problems.push(e.message.split('\n').slice(0, 4).join('\n'));
        }
        const hrefs = await page.locator('a[href]:not([download])').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        for (let h of hrefs) {
          if (!followable(h)) continue;
          h = h.split('#')[0];
          if (seen.has(h)) continue;
          seen.add(h);
          const s = shape(h);
          if ((shapes.get(s) ?? 0) < 2) {
            shapes.set(s, (shapes.get(s) ?? 0) + 1);
            queue.push({ href: h, from: href });
          }
        }
      }
      console.log(`${account.role}: ${visited} pages at 390 px`);
    } catch (e) {
      failed = e;
    }
    try {
      await page.context().close(); // the harness's page-weight check
    } catch (e) {
      problems.push(e.message.split('\n\n')[0]);
    }
    if (failed) throw failed;
    assert.deepEqual(problems, [], `${account.role} at 390 px:\n${problems.join('\n')}`);
  });
}
