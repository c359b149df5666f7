// SPDX-License-Identifier: LGPL-2.1-or-later
// The browser tests' world: a broker configured by tf-broker-config, tf-simlab
// with a small lab, testfestd under umockdev's preload (as tests/tf-harness.c
// starts them), tf-web, and headless Chromium driven by playwright-core.
// Run inside tf-netns-run: the websockets listener binds every interface,
// and in that namespace there is only loopback.
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import mqtt from 'mqtt';
import { chromium } from 'playwright-core';

export const BUILD = process.env.TF_BUILD_ROOT;
export const SOURCE = process.env.TF_SOURCE_ROOT;
if (!BUILD || !SOURCE) throw new Error('TF_BUILD_ROOT and TF_SOURCE_ROOT must be set (meson test does)');

export const CHROMIUM = process.env.TF_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-dev-shm-usage'];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A timer that does not keep the process alive once everything else is done.
export const deadline = (ms) => new Promise((r) => setTimeout(r, ms).unref());

// Poll @pred (sync or async) every 20 ms; throws after @ms with @what.
export async function waitFor(pred, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

export async function freePort() {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  s.close();
  await once(s, 'close');
  return port;
}

export async function portOpen(port) {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

const SIM_BOARD = (id, n, power) => `[board ${id}]\ntype = sim-l476\nchip = STM32L476RG\n` +
  `tty = ttyACM${n}\nusb-path = 1-${n}\nvid = 0483\npid = 374b\nserial = SIM0000${n}\n` +
  `power = ${power}\nfirmware-name = lwm2m-fw-${id}\nfirmware-version = 1.0.${n}\nboot-ms = 100\n\n`;

export const SIM = '[relay relay1]\ntty = ttyUSB0\nusb-path = 1-9\nchannels = 4\n\n' +
  SIM_BOARD('sim1', 1, 'relay1:1') + SIM_BOARD('sim2', 2, 'relay1:2') +
  SIM_BOARD('sim3', 3, 'always') + SIM_BOARD('sim4', 4, 'relay1:3');

const LAB_BOARDS = '[switch relay1]\ntype = lcus-relay\ndevice = /dev/ttyUSB0\nchannels = 4\noff-time-ms = 100\n\n' +
  '[board sim1]\ntype = sim-l476\nconsole = /dev/ttyACM1\npower = relay1:1\ntable = T1\n\n' +
  '[board sim2]\ntype = sim-l476\nconsole = /dev/ttyACM2\npower = relay1:2\ntable = T2\n\n' +
  '[board sim3]\ntype = sim-l476\nconsole = /dev/ttyACM3\ntable = T3\n\n' +
  '[board sim4]\ntype = sim-l476\nconsole = /dev/ttyACM4\npower = relay1:3\ntable = T1\n';

const today = new Date().toISOString().slice(0, 10);
const impl = (id, company, role, extra = '') => `[implementation ${id}]\ncompany = ${company}\n` +
  `role = ${role}\nversions = 1.1\ntransports = udp\nsecurity = psk\n${extra}` +
  'entry-criteria = yes\nentry-criteria-by = staff\n\n';
export const EVENT = (anonymous) => `[event]\nname = Browser TestFest\ndays = ${today}\n` +
  `slot-minutes = 60\nday-start = 00:00\nday-end = 23:00\ntables = 3\n` +
  (anonymous ? 'allow-anonymous-read = true\n' : '') + '\n' +
  '[company acme]\nname = Acme IoT GmbH\n\n[company kiwi]\nname = Kiwi Networks Ltd\n\n' +
  '[company lumen]\nname = Lumen Devices SAS\n\n' +
  impl('acme-c', 'acme', 'client', 'boards = sim1\n') + impl('kiwi-c', 'kiwi', 'client', 'boards = sim2\n') +
  impl('lumen-c', 'lumen', 'client', 'boards = sim3\n') + impl('acme-s', 'acme', 'server') +
  impl('kiwi-s', 'kiwi', 'server') + impl('lumen-s', 'lumen', 'server');

export class World {
  constructor(name) {
    this.name = name;
    this.procs = new Set();
    this.clients = [];
    this.browsers = [];
  }

  // event: the lab file names the event, so the daemon schedules and runs the sessions itself
  // eventText: the event file the broker's accounts come from (default EVENT)
  static async create(name, { anonymous = true, daemon = true, event = false, eventText = null } = {}) {
    const w = new World(name);
    w.eventText = eventText;
    await w.setUp(anonymous, daemon, event);
    return w;
  }

  path(...p) {
    return path.join(this.dir, ...p);
  }

  log(name) {
    return fs.openSync(this.path(name), 'a');
  }

  async setUp(anonymous, daemon, event) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `tf-web-${this.name}-`));
    fs.chmodSync(this.dir, 0o755); // the broker drops to user mosquitto
    this.lab = `web${Math.random().toString(16).slice(2, 10)}`;
    this.port = await freePort();
    this.labPath = this.path('lab.conf');
    fs.writeFileSync(this.labPath, `[lab]\nname = ${this.lab}\nhost = webhost\n` +
      `state-dir = ${this.path('state')}\nboards-dir = ${path.join(SOURCE, 'boards')}\n` +
      (event ? `event = test.event\nets-dir = ${path.join(SOURCE, 'data', 'ets')}\n` : '') + '\n' +
      `[broker]\nhost = 127.0.0.1\nport = ${this.port}\nuser = testfestd\n` +
      `password-file = daemon.pass\nkeepalive-s = 10\n\n${LAB_BOARDS}`);
    fs.writeFileSync(this.path('lab.sim'), SIM);
    fs.writeFileSync(this.path('test.event'), this.eventText ?? EVENT(anonymous));
    await this.run(path.join(BUILD, 'controller', 'tf-broker-config'), ['--lab', this.labPath,
      '--event', this.path('test.event'), '--out', this.path('broker'), '--bind', '127.0.0.1',
      '--log', this.path('mosquitto.log'),
      '--persistence', this.path('persist')]);
    this.passwords = new Map();
    for (const line of fs.readFileSync(this.path('broker', 'credentials'), 'utf8').split('\n')) {
      const [user, pw] = line.split(' ');
      if (user && !user.startsWith('#') && pw) this.passwords.set(user, pw);
    }
    fs.writeFileSync(this.path('staff.pass'), `${this.passwords.get('staff')}\n`, { mode: 0o600 });
    await this.startBroker();
    if (daemon) {
      await this.startSimlab();
      this.startDaemon();
    }
    await this.startWeb();
  }

  run(cmd, args) {
    return new Promise((resolve, reject) => {
      execFile(cmd, args, { timeout: 30000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${path.basename(cmd)} ${args.join(' ')}: ${err.message}\n${stderr}`));
        else resolve({ stdout, stderr });
      });
    });
  }

  spawn(name, cmd, args, opts = {}) {
    const out = this.log(`${name}.log`);
    const p = spawn(cmd, args, { stdio: ['ignore', opts.pipe ? 'pipe' : out, out], env: opts.env ?? process.env });
    fs.closeSync(out);
    this.procs.add(p);
    p.once('exit', () => this.procs.delete(p));
    return p;
  }

  async stopProc(p, sig = 'SIGTERM') {
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = once(p, 'exit');
    p.kill(sig);
    const t = setTimeout(() => p.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  }

  async startBroker() {
    this.broker = this.spawn('mosquitto', 'mosquitto', ['-c', this.path('broker', 'mosquitto.conf')]);
    await waitFor(() => portOpen(this.port), 5000, 'the broker (TCP)');
    // the dashboard reaches the broker through tf-web's /mqtt (no websockets listener)
  }

  async stopBroker() {
    await this.stopProc(this.broker);
    this.broker = null;
  }

  async startSimlab() {
    this.control = this.path('simlab.sock');
    const p = this.spawn('simlab', path.join(BUILD, 'fixtures', 'tf-simlab'),
      ['--sim', this.path('lab.sim'), '--control', this.control], { pipe: true });
    this.simlab = p;
    const rl = readline.createInterface({ input: p.stdout });
    const first = new Promise((resolve, reject) => {
      rl.once('line', resolve);
      p.once('exit', () => reject(new Error('tf-simlab exited')));
    });
    const t = setTimeout(() => p.kill('SIGKILL'), 30000).unref();
    const line = await first;
    clearTimeout(t);
    rl.on('line', () => {}); // keep draining
    if (!line.startsWith('UMOCKDEV_DIR=')) throw new Error(`tf-simlab said: ${line}`);
    this.umockdevDir = line.slice('UMOCKDEV_DIR='.length);
  }

  startDaemon() {
    this.daemon = this.spawn('daemon', path.join(BUILD, 'controller', 'testfestd'),
      ['--config', this.labPath], {
        env: { ...process.env, LD_PRELOAD: 'libumockdev-preload.so.0', UMOCKDEV_DIR: this.umockdevDir,
          G_MESSAGES_DEBUG: 'all' },
      });
  }

  async startWeb() {
    const p = this.spawn('tf-web', path.join(BUILD, 'web', 'tf-web'), ['--root', path.join(BUILD, 'web', 'www'),
      '--listen', '127.0.0.1:0', '--lab', this.lab, '--mqtt', `127.0.0.1:${this.port}`], { pipe: true });
    const rl = readline.createInterface({ input: p.stdout });
    const line = await Promise.race([once(rl, 'line').then(([l]) => l), deadline(10000).then(() => null)]);
    if (!line || !line.startsWith('tf-web: ')) throw new Error(`tf-web did not start: ${line}`);
    this.url = line.slice('tf-web: '.length);
  }

  // An MQTT client over TCP as @user (null: anonymous).
  async client(user, opts = {}) {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${this.port}`, {
      protocolVersion: 5, clean: true, reconnectPeriod: opts.reconnect ? 500 : 0, connectTimeout: 5000,
      clientId: `${user ?? 'anon'}-${Math.random().toString(16).slice(2, 10)}`,
      ...(user ? { username: user, password: this.passwords.get(user) } : {}),
    });
    this.clients.push(c);
    return c;
  }

  topic(t) {
    return `tf/${this.lab}/${t}`;
  }

  // Retained JSON (null: remove) as the daemon's account; waits for the PUBACK.
  async publish(c, t, obj, retain = true) {
    const payload = obj === null ? '' : JSON.stringify(obj);
    await c.publishAsync(this.topic(t), payload, { qos: 1, retain });
  }

  // The retained state of every board, through the staff account.
  async boardWatch() {
    const c = await this.client('staff', { reconnect: true });
    const boards = new Map();
    const events = [];
    c.on('message', (topic, payload) => {
      const m = /\/board\/([^/]+)\/state$/.exec(topic);
      if (!m) return;
      const b = payload.length ? JSON.parse(payload.toString()) : null;
      boards.set(m[1], b);
      events.push({ at: performance.timeOrigin + performance.now(), id: m[1], state: b?.state ?? null });
    });
    await c.subscribeAsync(this.topic('board/+/state'), { qos: 1 });
    return { client: c, boards, events };
  }

  async ctl(...args) {
    return this.run(path.join(BUILD, 'controller', 'testfestctl'), ['--config', this.labPath,
      '--user', 'staff', '--password-file', this.path('staff.pass'), ...args]);
  }

  async browser() {
    const b = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS,
      timeout: 30000 });
    this.browsers.push(b);
    return b;
  }

  async page(browser) {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await ctx.newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
    await page.goto(this.url, { timeout: 15000 });
    return page;
  }

  async screenshot(page, name) {
    const dir = path.join(BUILD, 'web', 'screenshots');
    fs.mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
  }

  async close() {
    for (const c of this.clients) c.end(true);
    for (const b of this.browsers) await b.close().catch(() => {});
    await this.stopProc(this.daemon, 'SIGTERM');
    for (const p of [...this.procs]) await this.stopProc(p);
    if (!process.env.TF_KEEP_TEST_DIRS) fs.rmSync(this.dir, { recursive: true, force: true });
    else console.log(`# kept ${this.dir}`);
  }
}
