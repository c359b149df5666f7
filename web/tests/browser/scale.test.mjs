// SPDX-License-Identifier: LGPL-2.1-or-later
// 1000 boards retained: the page draws them in a handful of animation frames
// (messages only mark what changed), and a later change touches one tile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { World } from './world.mjs';

const N = 1000;
let world;
let page;
let daemon;

const board = (i, state = 'ready') => ({ schema: 1, id: `b${String(i).padStart(4, '0')}`, type: 'sim-l476',
  host: 'h', table: `T${(i % 40) + 1}`, state, power: 'on', health: 'good', since: new Date().toISOString(),
  cause: 'bench', error: null, faults: 0, console: null, session: null,
  firmware: i === 3 ? { name: 'lwm2m-client', version: '2.0.1', sha256: 'c0ffee'.repeat(10) + 'beef' } : null });

before(async () => {
  world = await World.create('scale', { daemon: false });
  daemon = await world.client('testfestd');
  await Promise.all(Array.from({ length: N }, (_, i) => world.publish(daemon, `board/${board(i).id}/state`, board(i))));
  page = await world.page(await world.browser());
}, { timeout: 60000 });

after(async () => {
  await world?.close();
});

test('1000 retained boards are drawn in a few frames, not one per message', { timeout: 60000 }, async () => {
  await page.click('a[data-view="boards"]');
  await page.waitForFunction((n) => document.querySelectorAll('#board-grid .tile').length === n, N, { timeout: 20000 });
  const frames = await page.evaluate(() => window.tfDebug.app.frame);
  const messages = await page.evaluate(() => window.tfDebug.store.messages);
  assert.ok(messages >= N, `${messages} messages`);
  assert.ok(frames < 60, `${frames} frames for ${messages} messages`);
  // tiles in natural order
  const first = await page.locator('#board-grid .tile').first().getAttribute('data-id');
  assert.equal(first, 'b0000');

  // firmware with its sha256 (the first 12 digits shown, all of them on hover)
  const sha = page.locator('.tile[data-id="b0003"] .sha');
  assert.equal(await sha.innerText(), 'c0ffeec0ffee');
  assert.equal(await sha.getAttribute('title'), `sha256 ${'c0ffee'.repeat(10)}beef`);
  assert.match(await page.locator('.tile[data-id="b0003"]').innerText(), /lwm2m-client 2\.0\.1/);

  // one change: one tile touched, the others left alone
  await page.evaluate(() => {
    window.touched = new Set();
    new MutationObserver((ms) => { for (const m of ms) window.touched.add(m.target.closest('.tile')?.dataset.id); })
      .observe(document.getElementById('board-grid'), { subtree: true, attributes: true, characterData: true, childList: true });
  });
  await world.publish(daemon, `board/${board(7).id}/state`, board(7, 'faulted'));
  await page.waitForSelector('.tile[data-id="b0007"][data-state="faulted"]', { timeout: 5000 });
  assert.deepEqual([...await page.evaluate(() => [...window.touched])], ['b0007']);
  await page.click('.filter[data-state="faulted"]');
  assert.equal(await page.locator('#board-grid .tile:visible').count(), 1);
  await world.screenshot(page, 'scale-faulted');
  // and the floor shows 40 tables of 25 boards
  await page.click('a[data-view="floor"]');
  await page.waitForFunction((n) => document.querySelectorAll('.table-row .chip').length === n, N, { timeout: 10000 });
  assert.equal(await page.locator('.table-row').count(), 40);
  assert.deepEqual(page.errors, []);
});
