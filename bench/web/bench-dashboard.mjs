// SPDX-License-Identifier: LGPL-2.1-or-later
// The dashboard at scale: 1000 boards and 200 sessions retained on the real
// broker (set up by tf-broker-config), headless Chromium on the real page.
//   1. time until the full floor (and the full boards grid) is on the page
//      after the page starts, and after its MQTT connection is up;
//   2. board state change -> tile changed on the page: median and p99 over
//      1000 changes published as the daemon's account;
//   3. the limit: mosquitto_pub -> broker -> mosquitto_sub round trip.
// Run through bench/web/bench-dashboard (it enters a network namespace).
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { createRequire } from 'node:module';
import { World, sleep, deadline, waitFor } from '../../web/tests/browser/world.mjs';

// mqtt.js from web/node_modules, as the page has it
const mqtt = createRequire(new URL('../../web/package.json', import.meta.url))('mqtt');

const BOARDS = Number(process.env.BENCH_BOARDS ?? 1000);
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 200);
const TABLES = 50;
const CHANGES = Number(process.env.BENCH_CHANGES ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PACE_MS = 10;
const STATES = ['off', 'powering-on', 'booting', 'ready', 'flashing', 'in-session', 'faulted'];

const now = () => performance.timeOrigin + performance.now();
const iso = (ms) => new Date(ms).toISOString();
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (x) => x.toFixed(1).padStart(7);

function board(i, state = 'ready', cause = 'boot banner seen') {
  const id = `b${String(i).padStart(4, '0')}`;
  return { schema: 1, id, type: 'sim-l476', host: `host${i % 4}`, table: `T${(i % TABLES) + 1}`, state,
    power: state === 'off' ? 'off' : 'on', health: 'good', since: iso(Date.now()), cause, error: null,
    faults: 0, console: `/dev/ttyACM${i}`, session: null,
    firmware: { name: 'lwm2m-client', version: '1.0.0', sha256: 'ab'.repeat(32) } };
}

function sessionList() {
  const hour = 3600e3;
  const t0 = Date.now() - hour / 2;
  const list = [];
  for (let i = 0; i < SESSIONS; i++) {
    const slot = Math.floor(i / TABLES);
    const table = (i % TABLES) + 1;
    list.push({ id: `c${i}--s${i % 7}`, slot, table, start: iso(t0 + slot * hour), end: iso(t0 + (slot + 1) * hour),
      client: { impl: `c${i}`, company: `co${i % 40}` }, server: { impl: `s${i % 7}`, company: `co${(i + 1) % 40}` },
      board: board(i).id });
  }
  return list;
}

async function publishAll(world, daemon) {
  const list = sessionList();
  const pubs = [];
  for (let i = 0; i < BOARDS; i++) pubs.push(world.publish(daemon, `board/${board(i).id}/state`, board(i)));
  await Promise.all(pubs);
  await world.publish(daemon, 'schedule', {
    schema: 'testfest-schedule/1', event: 'Bench', timezone: 'UTC', slots: Math.ceil(SESSIONS / TABLES),
    tables: TABLES, makespan: Math.ceil(SESSIONS / TABLES), 'lower-bound': 0, idle: 0, method: 'bench',
    sessions: list.map((s) => ({ id: s.id, slot: s.slot, start: s.start, end: s.end, table: s.table,
      client: { implementation: s.client.impl, company: s.client.company },
      server: { implementation: s.server.impl, company: s.server.company }, board: s.board,
      state: s.slot === 0 ? 'running' : 'planned' })),
  });
  await Promise.all(list.map((s) => world.publish(daemon, `session/${s.id}/state`, {
    schema: 1, id: s.id, slot: s.slot, table: s.table, board: s.board, client: s.client, server: s.server,
    phase: s.slot === 0 ? 'running' : 'scheduled', progress: { done: s.slot === 0 ? 4 : 0, total: 12 },
    replanned: false, since: s.start, error: null })));
  return list;
}

// From page start to the full floor (every session of the slot on now, every
// board chip) or the full grid; one fresh page per run.
async function timeToFull(world, browser, view) {
  const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await ctx.newPage();
  await page.addInitScript(([view, boards, tables]) => {
    if (view !== 'floor') location.hash = `#${view}`;
    window.benchFull = null;
    window.benchFrames = [];
    const check = () => {
      const d = window.tfDebug;
      if (!d || window.benchFull) return;
      const full = view === 'floor'
        ? document.querySelectorAll('.table-row .chip').length === boards &&
          document.querySelectorAll('.table-row[data-session]').length === tables
        : document.querySelectorAll('#board-grid .tile').length === boards;
      if (full) {
        window.benchFull = { at: performance.now(), startedAt: d.app.conn.startedAt,
          connectedAt: d.app.conn.connectedAt, frames: d.app.frame, messages: d.store.messages };
      }
    };
    const hook = () => {
      if (!window.tfDebug) return requestAnimationFrame(hook);
      window.tfDebug.hooks.flushed = (frame, ms) => { window.benchFrames.push(ms); check(); };
    };
    hook();
  }, [view, BOARDS, Math.min(TABLES, SESSIONS)]);
  const t0 = Date.now();
  await page.goto(world.url);
  const r = await waitFor(() => page.evaluate(() => window.benchFull && { ...window.benchFull,
    maxFrame: Math.max(...window.benchFrames), nFrames: window.benchFrames.length }), 60000, `the full ${view}`);
  await ctx.close();
  return { fromStart: r.at, fromConnected: r.at - r.connectedAt, frames: r.nFrames, maxFrame: r.maxFrame,
    messages: r.messages, wall: Date.now() - t0 };
}

// Board changes, paced, as the daemon's account; the page records when each
// tile took its change (in the animation frame that draws it).
async function latency(world, browser, daemon) {
  const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await ctx.newPage();
  await page.goto(`${world.url}#boards`);
  await page.waitForFunction((n) => document.querySelectorAll('#board-grid .tile').length === n, BOARDS, { timeout: 60000 });
  await page.evaluate(() => {
    window.benchSeen = {};
    window.benchFrames = [];
    window.tfDebug.hooks.tile = (id, b) => {
      const m = /^bench (\d+)$/.exec(b.cause ?? '');
      if (m && !(m[1] in window.benchSeen)) window.benchSeen[m[1]] = performance.timeOrigin + performance.now();
    };
    window.tfDebug.hooks.flushed = (frame, ms) => window.benchFrames.push(ms);
    window.longTasks = 0;
    new PerformanceObserver((l) => { window.longTasks += l.getEntries().length; })
      .observe({ type: 'longtask', buffered: false });
  });
  const sent = [];
  for (let seq = 0; seq < CHANGES; seq++) {
    const i = Math.floor(Math.random() * BOARDS);
    const b = board(i, STATES[seq % STATES.length], `bench ${seq}`);
    sent[seq] = now();
    world.publish(daemon, `board/${b.id}/state`, b);
    await sleep(PACE_MS);
  }
  await waitFor(() => page.evaluate((n) => Object.keys(window.benchSeen).length >= n, CHANGES), 30000,
    'every change on the page');
  const seen = await page.evaluate(() => window.benchSeen);
  const frames = await page.evaluate(() => window.benchFrames);
  const longTasks = await page.evaluate(() => window.longTasks);
  await ctx.close();
  const lat = sent.map((t, seq) => seen[seq] - t);
  return { lat, maxFrame: Math.max(...frames), frames: frames.length, longTasks };
}

// mosquitto_pub -l (one message per line) -> broker -> mosquitto_sub, one at a time.
async function brokerRoundTrip(world) {
  const sub = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(world.port), '-V', '5',
    '-u', 'staff', '-P', world.passwords.get('staff'), '-t', world.topic('board/+/state')]);
  const pub = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(world.port), '-V', '5',
    '-u', 'testfestd', '-P', world.passwords.get('testfestd'), '-t', world.topic('board/rtt/state'), '-l']);
  const lines = readline.createInterface({ input: sub.stdout });
  const waiting = new Map();
  lines.on('line', (l) => {
    const m = /"rtt (\d+)"/.exec(l);
    if (m && waiting.has(m[1])) {
      waiting.get(m[1])(now());
      waiting.delete(m[1]);
    }
  });
  await sleep(500); // the subscription is in before the first line goes out
  const rtt = [];
  for (let seq = 0; seq < CHANGES; seq++) {
    const got = new Promise((resolve) => waiting.set(String(seq), resolve));
    const t0 = now();
    pub.stdin.write(`{"schema":1,"id":"rtt","cause":"rtt ${seq}"}\n`);
    const t1 = await Promise.race([got, deadline(5000).then(() => null)]);
    if (t1 === null) throw new Error(`round trip ${seq} lost`);
    rtt.push(t1 - t0);
  }
  pub.stdin.end();
  sub.kill();
  return rtt;
}

