// SPDX-License-Identifier: LGPL-2.1-or-later
// The dashboard, unchanged, with ejabberd's mod_mqtt as the lab's broker
// (issue 18, docs/ejabberd.md): tf-broker-config --ejabberd writes its
// set-up with the same accounts as the mosquitto one, ejabberd runs as our
// own child (its own node name, cookie, spool and epmd on free loopback
// ports), testfestd and tf-web as usual. Staff logs in and sees the boards;
// ejabberd has no anonymous MQTT, so the page is refused until then.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import mqtt from 'mqtt';
import { World, waitFor, BUILD, freePort, portOpen } from './world.mjs';

// Debian's /usr/lib/<multiarch>/ejabberd-<version> (ejabberdctl's ERL_LIBS)
const ERL_LIBS = fs.readdirSync('/usr/lib').filter((a) => a.endsWith('-linux-gnu'))
  .map((a) => path.join('/usr/lib', a))
  .find((d) => fs.readdirSync(d).some((e) => e.startsWith('ejabberd-')));
if (!ERL_LIBS) throw new Error('no /usr/lib/*-linux-gnu/ejabberd-*: install Debian\'s ejabberd (scripts/lib.sh)');
let world;
let browser;

function run(cmd, args, env) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 180000, env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(cmd)} ${args.join(' ')}: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

async function startEjabberd(w) {
  w.wsPort = await freePort();
  // the same --out folder: the accounts keep the passwords of the mosquitto set-up
  await run(path.join(BUILD, 'controller', 'tf-broker-config'), ['--lab', w.labPath,
    '--event', w.path('test.event'), '--out', w.path('broker'), '--bind', '127.0.0.1',
    '--ejabberd', 'localhost', '--ws-port', String(w.wsPort)]);
  const cookie = `tf${Math.random().toString(16).slice(2, 10)}`;
  const epmdPort = await freePort();
  const env = { ...process.env, ERL_EPMD_PORT: String(epmdPort), ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_LIBS, HOME: w.dir };
  w.spawn('epmd', 'epmd', ['-port', String(epmdPort), '-address', '127.0.0.1']);
  const node = `tfweb-${cookie}@localhost`;
  fs.mkdirSync(w.path('spool'));
  // erl execs beam.smp: the World stops it with the other children
  w.spawn('ejabberd', 'erl', ['-sname', node, '-noinput', '-setcookie', cookie,
    '-start_epmd', 'false', '-kernel', 'inet_dist_use_interface', '{127,0,0,1}',
    '-mnesia', 'dir', `"${w.path('spool')}"`, '-s', 'ejabberd'], {
    env: { ...env, EJABBERD_CONFIG_PATH: w.path('broker', 'ejabberd.yml'),
      EJABBERD_LOG_PATH: w.path('ejabberd.log'), ERL_CRASH_DUMP: w.path('erl_crash.dump') },
  });
  await waitFor(() => portOpen(w.port), 180000, 'ejabberd (MQTT)');
  const ctl = w.path('ctl');
  fs.writeFileSync(ctl, '#!/bin/sh\nexec timeout 120 erl -sname ctl$$-' + cookie + '@localhost -hidden ' +
    `-noinput -setcookie ${cookie} -start_epmd false -kernel inet_dist_use_interface '{127,0,0,1}' ` +
    `-s ejabberd_ctl -extra ${node} "$@"\n`, { mode: 0o700 });
  await run(w.path('broker', 'ejabberd-accounts'), [], { ...env, EJABBERDCTL: ctl });
}

before(async () => {
  world = await World.create('ejabberd', { anonymous: false, daemon: false });
  await world.stopBroker();
  await startEjabberd(world);
  await world.startSimlab();
  world.startDaemon();
  browser = await world.browser();
}, { timeout: 400000 });

after(async () => {
  await world?.close();
});

test('staff sees every board through ejabberd', { timeout: 120000 }, async () => {
  const watch = await world.boardWatch();
  await waitFor(() => ['sim1', 'sim2', 'sim3', 'sim4'].every((id) => watch.boards.get(id)?.state === 'ready'),
    60000, 'every simulated board ready (through ejabberd)');
  const page = await world.page(browser);
  // no anonymous client on ejabberd: the page says so, and is live once someone logs in
  await page.waitForSelector('#login-error:not([hidden])', { timeout: 30000 });
  assert.match(await page.locator('#login-error').textContent(), /does not allow anonymous/);
  await page.fill('#user', 'staff');
  await page.fill('#password', world.passwords.get('staff'));
  await page.click('#login-btn');
  await page.waitForSelector('#conn[data-state="live"]', { timeout: 30000 });
  await page.click('a[data-view="boards"]');
  for (const id of ['sim1', 'sim2', 'sim3', 'sim4'])
    await page.waitForSelector(`#board-grid .tile[data-id="${id}"][data-state="ready"]`, { timeout: 30000 });
  assert.equal(await page.locator('#board-grid .tile').count(), 4);
  await page.waitForSelector('.host[data-state="online"]', { timeout: 10000 });
  await world.screenshot(page, 'ejabberd-boards');
  assert.deepEqual(page.errors.filter((e) => !/websocket|WebSocket|connack|Not authorized|refused/i.test(e)), []);
});

// A company's page subscribes tf/LAB/private/#, which mod_mqtt refuses as a
// whole (docs/ejabberd.md): the rest of its subscriptions stand, the floor
// is there, and the page stays live.
test('a company sees the floor through ejabberd', { timeout: 120000 }, async () => {
  const company = [...world.passwords.keys()].find((u) => !['staff', 'testfestd'].includes(u));
  assert.ok(company, 'a company account');
  const page = await world.page(browser);
  await page.waitForSelector('#login-error:not([hidden])', { timeout: 30000 });
  await page.fill('#user', company);
  await page.fill('#password', world.passwords.get(company));
  await page.click('#login-btn');
  await page.waitForSelector('#conn[data-state="live"]', { timeout: 30000 });
  await page.click('a[data-view="boards"]');
  for (const id of ['sim1', 'sim2', 'sim3', 'sim4'])
    await page.waitForSelector(`#board-grid .tile[data-id="${id}"]`, { timeout: 30000 });
  await world.screenshot(page, 'ejabberd-company');
  assert.equal(await page.locator('#conn').getAttribute('data-state'), 'live');
});

// ejabberd's own MQTT over websockets (--ws-port: ejabberd_http's /mqtt), as
// the page's mqtt.js would use it without tf-web in between
test('ejabberd\'s own websockets endpoint serves the boards', { timeout: 60000 }, async () => {
  const c = await mqtt.connectAsync(`ws://127.0.0.1:${world.wsPort}/mqtt`, {
    protocolVersion: 5, clean: true, reconnectPeriod: 0, connectTimeout: 10000,
    clientId: `staff-ws-${Math.random().toString(16).slice(2, 10)}`,
    username: 'staff', password: world.passwords.get('staff'),
  });
  try {
    const boards = new Set();
    c.on('message', (topic) => {
      const m = /\/board\/([^/]+)\/state$/.exec(topic);
      if (m) boards.add(m[1]);
    });
    await c.subscribeAsync(world.topic('board/+/state'), { qos: 1 });
    await waitFor(() => boards.size === 4, 30000, 'four retained boards over ejabberd\'s websockets');
  } finally {
    c.end(true);
  }
});
