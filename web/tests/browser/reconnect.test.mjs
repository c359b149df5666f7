// SPDX-License-Identifier: LGPL-2.1-or-later
// The broker goes away: the page says its data is stale, reconnects by
// itself when the broker is back, and shows the floor as it is then.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { World, waitFor } from './world.mjs';
import { publishEvent } from './event-data.mjs';

let world;
let page;

before(async () => {
  world = await World.create('reconnect');
  const watch = await world.boardWatch();
  await waitFor(() => watch.boards.get('sim1')?.state === 'ready', 20000, 'sim1 ready');
  const daemon = await world.client('testfestd');
  await publishEvent(world, daemon);
  await world.publish(daemon, 'board/ghost/state', { schema: 1, id: 'ghost', state: 'ready', table: 'T2' });
  page = await world.page(await world.browser());
}, { timeout: 90000 });

after(async () => {
  await world?.close();
});

test('stopping the broker shows the stale banner; restarting it recovers', { timeout: 90000 }, async () => {
  await page.click('a[data-view="boards"]');
  await page.waitForSelector('#board-grid .tile[data-id="ghost"]', { timeout: 10000 });
  await page.waitForSelector('#conn[data-state="live"]', { timeout: 10000 });
  assert.equal(await page.locator('#stale').isHidden(), true);

  await world.stopBroker();
  await page.waitForSelector('#stale:not([hidden])', { timeout: 5000 });
  assert.match(await page.locator('#stale').innerText(), /stale/);
  assert.match(await page.locator('body').getAttribute('class'), /stale/);
  await world.screenshot(page, 'broker-gone');

  // the board that was removed while the page was away must go
  await world.startBroker();
  const daemon = await world.client('testfestd');
  await world.publish(daemon, 'board/ghost/state', null);
  await page.waitForSelector('#conn[data-state="live"]', { timeout: 15000 });
  await page.waitForSelector('#stale', { state: 'hidden', timeout: 5000 });
  await page.waitForSelector('#board-grid .tile[data-id="ghost"]', { state: 'detached', timeout: 10000 });
  // and what changes now reaches the page again: the daemon is back too
  await page.waitForSelector('.host[data-state="online"]', { timeout: 20000 });
  await world.ctl('power', 'cycle', 'sim2');
  await page.waitForSelector('#board-grid .tile[data-id="sim2"][data-state="ready"]', { timeout: 10000 });
  assert.ok(await page.evaluate(() => window.tfDebug.app.conn.connects) >= 2);
  await world.screenshot(page, 'broker-back');
  assert.deepEqual(page.errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED/.test(e)), []);
});
