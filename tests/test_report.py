"""The HTML report: built on the bundled corpus, then loaded in headless Chromium."""

import re
import shutil
import subprocess

import pytest

from bertopic_saetm.cli import main as cli
from bertopic_saetm.report import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report(standalone_fit, corpus, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(path, standalone_fit, corpus.texts, embeddings=corpus.embeddings,
                 labels=corpus.labels, ks=[6, 20])
    return path


def test_report_contents(report, standalone_fit):
    page = report.read_text()
    assert page.count("class='k-view'") == 3  # 6, 12 (the model's own) and 20 topics
    assert "<option value='12' selected>" in page
    for title in ("Topic map", "Hierarchy", "Topic similarity", "Document map", "Evaluation"):
        assert f">{title}<" in page
    words = " ".join(w for w, _ in standalone_fit.get_topics(10)[0])
    assert words in page
    assert "<script src=" not in page and "<link" not in page  # self-contained
    assert standalone_fit.n_topics_ == 12  # the model itself was not re-merged


def test_report_without_labels_has_no_evaluation(standalone_fit, corpus, tmp_path):
    path = write_report(tmp_path / "r.html", standalone_fit, corpus.texts[:400],
                        embeddings=corpus.embeddings[:400], ks=[5], document_map=False)
    page = path.read_text()
    assert ">Evaluation<" not in page and ">Document map<" not in page


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_report_renders_in_headless_chromium_without_errors(report):
    # One headless run: the DOM after plotly.js has drawn, and the console on stderr.
    run = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=15000",
         "--enable-logging=stderr", "--v=0", f"--user-data-dir={report.parent / 'profile'}",
         "--dump-dom", report.resolve().as_uri()],
        capture_output=True, text=True, timeout=120)
    errors = [line for line in run.stderr.splitlines()
              if "CONSOLE" in line and re.search(r"Uncaught|Error", line)]
    assert errors == []
    # Every figure was drawn by plotly.js: 4 figures + one bar chart per k + evaluation.
    assert run.stdout.count('class="main-svg"') >= 2 * (4 + 3 + 1)


def test_cli_report(standalone_fit, corpus, tmp_path, capsys):
    import json

    import numpy as np

    standalone_fit.save(tmp_path / "model")
    (tmp_path / "docs.jsonl").write_text("\n".join(json.dumps({"text": t})
                                                   for t in corpus.texts[:300]))
    np.save(tmp_path / "emb.npy", corpus.embeddings[:300])
    assert cli(["report", str(tmp_path / "model"), str(tmp_path / "docs.jsonl"),
                "--embeddings", str(tmp_path / "emb.npy"), "--k", "4", "--no-document-map",
                "-o", str(tmp_path / "r.html")]) == 0
    assert (tmp_path / "r.html").stat().st_size > 1_000_000  # plotly.js is embedded
