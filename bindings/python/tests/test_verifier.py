"""The genuine wheel against the real core: the same verdicts, JSON lines
and error words as the CLI, a real feed over HTTP on 127.0.0.1, real images
through the real decoder, batches that release the GIL."""

import ast
import json
import os
import subprocess
import threading
import time

import genuine
import pytest

from conftest import ROOT

FIXTURES = os.path.join(ROOT, "tests", "fixtures")

EXPECTED = {  # kind of code in make-marketplace's world -> (verdict, reason) before and after a sync
    "genuine_acme": (("authentic", None), ("authentic", None)),
    "genuine_globex": (("authentic", None), ("authentic", None)),
    "forged": (("forged", "bad_signature"), ("forged", "bad_signature")),
    "out_of_scope": (("forged", "key_out_of_scope"), ("forged", "key_out_of_scope")),
    "key_revoked": (("revoked", "key_revoked"), ("revoked", "key_revoked")),
    "revoked": (("authentic", None), ("revoked", "code_revoked")),
    "cloned": (("authentic", None), ("revoked", "code_cloned")),
    "unknown_issuer": (("unknown_issuer", None), ("unknown_issuer", None)),
}


def open_verifier(world, tmp_path, name="g.db"):
    out, _ = world
    return genuine.Verifier.open(anchor=out / "anchor.txt", bundle=out / "trust.bundle", db=tmp_path / name)


def test_every_kind_of_code_gets_its_verdict_and_a_sync_brings_revocations(world, feed, tmp_path):
    _, codes = world
    with open_verifier(world, tmp_path) as v:
        for kind, (before, _) in EXPECTED.items():
            got = v.verify(codes[kind][0])
            assert (got.verdict, got.reason) == before, kind
        report = v.sync(feed)
        assert report["timestamp_version"] == 1 and report["files_fetched"] > 0
        for kind, (_, after) in EXPECTED.items():
            got = v.verify(codes[kind][0])
            assert (got.verdict, got.reason) == after, kind
        clone = v.verify(codes["cloned"][0])
        assert clone.brand == "acme" and clone.vouched and clone.gtin == "09506000134352"
        assert clone.serial and clone.serial in codes["cloned"][0]
        forged = v.verify(codes["forged"][0])
        assert forged.brand is None and not forged.vouched and forged.gtin == "09506000134352"
        assert v.status()["timestamp_version"] == 1


def test_a_verdict_is_the_clis_json_line_byte_for_byte(world, tmp_path, cli):
    out, codes = world
    trust = ["--anchor", str(out / "anchor.txt"), "--bundle", str(out / "trust.bundle"), "--db", str(tmp_path / "c.db")]
    with open_verifier(world, tmp_path) as v:
        for kind in EXPECTED:
            text = codes[kind][0]
            line = subprocess.run([cli, "verify", "--json", text, *trust], capture_output=True, text=True).stdout
            assert v.verify(text).json() == line.strip(), kind
            assert v.verify(text).to_dict() == json.loads(line)
        photo = os.path.join(FIXTURES, "genuine.png")
        line = subprocess.run([cli, "verify", "--json", photo, *trust], capture_output=True, text=True).stdout
        with open(photo, "rb") as f:
            (found,) = v.scan_and_verify(f.read(), name=photo)
        assert found.json() == line.strip()
        assert found.result["verdict"] == "authentic" and found.card["title"] == "Genuine"


