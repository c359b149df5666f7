// SPDX-License-Identifier: LGPL-2.1-or-later
// Results of the logged-in account: what the broker lets it read of
// private/<company>/... : the verdict matrix and the console tail of its
// running sessions, appended line by line. The matrix holds a TestFest's
// 100-200 sessions (staff read them all): one row per session, one compact
// cell per test case (a letter, the colour, a legend), headers that stay in
// view, counts per row and per column, and filters by company,
// implementation and case group.

import { h, setText, fmtTime, naturalCompare } from '../dom.js';
import { sideOf } from '../schedule.js';

const VERDICTS = ['pass', 'fail', 'inconclusive', 'not-applicable', 'out-of-time'];
const LETTER = { pass: 'P', fail: 'F', inconclusive: 'I', 'not-applicable': 'N', 'out-of-time': 'O' };
const LABEL = { pass: 'Pass', fail: 'Fail', inconclusive: 'Inconclusive', 'not-applicable': 'Not Applicable',
  'out-of-time': 'Out of Time' };
const TAIL = 300; // console lines kept on the page per session
const esc = (t) => String(t).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// How a case's verdict relates to the lab's runner: 'auto' (entered by it), 'overridden' (a
// person's verdict over an automated run, which the report keeps), or '' (none ran).
function automation(c) {
  if (!c || c.verdict === null || c.verdict === undefined) return '';
  if (c.entered_by === 'automation') return 'auto';
  return c.automation?.ran_at ? 'overridden' : '';
}

export class ResultsView {
  constructor(root, store) {
    this.root = root;
    this.store = store;
    this.user = null;
    this.head = h('p', { class: 'muted' });
    this.filter = { company: '', impl: '', group: '' };
    this.fCompany = h('select', { class: 'f-company', 'aria-label': 'company' });
    this.fImpl = h('input', { class: 'f-impl', type: 'search', placeholder: 'implementation…',
      'aria-label': 'implementation' });
    this.fGroup = h('select', { class: 'f-group', 'aria-label': 'case group' });
    this.fCompany.addEventListener('change', () => this.setFilter('company', this.fCompany.value));
    this.fGroup.addEventListener('change', () => this.setFilter('group', this.fGroup.value));
    this.fImpl.addEventListener('input', () => this.setFilter('impl', this.fImpl.value.trim().toLowerCase()));
    this.legend = h('p', { class: 'legend matrix-legend' },
      ...VERDICTS.map((v) => h('span', { class: `key v-${v}`, text: `${LETTER[v]} ${LABEL[v]}` })),
      h('span', { class: 'key-plain', text: '· no verdict yet' }),
      h('span', { class: 'key-plain', text: '— not in the session' }),
      h('span', { class: 'key-plain', text: '✓ agreed · ⚠ disputed (by the other company)' }),
      h('span', { class: 'key-plain key-auto' }, h('b', { class: 'auto', text: 'A' }),
        ' automated: the lab\'s runner decided it (client or server side)'),
      h('span', { class: 'key-plain key-overridden' }, h('b', { class: 'overridden', text: 'A' }),
        ' a person overrode the automated verdict'));
    this.toolbar = h('div', { class: 'toolbar matrix-tools', hidden: true },
      this.fCompany, this.fImpl, this.fGroup, this.legend);
    this.matrix = h('div', { class: 'matrix-wrap' });
    this.matrix.addEventListener('mouseover', (e) => this.cellTitle(e.target.closest?.('td.v')));
    this.consoles = h('div', { class: 'consoles' });
    root.append(h('h2', { text: 'Results' }), this.head, this.toolbar, this.matrix,
      h('h3', { text: 'Console of running sessions' }), this.consoles);
    this.panels = new Map(); // session id -> { el, pre, added, title }
    this.reports = true;
    this.consoleDirty = new Set();
    this.sessionDirty = false;
  }

