"""Fit time of SAE-TM against BERTopic's default, on the same embeddings, at several sizes.

    python benchmarks/fit_speed.py [--sizes bundled,20ng:5000,20ng,simplewiki,200k]
        [--data ../shared/data] [--only bertopic,saetm] [--no-backend] [--no-extras]
        [--sae-tm-params '{"sae_config": {"kmeans_init": 0.5}}'] [--bertopic-limit 600]
        [-o benchmarks/results/fit_speed.json]

Sizes (``benchmarks/corpora.py``): a corpus name (``bundled``, 1,576 Python docstrings;
``20ng``, 18,846 documents; ``simplewiki``, 20,000 short Wikipedia leads), ``NAME:N`` for a
random N of it, and ``200k``: 20 Newsgroups replicated 11 times (207,306 documents; each
copy's embeddings get a little Gaussian noise, and the whole array is a memory-mapped
``.npy``, as a user with a large corpus would pass it). Every fit runs in a fresh process:
BERTopic() with every default (UMAP + HDBSCAN + c-TF-IDF), after UMAP's numba kernels are
compiled on 5,000 documents outside the timed fit; SAE-TM with its defaults
(SAETopicModel(n_topics=50)), after a 20-step SAE on 500 documents outside the timed fit
(torch's one-time start-up), on its own and as BERTopic's backend
(``SAETMBackend(model).bertopic(docs)``, what a BERTopic user runs). Then, unless
``--no-extras``, re-topic times (standalone and through BERTopic) on 20 Newsgroups and the
vocabulary word-vector time of a first and a second fit with ``atom_space="words"``.
``--bertopic-limit`` stops a BERTopic default fit that runs longer and reports the ratio as
an upper bound. Writes a stamped result file (``benchmarks/common.py``); ``python
benchmarks/render.py`` makes the docs' table and the log-log plot of fit time against size.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import queue
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np
from common import RESULTS, Result, stop_joblib_workers
from corpora import DEFAULT_DATA, load_corpus

REPLICAS = 11


def load_size(size: str, data: Path, scratch: Path):
    """(documents, embeddings) of one benchmark size; 200k embeddings are memory-mapped."""
    if size != "200k":
        name, _, n = size.partition(":")
        corpus = load_corpus(name, data, int(n) if n else None)
        return corpus.docs, corpus.embeddings
    corpus = load_corpus("20ng", data)
    docs, embeddings = corpus.docs, corpus.embeddings
    path = scratch / "replicated.npy"
    if not path.exists():
        rng = np.random.default_rng(0)
        out = np.lib.format.open_memmap(path, "w+", np.float32,
                                        (REPLICAS * len(docs), embeddings.shape[1]))
        for r in range(REPLICAS):
            noisy = embeddings + rng.normal(0, 0.02, embeddings.shape) if r else embeddings.copy()
            noisy /= np.linalg.norm(noisy, axis=1, keepdims=True).clip(1e-12)
            out[r * len(docs):(r + 1) * len(docs)] = noisy
        out.flush()
        del out
    return docs * REPLICAS, np.load(path, mmap_mode="r")


def fit_bertopic(docs, embeddings) -> dict:
    from bertopic import BERTopic
    from umap import UMAP

    UMAP(n_components=5, metric="cosine", n_epochs=20).fit(np.asarray(embeddings[:5000]))
    tick = time.perf_counter()
    topic_model = BERTopic()
    topic_model.fit_transform(docs, np.asarray(embeddings))
    seconds = time.perf_counter() - tick
    stop_joblib_workers()
    return {"total": seconds, "topics": len(topic_model.get_topics()) - 1,
            "n_documents": len(docs)}


def fit_saetm(docs, embeddings, params: dict) -> dict:
    from bertopic_saetm import SAETopicModel
    from bertopic_saetm.sae import SAETrainingConfig, train_sae

    # As UMAP's numba kernels for BERTopic: torch's one-time start-up (the optimiser's first
    # step imports torch._dynamo, ~2 s) happens outside the timed fit.
    train_sae(np.asarray(embeddings[:500]), SAETrainingConfig(n_atoms=64, min_steps=20,
                                                              max_steps=20), random_state=0)
    tick = time.perf_counter()
    model = SAETopicModel(n_topics=50, random_state=0, **params).fit(docs, embeddings)
    stages = dict(model.fit_seconds_)
    stages["total"] = time.perf_counter() - tick
    return {**stages, "topics": model.n_topics_, "n_documents": len(docs)}


def fit_saetm_in_bertopic(docs, embeddings, params: dict, plain: bool = False) -> dict:
    """``backend.bertopic(docs)``, or with ``plain`` ``BERTopic(**backend.components(docs))``
    (SAE-TM's steps installed only at the first topic words, so BERTopic also counts the
    text for c-TF-IDF during the fit)."""
    from bertopic import BERTopic

    from bertopic_saetm import SAETopicModel
    from bertopic_saetm.backends import SAETMBackend
    from bertopic_saetm.sae import SAETrainingConfig, train_sae

    train_sae(np.asarray(embeddings[:500]), SAETrainingConfig(n_atoms=64, min_steps=20,
                                                              max_steps=20), random_state=0)
    tick = time.perf_counter()
    backend = SAETMBackend(SAETopicModel(n_topics=50, random_state=0, **params))
    topic_model = BERTopic(**backend.components(docs)) if plain else backend.bertopic(docs)
    topic_model.fit_transform(docs, embeddings)
    return {"total": time.perf_counter() - tick, "n_documents": len(docs)}


FITS = {"bertopic": fit_bertopic, "saetm": fit_saetm, "saetm-bertopic": fit_saetm_in_bertopic,
        "saetm-bertopic-plain": lambda docs, embeddings, params: fit_saetm_in_bertopic(
            docs, embeddings, params, plain=True)}
NAMES = {"saetm": "SAE-TM", "saetm-bertopic": "SAE-TM through BERTopic",
         "saetm-bertopic-plain": "SAE-TM through BERTopic(**components)"}


def job(results, kind: str, size: str, data: Path, scratch: Path, params: dict) -> None:
    logging.basicConfig(level=logging.WARNING)
    docs, embeddings = load_size(size, data, scratch)
    fit = FITS[kind]
    try:
        results.put(fit(docs, embeddings) if kind == "bertopic"
                    else fit(docs, embeddings, params))
    except Exception:  # report it: the parent waits on the queue
        results.put({"error": traceback.format_exc()})


def run(kind: str, size: str, args, scratch: Path, limit: float | None = None) -> dict | None:
    """One fit in a fresh process; None if it ran past ``limit`` seconds (then stopped)."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=job, args=(results, kind, size, args.data, scratch,
                                                args.sae_tm_params))
    process.start()
    try:
        result = results.get(timeout=limit)
        if "error" in result:
            raise RuntimeError(f"{kind} fit on {size} failed:\n{result['error']}")
        return result
    except queue.Empty:
        return None
    finally:
        process.terminate()
        process.join()


