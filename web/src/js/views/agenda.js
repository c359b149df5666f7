// SPDX-License-Identifier: LGPL-2.1-or-later
// The agenda: slots x tables. The slot on now is marked; re-planned sessions
// are highlighted; a session's cell is updated in place.

import { h, setText, setAttr, fmtHM, tableKey, tableLabel, naturalCompare } from '../dom.js';
import { slotsOf, currentSlot, sideOf } from '../schedule.js';

export class AgendaView {
  constructor(root, store) {
    this.root = root;
    this.store = store;
    this.head = h('p', { class: 'muted' });
    this.table = h('table', { class: 'agenda' });
    root.append(h('h2', { text: 'Agenda' }), this.head, h('div', { class: 'scroll' }, this.table));
    this.cells = new Map();    // session id -> td
    this.slotRows = new Map(); // slot -> tr
    this.structure = true;
    this.clock = false;
    this.dirty = new Set();
    this.nowSlot = null;
  }

  note(kind, key) {
    if (kind === 'schedule') this.structure = true;
    else if (kind === 'clock') this.clock = true;
    else if (kind === 'session') this.dirty.add(key);
  }

  flush(now = Date.now()) {
    if (this.structure) {
      this.rebuild();
    } else {
      for (const id of this.dirty) {
        const td = this.cells.get(id);
        if (td) this.fill(td, id);
      }
    }
    this.dirty.clear();
    if (this.clock || this.nowSlot === null) this.markNow(now);
    this.clock = false;
  }

  rebuild() {
    this.structure = false;
    const sch = this.store.schedule;
    this.cells.clear();
    this.slotRows.clear();
    this.nowSlot = null;
    if (!sch) {
      setText(this.head, 'No schedule published yet.');
      this.table.replaceChildren();
      return;
    }
    setText(this.head, `${sch.event ?? ''} · ${sch.sessions?.length ?? 0} sessions · ` +
      `${sch.tables ?? '?'} tables · ${sch.timezone ?? ''}`);
    const keys = new Set();
    if (typeof sch.tables === 'number') for (let t = 1; t <= sch.tables; t++) keys.add(String(t));
    for (const e of sch.sessions ?? []) keys.add(tableKey(e.table));
    const tables = [...keys].sort(naturalCompare);
    const byCell = new Map();
    for (const e of sch.sessions ?? []) byCell.set(`${e.slot}/${tableKey(e.table)}`, e);
    const thead = h('thead', null, h('tr', null, h('th', { text: 'Slot' }),
      ...tables.map((k) => h('th', { text: tableLabel(k) }))));
    const tbody = h('tbody');
    for (const s of slotsOf(sch)) {
      const tr = h('tr', { 'data-slot': s.slot },
        h('th', { class: 'slot' }, `${s.slot}`, h('small', { text: ` ${new Date(s.start).toLocaleDateString(undefined, { weekday: 'short' })} ${fmtHM(s.start)}–${fmtHM(s.end)}` })));
      for (const k of tables) {
        const e = byCell.get(`${s.slot}/${k}`);
        const td = h('td');
        if (e) {
          td.dataset.session = e.id;
          td.append(h('span', { class: 'pair', text: `${sideOf(e.client)} ⇄ ${sideOf(e.server)}` }),
            h('span', { class: 'sub' }));
          this.cells.set(e.id, td);
          this.fill(td, e.id);
        }
        tr.append(td);
      }
      this.slotRows.set(s.slot, tr);
      tbody.append(tr);
    }
    this.table.replaceChildren(thead, tbody);
  }

  fill(td, id) {
    const st = this.store.sessions.get(id);
    const e = this.store.schedule?.sessions?.find((x) => x.id === id);
    const phase = st?.phase ?? e?.state ?? 'scheduled';
    setAttr(td, 'data-phase', phase);
    td.classList.toggle('replanned', !!st?.replanned);
    const prog = st?.progress;
    setText(td.lastChild, [phase, prog ? `${prog.done}/${prog.total}` : null,
      st?.replanned ? 're-planned' : null, e?.board ? `on ${e.board}` : null].filter(Boolean).join(' · '));
    setAttr(td, 'title', st?.error ?? null);
  }

  markNow(now) {
    const cur = currentSlot(this.store.schedule, now, this.store.sessions);
    const slot = cur && (cur.when === 'now' || cur.when === 'running') ? cur.slot : null;
    if (slot === this.nowSlot) return;
    this.slotRows.get(this.nowSlot)?.classList.remove('now');
    this.nowSlot = slot;
    this.slotRows.get(slot)?.classList.add('now');
  }
}
