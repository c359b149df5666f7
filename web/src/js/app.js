// SPDX-License-Identifier: LGPL-2.1-or-later
// The TestFest dashboard: the broker's retained state, drawn at most once a
// frame. Messages only mark what changed; a requestAnimationFrame callback
// draws the visible view's changes (and a hidden view catches up when shown).

import { h, setText, setAttr, fmtTime } from './dom.js';
import { Store } from './store.js';
import { Connection } from './conn.js';
import { FloorView } from './views/floor.js';
import { BoardsView } from './views/boards.js';
import { AgendaView } from './views/agenda.js';
import { ResultsView } from './views/results.js';
import { TraceView } from './views/trace.js';
import { SummaryView } from './views/summary.js';
import { RegressView } from './views/regress.js';
import { HostsView } from './views/hosts.js';

const $ = (id) => document.getElementById(id);

class Header {
  constructor(store) {
    this.store = store;
    this.hosts = $('hosts');
    this.event = $('event-name');
    this.dirty = true;
  }

  note(kind) {
    if (kind === 'host' || kind === 'schedule' || kind === 'summary' || kind === 'farm') this.dirty = true;
  }

  flush() {
    if (!this.dirty) return;
    this.dirty = false;
    const chips = [...this.store.hosts.entries()].sort().map(([name, status]) => {
      // a farm host whose link is down still has its retained "online":
      // staff get the coordinator's word for it (the Hosts view)
      const farm = this.store.farm?.hosts?.[name];
      const s = farm?.state === 'lost' ? { ...status, state: 'lost', reason: farm.reason } : status;
      // staff edit the lab and event files and send SIGHUP: say whether it was taken
      const reload = s.reload && typeof s.reload === 'object' ? s.reload : null;
      const refused = reload && reload.ok === false;
      return h('span', {
        class: 'host', 'data-state': s.state, 'data-reload': reload ? (refused ? 'refused' : 'ok') : null,
        title: `${s.version ?? ''} since ${fmtTime(s.started)}${s.reason ? ` (${s.reason})` : ''}` +
          (reload ? `\nreload ${fmtTime(reload.at)}: ${refused ? reload.error ?? 'refused' : 'taken'}` : ''),
      },
      name, ' ', h('small', { text: `${s.state}${typeof s.boards === 'number' ? ` · ${s.boards} boards` : ''}` }),
      refused ? h('small', { class: 'reload-refused', text: ` · reload refused: ${reload.error ?? ''}` }) : null);
    });
    this.hosts.replaceChildren(...chips);
    setText(this.event, this.store.schedule?.event ?? this.store.summary?.event ?? '');
  }
}

