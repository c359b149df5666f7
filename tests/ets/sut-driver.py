#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# A company's nightly driver for tf-ets-run --server-under-test, here for the lab's own
# tf-lwm2m-server (the server under test): each step the runner asks for ("read /3/0 tlv",
# "observe /3/0/13", ...; as arguments and in TF_ETS_STEP) becomes one JSON command on the
# server's control socket (TF_CONTROL). Exit 0: done; anything else: not done.
# TF_DRIVER_MODE makes it misbehave for the tests: "wrong-format" reads and writes in another
# format, "no-cancel" says it cancelled but does not, "wrong-cancel" cancels the other way,
# "nothing" does nothing and says so, "wrong-package" pushes the firmware package with a byte
# of its own changed, "pull" serves that package and writes its URI instead, "wrong-instance"
# creates or deletes another Object Instance, "wrong-paths" leaves a path out of a
# Read-Composite, "extra-write" changes a value the composite observation covers before a
# Create, Delete or Write-Attributes (/16/0/0/0, or /1/0/1 on a Write-Attributes of /3).
# TF_DRIVER_STATE: a file for the observation's id.
import base64
import json
import os
import socket
import sys

OTHER = {'tlv': 'json', 'json': 'tlv', 'text': 'tlv', 'cbor': 'text', 'senml-json': 'senml-cbor',
         'senml-cbor': 'senml-json'}


def command(o):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(os.environ['TF_CONTROL'])
    s.sendall((json.dumps(o) + '\n').encode())
    buf = b''
    while not buf.endswith(b'\n'):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    reply = json.loads(buf.decode())
    print('driver: %s -> %s' % (json.dumps(o), json.dumps(reply)), flush=True)
    return reply


def main(argv):
    mode = os.environ.get('TF_DRIVER_MODE', 'good')
    ep = os.environ['TF_ENDPOINT']
    step = argv[1:]
    if step != os.environ.get('TF_ETS_STEP', '').split(' '):
        print('driver: argv and TF_ETS_STEP differ', flush=True)
        return 2
    if mode == 'nothing' or not step:
        return 1
    op, path = step[0], step[1]
    state = os.environ.get('TF_DRIVER_STATE')
    extra = None
    if mode == 'extra-write' and op == 'write-attributes' and path == '/3':
        extra = {'path': '/1/0/1', 'replace': True, 'values': {'/1/0/1': 99}}
    elif mode == 'extra-write' and op in ('create', 'delete'):
        # a partial update of /16/0
        extra = {'path': '/16/0', 'replace': False, 'values': {'/16/0/0/0': 'changed'}}
    if extra and not command(dict(extra, cmd='write', ep=ep, format='tlv')).get('ok'):
        return 1
    o = {'ep': ep, 'path': path}
    if op in ('read', 'write', 'create', 'read-composite', 'write-composite',
              'observe-composite') and len(step) > 2:
        fmt = step[2]
        o['format'] = OTHER.get(fmt, fmt) if mode == 'wrong-format' else fmt
    elif op == 'read' and mode == 'wrong-format':
        o['format'] = 'tlv'  # a format where none was to be named
    if op == 'read' or op == 'discover' or op == 'execute' or op == 'observe':
        o['cmd'] = op
    elif op in ('read-composite', 'observe-composite'):
        # "/3,/1/0"; wrong-paths: the first one left out
        o.update({'cmd': op, 'paths': path.split(',')[1 if mode == 'wrong-paths' else 0:]})
        del o['path']
    elif op == 'write-composite':
        # "1=76 6=true" under /1/0
        o.update({'cmd': 'write-composite', 'values': {}})
        for kv in step[3:]:
            k, v = kv.split('=', 1)
            o['values'][path + '/' + k] = {'true': True, 'false': False}.get(v, v)
        del o['path']
    elif op == 'delete':
        # wrong-instance: another instance than the one asked
        o.update({'cmd': 'delete', 'path': path[:-1] + '9' if mode == 'wrong-instance' else path})
    elif op == 'create':
        # "1/0/0=1630-a": /16/1/0/0; wrong-instance: under /16/2 instead
        o['cmd'] = 'create'
        o['values'] = {}
        for kv in step[3:]:
            k, v = kv.split('=', 1)
            if mode == 'wrong-instance':
                k = '2' + k[k.index('/'):]
            o['values'][path + '/' + k] = v
    elif op == 'write':
        o['cmd'] = 'write'
        values = {}
        for kv in step[3:]:
            if '=' in kv:
                k, v = kv.split('=', 1)
                values[path + '/' + k] = {'true': True, 'false': False}.get(v, v)
            else:
                values[path] = kv
        o['values'] = values
        o['replace'] = not any('=' in kv for kv in step[3:])
    elif op == 'write-package':
        # the runner's package file, pushed to Package (the server goes block-wise)
        with open(step[2], 'rb') as f:
            data = bytearray(f.read())
        if mode == 'wrong-package':
            data[len(data) // 2] ^= 0xff
        body = base64.b64encode(bytes(data)).decode()
        if mode == 'pull':
            # the server serves it and writes its URI to Package URI (/5/0/1) instead
            if not command({'cmd': 'serve', 'path': 'fw/sut-package', 'body': body}).get('ok'):
                return 1
            uri = os.environ['TF_SERVER_URI'] + '/fw/sut-package'
            o.update({'cmd': 'write', 'path': '/5/0/1', 'format': 'text', 'replace': True,
                      'values': {'/5/0/1': uri}})
        else:
            o.update({'cmd': 'write', 'format': 'opaque', 'replace': True, 'values': {path: body}})
    elif op == 'write-attributes':
        o['cmd'] = 'write-attributes'
        o['attrs'] = step[2]
    elif op in ('cancel-reset', 'cancel-observe'):
        if mode == 'no-cancel':
            return 0
        reset = (op == 'cancel-reset') != (mode == 'wrong-cancel')
        with open(state) as f:
            o = {'cmd': 'cancel', 'observation': int(f.read()), 'mode': 'reset' if reset else 'observe'}
    else:
        return 1
    reply = command(o)
    if not reply.get('ok'):
        return 1
    if op in ('observe', 'observe-composite') and state:
        with open(state, 'w') as f:
            f.write(str(reply['result']['observation']))
    return 0


sys.exit(main(sys.argv))
