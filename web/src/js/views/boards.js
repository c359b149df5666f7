// SPDX-License-Identifier: LGPL-2.1-or-later
// Boards: one tile per board, kept by id and updated in place; filtered by
// state with one attribute on the grid (CSS does the hiding).

import { h, setText, setAttr, fmtTime, naturalCompare } from '../dom.js';

export const BOARD_STATES = ['off', 'powering-on', 'booting', 'ready', 'flashing', 'in-session',
  'faulted', 'quarantined', 'unplugged'];

// A board whose power and health nothing can confirm (a bench supply, no
// switch): "ready" by its console, but not green: amber, with a question mark.
export const UNVERIFIED = 'power and health unknown: no switch confirms them';
export function unverified(b) {
  return !!b && b.state === 'ready' && (b.health === 'unknown' || b.power === 'unknown');
}

export class BoardsView {
  constructor(root, store, hooks) {
    this.root = root;
    this.store = store;
    this.hooks = hooks;
    this.tiles = new Map(); // id -> { el, parts }
    this.order = [];        // ids in natural order, as in the grid
    this.dirty = new Set();
    this.filter = '';
    this.search = '';
    this.countEls = new Map();

    this.filters = h('div', { class: 'filters', role: 'toolbar' });
    this.searchEl = h('input', { type: 'search', placeholder: 'find a board, type or firmware',
      class: 'search', 'aria-label': 'find a board' });
    this.searchEl.addEventListener('input', () => {
      this.search = this.searchEl.value.trim().toLowerCase();
      this.applySearch();
    });
    this.grid = h('div', { class: 'grid', id: 'board-grid' });
    this.empty = h('p', { class: 'muted', text: 'No boards yet.' });
    root.append(h('h2', { text: 'Boards' }), h('div', { class: 'toolbar' }, this.filters, this.searchEl),
      this.empty, this.grid);
    this.filterButton('', 'all');
    for (const s of BOARD_STATES) this.filterButton(s, s);
  }

  filterButton(state, label) {
    const count = h('span', { class: 'count', text: '0' });
    const b = h('button', { type: 'button', class: 'filter', 'data-state': state || 'all' },
      label, ' ', count);
    b.addEventListener('click', () => this.setFilter(this.filter === state ? '' : state));
    this.countEls.set(state, { button: b, count });
    this.filters.append(b);
    return b;
  }

  setFilter(state) {
    this.filter = state;
    setAttr(this.grid, 'data-filter', state || null);
    for (const [s, { button }] of this.countEls) button.classList.toggle('on', s === state);
    // a state this page does not know: hide by hand
    if (state && !BOARD_STATES.includes(state)) {
      for (const [, t] of this.tiles) t.el.classList.toggle('filtered', t.state !== state);
    } else {
      for (const [, t] of this.tiles) t.el.classList.remove('filtered');
    }
  }

  note(kind, key) {
    if (kind === 'board') this.dirty.add(key);
  }

  flush() {
    if (this.dirty.size === 0) return;
    const added = [];
    for (const id of this.dirty) {
      const b = this.store.boards.get(id);
      let t = this.tiles.get(id);
      if (!b) {
        if (t) {
          t.el.remove();
          this.tiles.delete(id);
          const i = this.order.indexOf(id);
          if (i >= 0) this.order.splice(i, 1);
        }
        continue;
      }
      if (!t) {
        t = this.makeTile(id);
        this.tiles.set(id, t);
        added.push(id);
      }
      this.update(t, b);
      if (this.hooks.tile) this.hooks.tile(id, b);
    }
    this.dirty.clear();
    if (added.length) this.place(added);
    this.counts();
    this.empty.hidden = this.tiles.size > 0;
  }

