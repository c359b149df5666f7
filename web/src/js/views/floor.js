// SPDX-License-Identifier: LGPL-2.1-or-later
// The floor: one row per table in the slot being worked in (the sessions
// preparing or running, else the clock's): who meets whom, the session's
// phase and progress, and the boards at that table: a board a session uses
// is shown at the session's table, the others at their own. Rows are rebuilt
// when the schedule or the slot changes; a board's chip and a session's row
// are updated in place.

import { h, setText, setAttr, fmtHM, tableKey, tableLabel, naturalCompare } from '../dom.js';
import { currentSlot, sessionsAt, sideOf } from '../schedule.js';
import { unverified, UNVERIFIED } from './boards.js';

export class FloorView {
  constructor(root, store) {
    this.root = root;
    this.store = store;
    this.head = h('p', { class: 'floor-head' });
    this.rowsEl = h('div', { class: 'floor', role: 'table' });
    root.append(h('h2', { text: 'Floor' }), this.head, this.rowsEl);
    this.rows = new Map();  // table key -> { el, session, chips, id }
    this.chips = new Map(); // board id -> { el, table }
    this.slot = null;
    this.placed = new Map(); // table key -> session id
    this.structure = true;
    this.boards = new Set();
    this.sessions = new Set();
  }

  note(kind, key) {
    if (kind === 'schedule') this.structure = true;
    else if (kind === 'clock') this.clock = true;
    else if (kind === 'board') this.boards.add(key);
    else if (kind === 'session') this.sessions.add(key);
  }

  flush(now = Date.now()) {
    const store = this.store;
    if (this.clock || this.sessions.size) {
      this.clock = false;
      const slot = currentSlot(store.schedule, now, store.sessions);
      if ((slot?.slot ?? null) !== (this.slot?.slot ?? null) || slot?.when !== this.slot?.when) {
        this.structure = true;
      }
    }
    if (this.structure) {
      this.slot = currentSlot(store.schedule, now, store.sessions);
      this.rebuild();
      return;
    }
    if (this.sessions.size) {
      // a session moved in or out of this slot: its table's row changes
      const at = this.slot ? sessionsAt(store.schedule, store.sessions, this.slot.slot) : new Map();
      for (const key of new Set([...at.keys(), ...this.placed.keys()])) {
        const cur = at.get(key);
        if (!this.rows.has(key)) {
          this.structure = true;
        } else if ((cur?.id ?? null) !== (this.placed.get(key) ?? null) ||
                   (cur && this.sessions.has(cur.id))) {
          this.fillRow(key, cur ?? null);
        }
      }
      this.sessions.clear();
    }
    for (const id of this.boards) this.chip(id);
    this.boards.clear();
    if (this.structure) this.rebuild(); // a table appeared
  }

  tableKeys() {
    const keys = new Set();
    const n = this.store.schedule?.tables;
    if (typeof n === 'number') for (let t = 1; t <= n; t++) keys.add(String(t));
    for (const [, b] of this.store.boards) if (b.table) keys.add(tableKey(b.table));
    return [...keys].sort(naturalCompare);
  }

  rebuild() {
    const store = this.store;
    this.structure = false;
    const s = this.slot;
    if (s) {
      const label = s.when === 'running' ? 'running' : s.when === 'now' ? 'now' : s.when === 'next' ? 'next' : 'last';
      setText(this.head, `Slot ${s.slot} · ${fmtHM(s.start)}–${fmtHM(s.end)} (${label})`);
    } else {
      setText(this.head, 'No schedule published yet: the boards by table.');
    }
    this.rows.clear();
    this.chips.clear();
    this.placed.clear();
    const frag = document.createDocumentFragment();
    for (const key of this.tableKeys()) {
      const r = {
        label: h('div', { class: 't-label', text: tableLabel(key) }),
        session: h('div', { class: 't-session' }),
        chips: h('div', { class: 't-boards' }),
      };
      r.el = h('div', { class: 'table-row', role: 'row', 'data-table': key }, r.label, r.session, r.chips);
      this.rows.set(key, r);
      frag.append(r.el);
    }
    this.rowsEl.replaceChildren(frag);
    const at = s ? sessionsAt(store.schedule, store.sessions, s.slot) : new Map();
    for (const key of this.rows.keys()) this.fillRow(key, at.get(key) ?? null);
    const ids = [...store.boards.keys()].sort(naturalCompare);
    for (const id of ids) this.chip(id);
    this.boards.clear();
    this.sessions.clear();
  }

