#!/usr/bin/python3
"""Host side of the VM smoke test.

Connects as a client to QEMU's virtio-serial socket ($MSMVIRT_SERIAL_SOCK) and
echoes every line back, except:
  CHECK <hex>  compare the bytes at offset 0 of the hostmem file ($MSMVIRT_HOSTMEM)
               with <hex>; write b"HOST2GST" at offset 8; reply HOSTMEM-OK or
               HOSTMEM-BAD <hex found>; record the verdict in the result file (argv[1]).
"""
import mmap
import os
import socket
import sys


def main():
    sock_path = os.environ["MSMVIRT_SERIAL_SOCK"]
    hostmem = os.environ["MSMVIRT_HOSTMEM"]
    result = sys.argv[1] if len(sys.argv) > 1 else None
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    print("echo_host: connected to", sock_path, file=sys.stderr, flush=True)
    buf = b""
    while True:
        data = s.recv(4096)
        if not data:
            break
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if line.startswith(b"CHECK "):
                want = bytes.fromhex(line[6:].decode())
                with open(hostmem, "r+b") as f:
                    m = mmap.mmap(f.fileno(), 4096)
                    got = bytes(m[0:len(want)])
                    m[8:16] = b"HOST2GST"
                    m.flush()
                    m.close()
                ok = got == want
                verdict = "hostmem-ok" if ok else "hostmem-bad " + got.hex()
                print("echo_host:", verdict, file=sys.stderr, flush=True)
                if result:
                    with open(result, "w") as r:
                        r.write(verdict + "\n")
                s.sendall(b"HOSTMEM-OK\n" if ok else b"HOSTMEM-BAD " + got.hex().encode() + b"\n")
            else:
                print("echo_host: echo", line.decode(errors="replace"), file=sys.stderr, flush=True)
                s.sendall(line + b"\n")


if __name__ == "__main__":
    main()
