// SPDX-License-Identifier: LGPL-2.1-or-later
// The Regression view against the real daemon: two runs of one plan on the
// simulated farm (firmware 1.0, then 1.1 which breaks a case) handed in as
// CI does; staff see the run live, the regression and the flaky case on top,
// the history as bars and per-suite rates, board health; a company sees none
// of staff's runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { World, waitFor, BUILD, SOURCE } from './world.mjs';

let world;
let browser;

before(async () => {
  world = await World.create('regress', { daemon: false });
  // boards flashed by a command (tests/flash-to-file.sh) so that jobs flash for real
  let lab = fs.readFileSync(world.labPath, 'utf8');
  lab = lab.replace(/^boards-dir = (.*)$/m, `boards-dir = $1;${path.join(SOURCE, 'tests', 'boards')}`)
    .replace(/^type = sim-l476$/mg, 'type = sim-l476-cmd');
  fs.writeFileSync(world.labPath, lab);
  fs.mkdirSync(world.path('flashed'));
  process.env.TF_FLASH_OUT = world.path('flashed');
  await world.startSimlab();
  world.startDaemon();
  const script = (name, body) => fs.writeFileSync(world.path(name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  script('ok.sh', 'sleep 0.3; exit 0');
  script('reg.sh', `grep -q "$TF_IMAGE_SHA256" ${world.path('broken')} && exit 1; exit 0`);
  script('flaky.sh', `n=$(cat ${world.path('n')} 2>/dev/null || echo 0); echo $((n + 1)) > ${world.path('n')}; ` +
    '[ $((n % 2)) -eq 0 ]');
  fs.writeFileSync(world.path('fw-1.0.bin'), 'FIRMWARE 1.0\n');
  fs.writeFileSync(world.path('fw-1.1.bin'), 'FIRMWARE 1.1\n');
  fs.writeFileSync(world.path('broken'), '');
  fs.writeFileSync(world.path('nightly.plan'), '[plan]\nname = nightly\nboards = sim1;sim2\n' +
    'suites = smoke;core\nrepeat = 2\n[suite smoke]\nscripts = ok.sh\n[suite core]\nscripts = reg.sh;flaky.sh\n');
  browser = await world.browser();
}, { timeout: 90000 });

after(async () => {
  await world?.close();
});

// testfestctl regress submit ... --wait as staff; resolves with its exit status and output
function submit(image) {
  return new Promise((resolve) => {
    execFile(path.join(BUILD, 'controller', 'testfestctl'),
      ['--config', world.labPath, 'regress', 'submit', '--user', 'staff', '--password-file',
        world.path('staff.pass'), '--plan', world.path('nightly.plan'), '--image', world.path(image), '--wait',
        '--wait-timeout', '150'],
      { timeout: 180000 }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

async function loginAs(user) {
  const page = await world.page(browser);
  await page.waitForSelector('#conn[data-state="live"]', { timeout: 10000 });
  await page.fill('#user', user);
  await page.fill('#password', world.passwords.get(user));
  await page.click('#login-btn');
  await page.waitForSelector('#tab-regress:not([hidden])', { timeout: 10000 });
  await page.click('#tab-regress');
  return page;
}

test('staff follow two nights and see the regression on top', { timeout: 300000 }, async () => {
  await waitFor(async () => {
    try {
      return (await world.ctl('boards')).stdout.includes('ready');
    } catch {
      return false;
    }
  }, 30000, 'the boards');
  const page = await loginAs('staff');
  await page.waitForSelector('.regress-health tr[data-board="sim1"]', { timeout: 20000 });

  // night 1, watched live: its jobs appear on the boards while they run
  const night1 = submit('fw-1.0.bin');
  await page.waitForSelector('.live-run tr[data-state="running"] td.board:text-matches("sim[12]")', { timeout: 60000 });
  await world.screenshot(page, 'regress-live');
  const r1 = await night1;
  assert.equal(r1.code, 1, `night 1 (flaky fails once): ${r1.stdout}${r1.stderr}`);

  // 1.1 breaks reg.sh
  const sha = (await import('node:crypto')).createHash('sha256')
    .update(fs.readFileSync(world.path('fw-1.1.bin'))).digest('hex');
  fs.writeFileSync(world.path('broken'), `${sha}\n`);
  const r2 = await submit('fw-1.1.bin');
  assert.equal(r2.code, 1, `${r2.stdout}${r2.stderr}`);
  assert.match(r2.stdout, /1 regression, 0 fixed, 1 flaky/);

  // on top: the regression and the flaky case of the latest run
  await page.waitForSelector('.regress-findings .finding.regression:has-text("reg.sh")', { timeout: 20000 });
  assert.ok(await page.locator('.regress-findings .finding.flaky:has-text("flaky.sh")').count() >= 1);
  await page.waitForFunction(() => document.querySelectorAll('.regress-history .night').length === 2,
    null, { timeout: 10000 });
  // per suite: smoke always passes, core does not
  assert.equal(await page.locator('.suite-rates tr[data-suite="smoke"] td.v-pass').count(), 2);
  assert.ok(await page.locator('.suite-rates tr[data-suite="core"] td.v-fail').count() >= 1);
  assert.equal(await page.locator('.live-run').count(), 0);
  assert.match(await page.locator('.regress-health tr[data-board="sim2"] td.state').innerText(), /ready|off|booting/);
  // health over time: sim1 and sim2 passed their check (one mark each)
  assert.ok(await page.locator('.regress-health tr[data-board="sim1"] .mark.ok').count() >= 1);
  await world.screenshot(page, 'regress');
  assert.deepEqual(page.errors, []);

  // a company sees none of it
  const other = await loginAs('acme');
  await other.waitForSelector('.regress-head', { timeout: 10000 });
  await other.waitForTimeout(1500);
  assert.equal(await other.locator('.regress-history .night').count(), 0);
  assert.equal(await other.locator('.regress-health tr[data-board]').count(), 0);
  assert.deepEqual(other.errors, []);
});
