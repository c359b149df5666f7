// SPDX-License-Identifier: LGPL-2.1-or-later
// lwm2m-node-lib's client as the firmware of a device under test for tf-ets-run: it registers
// with the Server (1) and Device (3) objects a firmware built on the library would carry, and
// its console (stdin) takes the lab's lines: "lwm2m stop" de-registers, "lwm2m update" updates.
// Everything else (what it answers, when it updates) is the library's own behaviour.
//   NODE_PATH=tests/lwm2m/interop/node_modules node node-ets-client.js coap://HOST:PORT EP
'use strict';

const readline = require('readline');
const lib = require('lwm2m-node-lib');

const m = /^coap:\/\/([^/:]+):(\d+)/.exec(process.argv[2] || '');
const ep = process.argv[3];
if (!m || !ep) {
    process.stderr.write('usage: node-ets-client.js coap://HOST:PORT ENDPOINT\n');
    process.exit(2);
}
const client = lib.client;
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

const objects = {
    '/1/0': { '0': '1', '1': '300', '6': 'false', '7': 'U' },
    '/3/0': { '0': 'Telefonica I+D', '1': 'lwm2m-node-lib', '2': ep, '3': '1.4.0', '9': '87',
              '11': '0', '13': '0', '16': 'U' }
};
let info = null;

function say(s) {
    process.stdout.write(s + '\r\n');
}

function create(paths, done) {
    if (paths.length === 0) {
        done();
        return;
    }
    const path = paths[0];
    client.registry.create(path, (error) => {
        if (error) {
            say('lwm2m: error: ' + error);
            process.exit(1);
        }
        const ids = Object.keys(objects[path]);
        let left = ids.length;
        ids.forEach((id) => client.registry.setResource(path, id, objects[path][id], () => {
            if (--left === 0) {
                create(paths.slice(1), done);
            }
        }));
    });
}

create(Object.keys(objects), () => {
    client.register(m[1], m[2], '/', ep, (e, i) => {
        if (e) {
            say('lwm2m: error: ' + (e.message || e.name));
            process.exit(1);
        }
        info = i;
        say('lwm2m: registered as ' + i.location);
        // a command typed while the Register was still on its way waits for it
        for (const l of pending.splice(0)) command(l);
    });
});

// the console: commands that need the registration wait until it is there
const pending = [];
readline.createInterface({ input: process.stdin }).on('line', (line) => {
    line = line.trim();
    if (!info && (line === 'lwm2m stop' || line === 'lwm2m update')) {
        pending.push(line);
        return;
    }
    command(line);
});

function command(line) {
    if (line === 'lwm2m stop' && info) {
        client.unregister(info, (e) => say(e ? 'lwm2m: error: ' + e : 'lwm2m: deregistered'));
    } else if (line === 'lwm2m update' && info) {
        client.update(info, (e) => say(e ? 'lwm2m: error: ' + e : 'lwm2m: updated'));
    } else if (line !== '') {
        say('unknown command: ' + line);
    }
}