def test_errors_are_exceptions_in_the_clis_words(world, tmp_path, cli):
    out, _ = world
    missing = tmp_path / "no-anchor.txt"
    with pytest.raises(genuine.TrustError) as e:
        genuine.Verifier.open(anchor=missing, db=tmp_path / "x.db")
    said = subprocess.run([cli, "status", "--anchor", str(missing), "--db", str(tmp_path / "x.db")],
                          capture_output=True, text=True).stderr
    # The CLI names the option that gave the file, and what writes one.
    assert said.strip().startswith(f"genuine: --anchor {e.value}"), (said, str(e.value))

    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"\xff\xd8\xff\xe0 not a jpeg")
    with pytest.raises(genuine.ImageError) as e:
        genuine.scan(garbage.read_bytes())
    said = subprocess.run([cli, "verify", str(garbage)], capture_output=True, text=True).stderr
    assert said.strip() == f"genuine: {garbage}: {str(e.value).strip()}"
    assert isinstance(e.value, genuine.GenuineError) and str(e.value).startswith("cannot read image")

    # A store of this anchor, opened with another anchor's file.
    open_verifier(world, tmp_path, "mine.db").close()
    other = tmp_path / "other-anchor.txt"
    # RFC 8032's first test key: a valid key of no root of ours.
    other.write_text("threshold 1\nkey d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\n")
    with pytest.raises(genuine.TrustError, match="trusts a different root"):
        genuine.Verifier.open(anchor=other, db=tmp_path / "mine.db")

    with open_verifier(world, tmp_path) as v:
        with pytest.raises(genuine.SyncError, match="^sync refused, nothing changed: "):
            v.sync("http://127.0.0.1:9/")  # the discard port: nothing listens
        with pytest.raises(genuine.BadInput):
            v.scan_and_verify_many([b"x"], names=["a", "b"])
    with pytest.raises(genuine.StoreError, match="closed"):
        v.verify("https://example.com/")
    with pytest.raises(genuine.BadInput):
        genuine.gtin("12345")
    assert genuine.gtin("9506000134352") == "09506000134352"


def test_a_batch_keeps_going_past_bad_images(world, tmp_path):
    with open(os.path.join(FIXTURES, "genuine.png"), "rb") as f:
        good = f.read()
    bomb_header = b"\x89PNG\r\n\x1a\n" + bytes.fromhex("0000000d49484452") + (90000).to_bytes(4, "big") * 2
    with open_verifier(world, tmp_path) as v:
        photos = v.scan_and_verify_many([good, b"", bomb_header, good], names=["a", "b", "c", "d"])
    assert [p.ok for p in photos] == [True, False, False, True]
    assert [p.name for p in photos] == ["a", "b", "c", "d"]
    assert isinstance(photos[1].error, genuine.ImageError) and photos[1].codes == []
    assert photos[3].codes[0].verdict == "authentic" and photos[3].codes[0].input == "d"
    scanned = genuine.scan_many([good, b"nope"])
    assert scanned[0].codes[0].text == photos[0].codes[0].text and not scanned[1].ok


def test_corners_lie_on_the_code(world):
    from PIL import Image

    path = os.path.join(FIXTURES, "genuine.png")
    width, height = Image.open(path).size
    with open(path, "rb") as f:
        (code,) = genuine.scan(f.read())
    assert len(code.corners) == 4 and code.raw == code.text.encode()
    xs, ys = [x for x, _ in code.corners], [y for _, y in code.corners]
    assert 0 <= min(xs) < max(xs) <= width and 0 <= min(ys) < max(ys) <= height


def test_batches_release_the_gil(world, tmp_path):
    """Another Python thread runs while a batch is in Rust, about as much as
    while the main thread sleeps; holding the GIL would stop it for the call."""
    with open(os.path.join(FIXTURES, "genuine.png"), "rb") as f:
        images = [f.read()] * 150
    ticks, stop = [0], threading.Event()

    def count():
        while not stop.is_set():
            ticks[0] += 1

    def share(work):
        before, start = ticks[0], time.perf_counter()
        work()
        return (ticks[0] - before) / (time.perf_counter() - start)

    counter = threading.Thread(target=count)
    counter.start()
    try:
        idle = share(lambda: time.sleep(0.3))
        batch = share(lambda: genuine.scan_many(images))
        with open_verifier(world, tmp_path) as v:
            verified = share(lambda: v.scan_and_verify_many(images))
    finally:
        stop.set()
        counter.join()
    # With the GIL held, the counter runs only in the switch interval (5 ms)
    # around the call: a few percent of its idle rate.
    assert batch > 0.25 * idle and verified > 0.25 * idle, (idle, batch, verified)


def test_the_stubs_name_every_export():
    stubs = open(os.path.join(os.path.dirname(genuine.__file__), "__init__.pyi")).read()
    tree = ast.parse(stubs)
    named = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    named |= {t.id for n in tree.body if isinstance(n, ast.AnnAssign) for t in [n.target]}
    assert set(genuine.__all__) <= named, set(genuine.__all__) - named
    for name in genuine.__all__:
        assert getattr(genuine, name).__doc__ or name == "__version__", name