  fillRow(key, at) {
    const r = this.rows.get(key);
    if (!r) return;
    if (!at) {
      this.placed.delete(key);
      setAttr(r.el, 'data-session', null);
      setAttr(r.el, 'data-phase', null);
      r.session.replaceChildren(h('span', { class: 'muted', text: this.slot ? 'free' : '' }));
      return;
    }
    this.placed.set(key, at.id);
    const st = at.state;
    const e = at.entry;
    const client = st?.client ?? e?.client;
    const server = st?.server ?? e?.server;
    const phase = st?.phase ?? (e?.state === 'done' ? 'closed' : e?.state === 'running' ? 'running' : 'scheduled');
    const prog = st?.progress;
    const board = st?.board ?? e?.board;
    setAttr(r.el, 'data-session', at.id);
    setAttr(r.el, 'data-phase', phase);
    const bar = h('progress', { max: prog?.total || 1, value: prog?.done ?? 0 });
    // two lines, the same in every row: who and where it stands, then how far
    r.session.replaceChildren(
      h('div', { class: 's-line s-who' },
        h('span', { class: 'pair' }, h('b', { text: sideOf(client) }), ' ⇄ ', h('b', { text: sideOf(server) })),
        h('span', { class: `phase phase-${phase}`, text: phase }),
        st?.replanned ? h('span', { class: 'tag replanned', text: 're-planned' }) : '',
        st?.replan_at && phase === 'running' ? h('span', { class: 'tag host-lost',
          text: `host lost, re-planned in ${Math.max(0, Math.round((Date.parse(st.replan_at) - Date.now()) / 1000))} s unless it returns` }) : ''),
      h('div', { class: 's-line s-how' },
        h('span', { class: 'progress' }, bar, ` ${prog?.done ?? 0}/${prog?.total ?? '?'}`),
        board ? h('span', { class: 'on-board', text: `on ${board}` }) : '',
        st?.error ? h('span', { class: 'error', text: st.error }) : ''));
    const old = r.board;
    r.board = board;
    // the boards follow the sessions that use them
    if (old && old !== board) this.chip(old);
    if (board) this.chip(board);
    for (const el of r.chips.children) el.classList.toggle('in-use', el.dataset.id === board);
  }

  // the row a board is shown in: the session's that uses it in this slot,
  // else its own table's
  rowOf(id, b) {
    for (const [key, r] of this.rows) if (r.board === id) return key;
    return b ? tableKey(b.table) : null;
  }

  chip(id) {
    const b = this.store.boards.get(id);
    let c = this.chips.get(id);
    const key = b ? this.rowOf(id, b) : null;
    if (!b || !key || !this.rows.has(key)) {
      if (c) {
        c.el.remove();
        this.chips.delete(id);
      }
      if (b && key && !this.rows.has(key)) this.structure = true; // a new table: rebuild
      return;
    }
    if (!c) {
      c = { el: h('span', { class: 'chip', 'data-id': id }, h('b', { text: id }), ' ', h('span', { class: 'st' })), table: null };
      this.chips.set(id, c);
    }
    if (c.table !== key) {
      c.table = key;
      this.rows.get(key).chips.append(c.el);
    }
    setAttr(c.el, 'data-state', b.state ?? 'unknown');
    setAttr(c.el, 'data-unverified', unverified(b) ? 'yes' : null);
    setText(c.el.lastChild, unverified(b) ? `${b.state ?? '?'}?` : b.state ?? '?');
    setAttr(c.el, 'title', [b.state, unverified(b) && UNVERIFIED, b.error ?? b.cause].filter(Boolean).join(': '));
    c.el.classList.toggle('in-use', this.rows.get(key).board === id);
  }
}
