#!/usr/bin/env python3
"""Slow clients against an HTTP server on 127.0.0.1 (scripts/security.sh).

Opens --trickle connections that send a request line and then one header
byte every --every seconds and never finish the headers (slowloris), and
--slow-body connections that send complete POST headers with a Content-Length
and then one body byte every --every seconds. While they are open, a normal
client asks GET --get and POST --post (a JSON body) in turn, one request every
--pace seconds, for --duration seconds, each with a --timeout read timeout.
The trickling connections come from 127.0.0.1, the slow bodies from
--slow-body-source (127.0.0.3) and the normal client from --normal-source
(127.0.0.2), all this host: the server caps connections per client address,
so each group is its own client.

Prints one JSON object: the normal client's requests, answers by status,
failures (timeouts, refused, reset), p50/p99/max latency in ms, and for the
slow connections how many the server cut (closed or answered) and after how
many seconds (median, max), and the status lines they got when answered.
Bounded: every connection is closed at the end; it never targets anything
but the --port on 127.0.0.1.
"""
import argparse
import asyncio
import json
import statistics
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--trickle", type=int, default=200, help="slowloris connections (200)")
    p.add_argument("--slow-body", type=int, default=50, help="slow-body connections (50)")
    p.add_argument("--every", type=float, default=2.0, help="seconds between slow bytes (2)")
    p.add_argument("--duration", type=float, default=30.0, help="normal client seconds (30)")
    p.add_argument("--pace", type=float, default=0.25, help="seconds between normal requests")
    p.add_argument("--timeout", type=float, default=10.0, help="normal client read timeout (10)")
    p.add_argument("--slow-body-source", default="127.0.0.3",
                   help="the slow bodies' source address, on 127.0.0.0/8 (127.0.0.3)")
    p.add_argument("--normal-source", default="127.0.0.2",
                   help="the normal client's source address, on 127.0.0.0/8 (127.0.0.2)")
    p.add_argument("--get", default="/healthz")
    p.add_argument("--post", default="/flagger/rollout")
    p.add_argument("--body", default='{"name":"api","namespace":"slow","checksum":"c1"}')
    return p.parse_args()


class Slow:
    """One slow connection; records when the server cut it and what it said."""

    def __init__(self):
        self.opened = None
        self.cut_after = None
        self.status_line = ""
        self.failed_connect = False


async def slow_connection(args, kind, slow, stop):
    try:
        source = "127.0.0.1" if kind == "trickle" else args.slow_body_source
        reader, writer = await asyncio.open_connection("127.0.0.1", args.port,
                                                       local_addr=(source, 0))
    except OSError:
        slow.failed_connect = True
        return
    slow.opened = time.monotonic()
    if kind == "trickle":
        head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    else:
        head = (b"POST " + args.post.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
    read_task = asyncio.ensure_future(reader.read(200))
    try:
        writer.write(head)
        await writer.drain()
        while not stop.is_set():
            done, _ = await asyncio.wait({read_task}, timeout=args.every)
            if done:
                break
            writer.write(b"a")
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    if read_task.done() and not read_task.cancelled():
        try:
            data = read_task.result()
        except (ConnectionError, OSError):
            data = b""
        slow.cut_after = time.monotonic() - slow.opened
        slow.status_line = data.split(b"\r\n", 1)[0].decode("latin-1") if data else "(closed)"
    elif not stop.is_set():
        slow.cut_after = time.monotonic() - slow.opened
        slow.status_line = "(reset)"
    read_task.cancel()
    writer.close()


async def one_request(args, method, path):
    body = args.body.encode() if method == "POST" else b""
    req = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
           f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    t0 = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", args.port, local_addr=(args.normal_source, 0)),
            args.timeout)
        writer.write(req)
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), args.timeout)
        writer.close()
        status = line.split()[1].decode() if len(line.split()) > 1 else "no-status"
    except asyncio.TimeoutError:
        status = "timeout"
    except (ConnectionError, OSError) as e:
        status = type(e).__name__
    return status, (time.monotonic() - t0) * 1000


async def main():
    args = parse_args()
    stop = asyncio.Event()
    slows = {"trickle": [Slow() for _ in range(args.trickle)],
             "slow_body": [Slow() for _ in range(args.slow_body)]}
    tasks = [asyncio.ensure_future(slow_connection(args, kind, s, stop))
             for kind, group in slows.items() for s in group]
    await asyncio.sleep(min(3.0, args.every * 1.5))  # every slow connection is open
    answers = {}
    latencies = []
    end = time.monotonic() + args.duration
    i = 0
    while time.monotonic() < end:
        method, path = ("GET", args.get) if i % 2 == 0 else ("POST", args.post)
        status, ms = await one_request(args, method, path)
        key = f"{method} {status}"
        answers[key] = answers.get(key, 0) + 1
        latencies.append(ms)
        i += 1
        await asyncio.sleep(args.pace)
    stop.set()
    await asyncio.wait(tasks, timeout=args.every + 2)
    for t in tasks:
        t.cancel()
    lat = sorted(latencies)
    ok = sum(n for k, n in answers.items() if k.split()[1] in ("200", "412"))
    out = {"normal_requests": len(lat), "normal_ok": ok, "normal_answers": answers,
           "p50_ms": round(statistics.median(lat), 1) if lat else None,
           "p99_ms": round(lat[min(len(lat) - 1, int(0.99 * len(lat)))], 1) if lat else None,
           "max_ms": round(lat[-1], 1) if lat else None}
    for kind, group in slows.items():
        cut = [s.cut_after for s in group if s.cut_after is not None]
        lines = {}
        for s in group:
            if s.cut_after is not None:
                lines[s.status_line] = lines.get(s.status_line, 0) + 1
        out[kind] = {"connections": len(group),
                     "refused": sum(s.failed_connect for s in group),
                     "cut_by_server": len(cut),
                     "cut_after_s_median": round(statistics.median(cut), 1) if cut else None,
                     "cut_after_s_max": round(max(cut), 1) if cut else None,
                     "answers": lines}
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
