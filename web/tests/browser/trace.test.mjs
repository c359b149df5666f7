// SPDX-License-Identifier: LGPL-2.1-or-later
// The live trace panel and its "Download pcapng" button, for a session the daemon runs. The
// world has no lab network, so no capture: the decoded lines are published as the daemon's
// account on the session's private trace topics (as tf-floor-trace.c does), and the pcapng
// the capture would have written (two parts, the first larger than one reply's chunk) is put
// where the daemon keeps it. The download goes through the real daemon's "trace" verb over
// MQTT v5 request/response, the broker's ACL and the daemon's per-company refusal included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { World, waitFor } from './world.mjs';

let world;
let browser;

before(async () => {
  world = await World.create('trace', { event: true });
  browser = await world.browser();
}, { timeout: 90000 });

after(async () => {
  await world?.close();
});

// A pcapng section: a Section Header Block, an Interface Description Block, and @n bytes of
// an opaque block, all little-endian, every block's length a multiple of 4.
function section(n, fill) {
  const block = (type, body) => {
    const len = 12 + body.length;
    const b = Buffer.alloc(len);
    b.writeUInt32LE(type, 0);
    b.writeUInt32LE(len, 4);
    body.copy(b, 8);
    b.writeUInt32LE(len, len - 4);
    return b;
  };
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeBigInt64LE(-1n, 8);
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(1, 0); // LINKTYPE_ETHERNET
  idb.writeUInt32LE(65535, 4);
  return Buffer.concat([block(0x0a0d0d0a, shb), block(1, idb), block(0x0badcafe, Buffer.alloc(n, fill))]);
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

async function downloadFrom(page, id) {
  const panel = page.locator(`.trace-panel[data-session="${id}"]`);
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }),
    panel.locator('button.trace-download').click()]);
  assert.equal(dl.suggestedFilename(), `${id}.pcapng`);
  return fs.readFileSync(await dl.path());
}

