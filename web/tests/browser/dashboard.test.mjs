// SPDX-License-Identifier: LGPL-2.1-or-later
// The dashboard at a real TestFest's size, from a generated event (tf-schedule
// --generate: teams, capacities, absences, shared boards) of 50 tables and
// 200 sessions, dated in the future as the demo's is: the floor shows the slot
// being worked in and each board with the session that uses it, in rows laid
// out alike; a board nothing can confirm is not green; the summary says when
// nothing is released; the staff's results matrix stays readable at 200
// sessions (filters, sticky headers, compact cells, counts per row and
// column). Screenshots go to build/web/screenshots/ (and TF_SHOTS_DIR).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { World, BUILD } from './world.mjs';

const N_SESSIONS = 200;
const VERDICTS = ['pass', 'fail', 'inconclusive', 'not-applicable', 'out-of-time'];
const GROUPS = ['Bootstrap', 'Registration', 'Device Management', 'Information Reporting'];
const CASES = Array.from({ length: 38 }, (_, i) => ({
  id: 100 * (Math.floor(i / 10) + 1) + (i % 10) + 1,
  name: `${GROUPS[Math.floor(i / 10)]} case ${i % 10 + 1} of the ETS`,
  group: GROUPS[Math.floor(i / 10)],
}));

let world;
let browser;
let daemon;
let sched;
let sessions;
let running;
let reports;

// a deterministic verdict (or none) per session and case
function verdictOf(k, i) {
  const x = (k * 31 + i * 17) % 23;
  if (x === 0) return null;
  if (x < 14) return 'pass';
  return VERDICTS[x % 5];
}

async function shot(page, name) {
  await world.screenshot(page, name);
  if (process.env.TF_SHOTS_DIR) {
    fs.mkdirSync(process.env.TF_SHOTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(process.env.TF_SHOTS_DIR, `${name}.png`) });
  }
}

