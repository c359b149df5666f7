// SPDX-License-Identifier: LGPL-2.1-or-later
// The public floor: the simulated lab on the floor and boards views, a power
// cycle from the CLI on its tile within a second, the agenda and the summary,
// and no private data in the anonymous view.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { World, waitFor } from './world.mjs';
import { publishEvent, consoleLine } from './event-data.mjs';

let world;
let page;
let daemon;
let list;

before(async () => {
  world = await World.create('floor');
  const watch = await world.boardWatch();
  await waitFor(() => ['sim1', 'sim2', 'sim3', 'sim4'].every((id) => watch.boards.get(id)?.state === 'ready'),
    20000, 'every simulated board ready');
  daemon = await world.client('testfestd');
  list = await publishEvent(world, daemon);
  world.watch = watch;
  page = await world.page(await world.browser());
}, { timeout: 90000 });

after(async () => {
  const errors = page?.errors ?? [];
  await world?.close();
  assert.deepEqual(errors, [], 'no errors in the page');
});

test('the floor shows the simulated lab in the current slot', { timeout: 30000 }, async () => {
  await page.waitForSelector('#conn[data-state="live"]', { timeout: 10000 });
  await page.waitForSelector('.table-row[data-table="3"]', { timeout: 10000 });
  for (const id of ['sim1', 'sim2', 'sim3', 'sim4']) {
    await page.waitForSelector(`.table-row .chip[data-id="${id}"][data-state="ready"]`, { timeout: 10000 });
  }
  // boards by the table of the lab file (T1 = table 1 of the schedule)
  assert.equal(await page.locator('.table-row[data-table="1"] .chip').count(), 2);
  const t1 = page.locator('.table-row[data-table="1"]');
  assert.equal(await t1.getAttribute('data-session'), 'acme-c--kiwi-s');
  assert.equal(await t1.getAttribute('data-phase'), 'running');
  assert.match(await t1.innerText(), /acme-c \(acme\)\s*⇄\s*kiwi-s \(kiwi\)/);
  assert.match(await t1.innerText(), /3\/10/);
  assert.match(await page.locator('.table-row[data-table="3"]').innerText(), /re-planned/);
  // slot 1's sessions run: the floor says so (not the clock's word)
  assert.match(await page.locator('.floor-head').innerText(), /Slot 1 .*\(running\)/);
  // the host's status, from the daemon's retained will/status
  await page.waitForSelector('.host[data-state="online"]', { timeout: 5000 });
  await world.screenshot(page, 'floor');
});

test('the boards view shows every board with state, power and firmware', { timeout: 30000 }, async () => {
  await page.click('a[data-view="boards"]');
  await page.waitForSelector('#board-grid .tile[data-id="sim4"][data-state="ready"]', { timeout: 10000 });
  assert.equal(await page.locator('#board-grid .tile').count(), 4);
  const tile = page.locator('#board-grid .tile[data-id="sim2"]');
  const text = await tile.innerText();
  assert.match(text, /ready/);
  assert.match(text, /power on/);
  assert.match(text, /lwm2m-fw-sim2 1\.0\.2/);
  assert.match(text, /since \d\d:\d\d:\d\d/);
  // filter by state: only the ready ones stay visible
  await page.click('.filter[data-state="ready"]');
  assert.equal(await page.locator('#board-grid .tile:visible').count(), 4);
  await page.click('.filter[data-state="faulted"]');
  assert.equal(await page.locator('#board-grid .tile:visible').count(), 0);
  await page.click('.filter[data-state="faulted"]');
  assert.equal(await page.locator('#board-grid .tile:visible').count(), 4);
  await world.screenshot(page, 'boards');
});

