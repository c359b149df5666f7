// SPDX-License-Identifier: LGPL-2.1-or-later
// lwm2m-node-lib's server (1.4.0, LwM2M 1.0) as a server under test for tf-ets-run
// --server-under-test, and the nightly driver a company would write for it.
//   node node-sut.js server PORT SOCKET   the server on udp4 PORT; its driver connects to SOCKET
//   node node-sut.js drive SOCKET STEP... the driver: the runner's step ("read /3/0/0 text")
//                                         done through the library's server API; exit 0 when
//                                         the library says it is done, 1 when it cannot or failed
// The library's API decides what the server sends: reads, writes and observations of
// resources only, its configured formats (text), cancel by closing the observe stream,
// Discover of an object, instance or resource, Delete through its remove() (which sends
// nothing, and says it is done). What it has no call for (composite operations, a Create with
// values, a Write of an instance, a Read without Accept, a firmware package: its writes are text
// in one datagram, and its server serves no files for a Package URI) the driver says it cannot
// do: the runner gives an Inconclusive, not a Fail.
'use strict';

const net = require('net');

function fail(e) {
    return e ? (e.message || e.name || String(e)) : undefined;
}

function serve(port, socketPath) {
    const server = require('lwm2m-node-lib').server;
    const config = {
        port: port,
        lifetimeCheckInterval: 1000,
        udpWindow: 100,
        defaultType: 'Device',
        types: [],
        logLevel: 'FATAL',
        ipProtocol: 'udp4',
        serverProtocol: 'udp4',
        formats: [{ name: 'application-vnd-oma-lwm2m/text', value: 1541 }],
        writeFormat: 'application-vnd-oma-lwm2m/text',
        defaultAcceptFormat: 'text/plain',
        deviceRegistry: { type: 'memory' }
    };
    server.start(config, (error, info) => {
        if (error) {
            process.stderr.write('node-sut: ' + fail(error) + '\n');
            process.exit(1);
        }
        server.setHandler(info, 'registration', (ep, lt, version, binding, payload, cb) => cb());
        server.setHandler(info, 'updateRegistration', (obj, payload, cb) => cb());
        server.setHandler(info, 'unregistration', (device, cb) => cb());
        net.createServer((conn) => {
            let buf = '';
            conn.on('data', (d) => {
                buf += d;
                const nl = buf.indexOf('\n');
                if (nl < 0) {
                    return;
                }
                const reply = (e) => conn.end(JSON.stringify({ ok: !e, error: fail(e) }) + '\n');
                let cmd;
                try {
                    cmd = JSON.parse(buf.slice(0, nl));
                } catch (e) {
                    reply(e);
                    return;
                }
                step(server, cmd.ep, cmd.step, reply);
            });
        }).listen(socketPath, () => process.stdout.write('listening ' + port + '\n'));
    });
}

// Why the library's API has no call for a step (LwM2M 1.0, lwm2m-node-lib 1.4.0).
const CANNOT = {
    'create': 'its create() POSTs to /OBJ/INST with no body: no Create with values',
    'read-composite': 'a 1.0 library: no Read-Composite',
    'write-composite': 'a 1.0 library: no Write-Composite',
    'observe-composite': 'a 1.0 library: no Observe-Composite',
    'write-package': 'its writes are text in one datagram (no Block1), and it serves no files ' +
        'for a Package URI'
};

function step(server, ep, words, done) {
    const [op, path, ...args] = words;
    const [obj, inst, res] = (path || '').split('/').slice(1);
    server.getDevice(ep, (error, device) => {
        if (error || !device) {
            done(error || new Error('unknown endpoint ' + ep));
            return;
        }
        const id = device.id;
        const resource = res !== undefined;
        if (op === 'read' && resource) {
            server.read(id, obj, inst, res, done);
        } else if (op === 'write' && resource && args.length === 2) {
            server.write(id, obj, inst, res, args[1], done);
        } else if (op === 'execute' && resource) {
            server.execute(id, obj, inst, res, '', done);
        } else if (op === 'discover' && inst === undefined) {
            // the object: its discover takes the callback in the instance's place
            server.discover(id, obj, done);
        } else if (op === 'discover') {
            server.discover(id, obj, inst, done);
        } else if (op === 'delete' && inst !== undefined && !resource) {
            server.remove(id, obj, inst, done);
        } else if (op === 'write-attributes' && resource) {
            const attrs = {};
            args[0].split('&').forEach((kv) => {
                const [k, v] = kv.split('=');
                attrs[k] = v;
            });
            server.writeAttributes(id, obj, inst, res, attrs, done);
        } else if (op === 'observe' && resource) {
            server.observe(id, obj, inst, res, () => {}, done);
        } else if ((op === 'cancel-reset' || op === 'cancel-observe') && resource) {
            server.cancelObserver(id, obj, inst, res, done);
        } else {
            done(new Error('lwm2m-node-lib\'s server API cannot do "' + words.join(' ') + '": ' +
                (CANNOT[op] || 'its calls name a resource, in its configured format')));
        }
    });
}

function drive(socketPath, words) {
    const conn = net.connect(socketPath, () => {
        conn.write(JSON.stringify({ ep: process.env.TF_ENDPOINT, step: words }) + '\n');
    });
    let buf = '';
    conn.on('data', (d) => {
        buf += d;
    });
    conn.on('end', () => {
        process.stdout.write('node-sut driver: ' + words.join(' ') + ' -> ' + buf);
        let r = {};
        try {
            r = JSON.parse(buf);
        } catch (e) {
            r = { ok: false };
        }
        process.exit(r.ok ? 0 : 1);
    });
    conn.on('error', (e) => {
        process.stdout.write('node-sut driver: ' + fail(e) + '\n');
        process.exit(1);
    });
}

if (process.argv[2] === 'server') {
    serve(parseInt(process.argv[3], 10), process.argv[4]);
} else if (process.argv[2] === 'drive') {
    drive(process.argv[3], process.argv.slice(4));
} else {
    process.stderr.write('usage: node-sut.js server PORT SOCKET | drive SOCKET STEP...\n');
    process.exit(2);
}
