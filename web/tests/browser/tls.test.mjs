// SPDX-License-Identifier: LGPL-2.1-or-later
// tf-web with a certificate: the page over https, its MQTT over wss at
// /mqtt, carried to the broker's loopback TCP listener (the broker has no
// websockets listener); tf-web listens on the address it is given and
// nowhere else; the broker still decides who may read what.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import readline from 'node:readline';
import { once } from 'node:events';
import mqtt from 'mqtt';
import { World, BUILD, deadline, waitFor } from './world.mjs';
import path from 'node:path';

let world;
let url;

before(async () => {
  world = await World.create('tls', { daemon: false });
  const cert = world.path('web.crt');
  const key = world.path('web.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const p = world.spawn('tf-web-tls', path.join(BUILD, 'web', 'tf-web'), ['--root', path.join(BUILD, 'web', 'www'),
    '--listen', '127.0.0.1:0', '--lab', world.lab, '--mqtt', `127.0.0.1:${world.port}`,
    '--cert', cert, '--key', key], { pipe: true });
  const rl = readline.createInterface({ input: p.stdout });
  const line = await Promise.race([once(rl, 'line').then(([l]) => l), deadline(10000).then(() => null)]);
  assert.ok(line?.startsWith('tf-web: https://'), `tf-web did not start over https: ${line}`);
  url = line.slice('tf-web: '.length);
  world.certPem = fs.readFileSync(cert);
}, { timeout: 90000 });

after(async () => {
  await world?.close();
});

test('https and wss with the certificate; the ACL still applies over the bridge', { timeout: 60000 }, async () => {
  const port = Number(new URL(url).port);
  // listening on the address it was given: loopback, not every interface
  assert.equal(new URL(url).hostname, '127.0.0.1');
  // every listening socket on that port: the local address (4th column) is loopback
  const locals = execFileSync('ss', ['-Hltn', `sport = :${port}`]).toString().trim().split('\n')
    .map((l) => l.trim().split(/\s+/)[3]);
  assert.deepEqual(locals, [`127.0.0.1:${port}`]);
  // the page over https, to a client that trusts the certificate
  const page = await new Promise((resolve, reject) => {
    https.get(url, { ca: world.certPem }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body }));
    }).on('error', reject);
  });
  assert.equal(page.status, 200);
  assert.match(page.type, /^text\/html/);
  assert.match(page.body, /<title>/);
  // MQTT over wss, trusting our certificate: acme reads its own private report, not kiwi's
  const daemon = await world.client('testfestd');
  await world.publish(daemon, 'private/acme/session/s1/report', { schema: 1, who: 'acme' });
  await world.publish(daemon, 'private/kiwi/session/s1/report', { schema: 1, who: 'kiwi' });
  const c = await mqtt.connectAsync(`wss://127.0.0.1:${port}/mqtt`, {
    protocolVersion: 5, clean: true, reconnectPeriod: 0, connectTimeout: 5000, ca: world.certPem,
    clientId: `acme-tls-${Math.random().toString(16).slice(2, 10)}`,
    username: 'acme', password: world.passwords.get('acme'),
  });
  const got = new Map();
  c.on('message', (t, p) => got.set(t, p.toString()));
  await c.subscribeAsync(world.topic('private/#'), { qos: 1 });
  await waitFor(() => got.has(world.topic('private/acme/session/s1/report')), 10000, 'acme report over wss');
  // the marker: a later retained message to acme proves kiwi's would have come before
  await world.publish(daemon, 'private/acme/session/s2/report', { schema: 1 });
  await waitFor(() => got.has(world.topic('private/acme/session/s2/report')), 10000, 'marker');
  assert.equal(got.has(world.topic('private/kiwi/session/s1/report')), false);
  // a wrong password is refused by the broker, through the bridge
  await assert.rejects(mqtt.connectAsync(`wss://127.0.0.1:${port}/mqtt`, {
    protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000, ca: world.certPem,
    username: 'acme', password: 'wrong',
  }));
  await c.endAsync();
  // and nothing of tf-web in clear: a plain TCP hello gets no HTTP answer
  const plain = await new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    let data = '';
    s.on('data', (d) => { data += d; });
    s.on('close', () => resolve(data));
    s.on('error', () => resolve(data));
    setTimeout(() => s.destroy(), 3000).unref();
  });
  assert.doesNotMatch(plain, /^HTTP\/1\.1 200/);
});
