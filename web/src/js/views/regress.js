// SPDX-License-Identifier: LGPL-2.1-or-later
// Regression (the board farm's nightly runs): what the latest runs found on
// top (regressions, flaky cases, suspect boards), tonight's runs live (jobs
// per board, progress), the history as a chart (pass rate per run, and per
// suite), and board health. Staff read regress/#; a company reads only its
// own runs, under private/<company>/regress/ (the broker decides, not the page).

import { h, setText, fmtTime, naturalCompare } from '../dom.js';

const usToIso = (us) => (us ? new Date(us / 1000).toISOString() : null);

function passRate(c) {
  const ran = (c.pass ?? 0) + (c.fail ?? 0) + (c.inconclusive ?? 0);
  return ran ? (c.pass ?? 0) / ran : null;
}

const pct = (r) => (r === null ? '–' : `${Math.round(r * 100)} %`);

export class RegressView {
  constructor(root, store) {
    this.root = root;
    this.store = store;
    this.dirty = true;
    this.head = h('p', { class: 'muted regress-head' });
    this.findings = h('div', { class: 'regress-findings' });
    this.live = h('div', { class: 'regress-live' });
    this.history = h('div', { class: 'regress-history chart', role: 'img',
      'aria-label': 'pass rate per run' });
    this.suites = h('div', { class: 'regress-suites' });
    this.health = h('div', { class: 'regress-health' });
    root.append(h('h2', { text: 'Regression' }), this.head,
      h('h3', { text: 'Findings' }), this.findings,
      h('h3', { text: 'Running now' }), this.live,
      h('h3', { text: 'History' }), this.history, this.suites,
      h('h3', { text: 'Board health' }), this.health);
  }

  note(kind) {
    if (kind === 'regress') this.dirty = true;
  }

  runs() {
    return [...this.store.regressRuns.values()].filter((r) => r && r.run)
      .sort((a, b) => (a.run.created ?? 0) - (b.run.created ?? 0));
  }

  flush() {
    if (!this.dirty) return;
    this.dirty = false;
    const runs = this.runs();
    const st = this.store.regressStatus;
    setText(this.head, runs.length === 0 ? 'No regression runs yet.'
      : `${runs.length} runs` + (st ? ` · ${st.running ?? 0} jobs running, ${st.queued ?? 0} queued` : ''));
    this.drawFindings(runs);
    this.drawLive(runs);
    this.drawHistory(runs);
    this.drawHealth(st);
  }

  // The latest finished run of each plan, its findings first.
  drawFindings(runs) {
    const latest = new Map();
    for (const r of runs) if (r.run.state !== 'running') latest.set(r.run.plan, r);
    const items = [];
    for (const r of [...latest.values()].sort((a, b) => naturalCompare(a.run.plan, b.run.plan))) {
      const line = (kind, f) => h('li', { class: `finding ${kind}`, 'data-run': r.run.id },
        h('strong', { text: kind }), ` ${f.suite} / ${f.case} on ${f.image}: ${f.why}`);
      items.push(h('div', { class: 'finding-run', 'data-plan': r.run.plan },
        h('p', {}, h('strong', { text: r.run.plan }), ` · ${r.run.id} · `, h('span', { class: 'summary', text: r.summary ?? '' })),
        h('ul', {},
          ...(r.regressions ?? []).map((f) => line('regression', f)),
          ...(r.flaky ?? []).map((f) => line('flaky', f)),
          ...(r['suspect-boards'] ?? []).map((b) => h('li', { class: 'finding suspect' },
            h('strong', { text: 'suspect board' }), ` ${b.board}: ${b['failed-where-others-pass']} of ${b.ran} failed where other boards pass`)),
          ...(r.fixed ?? []).map((f) => line('fixed', f)))));
    }
    this.findings.replaceChildren(...(items.length ? items : [h('p', { class: 'muted', text: 'Nothing to report.' })]));
  }

