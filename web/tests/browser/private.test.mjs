// SPDX-License-Identifier: LGPL-2.1-or-later
// Private results: a company logged in sees its own sessions' verdicts and
// console and nothing of the others'; a wrong password is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { World, waitFor } from './world.mjs';
import { publishEvent, consoleLine } from './event-data.mjs';

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
