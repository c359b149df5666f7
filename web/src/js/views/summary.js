// SPDX-License-Identifier: LGPL-2.1-or-later
// The anonymised summary as a chart: one stacked bar of verdict counts per
// test case, drawn with plain elements (no chart library needed for bars).

import { h, setText } from '../dom.js';

const VERDICTS = ['pass', 'fail', 'inconclusive', 'not-applicable', 'out-of-time'];

export class SummaryView {
  constructor(root, store) {
    this.root = root;
    this.store = store;
    this.head = h('p', { class: 'muted' });
    this.legend = h('p', { class: 'legend' },
      ...VERDICTS.map((v) => h('span', { class: `key v-${v}`, text: v })));
    this.chart = h('div', { class: 'chart', role: 'img', 'aria-label': 'verdict counts per test case' });
    root.append(h('h2', { text: 'Summary' }), this.head, this.legend, this.chart);
    this.dirty = true;
  }

  note(kind) {
    if (kind === 'summary') this.dirty = true;
  }

  flush() {
    if (!this.dirty) return;
    this.dirty = false;
    const s = this.store.summary;
    if (!s || !(s.cases ?? []).some((c) => VERDICTS.some((v) => c[v]))) {
      // nothing counted yet: say so rather than "0 clients · 0 servers"
      setText(this.head, 'No results released yet: the anonymised summary appears here once ' +
        'verified sessions are released.');
      this.legend.hidden = true;
      this.chart.replaceChildren();
      return;
    }
    this.legend.hidden = false;
    setText(this.head, `${s.event ?? ''} · ${s.clients ?? 0} clients · ${s.servers ?? 0} servers · ` +
      `${(s.cases ?? []).length} test cases (anonymised)`);
    const max = Math.max(1, ...(s.cases ?? []).map((c) => VERDICTS.reduce((n, v) => n + (c[v] ?? 0), 0)));
    const rows = (s.cases ?? []).map((c) => {
      const total = VERDICTS.reduce((n, v) => n + (c[v] ?? 0), 0);
      const bar = h('div', { class: 'bar' });
      bar.style.width = `${(100 * total) / max}%`;
      for (const v of VERDICTS) {
        if (!c[v]) continue;
        const seg = h('span', { class: `seg v-${v}`, title: `${v}: ${c[v]}`, text: c[v] });
        seg.style.flexGrow = String(c[v]);
        bar.append(seg);
      }
      return h('div', { class: 'chart-row', 'data-case': c.id },
        h('div', { class: 'label', title: c.ets ?? '' }, `${c.id} `, h('span', { text: c.name ?? '' })),
        h('div', { class: 'track' }, bar),
        h('div', { class: 'total', text: total }));
    });
    this.chart.replaceChildren(...rows);
  }
}