  // New tiles go to their place in natural order: one by one when few, the
  // whole grid re-ordered in one fragment when many (the first burst).
  place(added) {
    if (added.length > 32 || this.order.length === 0) {
      this.order = [...this.tiles.keys()].sort(naturalCompare);
      const frag = document.createDocumentFragment();
      for (const id of this.order) frag.append(this.tiles.get(id).el);
      this.grid.append(frag);
    } else {
      for (const id of added) {
        let lo = 0;
        let hi = this.order.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (naturalCompare(this.order[mid], id) < 0) lo = mid + 1;
          else hi = mid;
        }
        const before = lo < this.order.length ? this.tiles.get(this.order[lo]).el : null;
        this.grid.insertBefore(this.tiles.get(id).el, before);
        this.order.splice(lo, 0, id);
      }
    }
    if (this.search) this.applySearch();
  }

  makeTile(id) {
    const p = {
      id: h('b', { class: 'id', text: id }),
      state: h('span', { class: 'state' }),
      meta: h('div', { class: 'meta' }),
      power: h('div', { class: 'power' }),
      fw: h('div', { class: 'fw' }),
      sha: h('code', { class: 'sha' }),
      error: h('div', { class: 'error' }),
      since: h('div', { class: 'since' }),
    };
    const el = h('article', { class: 'tile', 'data-id': id },
      h('div', { class: 'tile-head' }, p.id, p.state), p.meta, p.power,
      h('div', { class: 'fwline' }, p.fw, p.sha), p.error, p.since);
    return { el, parts: p, state: null, text: '' };
  }

  update(t, b) {
    const p = t.parts;
    t.state = b.state;
    setAttr(t.el, 'data-state', b.state ?? 'unknown');
    setAttr(t.el, 'data-health', b.health ?? null);
    setAttr(t.el, 'data-unverified', unverified(b) ? 'yes' : null);
    setText(p.state, unverified(b) ? `${b.state}?` : b.state ?? '?');
    setAttr(p.state, 'title', unverified(b) ? UNVERIFIED : null);
    setText(p.meta, [b.type, b.table, b.host].filter(Boolean).join(' · '));
    setText(p.power, `power ${b.power ?? '?'} · health ${b.health ?? '?'}` +
      (b.faults ? ` · ${b.faults} fault${b.faults > 1 ? 's' : ''}` : '') +
      (b.session ? ` · session ${b.session}` : '') +
      (b.progress && b.state === 'flashing' ? ` · ${b.progress.phase ?? ''} ${b.progress.percent ?? 0}%` : ''));
    const fw = b.firmware;
    setText(p.fw, fw ? `${fw.name ?? '?'} ${fw.version ?? ''}`.trim() : 'no firmware known');
    setText(p.sha, fw && fw.sha256 ? fw.sha256.slice(0, 12) : '');
    setAttr(p.sha, 'title', fw && fw.sha256 ? `sha256 ${fw.sha256}` : null);
    setText(p.error, b.error ?? b.cause ?? '');
    setAttr(p.error, 'data-kind', b.error ? 'error' : 'cause');
    setText(p.since, b.since ? `since ${fmtTime(b.since)}` : '');
    setAttr(p.since, 'title', b.since ?? null);
    t.text = [b.id, b.type, b.table, b.host, fw?.name, fw?.version, fw?.sha256].filter(Boolean)
      .join(' ').toLowerCase();
    if (this.filter && !BOARD_STATES.includes(this.filter)) {
      t.el.classList.toggle('filtered', t.state !== this.filter);
    }
    if (this.search) t.el.hidden = !t.text.includes(this.search);
  }

  applySearch() {
    for (const [, t] of this.tiles) t.el.hidden = this.search ? !t.text.includes(this.search) : false;
  }

  counts() {
    const n = new Map();
    for (const [, t] of this.tiles) n.set(t.state, (n.get(t.state) ?? 0) + 1);
    for (const [s, { count, button }] of this.countEls) {
      const c = s === '' ? this.tiles.size : (n.get(s) ?? 0);
      setText(count, c);
      button.classList.toggle('zero', c === 0);
    }
    // states this page has no button for get one
    for (const s of n.keys()) {
      if (s && !this.countEls.has(s)) {
        this.filterButton(s, s);
        setText(this.countEls.get(s).count, n.get(s));
      }
    }
  }
}