test('a power cycle from testfestctl changes the tile within a second', { timeout: 60000 }, async () => {
  await page.click('a[data-view="boards"]');
  // the page notes when the tile's state attribute changes, by its own clock
  await page.evaluate(() => {
    window.tileChanges = [];
    const tile = document.querySelector('#board-grid .tile[data-id="sim1"]');
    new MutationObserver(() => window.tileChanges.push({
      at: performance.timeOrigin + performance.now(), state: tile.dataset.state,
    })).observe(tile, { attributes: true, attributeFilter: ['data-state'] });
  });
  const seen = world.watch.events.length;
  const t0 = performance.timeOrigin + performance.now();
  const ctl = world.ctl('power', 'cycle', 'sim1');
  const first = await waitFor(() => page.evaluate(() => window.tileChanges[0]), 5000, 'the tile to change');
  assert.ok(first.at - t0 < 1000, `tile changed ${Math.round(first.at - t0)} ms after the command`);
  await ctl; // testfestctl waits for the outcome
  await page.waitForSelector('#board-grid .tile[data-id="sim1"][data-state="ready"]', { timeout: 10000 });
  // every state the broker delivered reached the tile, each within a second
  const changes = await page.evaluate(() => window.tileChanges);
  const mqttEvents = world.watch.events.slice(seen).filter((e) => e.id === 'sim1');
  assert.ok(mqttEvents.length >= 2, `states seen: ${mqttEvents.map((e) => e.state)}`);
  for (const e of mqttEvents) {
    const c = changes.find((x) => x.state === e.state && x.at >= e.at - 50);
    if (c) assert.ok(c.at - e.at < 1000, `${e.state}: ${Math.round(c.at - e.at)} ms`);
  }
  assert.deepEqual([...new Set(changes.map((c) => c.state))].slice(-1), ['ready']);
  console.log(`# tile changed ${Math.round(first.at - t0)} ms after testfestctl started; ` +
    `states ${changes.map((c) => c.state).join(' -> ')}`);
});

test('the agenda marks the slot on now and the re-planned session', { timeout: 30000 }, async () => {
  await page.click('a[data-view="agenda"]');
  await page.waitForSelector('.agenda tr.now[data-slot="1"]', { timeout: 5000 });
  assert.equal(await page.locator('.agenda td[data-session]').count(), list.length);
  assert.equal(await page.locator('.agenda td.replanned').count(), 1);
  assert.equal(await page.locator('.agenda td.replanned').getAttribute('data-session'), 'lumen-c--acme-s');
  await world.screenshot(page, 'agenda');
});

test('the summary is a chart of verdict counts per test case', { timeout: 30000 }, async () => {
  await page.click('a[data-view="summary"]');
  await page.waitForSelector('.chart-row[data-case="202"]', { timeout: 5000 });
  assert.equal(await page.locator('.chart-row').count(), 5);
  assert.equal(await page.locator('.chart-row[data-case="101"] .seg.v-pass').innerText(), '5');
  assert.equal(await page.locator('.chart-row[data-case="202"] .seg.v-out-of-time').innerText(), '2');
  await world.screenshot(page, 'summary');
});

test('the anonymous view holds no private data', { timeout: 30000 }, async () => {
  // live console lines go out while the page watches
  await consoleLine(world, daemon, list[1], 'PRIVATE console line of acme and kiwi');
  await world.publish(daemon, 'summary', { schema: 1, event: 'marker', clients: 3, servers: 3, cases: [] });
  await page.waitForFunction(() => window.tfDebug.store.summary?.event === 'marker', null, { timeout: 5000 });
  assert.equal(await page.evaluate(() => window.tfDebug.store.reports.size), 0);
  assert.equal(await page.evaluate(() => window.tfDebug.store.consoles.size), 0);
  assert.equal(await page.locator('#tab-results').isHidden(), true);
  for (const view of ['floor', 'boards', 'agenda', 'summary']) {
    await page.click(`a[data-view="${view}"]`);
    const text = await page.locator('body').innerText();
    assert.doesNotMatch(text, /note of|PRIVATE/);
  }
});
