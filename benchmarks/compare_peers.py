"""SAE-TM against the topic models users would pick instead, on the same embeddings,
vocabulary and metric code, in one run.

    python benchmarks/compare_peers.py [--models saetm,bertopic,...] [--k 20,50,100,200]
                                       [--seeds 0,1,2] [--no-cv] [-o results/compare_peers]
                                       [--sae-config '{"kmeans_init": 0.5}']

Every fit runs in a fresh process (SAE-TM: the fit and its re-topics). ``peak_mb`` is the
growth of that process's resident memory during the timed fit, sampled every 20 ms, on top
of the loaded corpus. BERTopic's UMAP is run once on 5,000 documents before its timed fit so
that numba compilation is not counted (SAE-TM's kernels are cached on disk). ``--resume``
keeps earlier rows, so seeds or K values can be added run by run.

Corpus: 20 Newsgroups with its precomputed all-MiniLM-L6-v2 embeddings (../shared/data),
``--corpus bundled`` (the bundled Python docstrings, labels = their library area), or
``--corpus FILE.jsonl`` (a "text" field per line; embedded with the bundled MiniLM, labels
from a "label" field when present). ``--sample N`` keeps a random N documents of 20
Newsgroups or the bundled corpus. Every model gets the same embedding array; fit times
exclude embedding. Writes ``results.json``, ``table.md`` and ``quality_vs_k.png``.

Needs ``pip install torch==2.13.0 -e ".[benchmark]"`` (matplotlib, turftopic); FASTopic is
optional (``pip install torch==2.13.0 fastopic``, then uninstall the torchvision it brings:
the benchmark gives FASTopic a stand-in for the download helper it imports).

A document's topic is each model's hard assignment: SAE-TM's main topic (``predict``, the
rule BERTopic's labels use), BERTopic's ``topics_`` (-1: outlier), the argmax of the
document-topic matrix for the others. Besides NPMI, C_V, TD and purity the table gives the
share of documents in the largest topic other than -1 and the share labelled -1.

Models: saetm (standalone; fitted once per seed at the first K, re-topicked to the others),
saetm_bertopic (the BERTopic backends, re-topicked likewise), bertopic (UMAP + HDBSCAN,
nr_topics=K), bertopic_kmeans (UMAP + KMeans(K)), lda (scikit-learn, online, 10 passes, on
the same bag-of-words), keynmf and s3 (turftopic's KeyNMF and Semantic Signal Separation),
fastopic (if installed; slow on CPU).
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import itertools
import json
import logging
import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import psutil
from dictionary_size import sample

from bertopic_saetm import SAETopicModel
from bertopic_saetm.evaluation import (
    ReferenceCorpus,
    coherence,
    evaluate,
    topic_shares,
    topic_words,
)
from bertopic_saetm.sae import SAETrainingConfig
from bertopic_saetm.text.vocabulary import default_vectorizer

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ALL_MODELS = ("saetm", "saetm_bertopic", "bertopic", "bertopic_kmeans", "lda", "keynmf", "s3",
              "fastopic")


class PeakMemory:
    """Peak resident memory above the starting point, sampled every 20 ms."""

    def __enter__(self):
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


def load_corpus(args):
    if args.corpus is not None and str(args.corpus) == "bundled":
        from bertopic_saetm.datasets import load_python_docs

        corpus = load_python_docs()
        return sample(list(corpus.texts), np.asarray(corpus.labels),
                      np.asarray(corpus.embeddings), getattr(args, "sample", None))
    if args.corpus is None:
        with gzip.open(args.data / "20ng.jsonl.gz", "rt") as f:
            records = [json.loads(line) for line in f]
        embeddings = np.load(args.data / "20ng.minilm.f16.npy").astype(np.float32)
    else:
        with open(args.corpus) as f:
            records = [json.loads(line) for line in f if line.strip()]
        cached = getattr(args, "embeddings", None)
        if cached is not None:  # a fit process reads what the main process embedded
            embeddings = np.load(cached)
        else:
            from bertopic_saetm.text.embedders import embed, load_default_embedder

            embeddings = embed(load_default_embedder(), [r["text"] for r in records])
    labels = np.asarray([r["label"] for r in records]) if "label" in records[0] else None
    return sample([r["text"] for r in records], labels, embeddings, getattr(args, "sample", None))


def _words_from_components(components, vocabulary, top_n=25):
    order = np.argsort(-components, axis=1)[:, :top_n]
    return [[str(vocabulary[j]) for j in row] for row in order]


def run_saetm(docs, embeddings, ks, seed, via_bertopic, sae_config: dict | None = None):
    """Fit once at ks[0]; re-topic to every K. Yields (K, topics-or-model, assignments, s).

    ``sae_config``: SAETrainingConfig fields other than the defaults (``--sae-config``)."""
    config = SAETrainingConfig(**sae_config) if sae_config else None
    model = SAETopicModel(n_topics=ks[0], random_state=seed, sae_config=config)
    if via_bertopic:
        from bertopic_saetm.backends import SAETMBackend, set_n_topics

        backend = SAETMBackend(model)
        tick = time.perf_counter()
        topic_model = backend.bertopic(docs)
        topic_model.fit_transform(docs, embeddings)
        fit = time.perf_counter() - tick
        for i, k in enumerate(ks):
            tick = time.perf_counter()
            if i:
                set_n_topics(topic_model, k)
            seconds = fit if i == 0 else time.perf_counter() - tick
            yield k, topic_model, np.asarray(topic_model.topics_), seconds, i > 0
        return
    tick = time.perf_counter()
    model.fit(docs, embeddings)
    fit = time.perf_counter() - tick
    for i, k in enumerate(ks):
        tick = time.perf_counter()
        if i:
            model.set_n_topics(k)
        seconds = fit if i == 0 else time.perf_counter() - tick
        yield k, model, model.predict(embeddings=embeddings), seconds, i > 0


def _torchvision_stand_in() -> None:
    # FASTopic's topmost imports torchvision only for dataset downloads, and the torchvision
    # pip pairs with torch 2.13 breaks sentence-transformers: without torchvision, give
    # topmost a module whose download function refuses (nothing is downloaded here).
    import importlib.machinery
    import importlib.util
    import sys
    import types

    if importlib.util.find_spec("torchvision") is not None:
        return
    # transformers records once, at import, whether torchvision exists: let it see none.
    import transformers  # noqa: F401

    def download_url(*args, **kwargs):
        raise RuntimeError("downloads are not available in the benchmark")

    for name in ("torchvision", "torchvision.datasets", "torchvision.datasets.utils"):
        module = sys.modules.setdefault(name, types.ModuleType(name))
        module.__spec__ = importlib.machinery.ModuleSpec(name, None)
    sys.modules["torchvision.datasets.utils"].download_url = download_url


def fit_peer(name, docs, embeddings, counts, vocabulary, k, seed):
    """Fit one peer at K; returns (topics as lists of words, assignments)."""
    if name in ("bertopic", "bertopic_kmeans"):
        from bertopic import BERTopic
        from sklearn.cluster import KMeans
        from umap import UMAP

        umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                    random_state=seed)
        extra = ({"nr_topics": k} if name == "bertopic" else
                 {"hdbscan_model": KMeans(k, n_init=10, random_state=seed)})
        topic_model = BERTopic(umap_model=umap, vectorizer_model=default_vectorizer(),
                               top_n_words=25, **extra)
        topics, _ = topic_model.fit_transform(docs, embeddings)
        return topic_model, np.asarray(topics)
    if name == "lda":
        from sklearn.decomposition import LatentDirichletAllocation

        lda = LatentDirichletAllocation(k, learning_method="online", max_iter=10,
                                        random_state=seed)
        doc_topic = lda.fit_transform(counts)
        return _words_from_components(lda.components_, vocabulary), doc_topic.argmax(axis=1)
    if name in ("keynmf", "s3"):
        from turftopic import KeyNMF, SemanticSignalSeparation

        from bertopic_saetm.text.embedders import load_default_embedder

        peer = KeyNMF if name == "keynmf" else SemanticSignalSeparation
        model = peer(k, encoder=load_default_embedder(), vectorizer=default_vectorizer(),
                     random_state=seed)
        doc_topic = model.fit_transform(docs, embeddings=embeddings)
        words = model.get_vocab()
        return _words_from_components(model.components_, words), doc_topic.argmax(axis=1)
    if name == "fastopic":
        _torchvision_stand_in()
        from fastopic import FASTopic

        class Precomputed:  # FASTopic asks its encoder only for documents we embedded
            def encode(self, texts, **_):
                raise RuntimeError("embeddings are precomputed")

        class SharedVocabulary:  # FASTopic's bag-of-words = the one every model gets
            def preprocess(self, texts):
                return {"train_bow": counts, "vocab": [str(w) for w in vocabulary]}

        model = FASTopic(k, preprocess=SharedVocabulary(), num_top_words=25,
                         doc_embed_model=Precomputed(), verbose=False)
        # 200 epochs (FASTopic's default) below K=100, 100 above, as in ../shared/NOTES.md.
        _, doc_topic = model.fit_transform(docs, epochs=200 if k < 100 else 100,
                                           preset_doc_embeddings=embeddings)
        return [list(model.get_topic(t, 25)) for t in range(k)], doc_topic.argmax(axis=1)
    raise ValueError(f"unknown model {name!r}")


def _warm_up(name, embeddings, seed) -> None:
    # UMAP compiles its numba kernels on first use (~30 s): a fresh process would charge
    # that to the timed fit, so BERTopic's dimensionality step is run once beforehand, on
    # 5,000 documents (below 4,096 UMAP skips the nearest-neighbour descent it uses later).
    if name in ("bertopic", "bertopic_kmeans"):
        from umap import UMAP

        UMAP(n_neighbors=15, n_components=5, metric="cosine", random_state=seed,
             n_epochs=20).fit(embeddings[:5000])


def fit_job(corpus_args, name, ks, seed, sae_config=None) -> list[dict]:
    """Fit one model (every K for SAE-TM, one K for a peer) in this fresh process.

    Returns, per K: top-25 words, main topic per document, fit seconds and peak memory
    (growth of resident memory during the timed fit, after the corpus is loaded).
    """
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    docs, _, embeddings = load_corpus(corpus_args)
    _warm_up(name, embeddings, seed)
    if name.startswith("saetm"):
        runs = run_saetm(docs, embeddings, ks, seed, name == "saetm_bertopic", sae_config)
        with PeakMemory() as memory:  # the fit happens at the first K
            first = next(runs)
        return [{"k": k, "topics": topic_words(model, 25), "assignments": assignments,
                 "fit_s": seconds, "peak_mb": None if retopic else memory.mb,
                 "retopic": retopic}
                for k, model, assignments, seconds, retopic in itertools.chain([first], runs)]
    vectorizer = default_vectorizer()
    counts = vectorizer.fit_transform(docs)
    vocabulary = vectorizer.get_feature_names_out()
    (k,) = ks
    tick = time.perf_counter()
    with PeakMemory() as memory:
        model, assignments = fit_peer(name, docs, embeddings, counts, vocabulary, k, seed)
    out = [{"k": k, "topics": topic_words(model, 25), "assignments": assignments,
            "fit_s": time.perf_counter() - tick, "peak_mb": memory.mb, "retopic": False}]
    # HDBSCAN leaves joblib's loky workers alive; this process could not exit (and the
    # pool not close) while they run.
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--models", default="saetm,saetm_bertopic,bertopic,bertopic_kmeans,lda")
    parser.add_argument("--k", default="20,50,100,200")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--no-cv", action="store_true", help="skip C_V")
    parser.add_argument("--sae-config", type=json.loads, default=None,
                        help="SAE-TM's SAETrainingConfig fields, JSON (default: its defaults)")
    parser.add_argument("--sample", type=int,
                        help="fit a random sample of this many documents (metrics on it)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the rows of an earlier results.json and skip what they cover")
    parser.add_argument("-o", "--out", type=Path, default=Path("results/compare_peers"))
    args = parser.parse_args()
    if args.sample and args.corpus is not None and str(args.corpus) != "bundled":
        parser.error("--sample works on 20 Newsgroups and the bundled corpus only")
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    models = args.models.split(",")
    unknown = set(models) - set(ALL_MODELS)
    if unknown:
        parser.error(f"unknown models {sorted(unknown)}; choose from {ALL_MODELS}")
    ks = [int(k) for k in args.k.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    results = args.out / "results.json"
    rows = json.loads(results.read_text()) if args.resume and results.exists() else []
    done = {(r["model"], r["k"], r["seed"]) for r in rows}

    docs, labels, embeddings = load_corpus(args)
    vocabulary = default_vectorizer().fit(docs).get_feature_names_out()
    reference = ReferenceCorpus.from_documents(docs, vocabulary, default_vectorizer())
    print(f"{len(docs)} documents, embeddings {embeddings.shape}, vocabulary {len(vocabulary)}; "
          f"models {models}, K {ks}, seeds {seeds}, SAE-TM sae_config {args.sae_config}",
          flush=True)
    corpus_args = argparse.Namespace(data=args.data, corpus=args.corpus, embeddings=None,
                                     sample=args.sample)
    if args.corpus is not None and str(args.corpus) != "bundled":
        corpus_args.embeddings = args.out / "embeddings.npy"
        np.save(corpus_args.embeddings, embeddings)
    # Every fit runs in a fresh process, so peak memory is that fit's own and no model
    # inherits another's caches or freed memory. (One single-use pool per fit: a pool with
    # max_tasks_per_child can hang when it replaces its worker, CPython gh-115634.)
    context = multiprocessing.get_context("spawn")
    for seed in seeds:
        for name in models:
            groups = [ks] if name.startswith("saetm") else [[k] for k in ks]
            for group in groups:
                if all((name, k, seed) in done for k in group):
                    continue
                with ProcessPoolExecutor(1, mp_context=context) as pool:
                    fits = pool.submit(fit_job, corpus_args, name, group, seed,
                                       args.sae_config).result()
                for fit in fits:
                    scores = evaluate(fit["topics"], reference=reference, labels=labels,
                                      assignments=fit["assignments"], c_v=False)
                    row = {"model": name, "k": fit["k"], "seed": seed, "fit_s": fit["fit_s"],
                           "peak_mb": fit["peak_mb"], "retopic": fit["retopic"], **scores,
                           **topic_shares(fit["assignments"]), "topics": fit["topics"]}
                    rows.append(row)
                    print(json.dumps({k: v for k, v in row.items() if k != "topics"}),
                          flush=True)
                    # Top words are kept so metrics can be recomputed without refits.
                    results.write_text(json.dumps(rows, indent=1))
    if not args.no_cv:
        add_c_v(rows, reference)
        results.write_text(json.dumps(rows, indent=1))
    write_report(rows, args.out)


def add_c_v(rows, reference) -> None:
    """C_V of every row without it, in one pass over the reference corpus.

    gensim's C_V slides a 110-word window over the whole corpus for each call (a minute
    per model on 20 Newsgroups); scoring the topics of all rows together pays that once.
    """
    todo = [r for r in rows if r.get("c_v") is None]
    if not todo:
        return
    print(f"C_V of {sum(len(r['topics']) for r in todo)} topics ({len(todo)} rows)", flush=True)
    values = coherence([t for r in todo for t in r["topics"]], reference, "c_v")
    start = 0
    for row in todo:
        row["c_v"] = float(np.nanmean(values[start : start + len(row["topics"])]))
        start += len(row["topics"])


def compact_table(rows, names, ks) -> list[str]:
    """One line per model: each metric at every K (mean over seeds), times, memory."""
    seeds = sorted({r["seed"] for r in rows})
    header = "/".join(str(k) for k in ks)
    lines = [f"Seeds {', '.join(map(str, seeds))}; values at K = {header}, mean over seeds; "
             "fit s at each K (SAE-TM: the full fit at the first K, then the range of "
             "re-topic times).", "",
             "| model | NPMI | C_V | TD@25 | purity | largest % | -1 % | fit s | peak MB |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name in names:
        def at(metric, k, name=name):
            values = [r[metric] for r in rows if r["model"] == name and r["k"] == k
                      and r.get(metric) is not None]
            return np.mean(values) if values else None

        def series(metric, digits, scale=1.0):
            return " / ".join("-" if at(metric, k) is None
                              else f"{scale * at(metric, k):.{digits}f}" for k in ks)

        retopic = [r["fit_s"] for r in rows if r["model"] == name and r["retopic"]]
        fit = at("fit_s", ks[0])
        fit_cell = "-" if fit is None else f"{fit:.1f}"
        if retopic:
            fit_cell += f" (re-topic {min(retopic):.1f}-{max(retopic):.1f})"
        elif len(ks) > 1:
            fit_cell = series("fit_s", 1)
        peak = [r["peak_mb"] for r in rows if r["model"] == name and r["peak_mb"] is not None]
        peak_cell = f"{max(peak):.0f}" if peak else "-"
        lines.append(f"| {name} | {series('npmi', 3)} | {series('c_v', 3)} | "
                     f"{series('td25', 2)} | {series('purity', 2)} | "
                     f"{series('largest', 1, 100)} | {series('outliers', 1, 100)} | "
                     f"{fit_cell} | {peak_cell} |")
    return lines


def write_report(rows, out: Path) -> None:
    ks = sorted({r["k"] for r in rows})
    metrics = ["npmi", "c_v", "td25", "td10", "quality", "purity", "nmi", "largest",
               "outliers", "fit_s", "peak_mb"]
    names = list(dict.fromkeys(r["model"] for r in rows))
    lines = [f"Run {datetime.date.today().isoformat()}; mean over seeds; fit_s of saetm rows "
             "after the first K is the re-topic time.", "",
             "| model | K | " + " | ".join(metrics) + " |",
             "|---|---|" + "---|" * len(metrics)]
    summary = {}
    for name in names:
        for k in ks:
            group = [r for r in rows if r["model"] == name and r["k"] == k]
            if not group:
                continue
            cells = []
            for metric in metrics:
                values = [r[metric] for r in group if r.get(metric) is not None]
                cells.append(f"{np.mean(values):.3f}" if values and metric not in
                             ("fit_s", "peak_mb") else f"{np.mean(values):.1f}" if values
                             else "")
            summary[(name, k)] = {m: np.mean([r[m] for r in group if r.get(m) is not None])
                                  for m in ("npmi", "td25") if any(r.get(m) is not None
                                                                   for r in group)}
            lines.append(f"| {name} | {k} | " + " | ".join(cells) + " |")
    lines = compact_table(rows, names, ks) + ["", "Every model and K:", ""] + lines
    (out / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot")
        return
    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    for name in names:
        present = [k for k in ks if (name, k) in summary]
        for axis, metric in zip(axes, ("npmi", "td25"), strict=True):
            axis.plot(present, [summary[(name, k)][metric] for k in present], marker="o",
                      label=name)
            axis.set_xscale("log")
            axis.minorticks_off()  # log-scale minor labels would overlap the K ticks
            axis.set_xticks(ks, [str(k) for k in ks])
            axis.set_xlabel("number of topics K")
            axis.set_ylabel(metric.upper())
    # Below the plots: inside either axis the legend hides some model's line.
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=len(names), frameon=False)
    figure.tight_layout(rect=(0, 0.08, 1, 1))
    figure.savefig(out / "quality_vs_k.png", dpi=120)


if __name__ == "__main__":
    main()
