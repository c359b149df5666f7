// SPDX-License-Identifier: LGPL-2.1-or-later
// Results of the logged-in account: what the broker lets it read of
// private/<company>/... : the verdict matrix (test cases x its sessions) and
// the console tail of its running sessions, appended line by line.

import { h, setText, fmtTime, naturalCompare } from '../dom.js';
import { sideOf } from '../schedule.js';

const VERDICTS = ['pass', 'fail', 'inconclusive', 'not-applicable', 'out-of-time'];
const TAIL = 300; // console lines kept on the page per session

export class ResultsView {
  constructor(root, store) {
    this.root = root;
    this.store = store;
    this.user = null;
    this.head = h('p', { class: 'muted' });
    this.matrix = h('div', { class: 'scroll' });
    this.consoles = h('div', { class: 'consoles' });
    root.append(h('h2', { text: 'Results' }), this.head, this.matrix,
      h('h3', { text: 'Console of running sessions' }), this.consoles);
    this.panels = new Map(); // session id -> { el, pre, added, title }
    this.reports = true;
    this.consoleDirty = new Set();
    this.sessionDirty = false;
  }

  setUser(user) {
    this.user = user;
    this.reports = true;
    for (const [, p] of this.panels) p.el.remove();
    this.panels.clear();
    for (const id of this.store.consoles.keys()) this.consoleDirty.add(id);
    this.sessionDirty = true;
  }

  note(kind, key) {
    if (kind === 'report') this.reports = true;
    else if (kind === 'console') this.consoleDirty.add(key);
    else if (kind === 'session') this.sessionDirty = true;
  }

  flush() {
    if (this.reports) {
      this.reports = false;
      this.drawMatrix();
    }
    if (this.sessionDirty) {
      this.sessionDirty = false;
      // own running sessions get a panel even before their first line
      for (const [id, s] of this.store.sessions) {
        if (this.mine(s) && (s.phase === 'running' || s.phase === 'preparing')) this.consoleDirty.add(id);
      }
      for (const [id, p] of this.panels) this.panelTitle(id, p);
    }
    for (const id of this.consoleDirty) this.drawConsole(id);
    this.consoleDirty.clear();
  }

  mine(s) {
    return !!this.user && (s?.client?.company === this.user || s?.server?.company === this.user);
  }

  drawMatrix() {
    const reports = [...this.store.reports.values()].sort((a, b) => naturalCompare(a.session, b.session));
    if (!this.user) {
      setText(this.head, 'Log in with your company\'s account to see its results.');
      this.matrix.replaceChildren();
      return;
    }
    setText(this.head, reports.length ? `${reports.length} session report${reports.length > 1 ? 's' : ''} readable by ${this.user}.`
      : `No session report for ${this.user} yet.`);
    if (!reports.length) {
      this.matrix.replaceChildren();
      return;
    }
    const cases = new Map(); // id -> name
    for (const r of reports) for (const c of r.cases ?? []) if (!cases.has(c.id)) cases.set(c.id, c.name);
    const caseIds = [...cases.keys()].sort((a, b) => naturalCompare(String(a), String(b)));
    const thead = h('thead', null, h('tr', null, h('th', { text: 'Test case' }),
      ...reports.map((r) => h('th', { 'data-session': r.session },
        h('div', { text: r.session }),
        h('small', { text: `${sideOf(r.client)} ⇄ ${sideOf(r.server)}` }),
        h('small', { class: 'ets', text: r.ets ?? '' })))));
    const tbody = h('tbody');
    for (const id of caseIds) {
      const tr = h('tr', null, h('th', { class: 'case' }, `${id} `, h('span', { text: cases.get(id) ?? '' })));
      for (const r of reports) {
        const c = (r.cases ?? []).find((x) => x.id === id);
        const v = c ? c.verdict : undefined;
        const cls = v === undefined ? 'v v-none' : v === null ? 'v v-open' : `v v-${VERDICTS.includes(v) ? v : 'other'}`;
        const mark = c?.verification === 'agreed' ? ' ✓' : c?.verification === 'disputed' ? ' ⚠' : '';
        const title = c ? [c.note, c.entered_by && `entered by ${c.entered_by} ${fmtTime(c.entered_at)}`,
          c.verification && `verification: ${c.verification}`, c.verify_note].filter(Boolean).join('\n') : 'not in this session';
        tr.append(h('td', { class: cls, title, 'data-session': r.session, 'data-case': id },
          v === undefined ? '—' : v === null ? '·' : v, mark));
      }
      tbody.append(tr);
    }
    tbody.append(h('tr', { class: 'signed' }, h('th', { text: 'signed' }),
      ...reports.map((r) => h('td', { text: `client ${r.signed?.client ? '✓' : '✗'} · server ${r.signed?.server ? '✓' : '✗'}` }))));
    this.matrix.replaceChildren(h('table', { class: 'matrix' }, thead, tbody));
  }

  panelTitle(id, p) {
    const s = this.store.sessions.get(id);
    setText(p.title, `${id}${s ? ` · ${sideOf(s.client)} ⇄ ${sideOf(s.server)} · ${s.phase}` : ''}` +
      (s?.board ? ` · board ${s.board}` : ''));
    p.el.dataset.phase = s?.phase ?? '';
  }

  drawConsole(id) {
    const c = this.store.consoles.get(id);
    const s = this.store.sessions.get(id);
    let p = this.panels.get(id);
    if (!c && !(this.mine(s) && (s.phase === 'running' || s.phase === 'preparing'))) {
      if (p) {
        p.el.remove();
        this.panels.delete(id);
      }
      return;
    }
    if (!p) {
      p = { title: h('h4'), pre: h('pre', { class: 'console' }), added: 0 };
      p.el = h('section', { class: 'console-panel', 'data-session': id }, p.title, p.pre);
      this.panels.set(id, p);
      const ids = [...this.panels.keys()].sort(naturalCompare);
      const next = ids[ids.indexOf(id) + 1];
      this.consoles.insertBefore(p.el, next ? this.panels.get(next).el : null);
      this.panelTitle(id, p);
    }
    if (!c) return;
    const fresh = Math.min(c.added - p.added, c.lines.length);
    p.added = c.added;
    if (fresh <= 0) return;
    const atBottom = p.pre.scrollTop + p.pre.clientHeight >= p.pre.scrollHeight - 4;
    const frag = document.createDocumentFragment();
    for (const l of c.lines.slice(c.lines.length - fresh)) {
      frag.append(h('span', { class: 'at', text: fmtTime(l.at) }), ` ${l.line}\n`);
    }
    p.pre.append(frag);
    while (p.pre.childNodes.length > TAIL * 2) {
      p.pre.firstChild.remove();
      p.pre.firstChild.remove();
    }
    if (atBottom) p.pre.scrollTop = p.pre.scrollHeight;
  }
}
