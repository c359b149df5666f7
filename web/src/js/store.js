// SPDX-License-Identifier: LGPL-2.1-or-later
// What the broker told us, by topic. Every change is reported to `notify`
// as (kind, key); the views pick what they show from here when they draw.

const decoder = new TextDecoder();

export class Store {
  constructor(lab, notify) {
    this.lab = lab;
    this.prefix = `tf/${lab}/`;
    this.notify = notify;
    this.hosts = new Map();    // host -> status
    this.boards = new Map();   // id -> board state
    this.sessions = new Map(); // id -> session state
    this.schedule = null;
    this.summary = null;
    this.reports = new Map();  // session id -> report (the same under both companies)
    this.consoles = new Map(); // session id -> { lines: [{at, line, board, operator}], added }
    this.consoleMax = 500;
    this.traces = new Map(); // session id -> { messages: [decoded CoAP], added }
    this.traceMax = 500;
    this.gen = 0;              // bumped on every (re)connection, see sweep()
    this.seen = new Map();     // topic -> gen of its last retained message
    this.reportSeen = new Map(); // session id -> gen of its last retained report
    this.regressRuns = new Map(); // run id -> its retained progress (regress/run/<id>)
    this.regressStatus = null;    // regress/status (staff)
    this.farm = null;             // hosts: a farm coordinator's summary (staff)
    this.errors = 0;
    this.messages = 0;
  }

  // Public topics every page reads; private ones only with an account.
  subscriptions(loggedIn) {
    const p = this.prefix;
    const subs = [`${p}host/+/status`, `${p}board/+/state`, `${p}schedule`, `${p}session/+/state`,
      `${p}summary`];
    // The broker delivers only what the account may read: a company gets its
    // own subtree, staff every one. The page never filters private data itself.
    if (loggedIn) subs.push(`${p}private/#`, `${p}regress/#`);
    // a farm's hosts (staff): first, so the Hosts tab comes before a big
    // farm's burst of boards, and a page holding the boards without it knows
    // the broker will not give it
    if (loggedIn) subs.unshift(`${p}hosts`);
    return subs;
  }

  parse(payload) {
    const text = typeof payload === 'string' ? payload : decoder.decode(payload);
    if (text.length === 0) return null;
    try {
      const v = JSON.parse(text);
      return v && typeof v === 'object' ? v : undefined;
    } catch {
      this.errors++;
      return undefined;
    }
  }

  apply(topic, payload, retained) {
    if (!topic.startsWith(this.prefix)) return;
    this.messages++;
    const parts = topic.slice(this.prefix.length).split('/');
    const value = this.parse(payload);
    if (value === undefined) return;  // not JSON: ignored
    if (value !== null && value.schema !== 1 && parts[0] !== 'schedule') return;
    if (retained || value === null) this.seen.set(topic, this.gen);
    const [kind] = parts;
    if (kind === 'board' && parts.length === 3 && parts[2] === 'state') {
      this.put(this.boards, 'board', parts[1], value);
    } else if (kind === 'host' && parts.length === 3 && parts[2] === 'status') {
      this.put(this.hosts, 'host', parts[1], value);
    } else if (kind === 'session' && parts.length === 3 && parts[2] === 'state') {
      this.put(this.sessions, 'session', parts[1], value);
    } else if (kind === 'schedule' && parts.length === 1) {
      this.schedule = value;
      this.notify('schedule', null);
    } else if (kind === 'summary' && parts.length === 1) {
      this.summary = value;
      this.notify('summary', null);
    } else if (kind === 'regress' && parts.length === 3 && parts[1] === 'run') {
      this.put(this.regressRuns, 'regress', parts[2], value);
    } else if (kind === 'hosts' && parts.length === 1) {
      this.farm = value;
      this.notify('farm', null);
    } else if (kind === 'regress' && parts.length === 2 && parts[1] === 'status') {
      this.regressStatus = value;
      this.notify('regress', null);
    } else if (kind === 'private' && parts.length === 5 && parts[2] === 'regress' && parts[3] === 'run') {
      this.put(this.regressRuns, 'regress', parts[4], value);
    } else if (kind === 'private' && parts.length === 5 && parts[2] === 'session') {
      const session = parts[3];
      if (parts[4] === 'report') {
        if (retained || value === null) this.reportSeen.set(session, this.gen);
        this.put(this.reports, 'report', session, value);
      }
      else if (parts[4] === 'console' && value) this.consoleLine(session, value);
      else if (parts[4] === 'trace' && value) this.traceMessage(session, value, parts[1]);
    }
  }

  put(map, kind, key, value) {
    if (value === null) {
      if (!map.delete(key)) return;
    } else {
      map.set(key, value);
    }
    this.notify(kind, key);
  }

  consoleLine(session, m) {
    let c = this.consoles.get(session);
    if (!c) {
      c = { lines: [], added: 0 };
      this.consoles.set(session, c);
    }
    // operator: a step the lab's runner asks a person to take (the server under test)
    c.lines.push({ at: m.at, line: String(m.line ?? ''), board: m.board, operator: m.operator === true });
    c.added++;
    if (c.lines.length > this.consoleMax) c.lines.splice(0, c.lines.length - this.consoleMax);
    this.notify('console', session);
  }

  traceMessage(session, m, company) {
    let t = this.traces.get(session);
    if (!t) {
      t = { messages: [], added: 0, companies: new Set() };
      this.traces.set(session, t);
    }
    t.companies.add(company); // under which company it came: the page's role in the session
    t.messages.push(m);
    t.added++;
    if (t.messages.length > this.traceMax) t.messages.splice(0, t.messages.length - this.traceMax);
    this.notify('trace', session);
  }

  // A new connection: what is retained will come again. Whatever does not
  // come again by sweep() was removed while we were away.
  beginSync() {
    this.gen++;
  }

  sweep() {
    const p = this.prefix;
    const drop = (map, kind, topicOf) => {
      for (const key of [...map.keys()]) {
        const g = this.seen.get(topicOf(key));
        if (g === undefined || g < this.gen) this.put(map, kind, key, null);
      }
    };
    drop(this.boards, 'board', (k) => `${p}board/${k}/state`);
    drop(this.hosts, 'host', (k) => `${p}host/${k}/status`);
    drop(this.sessions, 'session', (k) => `${p}session/${k}/state`);
    for (const key of [...this.reports.keys()]) {
      if ((this.reportSeen.get(key) ?? -1) < this.gen) this.put(this.reports, 'report', key, null);
    }
    if (this.schedule && (this.seen.get(`${p}schedule`) ?? -1) < this.gen) {
      this.schedule = null;
      this.notify('schedule', null);
    }
    if (this.farm && (this.seen.get(`${p}hosts`) ?? -1) < this.gen) {
      this.farm = null;
      this.notify('farm', null);
    }
    if (this.summary && (this.seen.get(`${p}summary`) ?? -1) < this.gen) {
      this.summary = null;
      this.notify('summary', null);
    }
  }

  // Private data goes with the account that could read it.
  forgetPrivate() {
    for (const key of [...this.regressRuns.keys()]) this.put(this.regressRuns, 'regress', key, null);
    this.regressStatus = null;
    this.notify('regress', null);
    this.farm = null;
    this.notify('farm', null);
    for (const key of [...this.reports.keys()]) this.put(this.reports, 'report', key, null);
    for (const key of [...this.consoles.keys()]) {
      this.consoles.delete(key);
      this.notify('console', key);
    }
    for (const key of [...this.traces.keys()]) {
      this.traces.delete(key);
      this.notify('trace', key);
    }
  }
}
