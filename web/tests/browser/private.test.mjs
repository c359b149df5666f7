// SPDX-License-Identifier: LGPL-2.1-or-later
// Private results: a company logged in sees its own sessions' verdicts and
// console and nothing of the others'; a wrong password is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { World, waitFor } from './world.mjs';
import { publishEvent, consoleLine, operatorLine, report, VERDICTS } from './event-data.mjs';

let world;
let browser;
let daemon;
let list;

before(async () => {
  // the daemon is not needed here: sessions are published as its account
  world = await World.create('private', { daemon: false });
  daemon = await world.client('testfestd');
  list = await publishEvent(world, daemon);
  browser = await world.browser();
}, { timeout: 60000 });

after(async () => {
  await world?.close();
});

async function loginAs(user, password) {
  const page = await world.page(browser);
  await page.waitForSelector('#conn[data-state="live"]', { timeout: 10000 });
  await page.fill('#user', user);
  await page.fill('#password', password ?? world.passwords.get(user));
  await page.click('#login-btn');
  return page;
}

const byId = (id) => list.find((s) => s.id === id);

test('company A sees its verdicts and console, none of B\'s', { timeout: 60000 }, async () => {
  const page = await loginAs('acme');
  await page.waitForSelector('#tab-results:not([hidden])', { timeout: 10000 });
  await page.click('#tab-results');
  await page.waitForSelector('.matrix th[data-session="acme-c--kiwi-s"]', { timeout: 10000 });
  // acme's sessions: the closed one, the running one with kiwi, the re-planned one with lumen
  await page.waitForFunction(() => window.tfDebug.store.reports.size === 4, null, { timeout: 5000 });
  await page.waitForFunction(() => document.querySelectorAll('.matrix tbody th[data-session]').length === 4,
    null, { timeout: 10000 });
  const cols = await page.locator('.matrix tbody th[data-session]').evaluateAll((ths) => ths.map((t) => t.dataset.session));
  assert.deepEqual(cols.sort(), ['acme-c--kiwi-s', 'acme-c--lumen-s', 'kiwi-c--acme-s', 'lumen-c--acme-s']);
  const cell = (s, c) => page.locator(`.matrix td[data-session="${s}"][data-case="${c}"]`);
  assert.match(await cell('acme-c--kiwi-s', 101).getAttribute('class'), /v-pass/);
  assert.match(await cell('acme-c--kiwi-s', 102).getAttribute('class'), /v-fail/);
  assert.match(await cell('acme-c--kiwi-s', 102).innerText(), /⚠/); // disputed
  assert.match(await cell('acme-c--kiwi-s', 103).getAttribute('class'), /v-open/);
  assert.match(await cell('acme-c--kiwi-s', 201).getAttribute('class'), /v-inconclusive/);
  assert.match(await cell('acme-c--kiwi-s', 202).getAttribute('class'), /v-out-of-time/);

  // console: B's line goes out first, then A's; one publisher, one
  // subscriber: once A's line is on the page, B's would have come before it
  await consoleLine(world, daemon, byId('kiwi-c--lumen-s'), 'SECRET of kiwi and lumen');
  for (let i = 1; i <= 3; i++) await consoleLine(world, daemon, byId('acme-c--kiwi-s'), `acme line ${i}`);
  await page.waitForSelector('.console-panel[data-session="acme-c--kiwi-s"] pre:has-text("acme line 3")', { timeout: 5000 });
  const text = await page.locator('body').innerText();
  assert.doesNotMatch(text, /kiwi-c--lumen-s|SECRET/);
  assert.equal(await page.evaluate(() => window.tfDebug.store.reports.has('kiwi-c--lumen-s')), false);
  assert.equal(await page.evaluate(() => window.tfDebug.store.consoles.has('kiwi-c--lumen-s')), false);
  assert.deepEqual(await page.evaluate(() => [...window.tfDebug.store.consoles.keys()]), ['acme-c--kiwi-s']);
  await world.screenshot(page, 'results-acme');
  assert.deepEqual(page.errors, []);

  // logging out forgets everything private
  await page.click('#logout-btn');
  await page.waitForSelector('#tab-results[hidden]', { state: 'attached', timeout: 5000 });
  assert.equal(await page.evaluate(() => window.tfDebug.store.reports.size), 0);
  assert.equal(await page.evaluate(() => window.tfDebug.store.consoles.size), 0);
  await page.context().close();
});

