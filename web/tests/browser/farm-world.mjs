// SPDX-License-Identifier: LGPL-2.1-or-later
// A browser test's board farm (issue 18), as tests/tf-farm-test.c starts one:
// a central mosquitto written by tf-broker-config with one farm host ("a"),
// a coordinator testfestd (role = coordinator, no boards) on it, and host a:
// its own tf-simlab, its own mosquitto bridged to the central one
// (tf-broker-config --bridge-to) and its own testfestd (role = host).
// tf-web serves the dashboard against the central broker. Everything on
// loopback inside tf-netns-run's namespace.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { World, BUILD, SOURCE, EVENT, freePort, waitFor } from './world.mjs';

const SIM_BOARD = (id, n, power) => `[board ${id}]\ntype = sim-l476\nchip = STM32L476RG\n` +
  `tty = ttyACM${n}\nusb-path = 1-${n}\nvid = 0483\npid = 374b\nserial = SIM0000${n}\n` +
  `power = ${power}\nfirmware-name = fw-${id}\nfirmware-version = 1.0.${n}\nboot-ms = 100\n\n`;
const HOST_SIM = '[relay relay1]\ntty = ttyUSB0\nusb-path = 1-9\nchannels = 4\n\n' +
  SIM_BOARD('a1', 1, 'relay1:1') + SIM_BOARD('a2', 2, 'always');
const HOST_BOARDS = '[switch relay1]\ntype = lcus-relay\ndevice = /dev/ttyUSB0\nchannels = 4\noff-time-ms = 100\n\n' +
  '[board a1]\ntype = sim-l476\nconsole = /dev/ttyACM1\npower = relay1:1\ntable = T1\n\n' +
  '[board a2]\ntype = sim-l476\nconsole = /dev/ttyACM2\ntable = T2\n';

function portOpen(port) {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

export class FarmWorld extends World {
  static async create(name) {
    const w = new FarmWorld(name);
    await w.setUpFarm();
    return w;
  }

  async setUpFarm() {
    this.dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', `tf-web-${this.name}-`));
    fs.chmodSync(this.dir, 0o755); // the brokers drop to user mosquitto
    this.lab = `farm${Math.random().toString(16).slice(2, 10)}`;
    this.port = await freePort(); // the central broker: what the pages and World.client() use
    this.hostPort = await freePort();
    const boards = path.join(SOURCE, 'boards');
    const tool = path.join(BUILD, 'controller', 'tf-broker-config');

    // the coordinator's lab file and the central broker (accounts: the event's, staff, host-a)
    this.labPath = this.path('coordinator.conf');
    fs.writeFileSync(this.labPath, `[lab]\nname = ${this.lab}\nhost = coord\nrole = coordinator\n` +
      `state-dir = ${this.path('coord-state')}\nboards-dir = ${boards}\n\n[broker]\nhost = 127.0.0.1\n` +
      `port = ${this.port}\nuser = testfestd\npassword-file = coord.pass\nkeepalive-s = 5\n`);
    fs.writeFileSync(this.path('test.event'), EVENT(true));
    await this.run(tool, ['--lab', this.labPath, '--event', this.path('test.event'),
      '--out', this.path('broker'), '--host', 'a', '--bind', '127.0.0.1',
      '--log', this.path('mosquitto.log'), '--persistence', this.path('persist')]);
    this.passwords = new Map();
    for (const line of fs.readFileSync(this.path('broker', 'credentials'), 'utf8').split('\n')) {
      const [user, pw] = line.split(' ');
      if (user && !user.startsWith('#') && pw) this.passwords.set(user, pw);
    }
    fs.writeFileSync(this.path('staff.pass'), `${this.passwords.get('staff')}\n`, { mode: 0o600 });

    // host a: its lab file (role = host) and its own broker bridged to the central one
    fs.mkdirSync(this.path('host-a'));
    this.hostLab = this.path('host-a', 'host.conf');
    fs.writeFileSync(this.hostLab, `[lab]\nname = ${this.lab}\nhost = a\nrole = host\n` +
      `state-dir = ${this.path('host-a', 'state')}\nboards-dir = ${boards}\n\n[broker]\n` +
      `host = 127.0.0.1\nport = ${this.hostPort}\nuser = testfestd\npassword-file = daemon.pass\n` +
      `keepalive-s = 5\n\n${HOST_BOARDS}`);
    await this.run(tool, ['--lab', this.hostLab, '--out', this.path('host-a', 'broker'),
      '--bridge-to', `127.0.0.1:${this.port}`,
      '--bridge-credentials', this.path('broker', 'hosts', 'a.credentials'),
      '--persistence', this.path('host-a', 'persist'), '--log', this.path('host-a', 'mosquitto.log')]);
    fs.writeFileSync(this.path('lab.sim'), HOST_SIM);

    await this.startBroker();
    await this.startHostBroker();
    await this.startSimlab();
    this.startHost();
    this.startCoordinator();
    await this.startWeb();
  }

  async startHostBroker() {
    this.hostBroker = this.spawn('host-a-mosquitto', 'mosquitto',
      ['-c', this.path('host-a', 'broker', 'mosquitto.conf')]);
    await waitFor(() => portOpen(this.hostPort), 10000, 'host a\'s broker (TCP)');
  }

  // The daemons run below host a's umockdev, as tf-farm-test starts them.
  daemonEnv() {
    return { ...process.env, LD_PRELOAD: 'libumockdev-preload.so.0', UMOCKDEV_DIR: this.umockdevDir,
      G_MESSAGES_DEBUG: 'all' };
  }

  startHost() {
    this.hostDaemon = this.spawn('host-a-testfestd', path.join(BUILD, 'controller', 'testfestd'),
      ['--config', this.hostLab], { env: this.daemonEnv() });
  }

  startCoordinator() {
    this.daemon = this.spawn('coordinator', path.join(BUILD, 'controller', 'testfestd'),
      ['--config', this.labPath], { env: this.daemonEnv() });
  }
}
