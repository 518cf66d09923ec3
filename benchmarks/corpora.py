"""The corpora every maintained benchmark reads, by name.

``20ng``: 20 Newsgroups (``20ng.jsonl.gz`` + ``20ng.minilm.f16.npy`` in ``--data``; labels =
newsgroups). ``bundled``: the Python docstrings shipped with the package (labels = library
area). ``simplewiki``: short texts, a fixed random 20,000 of the Simple English Wikipedia
leads in ``--data`` (seed 0, no labels). Any other name is a JSONL file with a "text" field a
line (labels from "label" when present), embedded with the bundled MiniLM. ``--sample N``
keeps a random N documents (seed 0) of any of them.
"""

from __future__ import annotations

import argparse
import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from common import ROOT  # also puts this checkout's package first on sys.path

# ../shared/data relative to the repository root.
DEFAULT_DATA = ROOT.parent / "shared" / "data"
SIMPLEWIKI_SIZE = 20_000
NAMED = ("20ng", "bundled", "simplewiki")
# The K values each corpus is scored at unless --k is given.
DEFAULT_KS = {"20ng": (20, 50, 100, 200), "bundled": (15, 30, 60, 120),
              "simplewiki": (20, 50, 100, 200)}


@dataclass
class Corpus:
    """Documents, labels (None: unlabelled) and float32 embeddings, row-aligned."""

    name: str
    docs: list[str]
    labels: np.ndarray | None
    embeddings: np.ndarray


def _read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as f:
        return [json.loads(line) for line in f if line.strip()]


def sample(corpus: Corpus, size: int | None, seed: int = 0) -> Corpus:
    """A random ``size`` documents of ``corpus`` (all of them when size is None)."""
    if size is None or size >= len(corpus.docs):
        return corpus
    rows = np.sort(np.random.default_rng(seed).choice(len(corpus.docs), size, replace=False))
    labels = None if corpus.labels is None else corpus.labels[rows]
    return Corpus(corpus.name, [corpus.docs[i] for i in rows], labels, corpus.embeddings[rows])


def load_corpus(name: str, data: Path = DEFAULT_DATA, size: int | None = None,
                embeddings: Path | None = None) -> Corpus:
    """The corpus ``name`` (see the module docstring), sampled to ``size`` documents.

    ``embeddings``: a ``.npy`` of a JSONL corpus' embeddings already computed (a fit process
    reads what the main process embedded)."""
    data = Path(data)
    if name == "bundled":
        from bertopic_saetm.datasets import load_python_docs

        bundled = load_python_docs()
        corpus = Corpus(name, list(bundled.texts), np.asarray(bundled.labels),
                        np.asarray(bundled.embeddings, dtype=np.float32))
    elif name == "20ng":
        records = _read_jsonl(data / "20ng.jsonl.gz")
        corpus = Corpus(name, [r["text"] for r in records],
                        np.asarray([r["label"] for r in records]),
                        np.load(data / "20ng.minilm.f16.npy").astype(np.float32))
    elif name == "simplewiki":
        records = _read_jsonl(data / "simplewiki_leads.jsonl.gz")
        vectors = np.load(data / "simplewiki_leads.minilm.f16.npy", mmap_mode="r")
        rows = np.sort(np.random.default_rng(0).choice(len(records), SIMPLEWIKI_SIZE,
                                                       replace=False))
        corpus = Corpus(name, [records[i]["text"] for i in rows], None,
                        np.asarray(vectors[rows], dtype=np.float32))
    else:
        records = _read_jsonl(Path(name))
        if embeddings is not None:
            vectors = np.load(embeddings)
        else:
            from bertopic_saetm.text.embedders import embed, load_default_embedder

            vectors = embed(load_default_embedder(), [r["text"] for r in records])
        labels = np.asarray([r["label"] for r in records]) if "label" in records[0] else None
        corpus = Corpus(Path(name).stem, [r["text"] for r in records], labels,
                        np.asarray(vectors, dtype=np.float32))
    return sample(corpus, size)


def add_corpus_arguments(parser: argparse.ArgumentParser, many: bool = False) -> None:
    """``--data``, ``--corpus`` (or ``--corpora`` with ``many``), ``--sample`` and ``--k``."""
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder holding 20ng.jsonl.gz (default: ../shared/data from the "
                             "repository root)")
    if many:
        parser.add_argument("--corpora", default="20ng,bundled",
                            help="comma-separated: " + ", ".join(NAMED) + " or FILE.jsonl")
    else:
        parser.add_argument("--corpus", default="20ng",
                            help=", ".join(NAMED) + " or FILE.jsonl (default 20ng)")
    parser.add_argument("--sample", type=int, help="a random sample of this many documents")
    parser.add_argument("--k", help="comma-separated K (default per corpus: " + "; ".join(
        f"{n} {','.join(map(str, ks))}" for n, ks in DEFAULT_KS.items()) + ")")


def corpus_ks(name: str, k: str | None, defaults: dict | None = None) -> list[int]:
    """``--k`` if given, else the corpus' default K values (``defaults`` first, then
    ``DEFAULT_KS``; 20,50,100,200 for a corpus named in neither)."""
    if k:
        return [int(v) for v in k.split(",")]
    table = {**DEFAULT_KS, **(defaults or {})}
    return list(table.get(name, DEFAULT_KS["20ng"]))
