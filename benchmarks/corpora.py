"""The corpora every maintained benchmark reads, by name.

``20ng``: 20 Newsgroups (``20ng.jsonl.gz`` + ``20ng.minilm.f16.npy`` in ``--data``; labels =
newsgroups). ``bundled``: the Python docstrings shipped with the package (labels = library
area). ``simplewiki``: short texts, a fixed random 20,000 of the Simple English Wikipedia
leads in ``--data`` (seed 0, no labels). Two very short corpora, for the short-text checks of
topic quality, cut from the same files and embedded with the bundled MiniLM (cached
under ``benchmarks/results/``, named by a digest of the texts): ``20ng-short``, the first
220 characters (cut at a word) of a fixed random 8,000 of the 20 Newsgroups posts of at
least 80 characters (labels = newsgroups; about 12 vocabulary words a document), and
``simplewiki-sentences``, the first sentence of a fixed random 10,000 leads outside the
20,000 of ``simplewiki`` (one-sentence definitions, no labels; about 5 words).

Any other name is a JSONL file with a "text" field a line (labels from "label" when
present), embedded with the bundled MiniLM. ``--sample N`` keeps a random N documents (seed
0) of any of them.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from common import ROOT  # also puts this checkout's package first on sys.path

# ../shared/data relative to the repository root.
DEFAULT_DATA = ROOT.parent / "shared" / "data"
SIMPLEWIKI_SIZE = 20_000
NAMED = ("20ng", "bundled", "simplewiki", "20ng-short", "simplewiki-sentences")
SHORT_SIZES = {"20ng-short": 8_000, "simplewiki-sentences": 10_000}
CACHE = ROOT / "benchmarks" / "results"
# The K values each corpus is scored at unless --k is given.
DEFAULT_KS = {"20ng": (20, 50, 100, 200), "bundled": (15, 30, 60, 120),
              "simplewiki": (20, 50, 100, 200), "20ng-short": (10, 20, 50, 100),
              "simplewiki-sentences": (20, 50, 100, 200)}


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


def _simplewiki_rows(n_records: int) -> np.ndarray:
    """The rows of the leads file that make ``simplewiki`` (seed 0), sorted."""
    return np.sort(np.random.default_rng(0).choice(n_records, SIMPLEWIKI_SIZE, replace=False))


def _first_sentence(text: str) -> str:
    # A sentence ends at ". " after a lower-case letter, digit or bracket, so that
    # abbreviations such as "U.S. " and initials do not cut it.
    return re.split(r"(?<=[a-z0-9)])\.\s", text, maxsplit=1)[0].strip().rstrip(".") + "."


def _short_corpus(name: str, data: Path) -> Corpus:
    rng = np.random.default_rng(1)
    if name == "20ng-short":
        records = [r for r in _read_jsonl(data / "20ng.jsonl.gz")
                   if len(" ".join(r["text"].split())) >= 80]
        rows = np.sort(rng.choice(len(records), SHORT_SIZES[name], replace=False))
        docs = []
        for i in rows:
            text = " ".join(records[i]["text"].split())[:220]
            docs.append(text[:text.rfind(" ")])
        labels = np.asarray([records[i]["label"] for i in rows])
    else:
        records = _read_jsonl(data / "simplewiki_leads.jsonl.gz")
        taken = set(_simplewiki_rows(len(records)).tolist())
        free = np.asarray([i for i in range(len(records)) if i not in taken])
        rows = np.sort(rng.choice(free, SHORT_SIZES[name], replace=False))
        docs, labels = [_first_sentence(records[i]["text"]) for i in rows], None
    return Corpus(name, docs, labels, _cached_embeddings(name, docs))


def _cached_embeddings(name: str, docs: list[str]) -> np.ndarray:
    digest = hashlib.sha1("\n".join(docs).encode()).hexdigest()[:12]
    path = CACHE / f"{name}.{digest}.minilm.npy"
    if path.exists():
        vectors = np.load(path)
        if vectors.shape[0] != len(docs):
            raise ValueError(f"{path} holds {vectors.shape[0]} rows for {len(docs)} documents.")
        return vectors
    from bertopic_saetm.text.embedders import embed, load_default_embedder

    vectors = embed(load_default_embedder(), docs)
    np.save(path, vectors)
    return vectors


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
    elif name in SHORT_SIZES:
        corpus = _short_corpus(name, data)
    elif name == "simplewiki":
        records = _read_jsonl(data / "simplewiki_leads.jsonl.gz")
        vectors = np.load(data / "simplewiki_leads.minilm.f16.npy", mmap_mode="r")
        rows = _simplewiki_rows(len(records))
        corpus = Corpus(name, [records[i]["text"] for i in rows], None,
                        np.asarray(vectors[rows], dtype=np.float32))
    else:
        records = _read_jsonl(Path(name))
        if embeddings is not None:
            vectors = np.load(embeddings)
            if vectors.ndim != 2 or len(vectors) != len(records):
                raise ValueError(f"{embeddings} holds an array of shape {vectors.shape}; "
                                 f"{name} has {len(records)} documents, one row each.")
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
