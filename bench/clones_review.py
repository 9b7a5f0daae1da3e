#!/usr/bin/env python3
"""The review of one poisoned serial (issue 30, finding 2): a rival sends
100,000 sightings of one genuine code from two networks through the real
collector on loopback, then `genuine clones list` runs over what was kept.
Prints the rows kept, and the time and peak memory of `clones list`
(best of three, /usr/bin/time).

    cargo build --release -p genuine-cli && python3 bench/clones_review.py
"""
import json, os, re, socket, sqlite3, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENUINE = os.path.join(ROOT, "target", "release", "genuine")


def run(args, cwd):
    return subprocess.run([GENUINE] + args, cwd=cwd, check=True, capture_output=True, text=True).stdout


def post(sock, host, body):
    head = f"POST /v1/events HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    sock.sendall(head.encode() + body)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, rest = data.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"content-length: *(\d+)", head, re.I).group(1))
    while len(rest) < length:
        rest += sock.recv(65536)
    return int(head.split()[1])


def main():
    with tempfile.TemporaryDirectory() as d:
        run(["root", "init"], d)
        run(["brand", "add", "--id", "tea", "--name", "Tea Co", "--prefix", "4012345", "--host", "t.example"], d)
        run(["key", "new", "--brand", "tea"], d)
        code = run(["issue", "--brand", "tea", "--gtin", "4012345000009", "--serial", "POISON234"], d).strip()
        run(["bundle"], d)
        serve = subprocess.Popen(
            [GENUINE, "collect", "serve", "--addr", "127.0.0.1:0", "--anchor", "anchor.txt", "--bundle", "trust.bundle",
             "--db", "collector-trust.db", "--per-network-per-minute", "100000"],
            cwd=d, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            url = serve.stdout.readline().strip().rsplit(" ", 1)[-1].rstrip("/")
            host = url.split("//")[1]
            hour = int(time.time()) // 3600
            alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"
            places = [f"u3{alphabet[i // 32 % 32]}{alphabet[i % 32]}" for i in range(500)]
            sent = 0
            for net in (1, 2):
                sock = socket.socket()
                sock.bind((f"127.0.{net}.1", 0))
                sock.connect((host.split(":")[0], int(host.split(":")[1])))
                for batch in range(100):
                    events = [{"code": code, "verdict": "genuine", "hour": hour, "place": p} for p in places]
                    body = json.dumps({"install": f"install-poison-{net}-{batch:05}", "events": events}).encode()
                    assert post(sock, host, body) == 200
                    sent += len(events)
                sock.close()
        finally:
            serve.terminate()
            serve.wait()
        best = None
        for _ in range(3):
            out = subprocess.run(["/usr/bin/time", "-f", "%e %M", GENUINE, "clones", "list", "--json"], cwd=d,
                                 capture_output=True, text=True, check=True)
            seconds, kb = out.stderr.strip().splitlines()[-1].split()
            found = json.loads(out.stdout)
            if best is None or float(seconds) < best[0]:
                best = (float(seconds), int(kb), found)
        case = [c for c in best[2] if c["serial"] == "POISON234"]
        with sqlite3.connect(os.path.join(d, "collector.db")) as db:
            rows = db.execute("SELECT count(*) FROM sightings").fetchone()[0]
        print("| sightings sent | rows kept | candidate | `clones list` time (best of 3) | peak memory |")
        print("|---|---|---|---|---|")
        print(f"| {sent:,} from 2 networks | {rows} | {'yes' if case else 'no'} | {best[0]:.2f} s | {best[1] / 1024:.1f} MB |")


if __name__ == "__main__":
    sys.exit(main())