// The limit of (1): an mqtt.js client in node over the same websockets
// listener (and over TCP, for comparison), from CONNACK to the last
// retained message of the floor.
async function retainedOver(world, url, expected) {
  const c = await mqtt.connectAsync(url, { protocolVersion: 5,
    username: 'staff', password: world.passwords.get('staff'), reconnectPeriod: 0 });
  let n = 0;
  const t0 = performance.now();
  const done = new Promise((resolve) => c.on('message', () => { if (++n === expected) resolve(performance.now()); }));
  const p = world.topic('');
  await c.subscribeAsync([`${p}host/+/status`, `${p}board/+/state`, `${p}schedule`, `${p}session/+/state`, `${p}summary`]);
  const t1 = await Promise.race([done, deadline(30000).then(() => NaN)]);
  await c.endAsync();
  return t1 - t0;
}

async function main() {
  const world = await World.create('bench', { daemon: false });
  try {
    const daemon = await world.client('testfestd');
    const t0 = Date.now();
    await publishAll(world, daemon);
    console.log(`# ${BOARDS} boards, ${SESSIONS} sessions (${TABLES} tables) retained in ${Date.now() - t0} ms`);
    const browser = await world.browser();

    console.log('\n## Page start to full view (ms), %d runs', RUNS);
    console.log('view     from page start  from MQTT connected  frames  longest frame ms');
    for (const view of ['floor', 'boards']) {
      const runs = [];
      for (let r = 0; r < RUNS; r++) runs.push(await timeToFull(world, browser, view));
      const med = (k) => pct(runs.map((x) => x[k]), 50);
      console.log(`${view.padEnd(8)} ${fmt(med('fromStart'))} (median)  ${fmt(med('fromConnected'))} (median)` +
        `     ${String(Math.round(med('frames'))).padStart(4)}  ${fmt(Math.max(...runs.map((x) => x.maxFrame)))} (max)`);
    }

    for (const [name, url] of [['websockets (tf-web /mqtt)', `${world.url.replace(/^http/, 'ws').replace(/\/$/, '')}/mqtt`], ['TCP', `mqtt://127.0.0.1:${world.port}`]]) {
      const runs = [];
      for (let r = 0; r < RUNS; r++) runs.push(await retainedOver(world, url, BOARDS + SESSIONS + 1));
      console.log(`limit: mqtt.js in node over ${name.padEnd(10)} every retained message ${fmt(pct(runs, 50))} ms (median) after CONNACK`);
    }

    const l = await latency(world, browser, daemon);
    const rtt = await brokerRoundTrip(world);
    console.log('\n## Board state change to the page, %d changes every %d ms (ms)', CHANGES, PACE_MS);
    console.log('path                                         median      p99      max');
    console.log(`daemon account -> broker -> page (tile)    ${fmt(pct(l.lat, 50))}  ${fmt(pct(l.lat, 99))}  ${fmt(Math.max(...l.lat))}`);
    console.log(`mosquitto_pub -> broker -> mosquitto_sub   ${fmt(pct(rtt, 50))}  ${fmt(pct(rtt, 99))}  ${fmt(Math.max(...rtt))}`);
    console.log(`# page: ${l.frames} frames drawn for ${CHANGES} changes, longest ${l.maxFrame.toFixed(1)} ms, ` +
      `${l.longTasks} long tasks (>50 ms)`);
  } finally {
    await world.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
