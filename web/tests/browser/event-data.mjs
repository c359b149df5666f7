// SPDX-License-Identifier: LGPL-2.1-or-later
// Until the session producers (issue 6) publish them, the tests publish the
// schedule, the sessions' states, the private reports and consoles and the
// summary themselves, with the daemon's account, exactly as specified.

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const side = (impl, company) => ({ impl, company });

// Slot 1 is on now, slot 0 is over, slot 2 is next.
export function sessions(now = Date.now()) {
  const hour = 3600e3;
  const slot = (n) => ({ start: now - hour / 2 + (n - 1) * hour, end: now + hour / 2 + (n - 1) * hour });
  return [
    { id: 'acme-c--lumen-s', slot: 0, table: 1, board: 'sim1', client: side('acme-c', 'acme'), server: side('lumen-s', 'lumen'), phase: 'closed', progress: { done: 8, total: 8 }, ...slot(0) },
    { id: 'acme-c--kiwi-s', slot: 1, table: 1, board: 'sim1', client: side('acme-c', 'acme'), server: side('kiwi-s', 'kiwi'), phase: 'running', progress: { done: 3, total: 10 }, ...slot(1) },
    { id: 'kiwi-c--lumen-s', slot: 1, table: 2, board: 'sim2', client: side('kiwi-c', 'kiwi'), server: side('lumen-s', 'lumen'), phase: 'running', progress: { done: 5, total: 12 }, ...slot(1) },
    { id: 'lumen-c--acme-s', slot: 1, table: 3, board: 'sim3', client: side('lumen-c', 'lumen'), server: side('acme-s', 'acme'), phase: 'scheduled', progress: { done: 0, total: 9 }, replanned: true, ...slot(1) },
    { id: 'kiwi-c--acme-s', slot: 2, table: 2, board: 'sim2', client: side('kiwi-c', 'kiwi'), server: side('acme-s', 'acme'), phase: 'scheduled', progress: { done: 0, total: 9 }, ...slot(2) },
  ];
}

// The shape of tf_schedule_to_json (controller/sched/tf-schedule.c).
export function schedule(list) {
  return {
    schema: 'testfest-schedule/1', event: 'Browser TestFest', timezone: 'UTC', slots: 3, tables: 3,
    makespan: 3, 'lower-bound': 3, idle: 0, method: 'test',
    sessions: list.map((s) => ({
      id: s.id, slot: s.slot, start: iso(s.start), end: iso(s.end), table: s.table,
      client: { implementation: s.client.impl, company: s.client.company },
      server: { implementation: s.server.impl, company: s.server.company },
      board: s.board, state: s.phase === 'closed' ? 'done' : s.phase === 'running' ? 'running' : 'planned',
    })),
  };
}

export function sessionState(s) {
  return { schema: 1, id: s.id, slot: s.slot, table: s.table, board: s.board, client: s.client,
    server: s.server, phase: s.phase, progress: s.progress, replanned: !!s.replanned,
    since: iso(s.start), error: null };
}

const CASES = [[101, 'Initial Registration'], [102, 'Registration Update'], [103, 'Deregistration'],
  [201, 'Read'], [202, 'Write']];

// Each report carries a note naming its session, so a leak shows in the page text.
export function report(s, verdicts) {
  return {
    schema: 1, session: s.id, client: s.client, server: s.server, ets: 'LightweightM2M-1.1-int-1',
    cases: CASES.map(([id, name], i) => ({
      id, name, verdict: verdicts[i] ?? null, note: `note of ${s.id}`, entered_by: 'staff',
      entered_at: iso(s.start), verification: verdicts[i] ? (i === 1 ? 'disputed' : 'agreed') : null,
      verify_note: null,
    })),
    signed: { client: true, server: false },
  };
}

export const VERDICTS = {
  'acme-c--lumen-s': ['pass', 'pass', 'pass', 'not-applicable', 'pass'],
  'acme-c--kiwi-s': ['pass', 'fail', null, 'inconclusive', 'out-of-time'],
  'kiwi-c--lumen-s': ['fail', 'fail', 'fail', 'fail', 'fail'],
  'lumen-c--acme-s': [null, null, null, null, null],
  'kiwi-c--acme-s': [null, null, null, null, null],
};

export const SUMMARY = {
  schema: 1, event: 'Browser TestFest', clients: 3, servers: 3,
  cases: CASES.map(([id, name], i) => ({ ets: 'LightweightM2M-1.1-int-1', id, name, pass: 5 - i,
    fail: i, inconclusive: i % 2, 'not-applicable': 1, 'out-of-time': i === 4 ? 2 : 0 })),
};

// Everything retained, as the daemon would publish it.
export async function publishEvent(world, daemon) {
  const list = sessions();
  await world.publish(daemon, 'schedule', schedule(list));
  for (const s of list) {
    await world.publish(daemon, `session/${s.id}/state`, sessionState(s));
    const r = report(s, VERDICTS[s.id]);
    for (const company of new Set([s.client.company, s.server.company])) {
      await world.publish(daemon, `private/${company}/session/${s.id}/report`, r);
    }
  }
  await world.publish(daemon, 'summary', SUMMARY);
  return list;
}

// A console line of a running session, to both of its companies (not retained).
export async function consoleLine(world, daemon, s, line) {
  const m = { schema: 1, session: s.id, board: s.board, at: new Date().toISOString(), line };
  for (const company of new Set([s.client.company, s.server.company])) {
    await world.publish(daemon, `private/${company}/session/${s.id}/console`, m, false);
  }
}

// A step the lab's runner asks the server's operator to take (tf-floor-ets-sut.c): a console
// line marked "operator", to both companies.
export async function operatorLine(world, daemon, s, line) {
  const m = { schema: 1, session: s.id, board: s.board, at: new Date().toISOString(), line, operator: true };
  for (const company of new Set([s.client.company, s.server.company])) {
    await world.publish(daemon, `private/${company}/session/${s.id}/console`, m, false);
  }
}
