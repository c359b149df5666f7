// SPDX-License-Identifier: LGPL-2.1-or-later
// The one MQTT connection of the page (mqtt.js over websockets), as the
// visitor: anonymous, or with the account staff handed out. mqtt.js
// reconnects by itself; every connection re-reads what is retained.

const REFUSED = new Set([4, 5, 134, 135]); // bad user name or password / not authorized

export class Connection {
  constructor(url, store, ui) {
    this.url = url;
    this.store = store;
    this.ui = ui;
    this.client = null;
    this.user = null;
    this.lostAt = null;
    this.syncTimer = null;
    this.syncDeadline = 0;
    this.connects = 0;
    this.pending = new Map(); // correlation data -> { resolve, reject, timer }
    this.seq = 0;
  }

  start(user, password) {
    this.stop();
    this.user = user || null;
    // an id that starts with the account is that account's alone (the broker's plugin)
    const id = `${user || 'tf-web'}-web-${Math.random().toString(16).slice(2, 10)}`;
    this.clientId = id;
    const opts = {
      clientId: id,
      protocolVersion: 5,
      clean: true,
      // mqtt.js drops a connection whose PINGRESP is late; behind a staff
      // account's retained burst (200 reports under two companies each, ~4 MB)
      // mosquitto's websockets deliver it 10-20 s late. A broker that goes
      // away closes the socket, which is seen at once.
      keepalive: 60,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      resubscribe: false, // we subscribe on every connect, and sync from there
    };
    if (this.user) {
      opts.username = user;
      opts.password = password;
    }
    this.ui.connState('connecting', null);
    this.startedAt = performance.now();
    const c = window.mqtt.connect(this.url, opts);
    this.client = c;
    c.on('connect', () => this.onConnect(c));
    c.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet));
    c.on('close', () => this.onLost(c));
    c.on('offline', () => this.onLost(c));
    c.on('reconnect', () => {
      if (c === this.client) this.ui.connState('reconnecting', this.lostAt);
    });
    c.on('error', (err) => this.onError(c, err));
  }

  stop() {
    if (this.client) {
      const c = this.client;
      this.client = null;
      c.removeAllListeners();
      c.on('error', () => {});
      c.end(true);
    }
    clearTimeout(this.syncTimer);
    for (const [, p] of this.pending) this.settle(p, new Error('logged out'));
    this.pending.clear();
  }

  // Where the daemon answers us (controller/core/README-rpc.md): our account's reply subtree,
  // which only this account may read, under the page's own client id.
  replyTopic() {
    return `${this.store.prefix}reply/${this.user}/${this.clientId}/rpc`;
  }

  // One TfRpc request: published on in/<company>/<verb> (a company's account) or cmd/<verb>
  // (staff), answered on replyTopic() with our correlation data. Resolves with the reply's
  // "result", rejects with its "error" (the daemon's words) or when none comes in @ms.
  request(verb, args, company, ms = 30000) {
    const c = this.client;
    if (!c || !this.user || !c.connected) return Promise.reject(new Error('not logged in'));
    const corr = `${this.clientId}-${++this.seq}`;
    const topic = `${this.store.prefix}${company ? `in/${company}` : 'cmd'}/${verb}`;
    return new Promise((resolve, reject) => {
      const p = { resolve, reject };
      p.timer = setTimeout(() => {
        this.pending.delete(corr);
        reject(new Error(`no answer to ${verb} in ${ms / 1000} s`));
      }, ms);
      this.pending.set(corr, p);
      c.publish(topic, JSON.stringify(args), {
        qos: 1, properties: { responseTopic: this.replyTopic(), correlationData: corr },
      }, (err) => {
        if (err && this.pending.delete(corr)) this.settle(p, new Error(`${verb}: ${err.message}`));
      });
    });
  }

  settle(p, err, value) {
    clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve(value);
  }

  onReply(payload, packet) {
    const raw = packet.properties?.correlationData;
    const corr = raw === undefined ? '' : typeof raw === 'string' ? raw : new TextDecoder().decode(raw);
    const p = this.pending.get(corr);
    if (!p) return;
    this.pending.delete(corr);
    let v;
    try {
      v = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      this.settle(p, new Error('an answer that is not JSON'));
      return;
    }
    if (v && v.ok === true) this.settle(p, null, v);
    else this.settle(p, new Error(String(v?.error ?? 'refused')));
  }

  onConnect(c) {
    if (c !== this.client) return;
    this.connects++;
    this.connectedAt = performance.now();
    this.lostAt = null;
    this.ui.connState('live', null);
    this.store.beginSync();
    const subs = this.store.subscriptions(!!this.user);
    // our own replies: subscribed before any request goes out on this connection
    if (this.user) subs.push(this.replyTopic());
    // QoS 1: mosquitto drops QoS 0 messages a busy client cannot take at
    // once, and a TestFest's retained burst (200 reports for staff) is one
    c.subscribe(subs, { qos: 1 }, (err) => {
      if (err || c !== this.client) return;
      this.syncDeadline = performance.now() + 10000;
      this.armSync();
    });
  }

  // Retained messages arrive right after SUBACK; once they stop for a moment,
  // whatever was not repeated is gone (removed while we were away).
  armSync() {
    clearTimeout(this.syncTimer);
    this.syncTimer = setTimeout(() => {
      this.syncDeadline = 0;
      this.store.sweep();
    }, 1000);
  }

  onMessage(topic, payload, packet) {
    if (this.user && topic === this.replyTopic()) {
      this.onReply(payload, packet);
      return;
    }
    this.store.apply(topic, payload, packet.retain);
    if (this.syncDeadline && packet.retain && performance.now() < this.syncDeadline) this.armSync();
  }

  onLost(c) {
    if (c !== this.client) return;
    if (this.lostAt === null) this.lostAt = new Date();
    this.ui.connState('stale', this.lostAt);
  }

  onError(c, err) {
    if (c !== this.client) return;
    if (REFUSED.has(err.code)) {
      // a refusal will not go away by retrying
      this.stop();
      this.ui.refused(this.user);
    }
  }
}
