#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, cut from what real guests sent.

    MSMVIRT_RECORD_DIR=REC build/tools/msmvirt compare --transport socket --quick
    tests/fuzz/make-seeds.py REC tests/fuzz/seeds

The host records every connection's guest->host frames (transport/conn.c);
this splits them into inputs for each target:
  transport   the first frames of each nativectx stream, as sent
  nc          the ccmd bytes of each distinct EXECBUF record
  fwd         each distinct forward request (a CALL payload)
  cuse_plan   each forward request's ioctl as the CUSE kernel hands it over
A few of each kind (by command) are kept, so the corpora stay small.
"""
import hashlib
import os
import struct
import sys
from collections import defaultdict

HDR = struct.Struct('<IIIIQQ')          # struct mt_frame_hdr
HELLO_PROTO = slice(16, 40)             # struct mt_hello.proto
MT_HELLO, MT_CALL, MT_SEND = 1, 2, 3
VG_REC_EXECBUF = 3
PER_KIND = 12


def frames(data):
    off = 0
    while off + HDR.size <= len(data):
        ftype, session, ln, _flags, _tag, _ts = HDR.unpack_from(data, off)
        if off + HDR.size + ln > len(data):
            return
        yield ftype, session, data[off:off + HDR.size + ln], \
            data[off + HDR.size:off + HDR.size + ln]
        off += HDR.size + ln


def records(payload):
    off = 0
    while off + 8 <= len(payload):
        rtype, ln = struct.unpack_from('<II', payload, off)
        if ln < 8 or off + ln > len(payload):
            return
        yield rtype, payload[off:off + ln]
        off += ln


def main(rec_dir, out_dir):
    seeds = defaultdict(dict)       # target -> name -> bytes
    per_kind = defaultdict(int)

    def keep(target, kind, blob):
        if per_kind[(target, kind)] >= PER_KIND or len(blob) > 16384:
            return
        name = hashlib.sha1(blob).hexdigest()[:16]
        if name not in seeds[target]:
            seeds[target][name] = blob
            per_kind[(target, kind)] += 1

    for fn in sorted(os.listdir(rec_dir)):
        data = open(os.path.join(rec_dir, fn), 'rb').read()
        proto = None
        stream = b''
        for ftype, _session, raw, payload in frames(data):
            if ftype == MT_HELLO:
                proto = payload[HELLO_PROTO].split(b'\0')[0].decode()
                continue
            if proto == 'nativectx':
                if len(stream) < 8192:
                    stream += raw
                for rtype, rec in records(payload):
                    if rtype == VG_REC_EXECBUF and len(rec) > 24:
                        cmd = rec[24:]
                        keep('nc', struct.unpack_from('<I', cmd)[0], cmd)
            elif proto == 'forward' and ftype == MT_CALL and len(payload) >= 16:
                cmd, size, nreg, _ = struct.unpack_from('<IIII', payload)
                keep('fwd', cmd, payload)
                body = payload[16 + 4 * nreg:16 + 4 * nreg + size]
                head = struct.pack('<IIQII', cmd, size, 0x10000, len(body), 0)
                keep('cuse_plan', cmd, head + body)
        if stream:
            keep('transport', 'stream', stream)

    for target, blobs in seeds.items():
        d = os.path.join(out_dir, target)
        os.makedirs(d, exist_ok=True)
        for name, blob in blobs.items():
            with open(os.path.join(d, name), 'wb') as f:
                f.write(blob)
        print(f'{target}: {len(blobs)} seeds')


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit('usage: make-seeds.py RECORD_DIR OUT_DIR')
    main(sys.argv[1], sys.argv[2])
