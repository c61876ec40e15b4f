#!/usr/bin/env python3
"""The cluster test (issue 22), run by deploy/cluster/test.sh on a cluster that
deploy/cluster/cluster.sh started: load through the balancer with one instance killed
(SIGKILL) mid-load and restarted; no acknowledged ballot lost; a code accepted exactly once
across instances; a login on one instance good on the others; 31 mistyped codes from one
client behind the balancer block that client only; a review written through one instance in
the scores read through another within 2 s. Standard library only.

Arguments: the balancer's port, the codes file (one code a line), the cluster script.
"""

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse

PORT = int(sys.argv[1])
CODES = [c.strip() for c in open(sys.argv[2]) if c.strip()]
CLUSTER = sys.argv[3]
INSTANCES = [PORT + 1, PORT + 2, PORT + 3]
failures = []


def request(port, method, path, body=None, headers=None, timeout=10):
    """(status, headers, body text); status 0 when the connection failed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        h = {"Content-Type": "application/json"} if data else {}
        h.update(headers or {})
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode("utf-8", "replace")
    except OSError:
        return 0, {}, ""
    finally:
        conn.close()


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what, flush=True)
    if not ok:
        failures.append(what)


def cast(port, code):
    return request(port, "POST", "/api/v1/ballots", {"code": code, "verdict": "satisfied", "comment": ""})[0]


# 1. A login on one instance works on the others: the session lives in the database.
status, _, body = request(INSTANCES[0], "POST", "/api/v1/login",
                          {"username": "admin", "password": os.environ.get("PASSWORD", "Pass-word-1")})
token = json.loads(body).get("token", "") if status == 200 else ""
check(status == 200 and token, f"sign in on instance 1 ({status})")
for port in INSTANCES[1:]:
    s, _, _ = request(port, "GET", "/api/v1/bulletins", headers={"Authorization": f"Bearer {token}"})
    check(s == 200, f"the session taken on instance 1 is good on :{port} ({s})")

# 2. Load through the balancer; instance 2 killed mid-load and started again.
load_codes = CODES[:-10]
spare = CODES[-10:]
acknowledged, answers, lock = [], {}, threading.Lock()
cursor = iter(load_codes)


def voter():
    while True:
        with lock:
            code = next(cursor, None)
        if code is None:
            return
        s = cast(PORT, code)
        with lock:
            answers[s] = answers.get(s, 0) + 1
            if s == 201:
                acknowledged.append(code)


threads = [threading.Thread(target=voter) for _ in range(16)]
started = time.time()
for t in threads:
    t.start()
time.sleep(1.5)
pid = int(open(os.path.join(os.environ["DIR"], "serve-2.pid")).read())
os.kill(pid, 9)
print(f"      instance 2 (pid {pid}) killed with SIGKILL after 1.5 s of load", flush=True)
time.sleep(1.0)
subprocess.run(["bash", CLUSTER, "serve", "2"], check=True)
print("      instance 2 started again", flush=True)
for t in threads:
    t.join()
elapsed = time.time() - started
print(f"      {len(load_codes)} ballots sent in {elapsed:.1f} s; answers {answers}", flush=True)
check(len(acknowledged) > len(load_codes) * 0.8, f"most ballots were taken ({len(acknowledged)})")
# Every acknowledged code is spent: sent again, it is refused as used, on every instance.
relapsed = [c for c in acknowledged if cast(PORT, c) != 409]
check(not relapsed, f"no acknowledged ballot is lost: every one of the {len(acknowledged)} codes is used "
      f"({len(relapsed)} not)")

# 3. One code sent to the three instances at once is taken once.
code = spare[0]
results = []
racers = [threading.Thread(target=lambda p=p: results.append(cast(p, code))) for p in INSTANCES]
for t in racers:
    t.start()
for t in racers:
    t.join()
check(sorted(results) == [201, 409, 409], f"one code sent to three instances at once is taken once ({sorted(results)})")

# 4. Mistyped codes: one client behind the balancer blocked, the others not. The header a
# client sends is kept by nginx, which appends the address it saw; the instances trust
# nginx (127.0.0.1), so the client is the address before it.
def mistyped(i, client):
    return request(PORT, "GET", f"/p/b/ZZZZ-ZZZZ-{i:04d}", headers={"X-Forwarded-For": client})[0]


statuses = [mistyped(i, "203.0.113.7") for i in range(31)]
check(statuses[-1] == 429 and 429 not in statuses[:30],
      f"the 31st mistyped code from one client is refused ({statuses[-1]}, first 30: {set(statuses[:30])})")
other = mistyped(99, "198.51.100.4")
check(other != 429, f"another client behind the same balancer is not ({other})")

# 5. Public pages are read from the standby (the instances run with --read-db).
pages = [request(PORT, "GET", "/p/find?q=B1")[0] for _ in range(6)]
check(set(pages) == {200}, f"public pages through the balancer ({set(pages)})")
served = 0
for port in INSTANCES:
    _, _, text = request(port, "GET", "/metrics")
    served += sum(float(l.split()[-1]) for l in text.splitlines() if l.startswith("standby_requests_total"))
check(served >= 6, f"the standby served them ({served:.0f} requests)")

# 6. A review written through instance 1 is in the scores read through instance 3 within
# two seconds: the change is stored with the review, and every instance reads the changes.
def form(port, path, fields, cookie=""):
    """(status, the cookies set as name=value, body) of a form posted as a browser does."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, body=urllib.parse.urlencode(fields),
                     headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
        r = conn.getresponse()
        cookies = [c.split(";")[0] for c in r.msg.get_all("Set-Cookie") or []]
        return r.status, cookies, r.read().decode("utf-8", "replace")
    finally:
        conn.close()