def retopic_times(data: Path, scratch: Path, params: dict) -> list[dict]:
    from bertopic_saetm import SAETopicModel
    from bertopic_saetm.backends import SAETMBackend, set_n_topics

    docs, embeddings = load_size("20ng", data, scratch)
    model = SAETopicModel(n_topics=50, random_state=0, **params).fit(docs, embeddings)
    rows = []
    for k in (20, 100, 200):
        tick = time.perf_counter()
        model.set_n_topics(k)
        rows.append({"kind": "retopic", "via": "standalone", "size": "20ng", "k": k,
                     "seconds": time.perf_counter() - tick})
        print(f"  re-topic standalone to {k}: {rows[-1]['seconds']:.2f} s")
    backend = SAETMBackend(SAETopicModel(n_topics=50, random_state=0, **params))
    topic_model = backend.bertopic(docs)
    topic_model.fit_transform(docs, embeddings)
    for k in (20, 100, 200):
        tick = time.perf_counter()
        set_n_topics(topic_model, k)
        rows.append({"kind": "retopic", "via": "through BERTopic", "size": "20ng", "k": k,
                     "seconds": time.perf_counter() - tick})
        print(f"  re-topic through BERTopic to {k}: {rows[-1]['seconds']:.2f} s")
    return rows


def word_vector_times(data: Path, scratch: Path) -> list[dict]:
    from bertopic_saetm import SAETopicModel

    docs, embeddings = load_size("20ng", data, scratch)
    rows = []
    for attempt in ("first", "second"):
        model = SAETopicModel(n_topics=50, random_state=0, atom_space="words")
        model.fit(docs, embeddings)
        rows.append({"kind": "word_vectors", "size": "20ng", "attempt": attempt,
                     "merge_s": model.fit_seconds_["merge"]})
        print(f"  {attempt} fit, atom_space='words': merge stage (vocabulary word vectors + "
              f"k-means) {model.fit_seconds_['merge']:.2f} s")
    return rows


