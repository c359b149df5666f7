// SPDX-License-Identifier: LGPL-2.1-or-later
// The Hosts view (issue 18): with a real coordinator and a real farm host
// (its own tf-simlab, broker bridged to the central one, testfestd), staff
// see the host online with its boards; when the host's bridge dies its link
// is down, the host lost and its boards unknown. A participant's page and
// MQTT client never get the farm's summary (the broker's ACL). The
// bridge comes back, the host daemon is killed (its will) and restarted, and
// the coordinator stops (the view says its summary is what it knew then).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BUILD } from './world.mjs';
import { FarmWorld } from './farm-world.mjs';

let world;
let browser;
let staffPage;

// a bridge retries with a back-off; two daemons and Chromium share two cores
const WAIT = 120000;

before(async () => {
  world = await FarmWorld.create('hosts');
  browser = await world.browser();
}, { timeout: 120000 });

after(async () => {
  await world?.close();
});

async function loginAs(user) {
  const page = await world.page(browser);
  await page.waitForSelector('#conn[data-state="live"]', { timeout: 20000 });
  await page.fill('#user', user);
  await page.fill('#password', world.passwords.get(user));
  await page.click('#login-btn');
  await page.waitForSelector(`#who:has-text("logged in as ${user}")`, { timeout: 10000 });
  return page;
}

const card = (page) => page.locator('.host-card[data-host="a"]');
const row = (page, id) => page.locator(`.host-card[data-host="a"] tr[data-board="${id}"]`);

test('staff see host a online with its boards', { timeout: WAIT + 60000 }, async () => {
  staffPage = await loginAs('staff');
  const page = staffPage;
  // the tab appears once the broker hands staff the coordinator's summary
  await page.waitForSelector('#tab-hosts:not([hidden])', { timeout: WAIT });
  await page.click('#tab-hosts');
  await page.waitForSelector('#view-hosts:not([hidden])', { timeout: 10000 });
  await page.waitForSelector('.host-card[data-host="a"][data-state="online"]', { timeout: WAIT });
  // both boards ready, grouped under their host
  await page.waitForSelector('.host-card[data-host="a"] tr[data-board="a1"][data-state="ready"]', { timeout: WAIT });
  await page.waitForSelector('.host-card[data-host="a"] tr[data-board="a2"][data-state="ready"]', { timeout: WAIT });
  // the bridge's notification: retained "1" on the central broker
  await page.waitForSelector('.host-card[data-host="a"] .link[data-link="up"]', { timeout: WAIT });
  assert.equal(await card(page).locator('.board-count').innerText(), '2 boards');
  assert.match(await card(page).locator('.state-count[data-state="ready"]').innerText(), /^2 ready$/);
  assert.match(await card(page).locator('.since').innerText(), /^since \d\d:\d\d:\d\d$/);
  assert.match(await page.locator('.hosts-head').innerText(), /1 host · 1 online · 0 lost · 2 boards · coordinator coord/);
  assert.equal(await row(page, 'a1').locator('td').nth(3).innerText(), 'T1');
  // only one host card: the coordinator is no farm host
  assert.equal(await page.locator('.host-card').count(), 1);
  await world.screenshot(page, 'farm-hosts');
  assert.deepEqual(page.errors, []);
});

test('a participant gets no host view and no farm summary', { timeout: 60000 }, async () => {
  const page = await loginAs('acme');
  // the public floor arrived (the boards, through the coordinator)...
  await page.waitForFunction(() => window.tfDebug.store.boards.has('a1') && window.tfDebug.store.boards.has('a2'),
    null, { timeout: 20000 });
  // ...and the summary, subscribed before them (Store.subscriptions), did not
  assert.equal(await page.evaluate(() => window.tfDebug.store.farm), null);
  assert.equal(await page.locator('#tab-hosts').isHidden(), true);
  // typing the address does not show it either
  await page.evaluate(() => { location.hash = '#hosts'; });
  await page.waitForFunction(() => location.hash === '#hosts', null, { timeout: 5000 });
  assert.equal(await page.locator('#view-hosts').isHidden(), true);
  assert.equal(await page.locator('.host-card').count(), 0);

  // the same with a bare MQTT client as acme: subscribe to the summary, then
  // to a retained topic it may read; once that arrives, the summary would
  // have come first (retained messages go out with each SUBACK, in order)
  const acme = await world.client('acme');
  const got = [];
  acme.on('message', (topic) => got.push(topic));
  await acme.subscribeAsync(world.topic('hosts'), { qos: 1 });
  await acme.subscribeAsync(world.topic('board/a1/state'), { qos: 1 });
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no retained board/a1/state for acme')), 20000);
    const check = () => { if (got.includes(world.topic('board/a1/state'))) { clearTimeout(t); resolve(); } };
    acme.on('message', check);
    check();
  });
  assert.ok(!got.includes(world.topic('hosts')), `acme got ${got.join(', ')}`);
  // positive control: staff's client does get it, with host a in it
  const staff = await world.client('staff');
  const summary = new Promise((resolve) => staff.on('message', (topic, payload) => {
    if (topic === world.topic('hosts')) resolve(JSON.parse(payload.toString()));
  }));
  await staff.subscribeAsync(world.topic('hosts'), { qos: 1 });
  const s = await summary;
  assert.equal(s.schema, 1);
  assert.deepEqual(s.hosts.a.ids, ['a1', 'a2']);
  await page.close();
});

