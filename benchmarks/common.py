"""What every maintained benchmark shares: seeds, fresh-process fits, peak memory and the
stamped JSON result files that ``benchmarks/render.py`` turns into the docs' tables.

A result file is ``{"benchmark", "corpus", "params", "stamp", "rows"}``; the stamp records
the git commit (and whether the tree was dirty), the date, the machine (cores, load average
at the start and the end) and the command, so a figure in the docs can be traced and rerun.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# A script run as ``python benchmarks/x.py`` has benchmarks/ first on sys.path, so
# ``bertopic_saetm`` would come from wherever it is installed: measure this checkout (the one
# the stamp's commit names). Spawned fit processes inherit sys.path.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
VERSIONED = ("bertopic-saetm", "bertopic", "turftopic", "torch", "scikit-learn", "numpy",
             "umap-learn", "hdbscan", "gensim")


def parse_ints(text: str) -> list[int]:
    """``"0,1,2"`` -> ``[0, 1, 2]`` (seeds, K values, sizes)."""
    return [int(v) for v in text.split(",") if v.strip()]


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _package_path() -> str | None:
    import importlib.util

    spec = importlib.util.find_spec("bertopic_saetm")
    path = Path(spec.origin).parent if spec and spec.origin else None
    return None if path is None else (str(path.relative_to(ROOT)) if path.is_relative_to(ROOT)
                                      else str(path))


def stamp() -> dict:
    """Commit, dirty flag, date, machine and command of this run."""
    return {"commit": _git("rev-parse", "HEAD") or None,
            "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
            "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": {"cpu_count": os.cpu_count(), "loadavg_start": list(os.getloadavg()),
                        "platform": platform.platform(), "python": platform.python_version()},
            "command": " ".join(["python", *sys.argv]),
            "package_path": _package_path(),
            "versions": {name: _version(name) for name in VERSIONED}}


class Result:
    """A result file being written: rows are added and the file is rewritten after each, so
    an interrupted run keeps what it measured (``--resume`` continues from it)."""

    def __init__(self, path: Path, benchmark: str, corpus: str | None, params: dict,
                 resume: bool = False):
        self.path = Path(path)
        self.head = {"benchmark": benchmark, "corpus": corpus, "params": params,
                     "stamp": stamp()}
        self.rows: list[dict] = []
        if resume and self.path.exists():
            earlier = json.loads(self.path.read_text())
            self.rows = earlier["rows"]
            # Rows from earlier runs keep the stamp of the run that measured them.
            self.head["earlier_stamps"] = (earlier.get("earlier_stamps", [])
                                           + [earlier["stamp"]])
            for row in self.rows:
                row.setdefault("run", len(self.head["earlier_stamps"]) - 1)

    def add(self, row: dict) -> None:
        self.rows.append(row)
        self.write()

    def write(self) -> None:
        self.head["stamp"]["machine"]["loadavg_end"] = list(os.getloadavg())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({**self.head, "rows": self.rows}, indent=1) + "\n")


def in_fresh_process(function, *args):
    """``function(*args)`` in a new (spawned) process; its return value.

    No fit inherits another's caches, compiled kernels or freed memory, and peak memory is
    the fit's own. (One single-use pool per fit: a pool with max_tasks_per_child can hang
    when it replaces its worker, CPython gh-115634.)"""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


class PeakMemory:
    """Peak resident memory above the starting point (``.mb``), sampled every 20 ms."""

    def __enter__(self):
        import psutil

        self.process = psutil.Process()
        self.start = self.peak = self.process.memory_info().rss
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.mb = (self.peak - self.start) / 2**20


def stop_joblib_workers() -> None:
    """HDBSCAN leaves joblib's loky workers alive; a fit process could not exit (and its
    pool not close) while they run."""
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)


def model_scores(model, embeddings, labels, reference, cv: bool = False) -> dict:
    """NPMI (and C_V), TD@25, purity and topic shares of a fitted SAETopicModel at its
    current number of topics, with ``bertopic_saetm.evaluation`` (top 25 words; a document's
    topic is its main topic, ``predict``; purity None without labels)."""
    from bertopic_saetm.evaluation import coherence, purity, topic_diversity, topic_shares

    topics = [[w for w, _ in words] for words in model.get_topics(25)]
    main = model.predict(embeddings=embeddings)
    out = {"npmi": float(np.nanmean(coherence(topics, reference))),
           "td25": topic_diversity(topics, 25),
           "purity": None if labels is None else purity(main, labels), **topic_shares(main)}
    if cv:
        out["c_v"] = float(np.nanmean(coherence(topics, reference, "c_v")))
    return out
