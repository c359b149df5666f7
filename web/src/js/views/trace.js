// SPDX-License-Identifier: LGPL-2.1-or-later
// The live trace of the logged-in company's sessions: every CoAP message the lab captured
// between the session's board and its server, decoded (private/<company>/session/<id>/trace,
// readable by the session's two companies and staff only), newest at the bottom. The pcapng:
// "Download pcapng" asks the daemon's "trace" verb (as `testfestctl trace SESSION --pcap F` does)
// and saves every part of the capture as one SESSION.pcapng (pcapng allows one section per part).

import { h, setText, naturalCompare } from '../dom.js';

const ROWS = 200; // messages kept on the page per session

function optionText(o) {
  const names = { 6: 'Observe', 8: 'Location-Path', 11: 'Uri-Path', 12: 'Content-Format', 15: 'Uri-Query',
    17: 'Accept', 23: 'Block2', 27: 'Block1' };
  return `${names[o[0]] ?? `opt${o[0]}`}=${o[1]}`;
}

// A DTLS record is shown as such with why it was not decrypted; CoAP decrypted from DTLS as CoAP,
// said to have come over DTLS.
function describe(m) {
  if (m.dtls && m.type === undefined) return m.dtls_note ? `${m.dtls} (${m.dtls_note})` : m.dtls;
  if (m.udp) return m.udp;
  const path = (m.options ?? []).filter((o) => o[0] === 11).map((o) => o[1]).join('/');
  const others = (m.options ?? []).filter((o) => o[0] !== 11).map(optionText).join(' ');
  return [path && `/${path}`, others, m.payload !== undefined && `payload: ${m.payload}`,
    m.dtls && '(over DTLS, decrypted)'].filter(Boolean).join(' ');
}

export class TraceView {
  constructor(root, store) {
    this.root = root;
    this.store = store;
    this.list = h('div', { class: 'traces' });
    this.head = h('p', { class: 'muted' });
    root.append(h('h3', { text: 'Live trace of running sessions' }), this.head, this.list);
    this.panels = new Map(); // session id -> { el, tbody, added }
    this.dirty = new Set();
  }

  setUser(user) {
    this.user = user ?? null;
    for (const [, p] of this.panels) p.el.remove();
    this.panels.clear();
    for (const id of this.store.traces.keys()) this.dirty.add(id);
  }

  note(kind, key) {
    if (kind === 'trace') this.dirty.add(key);
  }

  flush() {
    for (const id of this.dirty) this.draw(id);
    this.dirty.clear();
    setText(this.head, this.panels.size ? '' : 'No captured message of your sessions yet.');
  }

  draw(id) {
    const t = this.store.traces.get(id);
    let p = this.panels.get(id);
    if (!t) {
      if (p) {
        p.el.remove();
        this.panels.delete(id);
      }
      return;
    }
    if (!p) {
      p = { tbody: h('tbody'), added: 0 };
      p.status = h('span', { class: 'muted trace-status' });
      p.button = h('button', { class: 'trace-download', type: 'button', text: 'Download pcapng',
        onclick: () => this.save(id, p) });
      p.el = h('section', { class: 'trace-panel', 'data-session': id },
        h('h4', { text: id }, ' ', p.button, ' ', p.status),
        h('div', { class: 'scroll' }, h('table', { class: 'trace' },
          h('thead', null, h('tr', null, ...['#', 'from', 'to', 'type', 'code', 'MID', 'token', 'message', '']
            .map((x) => h('th', { text: x })))), p.tbody)));
      this.panels.set(id, p);
      const ids = [...this.panels.keys()].sort(naturalCompare);
      const next = ids[ids.indexOf(id) + 1];
      this.list.insertBefore(p.el, next ? this.panels.get(next).el : null);
    }
    const fresh = Math.min(t.added - p.added, t.messages.length);
    p.added = t.added;
    for (const m of t.messages.slice(t.messages.length - fresh)) {
      p.tbody.append(h('tr', { class: m.mark ? `trace-${m.mark}` : '', 'data-frame': String(m.frame ?? '') },
        h('td', { text: `${m.part ?? 1}:${m.pcap_frame ?? m.frame ?? ''}` }), h('td', { text: m.src ?? '' }),
        h('td', { text: m.dst ?? '' }), h('td', { text: m.type ?? '' }), h('td', { text: m.code ?? '' }),
        h('td', { text: m.mid !== undefined ? String(m.mid) : '' }), h('td', { text: m.token ?? '' }),
        h('td', { text: describe(m) }), h('td', { text: m.mark ? `${m.mark} of #${m.of}` : '' })));
    }
    while (p.tbody.childNodes.length > ROWS) p.tbody.firstChild.remove();
  }

  // The account asks as a company when the session's trace reached it as that company (or when
  // it saw none: the daemon then says whether the session is its own), as staff otherwise.
  asCompany(id) {
    const t = this.store.traces.get(id);
    return !t || t.companies.has(this.user) ? this.user : null;
  }

  // Every part of the session's pcapng, chunk by chunk (base64 in each reply), as one Uint8Array.
  async download(id) {
    if (!this.conn || !this.user) throw new Error('log in to download a capture');
    const company = this.asCompany(id);
    const chunks = [];
    let size = 0;
    for (let part = 1, parts = 1; part <= parts; part++) {
      for (let offset = 0; ;) {
        const r = await this.conn.request('trace', { session: id, file: 'pcap', part, offset }, company);
        const bin = atob(r.data ?? '');
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        chunks.push(bytes);
        size += bytes.length;
        offset += bytes.length;
        parts = Math.min(Math.max(parts, r.parts ?? 1), 10000);
        if (r.eof || bytes.length === 0) break;
      }
    }
    const all = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return all;
  }

  async save(id, p) {
    p.button.disabled = true;
    setText(p.status, 'downloading…');
    try {
      const bytes = await this.download(id);
      const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      const a = h('a', { href: url, download: `${id}.pcapng` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      setText(p.status, `${bytes.length} bytes saved as ${id}.pcapng`);
    } catch (err) {
      setText(p.status, `download refused: ${err.message}`);
    } finally {
      p.button.disabled = false;
    }
  }
}
