// SPDX-License-Identifier: LGPL-2.1-or-later
// lwm2m-node-lib (Telefonica, LwM2M 1.0 on Node.js) as an independent peer of the lab's
// tf-lwm2m-server and tf-lwm2m-client. One JSON object per line on stdout (events and
// replies), one JSON command per line on stdin.
//   node node-lwm2m.js server PORT
//   node node-lwm2m.js client HOST PORT ENDPOINT
'use strict';

const readline = require('readline');
const lib = require('lwm2m-node-lib');

const mode = process.argv[2];
function out(o) {
    process.stdout.write(JSON.stringify(o) + '\n');
}
function fail(e) {
    return e ? (e.message || e.name || String(e)) : undefined;
}
const formats = [
    { name: 'application-vnd-oma-lwm2m/text', value: 1541 },
    { name: 'application-vnd-oma-lwm2m/tlv', value: 1542 },
    { name: 'application-vnd-oma-lwm2m/json', value: 1543 },
    { name: 'application-vnd-oma-lwm2m/opaque', value: 1544 }
];

function commands(handler) {
    const rl = readline.createInterface({ input: process.stdin });
    rl.on('line', (line) => {
        let cmd;
        try {
            cmd = JSON.parse(line);
        } catch (e) {
            out({ reply: 'error', ok: false, error: 'not JSON' });
            return;
        }
        handler(cmd);
    });
    rl.on('close', () => process.exit(0));
}

if (mode === 'server') {
    const server = lib.server;
    const config = {
        port: parseInt(process.argv[3], 10),
        lifetimeCheckInterval: 1000,
        udpWindow: 100,
        defaultType: 'Device',
        types: [],
        logLevel: 'FATAL',
        ipProtocol: 'udp4',
        serverProtocol: 'udp4',
        formats: formats,
        writeFormat: 'application-vnd-oma-lwm2m/text',
        defaultAcceptFormat: 'text/plain',
        deviceRegistry: { type: 'memory' }
    };
    server.start(config, (error, info) => {
        if (error) {
            out({ event: 'error', error: fail(error) });
            process.exit(1);
        }
        server.setHandler(info, 'registration', (ep, lt, version, binding, payload, cb) => {
            out({ event: 'registration', ep: ep, lifetime: lt, version: version, binding: binding, links: payload });
            cb();
        });
        server.setHandler(info, 'updateRegistration', (obj, cb) => {
            out({ event: 'update', ep: obj.name });
            cb();
        });
        server.setHandler(info, 'unregistration', (device, cb) => {
            out({ event: 'deregistration', ep: device ? device.name : undefined });
            cb();
        });
        out({ event: 'listening', port: config.port });
    });
    commands((cmd) => {
        server.getDevice(cmd.ep, (error, device) => {
            if (error || !device) {
                out({ reply: cmd.cmd, ok: false, error: fail(error) || 'unknown endpoint' });
                return;
            }
            const done = (e, value) => out({ reply: cmd.cmd, ok: !e, value: value, error: fail(e) });
            if (cmd.cmd === 'read') {
                server.read(device.id, cmd.obj, cmd.inst, cmd.res, done);
            } else if (cmd.cmd === 'write') {
                server.write(device.id, cmd.obj, cmd.inst, cmd.res, cmd.value, done);
            } else if (cmd.cmd === 'execute') {
                server.execute(device.id, cmd.obj, cmd.inst, cmd.res, cmd.value || '', done);
            } else if (cmd.cmd === 'discover') {
                // its discover takes its callback where the path ends
                if (cmd.res !== undefined) {
                    server.discover(device.id, cmd.obj, cmd.inst, cmd.res, done);
                } else if (cmd.inst !== undefined) {
                    server.discover(device.id, cmd.obj, cmd.inst, done);
                } else {
                    server.discover(device.id, cmd.obj, done);
                }
            } else if (cmd.cmd === 'observe') {
                server.observe(device.id, cmd.obj, cmd.inst, cmd.res,
                    (value) => out({ event: 'notification', ep: cmd.ep, value: value }), done);
            } else {
                out({ reply: cmd.cmd, ok: false, error: 'unknown command' });
            }
        });
    });
} else if (mode === 'client') {
    const client = lib.client;
    const host = process.argv[3];
    const port = process.argv[4];
    const ep = process.argv[5];
    client.init({ client: {
        lifetime: '300',
        version: '1.0',
        logLevel: 'FATAL',
        observe: { period: 3000 },
        ipProtocol: 'udp4',
        serverProtocol: 'udp4',
        formats: [{ name: 'lightweightm2m/text', value: 1541 }],
        writeFormat: 'lightweightm2m/text'
    } });
    const device = {
        '0': 'Telefonica I+D', '1': 'lwm2m-node-lib', '2': ep, '3': '1.4.0', '9': '87', '13': '0'
    };
    client.registry.create('/3/0', (error) => {
        if (error) {
            out({ event: 'error', error: fail(error) });
            process.exit(1);
        }
        const ids = Object.keys(device);
        let left = ids.length;
        ids.forEach((id) => client.registry.setResource('/3/0', id, device[id], () => {
            if (--left === 0) {
                client.register(host, port, '/', ep, (e, info) => {
                    if (e) {
                        out({ event: 'error', error: fail(e) });
                        process.exit(1);
                    }
                    out({ event: 'registered', location: info.location });
                    client.setHandler(info.serverInfo, 'write', (type, inst, res, value, cb) => {
                        out({ event: 'write', path: '/' + type + '/' + inst + '/' + res, value: value });
                        cb(null);
                    });
                });
            }
        }));
    });
    commands((cmd) => {
        if (cmd.cmd === 'set') {
            client.registry.setResource(cmd.obj, cmd.res, cmd.value,
                (e) => out({ reply: 'set', ok: !e, error: fail(e) }));
        } else {
            out({ reply: cmd.cmd, ok: false, error: 'unknown command' });
        }
    });
} else {
    process.stderr.write('usage: node-lwm2m.js server PORT | client HOST PORT ENDPOINT\n');
    process.exit(2);
}