def token_of(port, username):
    s, _, body = request(port, "POST", "/api/v1/login",
                         {"username": username, "password": os.environ.get("PASSWORD", "Pass-word-1")})
    return json.loads(body).get("token", "") if s == 200 else ""


def b1_score(port, token):
    s, _, body = request(port, "GET", "/api/v1/rankings?kind=organisation&limit=1000",
                         headers={"Authorization": f"Bearer {token}"})
    if s != 200:
        return s, None
    return s, next((r["score"] for r in json.loads(body)["rows"] if r["code"] == "B1"), None)


# The campaign office assigns 'leader' to review branch B1, through the web form.
status, cookies, _ = form(INSTANCES[0], "/login",
                          {"username": "office", "password": os.environ.get("PASSWORD", "Pass-word-1")})
session = "; ".join(c for c in cookies if c.startswith("xf_session="))
conn = http.client.HTTPConnection("127.0.0.1", INSTANCES[0], timeout=10)
conn.request("GET", "/o/B1/reviewers", headers={"Cookie": session})
page = conn.getresponse().read().decode("utf-8", "replace")
conn.close()
csrf = page.split('name="csrf" value="', 1)[-1].split('"', 1)[0]
b1 = int(os.environ["B1_ID"])
status, _, _ = form(INSTANCES[0], "/o/B1/reviewers",
                    {"csrf": csrf, "subject": f"organisation:{b1}", "reviewer": "leader"}, session)
check(status == 303, f"the office assigns a reviewer to branch B1 ({status})")

s, _, body = request(INSTANCES[0], "GET", "/api/v1/periods", headers={"Authorization": f"Bearer {token}"})
period = next((p["id"] for p in json.loads(body) if p.get("current")), None) if s == 200 else None
s, before = b1_score(INSTANCES[2], token)
check(s == 200, f"the rankings read through instance 3 ({s}; B1 scored {before})")
leader = token_of(INSTANCES[0], "leader")
s, _, body = request(INSTANCES[0], "POST", "/api/v1/reviews",
                     {"subject_kind": "organisation", "subject_id": b1, "period": period,
                      "grade": "good", "comment": "班子团结，服务群众有成效"},
                     headers={"Authorization": f"Bearer {leader}"})
written = time.time()
check(s == 201, f"a review of B1 for period {period} written through instance 1 ({s} {body[:200]})")
after, seen_in = before, None
while time.time() - written < 5:
    _, after = b1_score(INSTANCES[2], token)
    if after != before:
        seen_in = time.time() - written
        break
    time.sleep(0.05)
check(seen_in is not None and seen_in <= 2.0,
      f"the review is in the scores read through instance 3 within 2 s "
      f"({before} -> {after}, after {seen_in if seen_in is None else round(seen_in, 2)} s)")

if failures:
    print(f"{len(failures)} check(s) failed", flush=True)
    sys.exit(1)
print("cluster checks passed", flush=True)
