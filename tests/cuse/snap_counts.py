#!/usr/bin/python3
"""snap_counts.py - per-frame counts from msmvirt-cuse's counter snapshots.

The guest prints `SNAP <name> <line>` for each line of a daemon stats block
(kill -USR1; msmvirt-cuse.c print_stats()).  Given three snapshots, before,
after a run of 1 frame and after a run of 1 + FRAMES frames, the per-frame
counts are (run2 - run1) / FRAMES and the first frame with its startup is
run1 - per-frame.

  snap_counts.py MODE UNITS GUEST_OUTPUT S0 S1 S2 [LABEL [FRAMES_PER_UNIT]]
"""
import re, sys
mode, frames, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
need = sys.argv[4:7]            # snapshots before, after 1 unit, after 1 + frames units
label = sys.argv[7] if len(sys.argv) > 7 else ""
# A unit may hold several frames (a trace replay of 30 frames): per frame
# is per unit / frames_per_unit.
per_unit = int(sys.argv[8]) if len(sys.argv) > 8 else 1
snaps = {}
for line in open(path, errors="replace"):
    m = re.match(r"SNAP (\S+) (.*)", line.rstrip("\n"))
    if m:
        snaps.setdefault(m.group(1), []).append(m.group(2))
def parse(lines):
    c = {"ioctls": 0, "fuse": 0, "fence_waits": 0, "by": {}}
    for l in lines:
        m = re.match(r"msmvirt-cuse: stats: (\d+) opens \((\d+) failed\), (\d+) releases; "
                     r"(\d+) reads, (\d+) polls; transport: (\d+) messages, (\d+) round trips, "
                     r"(\d+) bytes, (\d+) events", l)
        if m:
            v = [int(x) for x in m.groups()]
            c["fuse"] += v[0] + v[2] + v[3] + v[4]
            c.update(messages=v[5], round_trips=v[6], bytes=v[7], events=v[8])
            continue
        m = re.match(r"execbuffer: ring0=(\d+) gpu_rings=(\d+) fence_fd_out=(\d+) "
                     r"ring0_fence_fd_out=(\d+); events queued=(\d+)", l)
        if m:
            c.update(ring0=int(m.group(1)), gpu=int(m.group(2)),
                     fence_fd_out=int(m.group(3)), sync_req=int(m.group(4)),
                     drm_events=int(m.group(5)))
            continue
        m = re.match(r"([A-Z_0-9]+|\(unknown\))\s+(\d+)\s+(\d+)", l)
        if m and m.group(1) != "ioctl":
            n, r = int(m.group(2)), int(m.group(3))
            c["ioctls"] += n; c["fuse"] += r; c["by"][m.group(1)] = n
    # fence waits that reach the node: forward blocks in WAIT_FENCE /
    # CPU_PREP ioctls; nativectx in VIRTGPU_WAIT (a guest's poll of a fence
    # fd costs the node nothing and is not seen)
    if mode == "forward":
        c["fence_waits"] = c["by"].get("MSM_WAIT_FENCE", 0) + c["by"].get("MSM_GEM_CPU_PREP", 0)
    else:
        c["fence_waits"] = c["by"].get("WAIT", 0)
        # a sync request: EXECBUFFER on ring 0 with a fence fd the caller
        # polls until the host ran it: a round trip, though not a CALL
        c["round_trips"] = c.get("round_trips", 0) + c.get("sync_req", 0)
    return c
if not all(k in snaps for k in need):
    print("counts: missing snapshots (%s)" % ", ".join(k for k in need if k not in snaps))
    sys.exit(0)
s0, s1, s2 = (parse(snaps[k]) for k in need)
keys = ["ioctls", "fuse", "messages", "round_trips", "bytes", "fence_waits", "events"]
names = {"ioctls": "ioctls", "fuse": "FUSE requests", "messages": "guest->host messages",
         "round_trips": "sync round trips (CALLs + sync requests)" if mode == "nativectx"
                        else "sync round trips", "bytes": "bytes (both ways)",
         "fence_waits": "fence waits", "events": "host->guest events"}
print("| %s, %s | per frame | first %s + startup |"
      % (mode, label, "frame" if per_unit == 1 else "replay of %d frames" % per_unit))
print("|---|---:|---:|")
for k in keys:
    one = s1.get(k, 0) - s0.get(k, 0)
    many = s2.get(k, 0) - s1.get(k, 0)
    per = (many - one) / frames
    print("| %s | %.1f | %.0f |" % (names[k], round(per / per_unit, 1) + 0.0, one - per))
by1 = {k: s1["by"].get(k, 0) - s0["by"].get(k, 0) for k in s2["by"]}
by2 = {k: s2["by"][k] - s1["by"].get(k, 0) for k in s2["by"]}
print("per-frame ioctls by type: " + ", ".join(
    "%s %.1f" % (k, (by2[k] - by1.get(k, 0)) / frames / per_unit) for k in sorted(by2)
    if by2[k] - by1.get(k, 0)))
if mode == "nativectx":
    d = lambda k: ((s2.get(k, 0) - s1.get(k, 0)) - (s1.get(k, 0) - s0.get(k, 0))) / frames / per_unit
    print("per-frame EXECBUFFERs: ring 0 %.1f (with a fence fd: sync requests %.1f), "
          "GPU rings %.1f (with a fence fd %.1f); DRM events %.1f"
          % (d("ring0"), d("sync_req"), d("gpu"), d("fence_fd_out"), d("drm_events")))
