"""The sweep job on Spark in local mode (pip's pyspark, a real JVM) over the
generated marketplace: every planted finding found with its rule, no finding
on a clean listing, every bad row a reason, never a failed job."""

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, built, serve

pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    import marketplace

    base = tmp_path_factory.mktemp("market")
    os.environ["MAKE_MARKETPLACE"] = built("make-marketplace")
    truth = marketplace.make(str(base / "m"), seed=11, listings=40, size=640)
    url, server = serve(base / "m" / "world" / "feed")
    out = base / "out"
    world = base / "m" / "world"
    try:
        run = subprocess.run(
            [sys.executable, "-m", "genuine_sweep", "--listings", str(base / "m" / "listings.parquet"),
             "--anchor", str(world / "anchor.txt"), "--bundle", str(world / "trust.bundle"), "--feed", url,
             "--out", str(out), "--master", "local[2]", "--max-image-bytes", "2000000"],
            capture_output=True, text=True, timeout=600)
    finally:
        server.shutdown()
    assert run.returncode == 0, run.stdout + run.stderr[-4000:]
    return truth, out, run.stdout


def table(out, name):
    return pq.read_table(str(out / name)).to_pylist()


def test_every_planted_finding_is_found_and_no_clean_listing_is_flagged(swept):
    truth, out, _ = swept
    found = {r["listing_id"]: sorted(r["rules"]) for r in table(out, "findings.parquet")}
    assert found == truth["findings"]
    kinds = {rule for rules in truth["findings"].values() for rule in rules}
    assert kinds == {"forged", "not_ours", "copied", "revoked", "brand_mismatch", "shared_serial"}


def test_findings_carry_their_evidence(swept):
    truth, out, _ = swept
    for row in table(out, "findings.parquet"):
        evidence = json.loads(row["evidence"])
        assert sorted({e["rule"] for e in evidence}) == sorted(row["rules"])
        assert row["rule"] == min(row["rules"], key=["forged", "not_ours", "copied", "revoked", "brand_mismatch",
                                                    "shared_serial"].index)
        for e in evidence:
            if e["rule"] == "shared_serial":
                assert e["evidence"]["sellers"] >= truth["shared_sellers"] and row["listing_id"] in e["evidence"]["listings"]
            else:
                assert e["evidence"]["text"].startswith("https://") and e["evidence"]["image"]
            if e["rule"] == "brand_mismatch":
                assert e["evidence"]["code_brand"] in ("acme", "globex")


def test_every_row_becomes_a_row_with_its_reason(swept):
    truth, out, stdout = swept
    images = table(out, "images.parquet")
    assert len(images) == truth["rows"]
    status = {}
    for row in images:
        status.setdefault(row["image"], set()).add(row["status"])
    for path, expected in truth["images"].items():
        assert expected in status[path], (path, status[path])
    assert sum(r["status"] == "duplicate" for r in images) == truth["duplicate_rows"]
    unread = {r["status"]: r["detail"] for r in images if r["status"] != "ok"}
    assert any("64-megapixel" in (r["detail"] or "") for r in images)  # the decompression bomb
    assert "over the limit" in unread["too_large"] and "no such file" in unread["missing"]
    for line in ("trust:", "listings:", "scan and verify:", "summary.json:"):
        assert f"== genuine_sweep: {line}" in stdout


def test_codes_and_summary_agree(swept):
    truth, out, _ = swept
    codes = table(out, "codes.parquet")
    for column in ("listing_id", "seller_id", "image", "text", "verdict", "reason", "brand", "gtin", "serial"):
        assert column in codes[0]
    summary = json.load(open(out / "summary.json"))
    assert summary["codes"] == len(codes)
    assert summary["rows"] == truth["rows"] and summary["listings"] == truth["listings"]
    assert summary["listings_to_look_at"] == len(truth["findings"])
    assert summary["trust"]["synced"] and summary["trust"]["timestamp_version"] == 1
    assert summary["verdicts"]["revoked"] > 0 and summary["verdicts"]["not_signed"] > 0
    reasons = {u["status"] for u in summary["unread"]}
    assert {"missing", "unreadable", "too_large", "duplicate", "conflicting_listing"} <= reasons
    # Forged codes name a GTIN nobody vouched for: never counted under a brand.
    assert all(c["brand"] is None for c in codes if c["verdict"] in ("forged", "unknown_issuer"))