before(async () => {
  // the generated event's companies get their accounts (staff read them all)
  const tool = path.join(BUILD, 'controller', 'sched', 'tf-schedule');
  const text = execFileSync(tool, ['--generate', '30x12', '--tables', '50', '--seed', '7']).toString()
    .replace('[event]\n', '[event]\nallow-anonymous-read = true\n');
  world = await World.create('dashboard', { daemon: false, eventText: text });
  daemon = await world.client('testfestd');
  const ev = world.path('test.event');
  sched = JSON.parse(execFileSync(tool, [ev, '--json'], { stdio: ['ignore', 'pipe', 'ignore'] }));
  assert.equal(sched.tables, 50);
  sched.sessions.sort((a, b) => a.slot - b.slot || a.table - b.table);
  sched.sessions = sched.sessions.slice(0, N_SESSIONS);
  assert.equal(sched.sessions.length, N_SESSIONS);
  // the slot with the most sessions is the one being worked in
  const per = new Map();
  for (const s of sched.sessions) per.set(s.slot, (per.get(s.slot) ?? 0) + 1);
  running = [...per.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
  await world.publish(daemon, 'schedule', sched);
  sessions = sched.sessions.map((e, k) => {
    const phase = e.slot < running ? 'closed' : e.slot === running ? 'running' : 'scheduled';
    const done = phase === 'closed' ? 38 : phase === 'running' ? k % 38 : 0;
    return { schema: 1, id: e.id, slot: e.slot, table: e.table, board: e.board,
      client: { impl: e.client.implementation, company: e.client.company },
      server: { impl: e.server.implementation, company: e.server.company },
      phase, progress: { done, total: 38 }, replanned: false, since: e.start, error: null };
  });
  for (const s of sessions) await world.publish(daemon, `session/${s.id}/state`, s);
  // every board, at a table of its own that is not where its sessions are
  const boards = [...new Set(sched.sessions.map((e) => e.board))].sort();
  for (const [i, id] of boards.entries()) {
    await world.publish(daemon, `board/${id}/state`, { schema: 1, id, type: 'sim-l476', host: 'h',
      table: `T${50 - (i % 50)}`, state: sessions.some((s) => s.board === id && s.phase === 'running') ? 'in-session' : 'ready',
      power: 'on', health: 'good', since: new Date().toISOString(), cause: null, error: null, faults: 0 });
  }
  // a board on a bench supply: ready by its console, nothing confirms power or health
  await world.publish(daemon, 'board/bench6/state', { schema: 1, id: 'bench6', type: 'sim-l476', host: 'h',
    table: 'T50', state: 'ready', power: 'unknown', health: 'unknown', since: new Date().toISOString(),
    cause: null, error: null, faults: 0 });
  reports = sessions.map((s, k) => ({
    schema: 1, session: s.id, client: s.client, server: s.server, ets: 'LightweightM2M-1.1-int',
    cases: CASES.map((c, i) => {
      const v = s.phase === 'scheduled' ? null : verdictOf(k, i);
      return { ...c, verdict: v, note: null, entered_by: v ? `${s.client.company}/lead` : null,
        entered_at: v ? s.since : null,
        verification: v === null ? null : (k + i) % 11 === 0 ? 'disputed' : 'agreed', verify_note: null };
    }),
    signed: { client: s.phase === 'closed', server: s.phase === 'closed' },
  }));
  // each report once, under its client company (the daemon writes it under
  // both; staff would read it twice: see the note on throughput above)
  for (const r of reports) await world.publish(daemon, `private/${r.client.company}/session/${r.session}/report`, r);
  // a summary with nothing counted yet
  await world.publish(daemon, 'summary', { schema: 1, event: sched.event, clients: 0, servers: 0,
    cases: CASES.map((c) => ({ ets: 'LightweightM2M-1.1-int', id: c.id, name: c.name, pass: 0, fail: 0,
      inconclusive: 0, 'not-applicable': 0, 'out-of-time': 0 })) });
  browser = await world.browser();
}, { timeout: 120000 });

after(async () => {
  await world?.close();
});

test('the floor at 50 tables: the running slot, boards with their sessions, rows alike', { timeout: 90000 }, async () => {
  const page = await world.page(browser);
  await page.waitForFunction(() => document.querySelectorAll('.table-row').length === 50, null, { timeout: 20000 });
  const on = sessions.filter((s) => s.phase === 'running');
  await page.waitForFunction((n) => document.querySelectorAll('.table-row[data-phase="running"]').length === n,
    on.length, { timeout: 20000 });
  // the event is dated away from today: the slot shown is the one whose sessions run
  assert.match(await page.locator('.floor-head').innerText(), new RegExp(`^Slot ${running} .*\\(running\\)$`));
  for (const s of on) {
    const row = page.locator(`.table-row[data-table="${s.table}"]`);
    assert.equal(await row.getAttribute('data-session'), s.id);
    assert.match(await row.innerText(), new RegExp(`on ${s.board}`));
    // the board's chip is in the row of the session that uses it, whatever its own table
    await page.waitForSelector(`.table-row[data-table="${s.table}"] .chip[data-id="${s.board}"]`, { timeout: 5000 });
  }
  // every row with a session is laid out the same: who on the first line,
  // progress and board on the second, "on BOARD" never wrapped
  const layout = await page.evaluate(() => [...document.querySelectorAll('.table-row[data-session]')].map((r) => {
    const who = r.querySelector('.s-who').getBoundingClientRect();
    const how = r.querySelector('.s-how').getBoundingClientRect();
    const prog = r.querySelector('.s-how progress').getBoundingClientRect();
    const onb = r.querySelector('.on-board');
    return { table: r.dataset.table, below: prog.top >= who.bottom - 1, how: how.height,
      onLines: onb ? onb.getClientRects().length : 1 };
  }));
  assert.ok(layout.length >= on.length);
  for (const l of layout) {
    assert.ok(l.below, `T${l.table}: the progress bar is on the title line`);
    assert.equal(l.onLines, 1, `T${l.table}: "on BOARD" wraps`);
  }
  const heights = new Set(layout.map((l) => Math.round(l.how)));
  assert.equal(heights.size, 1, `second lines of different heights: ${[...heights]}`);
  await shot(page, 'floor-50-tables');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a board with unknown power and health is not a green ready tile', { timeout: 60000 }, async () => {
  const page = await world.page(browser);
  await page.click('a[data-view="boards"]');
  await page.waitForSelector('#board-grid .tile[data-id="bench6"]', { timeout: 15000 });
  const tile = page.locator('#board-grid .tile[data-id="bench6"]');
  assert.equal(await tile.getAttribute('data-unverified'), 'yes');
  assert.equal(await tile.locator('.state').innerText(), 'ready?');
  const colour = (sel) => page.locator(sel).evaluate((el) => getComputedStyle(el).borderTopColor);
  const busy = new Set(sessions.filter((s) => s.phase === 'running').map((s) => s.board));
  const plain = sessions.find((s) => !busy.has(s.board)).board;
  await page.waitForSelector(`#board-grid .tile[data-id="${plain}"][data-state="ready"]`, { timeout: 5000 });
  const green = await colour(`#board-grid .tile[data-id="${plain}"]`);
  assert.notEqual(await colour('#board-grid .tile[data-id="bench6"]'), green);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the summary says nothing is released yet instead of zero counts', { timeout: 60000 }, async () => {
  const page = await world.page(browser);
  await page.click('a[data-view="summary"]');
  await page.waitForFunction(() => /No results released yet/.test(document.body.innerText), null, { timeout: 10000 });
  assert.doesNotMatch(await page.locator('main').innerText(), /0 clients · 0 servers/);
  assert.equal(await page.locator('.chart-row').count(), 0);
  await page.context().close();
});

test('the results matrix at 200 sessions: filters, sticky headers, compact cells, counts', { timeout: 240000 }, async () => {
  const page = await world.page(browser);
  await page.waitForSelector('#conn[data-state="live"]', { timeout: 10000 });
  await page.fill('#user', 'staff');
  await page.fill('#password', world.passwords.get('staff'));
  await page.click('#login-btn');
  await page.waitForSelector('#tab-results:not([hidden])', { timeout: 10000 });
  await page.click('#tab-results');
  // ~1.5 MB retained: mosquitto 2.0.11's websockets deliver ~250 KB/s here
  // (measured with a plain mqtt.js client too), so this takes a while
  const t0 = Date.now();
  await page.waitForFunction((n) => window.tfDebug.store.reports.size === n, N_SESSIONS, { timeout: 150000 })
    .catch(async (e) => {
      throw new Error(`${await page.evaluate(() => JSON.stringify({ r: window.tfDebug.store.reports.size,
        m: window.tfDebug.store.messages, f: window.tfDebug.app.frame, c: document.getElementById('conn')?.dataset.state }))} reports: ${e.message}`);
    });
  console.log(`# ${N_SESSIONS} reports in the page after ${Date.now() - t0} ms`);
  await page.waitForFunction((n) => document.querySelectorAll('.matrix tbody tr').length === n, N_SESSIONS, { timeout: 10000 });
  assert.equal(await page.locator('.matrix thead th.case-id').count(), CASES.length);
  assert.equal(await page.locator('.matrix thead th.group').count(), GROUPS.length);
  // compact: one letter per cell, on one line; no verdict word broken anywhere
  const table = await page.locator('.matrix').innerText();
  assert.doesNotMatch(table, /not-applicable|applicable/);
  // compact: a letter (and a mark), one text line, a narrow column
  const cellsOk = await page.evaluate(() => [...document.querySelectorAll('.matrix td.v')].slice(0, 3000)
    .map((td) => {
      const range = document.createRange();
      range.selectNodeContents(td);
      // a second line would start a line height (~12 px) lower; the smaller
      // mark sits a few px off the letter's top on the same line
      const tops = [...range.getClientRects()].map((r) => r.top);
      return { w: td.getBoundingClientRect().width, lines: Math.max(...tops) - Math.min(...tops) > 8 ? 2 : 1 };
    }).reduce((a, c) => ({ w: Math.max(a.w, c.w), lines: Math.max(a.lines, c.lines) }), { w: 0, lines: 0 }));
  assert.ok(cellsOk.w < 45, `a verdict cell is ${cellsOk.w} px wide`);
  assert.equal(cellsOk.lines, 1, 'a verdict cell wraps');
  assert.match(await page.locator('.matrix-legend').innerText(), /N Not Applicable/);
  // counts per row and per column match the data
  const k = 7;
  const want = VERDICTS.map((v) => reports[k].cases.filter((c) => c.verdict === v).length).join(' ');
  assert.equal(await page.locator(`.matrix tbody tr[data-session="${reports[k].session}"] td.counts`).getAttribute('data-counts'), want);
  const c0 = CASES[3].id;
  const pass = reports.filter((r) => r.cases[3].verdict === 'pass').length;
  const fail = reports.filter((r) => r.cases[3].verdict === 'fail').length;
  assert.equal(await page.locator(`.matrix tfoot td[data-case="${c0}"]`).innerText(), `${pass}/${fail}`);

  // headers stay in view: scrolled down and right, the case numbers are
  // still at the top and the session names still at the left
  await page.locator('.matrix-wrap').evaluate((w) => { w.scrollTop = 2500; w.scrollLeft = 600; });
  const pos = await page.evaluate(() => {
    const w = document.querySelector('.matrix-wrap').getBoundingClientRect();
    const id = document.querySelector('.matrix thead th.case-id:last-child').getBoundingClientRect();
    const rows = [...document.querySelectorAll('.matrix tbody th.session')];
    const seen = rows.map((r) => r.getBoundingClientRect()).find((r) => r.top > w.top + 60 && r.bottom < w.bottom);
    return { wTop: w.top, wLeft: w.left, idTop: id.top, sLeft: seen?.left };
  });
  assert.ok(pos.idTop >= pos.wTop - 1 && pos.idTop < pos.wTop + 60, `case numbers at ${pos.idTop}, the view starts at ${pos.wTop}`);
  assert.ok(Math.abs(pos.sLeft - pos.wLeft) < 3, `session names at ${pos.sLeft}, the view starts at ${pos.wLeft}`);
  await page.locator('.matrix-wrap').evaluate((w) => { w.scrollTop = 0; w.scrollLeft = 0; });
  await shot(page, 'results-200-sessions');

  // filter by company: only sessions it takes part in
  const company = reports[0].client.company;
  const mine = reports.filter((r) => r.client.company === company || r.server.company === company);
  await page.selectOption('.f-company', company);
  await page.waitForFunction((n) => document.querySelectorAll('.matrix tbody tr').length === n, mine.length, { timeout: 5000 });
  // by implementation
  const impl = reports[0].server.impl;
  await page.selectOption('.f-company', '');
  await page.fill('.f-impl', impl);
  const withImpl = reports.filter((r) => `${r.client.impl} ${r.server.impl} ${r.session}`.toLowerCase().includes(impl.toLowerCase()));
  await page.waitForFunction((n) => document.querySelectorAll('.matrix tbody tr').length === n, withImpl.length, { timeout: 5000 });
  await page.fill('.f-impl', '');
  // by case group: its cases only
  await page.selectOption('.f-group', 'Registration');
  await page.waitForFunction(() => document.querySelectorAll('.matrix thead th.case-id').length === 10, null, { timeout: 5000 });
  assert.equal(await page.locator('.matrix tbody tr').count(), N_SESSIONS);
  await shot(page, 'results-200-sessions-registration');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