  drawLive(runs) {
    const open = runs.filter((r) => r.run.state === 'running');
    const blocks = open.map((r) => {
      const total = r['jobs-total'] ?? 0;
      const done = total - (r.open ?? 0);
      const bar = h('progress', { max: Math.max(total, 1), value: done });
      const rows = (r.jobs ?? []).map((j) => h('tr', { 'data-job': j.id, 'data-state': j.state },
        h('td', { text: j.suite }), h('td', { text: j.image }), h('td', { text: j.target }),
        h('td', { class: 'board', text: j.board ?? '' }), h('td', { class: 'state', text: j.state }),
        h('td', { text: j.error ?? '' })));
      return h('div', { class: 'live-run', 'data-run': r.run.id },
        h('p', {}, h('strong', { text: r.run.id }), ` ${done}/${total} jobs `, bar,
          ` · ${r.pass ?? 0} pass, ${r.fail ?? 0} fail`),
        h('table', {}, h('thead', {}, h('tr', {}, ...['suite', 'image', 'on', 'board', 'state', 'note']
          .map((t) => h('th', { text: t })))), h('tbody', {}, ...rows)));
    });
    this.live.replaceChildren(...(blocks.length ? blocks : [h('p', { class: 'muted', text: 'No run in progress.' })]));
  }

  // One bar per run (pass / fail / inconclusive), then pass rate per suite over the runs.
  drawHistory(runs) {
    const done = runs.filter((r) => r.run.state !== 'running').slice(-30);
    const rows = done.map((r) => {
      const bar = h('div', { class: 'bar' });
      for (const v of ['pass', 'fail', 'inconclusive']) {
        if (!r[v]) continue;
        const seg = h('span', { class: `seg v-${v}`, title: `${v}: ${r[v]}`, text: r[v] });
        seg.style.flexGrow = String(r[v]);
        bar.append(seg);
      }
      return h('div', { class: 'chart-row night', 'data-run': r.run.id },
        h('div', { class: 'label', title: r.run.id }, `${fmtTime(usToIso(r.run.created))} `,
          h('span', { text: r.run.plan })),
        h('div', { class: 'track' }, bar),
        h('div', { class: 'total rate', text: pct(passRate(r)) }));
    });
    this.history.replaceChildren(...rows);
    const suites = [...new Set(done.flatMap((r) => Object.keys(r.suites ?? {})))].sort(naturalCompare);
    if (suites.length === 0) {
      this.suites.replaceChildren();
      return;
    }
    this.suites.replaceChildren(h('table', { class: 'suite-rates' },
      h('thead', {}, h('tr', {}, h('th', { text: 'suite' }),
        ...done.map((r) => h('th', { title: r.run.id, text: fmtTime(usToIso(r.run.created)) })))),
      h('tbody', {}, ...suites.map((s) => h('tr', { 'data-suite': s }, h('td', { text: s }),
        ...done.map((r) => {
          const rate = r.suites?.[s] ? passRate(r.suites[s]) : null;
          return h('td', { class: rate === null ? 'muted' : rate === 1 ? 'v-pass' : 'v-fail', text: pct(rate) });
        }))))));
  }

  drawHealth(st) {
    const boards = (st?.boards ?? []).slice().sort((a, b) => naturalCompare(a.board, b.board));
    if (boards.length === 0) {
      this.health.replaceChildren(h('p', { class: 'muted', text: 'No board health known (staff only).' }));
      return;
    }
    const attention = new Set(st['staff-attention'] ?? []);
    // over time: each board's latest checks, oldest to newest, one mark each
    const history = new Map();
    for (const c of (st['health-log'] ?? []).slice().reverse()) {
      if (!history.has(c.board)) history.set(c.board, []);
      history.get(c.board).push(c);
    }
    const marks = (id) => h('span', { class: 'health-marks' }, ...(history.get(id) ?? []).slice(-20).map((c) =>
      h('span', { class: c.ok ? 'mark ok' : 'mark bad', text: c.ok ? '✓' : '✗',
        title: `${fmtTime(usToIso(c.at))}${c.reason ? `: ${c.reason}` : ''}` })));
    this.health.replaceChildren(h('table', {},
      h('thead', {}, h('tr', {}, ...['board', 'state', 'last good check', 'failed checks in a row', 'checks', 'job']
        .map((t) => h('th', { text: t })))),
      h('tbody', {}, ...boards.map((b) => h('tr', { 'data-board': b.board, 'data-state': b.state,
        class: attention.has(b.board) ? 'attention' : null },
      h('td', { text: b.board }), h('td', { class: 'state', text: b.state, title: b.error ?? '' }),
      h('td', { text: b['last-ok'] ? fmtTime(usToIso(b['last-ok'])) : 'never' }),
      h('td', { class: 'failures', text: b.failures ?? 0 }),
      h('td', {}, marks(b.board)),
      h('td', { text: b.job ?? '' }))))));
  }
}