  setFilter(k, v) {
    this.filter[k] = v;
    this.drawMatrix();
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
      // while reports stream in, redraw at most every 5 drawings' time
      const now = performance.now();
      const wait = (this.drawnAt ?? -1e9) + 5 * (this.drawCost ?? 0) - now;
      if (wait > 0) {
        if (!this.redraw) this.redraw = setTimeout(() => { this.redraw = null; this.store.notify('report', null); }, wait);
      } else {
        this.reports = false;
        this.drawMatrix();
        this.drawnAt = performance.now();
        this.drawCost = this.drawnAt - now;
      }
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

  cellTitle(td) {
    if (!td || td.title) return;
    const id = Number(td.dataset.case);
    const c = (this.store.reports.get(td.dataset.session)?.cases ?? []).find((x) => x.id === id);
    const v = c?.verdict;
    const how = automation(c);
    const run = c?.automation;
    td.title = c ? [`${id} ${c.name ?? ''}: ${VERDICTS.includes(v) ? LABEL[v] : v ?? 'no verdict yet'}`, c.note,
      c.entered_by && `entered by ${c.entered_by} ${fmtTime(c.entered_at)}`,
      how === 'auto' && `automated: the lab's runner judged the ${run?.side ?? 'client'}`,
      how === 'overridden' && `overridden: the lab's runner had judged the ${run?.side ?? 'client'} ` +
        `(exit status ${run?.exit_status ?? '?'}, ${fmtTime(run?.ran_at)})`,
      c.verification && `verification: ${c.verification}`, c.verify_note].filter(Boolean).join('\n')
      : `${id}: not in this session`;
  }

  options(sel, label, values, cur) {
    const want = ['', ...values];
    if ([...sel.options].map((o) => o.value).join('\n') !== want.join('\n')) {
      sel.replaceChildren(...want.map((v) => h('option', { value: v, text: v || label })));
    }
    sel.value = want.includes(cur) ? cur : '';
  }

  drawMatrix() {
    const all = [...this.store.reports.values()].sort((a, b) => naturalCompare(a.session, b.session));
    if (!this.user) {
      setText(this.head, 'Log in with your company\'s account to see its results.');
      this.toolbar.hidden = true;
      this.matrix.replaceChildren();
      return;
    }
    if (!all.length) {
      setText(this.head, `No session report for ${this.user} yet.`);
      this.toolbar.hidden = true;
      this.matrix.replaceChildren();
      return;
    }
    this.toolbar.hidden = false;
    // the filters offer what the reports hold
    const companies = new Set();
    const groups = new Map(); // group -> first case id, for their order
    const cases = new Map(); // id -> { name, group }
    for (const r of all) {
      for (const x of [r.client, r.server]) if (x?.company) companies.add(x.company);
      for (const c of r.cases ?? []) {
        if (!cases.has(c.id)) cases.set(c.id, { name: c.name ?? '', group: c.group ?? '' });
        const g = c.group ?? '';
        if (!groups.has(g) || c.id < groups.get(g)) groups.set(g, c.id);
      }
    }
    const f = this.filter;
    this.options(this.fCompany, 'every company', [...companies].sort(naturalCompare), f.company);
    this.options(this.fGroup, 'every case group',
      [...groups.keys()].filter(Boolean).sort((a, b) => groups.get(a) - groups.get(b)), f.group);
    f.company = this.fCompany.value;
    f.group = this.fGroup.value;
    const reports = all.filter((r) => (!f.company || r.client?.company === f.company || r.server?.company === f.company) &&
      (!f.impl || `${r.client?.impl ?? ''} ${r.server?.impl ?? ''} ${r.session}`.toLowerCase().includes(f.impl)));
    const caseIds = [...cases.keys()].filter((id) => !f.group || cases.get(id).group === f.group)
      .sort((a, b) => a - b);
    setText(this.head, `${all.length} session report${all.length > 1 ? 's' : ''} readable by ${this.user}` +
      (reports.length !== all.length ? `, ${reports.length} shown` : '') +
      ` · ${caseIds.length} test case${caseIds.length === 1 ? '' : 's'}.`);

    // header: the case groups over their cases, then the case numbers (names on hover)
    const groupRow = h('tr', { class: 'groups' }, h('th', { class: 'corner', rowspan: 2, text: 'Session' }));
    let run = null;
    for (const id of caseIds) {
      const g = cases.get(id).group;
      if (run && run.g === g) {
        run.th.colSpan += 1;
      } else {
        run = { g, th: h('th', { class: 'group', colSpan: 1, title: g, text: g || '—' }) };
        groupRow.append(run.th);
      }
    }
    groupRow.append(h('th', { class: 'counts', rowspan: 2, text: 'P · F · I · N · O' }),
      h('th', { class: 'signed', rowspan: 2, text: 'Signed' }));
    const idRow = h('tr', { class: 'ids' },
      ...caseIds.map((id) => h('th', { class: 'case-id', 'data-case': id, title: `${id} ${cases.get(id).name}`, text: id })));
    const colCount = new Map(caseIds.map((id) => [id, Object.fromEntries(VERDICTS.map((v) => [v, 0]))]));
    // the rows as one HTML string: 200 sessions x 38 cases is 7600 cells, and
    // element by element that takes long enough to starve the connection
    const rows = [];
    for (const r of reports) {
      const byId = new Map((r.cases ?? []).map((c) => [c.id, c]));
      const rowCount = Object.fromEntries(VERDICTS.map((v) => [v, 0]));
      const sess = esc(r.session);
      const cells = [];
      for (const id of caseIds) {
        const c = byId.get(id);
        const v = c ? c.verdict : undefined;
        const known = VERDICTS.includes(v);
        if (known) {
          rowCount[v] += 1;
          colCount.get(id)[v] += 1;
        }
        const cls = v === undefined ? 'v v-none' : v === null ? 'v v-open' : `v v-${known ? v : 'other'}`;
        const how = automation(c);
        const mark = (c?.verification === 'agreed' ? '<i>✓</i>' : c?.verification === 'disputed' ? '<i>⚠</i>' : '') +
          (how === 'auto' ? `<b class="auto" data-side="${esc(c.automation?.side ?? 'client')}">A</b>` : '') +
          (how === 'overridden' ? '<b class="overridden">A</b>' : '');
        // the cell's details are written on hover (see cellTitle)
        cells.push(`<td class="${cls}" data-session="${sess}" data-case="${id}"${known ? ` data-verdict="${v}"` : ''}` +
          `${how ? ` data-automation="${how}"` : ''}>` +
          `${v === undefined ? '—' : v === null ? '·' : known ? LETTER[v] : '?'}${mark}</td>`);
      }
      rows.push(`<tr data-session="${sess}"><th class="session" data-session="${sess}" title="${esc(r.ets ?? '')}">` +
        `<span class="s-id">${sess}</span><small>${esc(`${sideOf(r.client)} ⇄ ${sideOf(r.server)}`)}</small></th>` +
        cells.join('') +
        `<td class="counts" data-counts="${VERDICTS.map((v) => rowCount[v]).join(' ')}">` +
        VERDICTS.map((v) => `<span class="n v-${v}" title="${LABEL[v]}">${rowCount[v]}</span>`).join('') + '</td>' +
        `<td class="signed">C${r.signed?.client ? '✓' : '✗'} S${r.signed?.server ? '✓' : '✗'}</td></tr>`);
    }
    const tbody = h('tbody');
    tbody.innerHTML = rows.join('');
    // per column: how many of the shown sessions passed and failed each case
    const foot = h('tfoot', null, h('tr', null, h('th', { class: 'session', text: 'Pass / Fail' }),
      ...caseIds.map((id) => {
        const n = colCount.get(id);
        return h('td', { class: 'col-count', 'data-case': id, title: VERDICTS.map((v) => `${LABEL[v]} ${n[v]}`).join('\n'),
          text: `${n.pass}/${n.fail}` });
      }), h('td', { class: 'counts' }), h('td', { class: 'signed' })));
    this.matrix.replaceChildren(h('table', { class: 'matrix compact' }, h('thead', null, groupRow, idRow), tbody, foot));
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
      p = { title: h('h4'), pre: h('pre', { class: 'console' }), added: 0,
        next: h('p', { class: 'operator-next', hidden: true }) };
      p.el = h('section', { class: 'console-panel', 'data-session': id }, p.title, p.next, p.pre);
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
      if (l.operator) {
        // what the lab asks a person to do next (a server under test): in the log and on top
        frag.append(h('span', { class: 'at', text: fmtTime(l.at) }), ' ',
          h('span', { class: 'operator', text: l.line }), '\n');
        setText(p.next, `Next for the operator: ${l.line}`);
        p.next.hidden = false;
      } else {
        frag.append(h('span', { class: 'at', text: fmtTime(l.at) }), ` ${l.line}\n`);
      }
    }
    p.pre.append(frag);
    while (p.pre.childNodes.length > TAIL * 2) {
      p.pre.firstChild.remove();
      p.pre.firstChild.remove();
    }
    if (atBottom) p.pre.scrollTop = p.pre.scrollHeight;
  }
}
