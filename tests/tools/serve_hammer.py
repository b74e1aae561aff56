#!/usr/bin/env python3
"""Sends search requests to a 'zhs serve' on 127.0.0.1 from several threads
until STOPFILE exists, and reports every failure.

usage: serve_hammer.py PORT STOPFILE QUERIES_FILE [THREADS] [MAX_SECONDS] [MAX_REQUESTS]

A failure is a connection error, a status other than 200, or an answer that
is not a /search JSON object.  Bounded: stops after MAX_SECONDS (default 60)
or MAX_REQUESTS in all (default 100000) even without STOPFILE.  Prints one
line: "requests N failures F generations G1,G2,..." and the first failures;
exits 1 when anything failed or nothing was sent.
"""
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse


def main():
    port = int(sys.argv[1])
    stopfile, qfile = sys.argv[2], sys.argv[3]
    nthreads = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    max_s = float(sys.argv[5]) if len(sys.argv) > 5 else 60
    max_n = int(sys.argv[6]) if len(sys.argv) > 6 else 100000
    queries = [q.strip() for q in open(qfile, encoding="utf-8") if q.strip()]
    until = time.monotonic() + max_s
    lock = threading.Lock()
    stats = {"n": 0, "fail": [], "gens": set()}

    def worker(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        j = i
        while time.monotonic() < until and not os.path.exists(stopfile):
            with lock:
                if stats["n"] >= max_n:
                    break
                stats["n"] += 1
            q = queries[j % len(queries)]
            j += nthreads
            try:
                conn.request("GET", "/search?k=5&q=" + urllib.parse.quote(q))
                r = conn.getresponse()
                body = r.read()
                d = json.loads(body)
                if r.status != 200 or "hits" not in d:
                    raise ValueError(f"status {r.status}: {body[:200]!r}")
                with lock:
                    stats["gens"].add(d["generation"])
            except Exception as e:  # every kind of failure counts
                with lock:
                    stats["fail"].append(f"{q}: {type(e).__name__}: {e}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(nthreads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max_s + 30)
    gens = ",".join(str(g) for g in sorted(stats["gens"]))
    print(f"requests {stats['n']} failures {len(stats['fail'])} generations {gens}")
    for f in stats["fail"][:5]:
        print("  " + f)
    return 1 if stats["fail"] or stats["n"] == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