test('automated verdicts are marked, a person\'s override stays visible, the operator sees the next step', { timeout: 60000 }, async () => {
  // acme-c--kiwi-s: 101 decided by the lab's runner on the server side, 102 a person's
  // verdict over an automated run (the report keeps the run), 103 a person's alone
  const s = byId('acme-c--kiwi-s');
  const r = report(s, VERDICTS[s.id]);
  const run = (side, status) => ({ script: 'tf-ets-run', side, exit_status: status, started_at: r.cases[0].entered_at,
    ran_at: r.cases[0].entered_at, duration_ms: 1200, output: 'ETS 1.1 case', output_bytes: 12, truncated: false,
    summary: true });
  Object.assign(r.cases[0], { entered_by: 'automation', note: 'automated (tf-ets-run, server under test kiwi-s): pass',
    automation: run('server', 0) });
  Object.assign(r.cases[1], { entered_by: 'acme/lead', note: 'the driver was wrong', automation: run('server', 1) });
  r.cases[2].automation = null;
  for (const company of ['acme', 'kiwi']) {
    await world.publish(daemon, `private/${company}/session/${s.id}/report`, r);
  }
  const page = await loginAs('acme');
  await page.click('#tab-results');
  const cell = (c) => page.locator(`.matrix td[data-session="${s.id}"][data-case="${c}"]`);
  await page.waitForSelector(`.matrix td[data-session="${s.id}"][data-case="101"][data-automation="auto"]`, { timeout: 10000 });
  assert.equal(await cell(101).locator('b.auto').count(), 1);
  assert.equal(await cell(101).locator('b.auto').getAttribute('data-side'), 'server');
  assert.equal(await cell(102).getAttribute('data-automation'), 'overridden');
  assert.equal(await cell(102).locator('b.overridden').count(), 1);
  assert.match(await cell(102).getAttribute('class'), /v-fail/);
  assert.equal(await cell(103).getAttribute('data-automation'), null);
  assert.equal(await cell(201).locator('b').count(), 0);
  // the details say which side the runner judged, and what the override replaced
  await cell(101).hover();
  assert.match(await cell(101).getAttribute('title'), /automated: the lab's runner judged the server/);
  await cell(102).hover();
  assert.match(await cell(102).getAttribute('title'), /overridden: the lab's runner had judged the server \(exit status 1/);
  const legend = await page.locator('.matrix-legend').innerText();
  assert.match(legend, /A automated/);
  assert.match(legend, /A a person overrode the automated verdict/);

  // the server under test: the runner's step reaches the session's panel, marked, and on top
  await consoleLine(world, daemon, s, 'board line');
  await operatorLine(world, daemon, s, "operator (kiwi-s, case 203): on your server: Read /3/0 of 'testfest-acme-c--kiwi-s' in TLV");
  await page.waitForSelector(`.console-panel[data-session="${s.id}"] pre .operator`, { timeout: 5000 });
  assert.match(await page.locator(`.console-panel[data-session="${s.id}"] .operator-next`).innerText(),
    /^Next for the operator: operator \(kiwi-s, case 203\): on your server: Read \/3\/0/);
  assert.equal(await page.locator(`.console-panel[data-session="${s.id}"] pre .operator`).count(), 1);
  await world.screenshot(page, 'results-automated');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('company B sees its own sessions, not A\'s alone', { timeout: 60000 }, async () => {
  const page = await loginAs('kiwi');
  await page.click('#tab-results');
  await page.waitForFunction(() => window.tfDebug.store.reports.size === 3, null, { timeout: 10000 });
  // the matrix is drawn on the next frame after the store has them
  await page.waitForFunction(() => document.querySelectorAll('.matrix tbody th[data-session]').length === 3,
    null, { timeout: 10000 });
  const cols = await page.locator('.matrix tbody th[data-session]').evaluateAll((ths) => ths.map((t) => t.dataset.session));
  assert.deepEqual(cols.sort(), ['acme-c--kiwi-s', 'kiwi-c--acme-s', 'kiwi-c--lumen-s']);
  const text = await page.locator('body').innerText();
  assert.doesNotMatch(text, /note of acme-c--lumen-s|note of lumen-c--acme-s/);
  await world.screenshot(page, 'results-kiwi');
  await page.context().close();
});

test('staff see every session', { timeout: 60000 }, async () => {
  const page = await loginAs('staff');
  await page.click('#tab-results');
  await page.waitForFunction(() => window.tfDebug.store.reports.size === 5, null, { timeout: 10000 });
  await page.context().close();
});

test('a wrong password is refused and the page stays public', { timeout: 60000 }, async () => {
  const page = await loginAs('acme', 'not-the-password');
  await page.waitForSelector('#login-error:not([hidden])', { timeout: 10000 });
  assert.match(await page.locator('#login-error').innerText(), /refused the account "acme"/);
  await page.waitForSelector('#conn[data-state="live"]', { timeout: 10000 });
  assert.equal(await page.locator('#tab-results').isHidden(), true);
  assert.equal(await page.evaluate(() => window.tfDebug.store.reports.size), 0);
  await world.screenshot(page, 'login-refused');
  await page.context().close();
});
