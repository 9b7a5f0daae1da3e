"""Shared fixtures: the synthetic marketplace's world (make-marketplace), a
feed served over real HTTP on 127.0.0.1, and the CLI for comparisons."""

import functools
import http.server
import json
import os
import subprocess
import sys
import threading

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests"))


def built(name):
    """A binary of the workspace: $NAME_BIN, else target/debug, else target/release."""
    env = os.environ.get(name.upper().replace("-", "_") + "_BIN")
    if env:
        return env
    for profile in ("debug", "release"):
        path = os.path.join(ROOT, "target", profile, name)
        if os.path.exists(path):
            return path
    pytest.fail(f"{name} is not built: cargo build -p genuine-tests --bin make-marketplace -p genuine-cli")


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    """anchor.txt, trust.bundle, feed/ and codes.json of the demo marketplace world."""
    out = tmp_path_factory.mktemp("world")
    subprocess.run([built("make-marketplace"), str(out), "3", "2"], check=True, stdout=subprocess.DEVNULL)
    with open(out / "codes.json") as f:
        codes = json.load(f)
    return out, codes


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory):
    """A static HTTP server on 127.0.0.1 in a thread: (url, server)."""
    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


@pytest.fixture(scope="session")
def feed(world):
    url, server = serve(world[0] / "feed")
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def cli():
    return built("genuine")