test('the two companies see the live trace and download the pcapng; a third company neither',
  { timeout: 240000 }, async () => {
    let sessions = [];
    await waitFor(async () => {
      try {
        sessions = JSON.parse((await world.ctl('--json', 'sessions')).stdout);
      } catch {
        return false;
      }
      return sessions.length > 0;
    }, 30000, 'the daemon\'s sessions');
    const s = sessions.find((x) => x.client.company !== x.server.company);
    assert.ok(s, 'a session of two companies');
    const companies = [s.client.company, s.server.company];
    const outsider = ['acme', 'kiwi', 'lumen'].find((c) => !companies.includes(c));

    // the capture's files, where the daemon keeps them
    const dir = world.path('state', 'trace', s.id);
    fs.mkdirSync(dir, { recursive: true });
    const part1 = section(300 * 1024, 0x11);
    const part2 = section(1000, 0x22);
    fs.writeFileSync(`${dir}/part-0001.pcapng`, part1, { mode: 0o640 });
    fs.writeFileSync(`${dir}/part-0002.pcapng`, part2, { mode: 0o640 });

    const pages = new Map();
    for (const c of [...companies, outsider, 'staff']) pages.set(c, await loginAs(c));
    // every page subscribed before the daemon's lines go out: the daemon's answer to a request
    // arrives on the reply topic, subscribed in the same SUBSCRIBE as the private topics
    for (const [c, page] of pages) {
      await waitFor(() => page.evaluate((user) => window.tfDebug.app.conn.request('trace',
        { session: 'no-such-session' }, user, 10000).then(() => 'answered', (e) => e.message),
      c === 'staff' ? null : c)
        .then((m) => /no session no-such-session/.test(m)), 60000, `${c}'s page answered`);
    }

    const daemon = await world.client('testfestd');
    const lines = [
      { schema: 1, frame: 1, src: '192.0.2.11:56830', dst: '192.0.2.1:5683', type: 'CON', code: 'POST',
        mid: 4101, token: 'a1b2', options: [[11, 'rd'], [15, 'ep=trace-ep']] },
      { schema: 1, frame: 2, src: '192.0.2.1:5683', dst: '192.0.2.11:56830', type: 'ACK', code: '2.01',
        mid: 4101, token: 'a1b2', options: [[8, 'rd'], [8, 'r7']] },
      // over DTLS: a record the lab could not decrypt, and a message it decrypted
      { schema: 1, frame: 3, src: '192.0.2.11:56831', dst: '192.0.2.1:5684',
        dtls: 'DTLS 1.2 application_data epoch=1 seq=1 len=51',
        dtls_note: 'not decrypted: no PSK given for identity \'dev-9\'' },
      { schema: 1, frame: 4, src: '192.0.2.11:56832', dst: '192.0.2.1:5684', type: 'CON', code: 'POST',
        mid: 4102, token: 'c3', options: [[11, 'rd'], [15, 'ep=dtls-ep']],
        dtls: 'DTLS 1.2 application_data epoch=1 seq=1 len=60',
        dtls_note: 'decrypted: TLS_PSK_WITH_AES_128_CCM_8, PSK of identity \'dev-8\'' },
    ];
    for (const m of lines)
      for (const c of companies)
        await world.publish(daemon, `private/${c}/session/${s.id}/trace`, m, false);

    for (const c of companies) {
      const page = pages.get(c);
      const panel = page.locator(`.trace-panel[data-session="${s.id}"]`);
      await panel.locator('td', { hasText: '/rd Uri-Query=ep=trace-ep' }).waitFor({ timeout: 15000 });
      await panel.locator('td', { hasText: 'Location-Path=r7' }).waitFor({ timeout: 15000 });
      await panel.locator('td', { hasText: "(not decrypted: no PSK given for identity 'dev-9')" })
        .waitFor({ timeout: 15000 });
      await panel.locator('td', { hasText: '/rd Uri-Query=ep=dtls-ep (over DTLS, decrypted)' })
        .waitFor({ timeout: 15000 });
      const got = await downloadFrom(page, s.id);
      // both parts, as the daemon has them: one section each
      assert.equal(got.readUInt32LE(0), 0x0a0d0d0a, `${c}: the pcapng magic`);
      assert.equal(got.length, part1.length + part2.length);
      assert.ok(got.equals(Buffer.concat([part1, part2])), `${c}: the bytes the daemon holds`);
      await panel.locator('.trace-status', { hasText: `saved as ${s.id}.pcapng` }).waitFor({ timeout: 5000 });
      assert.deepEqual(page.errors, []);
    }
    await world.screenshot(pages.get(companies[0]), 'results-trace');

    // staff: the lines under both companies, the file through cmd/trace
    {
      const page = pages.get('staff');
      const panel = page.locator(`.trace-panel[data-session="${s.id}"]`);
      await panel.locator('td', { hasText: 'Location-Path=r7' }).first().waitFor({ timeout: 15000 });
      assert.equal(await page.evaluate((id) => window.tfDebug.app.trace.asCompany(id), s.id), null);
      const got = await downloadFrom(page, s.id);
      assert.ok(got.equals(Buffer.concat([part1, part2])), 'staff: the bytes the daemon holds');
      assert.deepEqual(page.errors, []);
    }

    // the third company: the companies' pages proved delivery; nothing of it here
    const other = pages.get(outsider);
    assert.equal(await other.evaluate((id) => window.tfDebug.store.traces.has(id), s.id), false);
    assert.equal(await other.locator('.trace-panel').count(), 0);
    assert.doesNotMatch(await other.locator('body').innerText(), /ep=trace-ep/);
    // and asking for the file anyway: the daemon refuses, without saying the session exists
    const refused = await other.evaluate((id) => window.tfDebug.app.trace.download(id)
      .then(() => 'downloaded', (e) => e.message), s.id);
    assert.match(refused, new RegExp(`no session ${s.id} of yours`));
    // and as staff through cmd/: a company's account may not ask there
    const asStaff = await other.evaluate((id) => window.tfDebug.app.conn.request('trace', { session: id }, null, 5000)
      .then(() => 'answered', (e) => e.message), s.id);
    assert.notEqual(asStaff, 'answered');
    assert.deepEqual(other.errors, []);
    for (const page of pages.values()) await page.context().close();
  });