def test_rules_compare_names_and_gtins_as_a_platform_writes_them():
    from genuine_sweep import rules

    names = {"acme": "Acme Foods"}
    for claimed in ("Acme Foods", "ACME FOODS", "acme", "Acme-Foods", None, ""):
        assert rules.code_rule("authentic", None, "acme", "09506000134352", claimed, None, names) == (None, None)
    rule, evidence = rules.code_rule("authentic", None, "acme", "09506000134352", "Globex Pharma", None, names)
    assert rule == "brand_mismatch" and evidence["code_brand_name"] == "Acme Foods"
    gtin = rules.claimed_gtin14("9506000134352")
    assert rules.code_rule("authentic", None, "acme", "09506000134352", "acme", gtin, names) == (None, None)
    assert rules.code_rule("authentic", None, "acme", "09506000134352", "acme", "00614141000036", names)[0] == (
        "brand_mismatch")
    assert rules.claimed_gtin14("not a gtin") is None and rules.claimed_gtin14(None) is None
    assert rules.code_rule("revoked", "code_cloned", "acme", "1", None, None, names)[0] == "copied"
    assert rules.code_rule("malformed", "bad sig", None, None, None, None, names)[0] == "forged"
    assert rules.code_rule("not_signed", "not_a_product_link", None, None, "x", None, names) == (None, None)
    # Compatibility forms are the same name; other letters are another name,
    # never "no claim" (a claim in Cyrillic look-alikes fired no rule).
    assert rules.code_rule("authentic", None, "acme", "09506000134352", "ＡＣＭＥ ＦＯＯＤＳ", None, names) == (None, None)
    for claimed in ("Асме", "ソニー", "Acme Foods Ltd"):
        assert rules.code_rule("authentic", None, "acme", "09506000134352", claimed, None, names)[0] == (
            "brand_mismatch"), claimed


def test_image_reads_are_bounded_and_never_fetch_urls(tmp_path):
    from genuine_sweep.images import Roots, read_image

    roots = Roots([str(tmp_path / "images")], base=str(tmp_path))
    (tmp_path / "images").mkdir()
    f = tmp_path / "images" / "a.jpg"
    f.write_bytes(b"x" * 100)
    assert read_image(str(f), 100, roots)[1] == "ok"
    assert read_image(f"file://{f}", 100, roots)[1] == "ok"
    assert read_image("images/a.jpg", 100, roots)[1] == "ok"  # relative to the listings table
    assert read_image(str(f), 99, roots)[:2] == (None, "too_large")
    assert read_image(str(tmp_path / "images" / "none.jpg"), 100, roots)[1] == "missing"
    for url in ("http://169.254.169.254/latest/meta-data/", "https://example.com/a.jpg", "ftp://x/y"):
        data, status, reason = read_image(url, 100, roots)
        assert (data, status) == (None, "not_allowed") and "scheme not allowed" in reason
    assert read_image(None, 100, roots)[1] == "missing"
    # Outside the roots, however it is written: refused before it is opened.
    (tmp_path / "secret.txt").write_bytes(b"s")
    (tmp_path / "images" / "link.jpg").symlink_to(tmp_path / "secret.txt")
    for path in (str(tmp_path / "secret.txt"), str(tmp_path / "images" / ".." / "secret.txt"),
                 str(tmp_path / "images" / "link.jpg"), "../secret.txt", "/etc/passwd", "file:///etc/passwd",
                 "file://otherhost/etc/passwd", str(f) + "\0.jpg"):
        assert read_image(path, 100, roots)[1] == "not_allowed", path
    # What cannot be read is a row, never an exception or a wait.
    os.mkfifo(tmp_path / "images" / "fifo.jpg")
    assert read_image(str(tmp_path / "images" / "fifo.jpg"), 100, roots)[1] == "unreadable"
    (tmp_path / "images" / "sub.jpg").mkdir()
    assert read_image(str(tmp_path / "images" / "sub.jpg"), 100, roots)[1] == "unreadable"
    assert read_image("s3://[x/y", 100, Roots(["s3://b/"]))[1] == "unreadable"


def test_an_image_path_cannot_choose_the_executors_endpoint(monkeypatch):
    """The review's attack on the sweep: pyarrow honours ``endpoint_override``
    and ``scheme`` in an S3 URI's query, so a listing's path sent the
    executor's signed requests (its access key and session token) to a host
    of the seller's choosing. Refused now before any filesystem is made."""
    import http.server
    import threading

    from genuine_sweep.images import Roots, read_image

    hits = []

    class Listener(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):
            hits.append((self.path, self.headers.get("authorization")))
            self.send_response(404)
            self.end_headers()

        do_GET = do_HEAD

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXECUTOR")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "TOKEN")
    port = server.server_address[1]
    roots = Roots(["s3://listings/"])
    try:
        for uri in (f"s3://listings/a.jpg?scheme=http&endpoint_override=127.0.0.1:{port}",
                    f"s3://user@listings/a.jpg", f"s3://listings:{port}/a.jpg", "s3://listings/../other/a.jpg",
                    "s3://other-bucket/a.jpg", "gs://listings/a.jpg"):
            data, status, reason = read_image(uri, 100, roots)
            assert (data, status) == (None, "not_allowed"), (uri, reason)
    finally:
        server.shutdown()
    assert hits == []
