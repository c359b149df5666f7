// SPDX-License-Identifier: LGPL-2.1-or-later
// Results produced by the daemon itself: the lab file names the event, the
// daemon schedules and runs the session, the client company enters verdicts
// with its own account through testfestctl, and the dashboard shows them to
// that company and nothing of them to a company outside the session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { World, waitFor, BUILD } from './world.mjs';

let world;
let browser;

before(async () => {
  world = await World.create('daemon', { event: true });
  for (const [user, pw] of world.passwords)
    fs.writeFileSync(world.path(`${user}.pw`), `${pw}\n`, { mode: 0o600 });
  browser = await world.browser();
}, { timeout: 90000 });

after(async () => {
  await world?.close();
});

function ctl(user, ...args) {
  return new Promise((resolve, reject) => {
    execFile(path.join(BUILD, 'controller', 'testfestctl'),
      ['--config', world.labPath, '--user', user, '--password-file', world.path(`${user}.pw`),
        '--timeout', '30', ...args], { timeout: 60000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`testfestctl ${args.join(' ')}: ${stderr || err.message}`));
        else resolve(stdout);
      });
  });
}

// one line to tf-simlab's control socket, its one-line answer back
function sim(line) {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(world.control);
    let got = '';
    c.setTimeout(10000, () => c.destroy(new Error(`tf-simlab: no answer to ${line}`)));
    c.on('data', (d) => {
      got += d;
      if (got.includes('\n')) {
        c.end();
        resolve(got.trim());
      }
    });
    c.on('error', reject);
    c.write(`${line}\n`);
  });
}

async function loginAs(user) {
  const page = await world.page(browser);
  await page.waitForSelector('#conn[data-state="live"]', { timeout: 10000 });
  await page.fill('#user', user);
  await page.fill('#password', world.passwords.get(user));
  await page.click('#login-btn');
  await page.waitForSelector('#tab-results:not([hidden])', { timeout: 10000 });
  await page.click('#tab-results');
  return page;
}

test('verdicts entered through the daemon reach the company, and only it', { timeout: 180000 }, async () => {
  let sessions = [];
  await waitFor(async () => {
    try {
      sessions = JSON.parse(await ctl('staff', '--json', 'sessions'));
    } catch {
      return false;
    }
    return sessions.length > 0;
  }, 30000, 'the daemon\'s sessions');
  const s = sessions.find((x) => x.client.company === 'acme');
  assert.ok(s, 'a session with acme as client');
  const outsider = ['acme', 'kiwi', 'lumen'].find((c) => c !== s.client.company && c !== s.server.company);

  await ctl('staff', 'start', s.id);
  await waitFor(async () => {
    const all = JSON.parse(await ctl('staff', '--json', 'sessions'));
    return all.find((x) => x.id === s.id)?.phase === 'running';
  }, 60000, `session ${s.id} running`);

  const report = JSON.parse(await ctl('acme', '--json', 'report', s.id, '--company', 'acme'));
  const open = report.cases.filter((c) => c.verdict === null).map((c) => c.id);
  assert.ok(open.length >= 2, 'two cases to enter');
  await ctl('acme', 'verdict', s.id, String(open[0]), 'pass', '--company', 'acme', '--as', 'ann');
  await ctl('acme', 'verdict', s.id, String(open[1]), 'fail', '--company', 'acme', '--as', 'ann',
    '--note', 'note seen only by the two companies');

  const page = await loginAs('acme');
  const cell = (c) => page.locator(`.matrix td[data-session="${s.id}"][data-case="${c}"]`);
  await page.waitForSelector(`.matrix td[data-session="${s.id}"][data-case="${open[1]}"].v-fail`, { timeout: 15000 });
  assert.match(await cell(open[0]).getAttribute('class'), /v-pass/);
  // the board prints; the daemon forwards the line to the session's two companies only
  assert.match(await sim(`say ${s.board} console line for the session`), /^ok/);
  await page.waitForSelector(`.console-panel[data-session="${s.id}"] pre:has-text("console line for the session")`, { timeout: 10000 });
  await world.screenshot(page, 'results-daemon');
  assert.deepEqual(page.errors, []);
  await page.context().close();

  const other = await loginAs(outsider);
  await other.waitForFunction(() => window.tfDebug.store.reports !== undefined, null, { timeout: 5000 });
  // a page that sees the public session state has caught up; the report never comes
  await other.waitForFunction((id) => window.tfDebug.store.sessions?.has?.(id) ?? true, s.id, { timeout: 10000 });
  assert.equal(await other.evaluate((id) => window.tfDebug.store.reports.has(id), s.id), false);
  assert.doesNotMatch(await other.locator('body').innerText(), /note seen only by the two companies/);
  assert.match(await sim(`say ${s.board} second console line`), /^ok/);
  // the outsider's page never gets a console of this session; the acme page above proved delivery
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await other.evaluate((id) => window.tfDebug.store.consoles.has(id), s.id), false);
  assert.doesNotMatch(await other.locator('body').innerText(), /console line/);
  await other.context().close();
});

test('a reload the daemon refused shows on the host chip with its FILE:LINE', { timeout: 60000 }, async () => {
  const page = await world.page(browser);
  await page.waitForSelector('#conn[data-state="live"]', { timeout: 10000 });
  const good = fs.readFileSync(world.path('test.event'), 'utf8');
  fs.writeFileSync(world.path('test.event'), good.replace(/^tables = .*$/m, 'tables = many'));
  world.daemon.kill('SIGHUP');
  const chip = page.locator('.host[data-reload="refused"]');
  await chip.waitFor({ timeout: 15000 });
  assert.match(await chip.innerText(), /reload refused: .*test\.event:\d+: \[event\] tables:/);
  // corrected and sent again: taken, and the warning goes
  fs.writeFileSync(world.path('test.event'), good);
  world.daemon.kill('SIGHUP');
  await page.waitForSelector('.host[data-reload="ok"]', { timeout: 15000 });
  assert.equal(await page.locator('.reload-refused').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
