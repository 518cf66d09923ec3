"""Every snippet in README.md runs: the Python blocks in order (one namespace), and the
``saetm`` lines of the console block on small files made here."""

import json
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_snippets():
    assert len(blocks("python")) >= 4 and len(blocks("console")) == 1


def test_python_snippets_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for number, code in enumerate(blocks("python")):
        try:
            exec(compile(code, f"README.md python block {number}", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message says which block
            pytest.fail(f"README python block {number} failed: {exc!r}\n{code}")
    assert namespace["theta"].shape[1] == 15
    assert 0 < namespace["scores"]["purity"] <= 1


def test_console_snippet_runs(corpus, tmp_path, monkeypatch):
    from bertopic_saetm.cli import main

    monkeypatch.chdir(tmp_path)
    n = 300
    Path("docs.jsonl").write_text("\n".join(
        json.dumps({"body": text, "area": label})
        for text, label in zip(corpus.texts[:n], corpus.labels[:n], strict=True)))
    np.save("emb.npy", corpus.embeddings[:n])
    Path("new.csv").write_text("text\n" + "\n".join(
        json.dumps(t.replace("\n", " ")) for t in corpus.texts[n : n + 5]) + "\n")
    lines = [line for line in blocks("console")[0].splitlines() if line.startswith("saetm ")]
    assert len(lines) >= 6
    for line in lines:
        assert main(shlex.split(line)[1:]) == 0, line
    assert np.load("theta.npy").shape == (5, 4)
