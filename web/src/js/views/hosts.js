// SPDX-License-Identifier: LGPL-2.1-or-later
// Hosts (a board farm, issue 18; staff): one card per lab host with its
// health (online or lost, since when, why), its bridge's link to the central
// broker, its daemon, and its boards with their state. The host list comes
// from the coordinator's retained tf/<lab>/hosts, which the broker gives to
// staff only: a page that never receives it shows no Hosts tab at all. The
// boards' states are the public board/<id>/state every page already reads.

import { h, fmtTime, naturalCompare } from '../dom.js';
import { unverified, UNVERIFIED } from './boards.js';

const LINK_TEXT = {
  up: 'link up',
  down: 'link down',
  none: 'no bridge (on the central broker)',
};

export class HostsView {
  constructor(root, store) {
    this.root = root;
    this.store = store;
    this.dirty = true;
    this.head = h('p', { class: 'muted hosts-head' });
    this.cards = h('div', { class: 'host-cards' });
    root.classList.add('hosts-view');
    root.append(h('h2', { text: 'Hosts' }), this.head, this.cards);
  }

  note(kind) {
    if (kind === 'farm' || kind === 'board' || kind === 'host') this.dirty = true;
  }

  flush() {
    if (!this.dirty) return;
    this.dirty = false;
    const farm = this.store.farm;
    const hosts = Object.entries(farm?.hosts ?? {}).sort(([a], [b]) => naturalCompare(a, b));
    if (!farm) {
      this.head.replaceChildren('No farm summary (staff only, from a coordinator).');
      this.cards.replaceChildren();
      return;
    }
    const lost = hosts.filter(([, s]) => s.state !== 'online').length;
    const boards = hosts.reduce((n, [, s]) => n + (s.boards ?? 0), 0);
    // the summary is retained: say when the coordinator itself is gone
    const coord = this.store.hosts.get(farm.coordinator);
    const coordDown = coord && coord.state !== 'online';
    this.head.replaceChildren(...[
      h('span', { class: 'counts', text: `${hosts.length} host${hosts.length === 1 ? '' : 's'} · ` +
        `${hosts.length - lost} online · ${lost} lost · ${boards} boards` }),
      ` · coordinator ${farm.coordinator ?? '?'} · as of ${fmtTime(farm.at)}`,
      coordDown ? h('strong', { class: 'coord-down',
        text: ` · the coordinator is ${coord.state}: this is what it knew then` }) : null,
    ].filter(Boolean));
    this.cards.replaceChildren(...(hosts.length ? hosts.map(([name, s]) => this.card(name, s))
      : [h('p', { class: 'muted', text: 'No host has announced itself yet.' })]));
  }

  card(name, s) {
    const ids = [...(s.ids ?? [])].sort(naturalCompare);
    const rows = ids.map((id) => this.store.boards.get(id) ?? { id, state: null });
    const byState = new Map();
    for (const b of rows) byState.set(b.state ?? '?', (byState.get(b.state ?? '?') ?? 0) + 1);
    const states = [...byState.entries()].sort(([a], [b]) => naturalCompare(a, b))
      .map(([st, n]) => h('span', { class: 'state-count', 'data-state': st, text: `${n} ${st}` }));
    const refused = Object.entries(s.refused ?? {});
    return h('section', { class: 'host-card', 'data-host': name, 'data-state': s.state },
      h('div', { class: 'host-head' },
        h('b', { class: 'name', text: name }),
        h('span', { class: 'health', text: s.state, title: s.reason ?? '' }),
        h('span', { class: 'since', title: s.since ?? '', text: `since ${fmtTime(s.since)}` }),
        s.reason ? h('span', { class: 'reason', text: s.reason }) : null),
      h('div', { class: 'host-meta' },
        h('span', { class: 'link', 'data-link': s.link ?? 'none',
          title: s['link-since'] ?? '',
          text: (LINK_TEXT[s.link] ?? `link ${s.link}`) +
            (s['link-since'] ? ` since ${fmtTime(s['link-since'])}` : '') }),
        s.version ? h('span', { text: ` · testfestd ${s.version}` }) : null,
        s.started ? h('span', { text: ` · started ${fmtTime(s.started)}` }) : null),
      h('div', { class: 'host-boards' },
        h('span', { class: 'board-count', text: `${s.boards ?? ids.length} board${(s.boards ?? ids.length) === 1 ? '' : 's'}` }),
        ...states),
      refused.length ? h('p', { class: 'refused error' },
        `refused: ${refused.map(([id, owner]) => `${id} (${owner})`).join(', ')}`) : null,
      ids.length ? h('table', { class: 'host-board-list' },
        h('thead', {}, h('tr', {}, ...['board', 'state', 'type', 'table', 'power', 'session', 'since', 'note']
          .map((t) => h('th', { text: t })))),
        h('tbody', {}, ...rows.map((b) => h('tr', { 'data-board': b.id, 'data-state': b.state ?? 'unknown',
          'data-unverified': unverified(b) ? 'yes' : null },
          h('td', { class: 'id', text: b.id }),
          // as on the Boards view: ready but nothing confirms power and health
          h('td', { class: 'state', text: unverified(b) ? `${b.state}?` : b.state ?? '?',
            title: unverified(b) ? UNVERIFIED : null }),
          h('td', { text: b.type ?? '' }),
          h('td', { text: b.table ?? '' }),
          h('td', { text: b.power ?? '' }),
          h('td', { text: b.session ?? '' }),
          h('td', { title: b.since ?? '', text: fmtTime(b.since) }),
          h('td', { class: 'note', text: b.error ?? b.cause ?? '' })))))
        : null);
  }
}