def report(size: str, results: dict, limit: float | None) -> str:
    """One line: each fit's total (SAE-TM's stages) and the ratios to BERTopic default."""
    parts = []
    bertopic = results.pop("bertopic", "absent")
    if bertopic is None:
        parts.append(f"BERTopic default stopped after {limit:.0f} s (not finished)")
    elif bertopic != "absent":
        parts.append(f"BERTopic default {bertopic['total']:.1f} s ({bertopic['topics']} topics)")
    for kind, seconds in results.items():
        name = NAMES[kind]
        stages = ", ".join(f"{k} {v:.1f}" for k, v in seconds.items()
                           if k not in ("total", "topics", "n_documents"))
        text = f"{name} {seconds['total']:.1f} s" + (f" ({stages})" if stages else "")
        if bertopic is None:
            text += f", ratio < {seconds['total'] / limit:.2f}"
        elif bertopic != "absent":
            text += f", ratio {seconds['total'] / bertopic['total']:.2f}"
        parts.append(text)
    return f"{size}: " + "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder holding 20ng.jsonl.gz (default: ../shared/data from the "
                             "repository root)")
    parser.add_argument("--sizes", default="bundled,20ng:5000,20ng,simplewiki")
    parser.add_argument("--sae-tm-params", default="{}", type=json.loads,
                        help="extra SAETopicModel parameters, as JSON (sae_config: an "
                             "object of SAETrainingConfig fields)")
    parser.add_argument("--no-extras", action="store_true",
                        help="skip the re-topic and word-vector timings")
    parser.add_argument("--only", help="comma-separated fits to run of " + ", ".join(FITS)
                        + " (no ratio without bertopic), e.g. when one is too slow")
    parser.add_argument("--no-backend", action="store_true",
                        help="skip SAE-TM through BERTopic")
    parser.add_argument("--bertopic-limit", type=float, default=None,
                        help="stop BERTopic default after this many seconds (ratio as a bound)")
    parser.add_argument("-o", "--out", type=Path, default=RESULTS / "fit_speed.json",
                        help="result file (default benchmarks/results/fit_speed.json)")
    args = parser.parse_args()
    params = {"sizes": args.sizes.split(","), "sae_tm_params": dict(args.sae_tm_params),
              "only": args.only, "no_backend": args.no_backend, "extras": not args.no_extras,
              "bertopic_limit": args.bertopic_limit}
    if isinstance(args.sae_tm_params.get("sae_config"), dict):  # JSON fields -> the config
        from bertopic_saetm.sae import SAETrainingConfig

        args.sae_tm_params["sae_config"] = SAETrainingConfig(**args.sae_tm_params["sae_config"])
    unknown = set(args.only.split(",")) - set(FITS) if args.only else set()
    if unknown:
        parser.error(f"unknown fits {sorted(unknown)}; choose from {list(FITS)}")
    result = Result(args.out, "fit_speed", None, params)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        kinds = ("bertopic", "saetm") if args.no_backend else \
            ("bertopic", "saetm", "saetm-bertopic")
        for size in args.sizes.split(","):
            results = {}
            for kind in (args.only.split(",") if args.only else kinds):
                limit = args.bertopic_limit if kind == "bertopic" else None
                fit = run(kind, size, args, scratch, limit)
                results[kind] = fit
                if fit is None:
                    result.add({"kind": "fit", "model": kind, "size": size,
                                "n_documents": len(load_size(size, args.data, scratch)[0]),
                                "fit_s": None, "stopped_after": limit})
                    continue
                stages = {k: v for k, v in fit.items()
                          if k not in ("total", "topics", "n_documents")}
                result.add({"kind": "fit", "model": kind, "size": size,
                            "n_documents": fit["n_documents"], "fit_s": fit["total"],
                            "stages": stages or None, "topics": fit.get("topics")})
            print(report(size, {k: (None if v is None else {
                key: value for key, value in v.items() if key != "n_documents"})
                for k, v in results.items()}, args.bertopic_limit), flush=True)
        if not args.no_extras:
            print("re-topic (20 Newsgroups):")
            for row in retopic_times(args.data, scratch, args.sae_tm_params):
                result.add(row)
            print("vocabulary word vectors (20 Newsgroups):")
            for row in word_vector_times(args.data, scratch):
                result.add(row)
    print(f"wrote {args.out}; tables and plots: python benchmarks/render.py")


if __name__ == "__main__":
    main()