class App {
  constructor(cfg) {
    this.cfg = cfg;
    this.frame = 0;
    this.pending = false;
    this.hooks = { tile: null, flushed: null };
    this.store = new Store(cfg.lab, (kind, key) => this.note(kind, key));
    const views = {
      floor: new FloorView($('view-floor'), this.store),
      boards: new BoardsView($('view-boards'), this.store, this.hooks),
      agenda: new AgendaView($('view-agenda'), this.store),
      results: new ResultsView($('view-results'), this.store),
      summary: new SummaryView($('view-summary'), this.store),
      regress: new RegressView($('view-regress'), this.store),
      hosts: new HostsView($('view-hosts'), this.store),
    };
    this.views = views;
    // the live trace: a panel of the results view (its companies' sessions only)
    this.trace = new TraceView($('view-results'), this.store);
    this.header = new Header(this.store);
    this.current = null;
    setText($('title'), `TestFest · ${cfg.lab}`);
    document.title = `TestFest · ${cfg.lab}`;
    // {origin}: the page's own server (tf-web --mqtt carries /mqtt to the broker)
    const origin = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
    const url = cfg.broker.replace('{origin}', origin).replace('{host}', location.hostname || '127.0.0.1');
    this.conn = new Connection(url, this.store, this);
    this.trace.conn = this.conn; // the pcapng download asks the daemon over it
    window.addEventListener('hashchange', () => this.route());
    $('login').addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.login($('user').value.trim(), $('password').value);
    });
    $('logout-btn').addEventListener('click', () => this.login(null, null));
    // the slot on now moves with the clock
    setInterval(() => this.note('clock', null), 15000);
    this.route();
    this.login(null, null);
  }

  login(user, password) {
    $('login-error').hidden = true;
    this.store.forgetPrivate();
    this.views.results.setUser(user);
    this.trace.setUser(user);
    this.user = user;
    setText($('who'), user ? `logged in as ${user}` : 'public view');
    $('user').hidden = $('password').hidden = $('login-btn').hidden = !!user;
    $('logout-btn').hidden = !user;
    $('password').value = '';
    $('tab-results').hidden = !user;
    $('tab-regress').hidden = !user;
    if (!user && (location.hash === '#results' || location.hash === '#regress')) location.hash = '#floor';
    this.conn.start(user, password);
    this.note('report', null);
  }

  refused(user) {
    const e = $('login-error');
    e.textContent = user ? `The broker refused the account "${user}": wrong account or password.`
      : 'This broker does not allow anonymous visitors: log in with the account you were given.';
    e.hidden = false;
    this.connState('refused', null);
    if (user) {
      // back to the public view, the visitor may try again
      this.user = null;
      this.views.results.setUser(null);
      this.trace.setUser(null);
      setText($('who'), 'public view');
      $('user').hidden = $('password').hidden = $('login-btn').hidden = false;
      $('logout-btn').hidden = true;
      $('tab-results').hidden = true;
      $('tab-regress').hidden = true;
      this.conn.start(null, null);
      e.hidden = false;
    }
  }

  connState(state, since) {
    const el = $('conn');
    setAttr(el, 'data-state', state);
    setText(el, { live: 'live', connecting: 'connecting…', reconnecting: 'reconnecting…', stale: 'offline', refused: 'refused' }[state] ?? state);
    const stale = state === 'stale' || state === 'reconnecting';
    document.body.classList.toggle('stale', stale);
    const banner = $('stale');
    banner.hidden = !stale;
    if (stale) {
      banner.textContent = `The broker is unreachable since ${fmtTime((since ?? new Date()).toISOString())}: ` +
        'what you see is stale. Reconnecting by itself…';
    }
  }

  // Hosts: shown once the broker gave us the farm's summary (staff only)
  farmTab() {
    const has = !!this.store.farm;
    $('tab-hosts').hidden = !has;
    if (has ? location.hash === '#hosts' && this.current !== 'hosts' : this.current === 'hosts') this.route();
  }

  route() {
    let name = (location.hash || '#floor').slice(1);
    if (!this.views[name] || ((name === 'results' || name === 'regress') && !this.user)) name = 'floor';
    if (name === 'hosts' && !this.store.farm) name = this.current && this.current !== 'hosts' ? this.current : 'floor';
    if (name === this.current) return;
    this.current = name;
    for (const [n, v] of Object.entries(this.views)) v.root.hidden = n !== name;
    for (const a of document.querySelectorAll('#tabs a')) a.classList.toggle('on', a.dataset.view === name);
    this.kick();
  }

  note(kind, key) {
    if (kind === 'farm') this.farmTab();
    for (const v of Object.values(this.views)) v.note(kind, key);
    this.trace.note(kind, key);
    this.header.note(kind, key);
    this.kick();
  }

  kick() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => this.flush());
  }

  // One frame: the header and the visible view. Hidden views keep their
  // marks and draw them when shown.
  flush() {
    const t0 = performance.now();
    this.pending = false;
    this.frame++;
    this.header.flush();
    this.views[this.current].flush();
    if (this.current === 'results') this.trace.flush();
    if (this.hooks.flushed) this.hooks.flushed(this.frame, performance.now() - t0);
  }
}

async function main() {
  let cfg = { lab: 'demo', broker: 'ws://{host}:9001/' };
  try {
    const r = await fetch('config.json', { cache: 'no-store' });
    if (r.ok) cfg = { ...cfg, ...(await r.json()) };
  } catch {
    // served without tf-web: the defaults, or ?lab=...&broker=...
  }
  const q = new URLSearchParams(location.search);
  if (q.get('lab')) cfg.lab = q.get('lab');
  if (q.get('broker')) cfg.broker = q.get('broker');
  const app = new App(cfg);
  // for tests and the benchmark: the state and the hooks, nothing private
  // that the page does not show anyway
  window.tfDebug = { app, store: app.store, hooks: app.hooks };
}

main();