test('host a\'s bridge dies: the host is lost, its link down, its boards unknown', { timeout: WAIT + 60000 }, async () => {
  const page = staffPage;
  // its broker (and with it the bridge) killed: the central broker sends the
  // bridge's will, "0" on host/a/link
  await world.stopProc(world.hostBroker, 'SIGKILL');
  await page.waitForSelector('.host-card[data-host="a"][data-state="lost"]', { timeout: WAIT });
  await page.waitForSelector('.host-card[data-host="a"] .link[data-link="down"]', { timeout: WAIT });
  await page.waitForSelector('.host-card[data-host="a"] tr[data-board="a1"][data-state="unknown"]', { timeout: WAIT });
  await page.waitForSelector('.host-card[data-host="a"] tr[data-board="a2"][data-state="unknown"]', { timeout: WAIT });
  assert.match(await card(page).locator('.reason').innerText(), /link to the central broker is down/);
  assert.match(await row(page, 'a1').locator('td.note').innerText(), /host a lost/);
  assert.match(await card(page).locator('.state-count[data-state="unknown"]').innerText(), /^2 unknown$/);
  assert.match(await page.locator('.hosts-head').innerText(), /1 host · 0 online · 1 lost · 2 boards/);
  // the header's chip takes the coordinator's word over a's retained "online"
  await page.waitForSelector('#hosts .host[data-state="lost"]:has-text("a")', { timeout: 10000 });
  await world.screenshot(page, 'farm-hosts-lost');
  // the Boards view agrees: the same boards, unknown, and why
  await page.click('a[data-view="boards"]');
  await page.waitForSelector('.tile[data-id="a1"][data-state="unknown"]', { timeout: 10000 });
  assert.deepEqual(page.errors, []);
  assert.ok(fs.existsSync(path.join(BUILD, 'web', 'screenshots', 'farm-hosts.png')));
});

test('host a\'s bridge back: online again, link up, its boards confirmed', { timeout: WAIT + 60000 }, async () => {
  const page = staffPage;
  await page.click('#tab-hosts');
  await world.startHostBroker();
  await page.waitForSelector('.host-card[data-host="a"][data-state="online"]', { timeout: WAIT });
  await page.waitForSelector('.host-card[data-host="a"] .link[data-link="up"]', { timeout: WAIT });
  // reconciled: the host answered for its boards, not the stale copy
  await page.waitForSelector('.host-card[data-host="a"] tr[data-board="a1"][data-state="ready"]', { timeout: WAIT });
  await page.waitForSelector('.host-card[data-host="a"] tr[data-board="a2"][data-state="ready"]', { timeout: WAIT });
  assert.match(await page.locator('.hosts-head').innerText(), /1 host · 1 online · 0 lost · 2 boards/);
  assert.equal(await page.locator('#hosts .host[data-state="lost"]').count(), 0);
  assert.deepEqual(page.errors, []);
});

test('host a\'s daemon killed: lost by its will, back when restarted', { timeout: 2 * WAIT + 60000 }, async () => {
  const page = staffPage;
  await world.stopProc(world.hostDaemon, 'SIGKILL');
  // its connection closes with it: its broker sends its will over the bridge, which stays up
  await page.waitForSelector('.host-card[data-host="a"][data-state="lost"]', { timeout: WAIT });
  await page.waitForSelector('.host-card[data-host="a"] tr[data-board="a1"][data-state="unknown"]', { timeout: WAIT });
  assert.equal(await card(page).locator('.link').getAttribute('data-link'), 'up');
  assert.match(await card(page).locator('.reason').innerText(), /connection lost/);
  world.startHost();
  await page.waitForSelector('.host-card[data-host="a"][data-state="online"]', { timeout: WAIT });
  await page.waitForSelector('.host-card[data-host="a"] tr[data-board="a1"][data-state="ready"]', { timeout: WAIT });
  await page.waitForSelector('.host-card[data-host="a"] tr[data-board="a2"][data-state="ready"]', { timeout: WAIT });
  assert.deepEqual(page.errors, []);
});

test('the coordinator stopped: the view says its summary is what it knew then', { timeout: 60000 }, async () => {
  const page = staffPage;
  await world.stopProc(world.daemon, 'SIGTERM');
  await page.waitForSelector('.hosts-head .coord-down', { timeout: 30000 });
  assert.match(await page.locator('.hosts-head .coord-down').innerText(), /coordinator is offline/);
  // the last summary stays (retained): host a as the coordinator last saw it
  assert.equal(await page.locator('.host-card[data-host="a"]').count(), 1);
  assert.deepEqual(page.errors, []);
});

test('the coordinator restarted: it re-learns host a and its boards', { timeout: WAIT + 60000 }, async () => {
  const page = staffPage;
  world.startCoordinator();
  await page.waitForFunction(() => !document.querySelector('.hosts-head .coord-down'), null, { timeout: WAIT });
  // the boards' owner is in its store already: the summary lists them all the same
  await page.waitForSelector('.host-card[data-host="a"][data-state="online"]', { timeout: WAIT });
  await page.waitForSelector('.host-card[data-host="a"] tr[data-board="a1"][data-state="ready"]', { timeout: WAIT });
  await page.waitForSelector('.host-card[data-host="a"] tr[data-board="a2"][data-state="ready"]', { timeout: WAIT });
  const staff = await world.client('staff');
  const summary = new Promise((resolve) => staff.on('message', (topic, payload) => {
    if (topic === world.topic('hosts')) resolve(JSON.parse(payload.toString()));
  }));
  await staff.subscribeAsync(world.topic('hosts'), { qos: 1 });
  const s = await summary;
  assert.deepEqual(s.hosts.a.ids, ['a1', 'a2']);
  assert.equal(s.hosts.a.boards, 2);
  assert.equal(s.hosts.a.state, 'online');
  assert.deepEqual(page.errors, []);
});
