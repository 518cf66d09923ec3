"""SAE-TM against the topic models users would pick instead, on the same embeddings,
vocabulary and metric code, in one run.

    python benchmarks/compare_peers.py [--corpus 20ng|bundled|simplewiki|FILE.jsonl]
        [--data ../shared/data] [--models saetm,bertopic,...] [--k 20,50,100,200]
        [--seeds 0,1,2] [--no-cv] [-o benchmarks/results/compare_peers_20ng.json]
        [--sae-config '{"kmeans_init": 0.5}'] [--resume [--refit saetm]]

Every fit runs in a fresh process (SAE-TM: the fit and its re-topics). ``peak_mb`` is the
growth of that process's resident memory during the timed fit, sampled every 20 ms, on top
of the loaded corpus. BERTopic's UMAP is run once on 5,000 documents before its timed fit so
that numba compilation is not counted (SAE-TM's kernels are cached on disk). ``--resume``
keeps earlier rows, so seeds or K values can be added run by run; ``--refit MODELS`` with it
drops the earlier rows of those models and fits them again (the others keep their rows and
the stamp of the run that measured them), so a change to SAE-TM is measured against the
same peer rows.

Corpus (``benchmarks/corpora.py``): 20 Newsgroups with its precomputed all-MiniLM-L6-v2
embeddings (``--data``, default ../shared/data), ``--corpus bundled`` (the bundled Python
docstrings, labels = their library area), ``--corpus simplewiki`` (20,000 Simple English
Wikipedia leads, no labels: no purity), or ``--corpus FILE.jsonl`` (a "text" field per line;
embedded with the bundled MiniLM, labels from a "label" field when present). ``--sample N``
keeps a random N documents. Every model gets the same embedding array; fit times exclude
embedding. Writes one stamped result file (``benchmarks/common.py``;
default ``benchmarks/results/compare_peers_<corpus>.json``); ``python benchmarks/render.py``
turns the committed ones into the docs' tables and plots. A fit that fails is kept as a row
with its ``error`` text (a missing cell in the tables).

Needs ``pip install torch==2.13.0 -e ".[benchmark]"`` (matplotlib, turftopic); FASTopic is
optional (``pip install torch==2.13.0 fastopic``, then uninstall the torchvision it brings:
the benchmark gives FASTopic a stand-in for the download helper it imports).

A document's topic is each model's hard assignment: SAE-TM's main topic (``predict``, the
rule BERTopic's labels use), BERTopic's ``topics_`` (-1: outlier), the argmax of the
document-topic matrix for the others. Besides NPMI, C_V, TD and purity the table gives
coverage (the share of documents with a topic holding one of its top 10 words:
``evaluation.topic_coverage``), the share of documents in the largest topic other than -1
and the share labelled -1.

Models: saetm (standalone; fitted once per seed at the first K, re-topicked to the others),
saetm_bertopic (the BERTopic backends, re-topicked likewise), bertopic (UMAP + HDBSCAN,
nr_topics=K), bertopic_kmeans (UMAP + KMeans(K)), lda (scikit-learn, online, 10 passes, on
the same bag-of-words), keynmf and s3 (turftopic's KeyNMF and Semantic Signal Separation),
fastopic (if installed; slow on CPU).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
import traceback
from pathlib import Path

import numpy as np
from common import RESULTS, PeakMemory, Result, in_fresh_process, parse_ints, stop_joblib_workers
from corpora import DEFAULT_DATA, NAMED, add_corpus_arguments, corpus_ks, load_corpus

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

ALL_MODELS = ("saetm", "saetm_bertopic", "bertopic", "bertopic_kmeans", "lda", "keynmf", "s3",
              "fastopic")


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


def _fit_row(k, model, assignments, seconds, memory, retopic) -> dict:
    return {"k": k, "topics": topic_words(model, 25), "assignments": assignments,
            "fit_s": seconds, "peak_mb": memory, "retopic": retopic}


def fit_job(corpus: dict, name, ks, seed, sae_config=None) -> list[dict]:
    """Fit one model (every K for SAE-TM, one K for a peer) in this fresh process.

    Returns, per K: top-25 words, main topic per document, fit seconds and peak memory
    (growth of resident memory during the timed fit, after the corpus is loaded), or the
    ``error`` text of a fit or re-topic that failed.
    """
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    data = load_corpus(**corpus)
    docs, embeddings = data.docs, data.embeddings
    _warm_up(name, embeddings, seed)
    if name.startswith("saetm"):
        runs = run_saetm(docs, embeddings, ks, seed, name == "saetm_bertopic", sae_config)
        out = []
        try:
            with PeakMemory() as memory:  # the fit happens at the first K
                k, model, assignments, seconds, retopic = next(runs)
            out.append(_fit_row(k, model, assignments, seconds, memory.mb, retopic))
            for k, model, assignments, seconds, retopic in runs:
                out.append(_fit_row(k, model, assignments, seconds, None, retopic))
        except Exception as error:  # the K that failed and every K after it
            failed = ks[len(out):]
            text = f"{type(error).__name__}: {error}"
            logging.getLogger("compare_peers").warning("%s at K=%s: %s", name, failed[0],
                                                       traceback.format_exc())
            out += [{"k": k, "error": text, "retopic": bool(out)} for k in failed]
        return out
    vectorizer = default_vectorizer()
    counts = vectorizer.fit_transform(docs)
    vocabulary = vectorizer.get_feature_names_out()
    (k,) = ks
    tick = time.perf_counter()
    try:
        with PeakMemory() as memory:
            model, assignments = fit_peer(name, docs, embeddings, counts, vocabulary, k, seed)
    except Exception as error:
        return [{"k": k, "error": f"{type(error).__name__}: {error}", "retopic": False}]
    out = [_fit_row(k, model, assignments, time.perf_counter() - tick, memory.mb, False)]
    stop_joblib_workers()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser)
    parser.add_argument("--models", default="saetm,bertopic,bertopic_kmeans,keynmf",
                        help="comma-separated, of " + ", ".join(ALL_MODELS))
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--no-cv", action="store_true", help="skip C_V")
    parser.add_argument("--sae-config", type=json.loads, default=None,
                        help="SAE-TM's SAETrainingConfig fields, JSON (default: its defaults)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the rows of an earlier result file and skip what they cover")
    parser.add_argument("--refit", default="",
                        help="with --resume: comma-separated models whose earlier rows are "
                             "dropped and fitted again")
    parser.add_argument("-o", "--out", type=Path,
                        help="result file (default benchmarks/results/compare_peers_"
                             "<corpus>[_<sample>].json)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    models = args.models.split(",")
    unknown = set(models) - set(ALL_MODELS)
    if unknown:
        parser.error(f"unknown models {sorted(unknown)}; choose from {ALL_MODELS}")
    corpus_name = args.corpus if args.corpus in NAMED else Path(args.corpus).stem
    ks = corpus_ks(args.corpus, args.k)
    seeds = parse_ints(args.seeds)
    out = args.out or RESULTS / (f"compare_peers_{corpus_name}"
                                 + (f"_{args.sample}" if args.sample else "") + ".json")
    params = {"models": models, "k": ks, "seeds": seeds, "sample": args.sample,
              "sae_config": args.sae_config, "c_v": not args.no_cv,
              "data": None if args.data == DEFAULT_DATA else str(args.data)}
    refit = {name for name in args.refit.split(",") if name}
    if refit and not args.resume:
        parser.error("--refit drops rows of an earlier result file: use it with --resume")
    result = Result(out, "compare_peers", corpus_name, params, resume=args.resume)
    result.rows = [row for row in result.rows if row["model"] not in refit]
    done = {(r["model"], r["k"], r["seed"]) for r in result.rows}

    corpus = load_corpus(args.corpus, args.data, args.sample)
    docs, labels, embeddings = corpus.docs, corpus.labels, corpus.embeddings
    result.head["params"]["n_documents"] = len(docs)
    vocabulary = default_vectorizer().fit(docs).get_feature_names_out()
    reference = ReferenceCorpus.from_documents(docs, vocabulary, default_vectorizer())
    print(f"{len(docs)} documents, embeddings {embeddings.shape}, vocabulary {len(vocabulary)}; "
          f"models {models}, K {ks}, seeds {seeds}, SAE-TM sae_config {args.sae_config}; "
          f"writing {out}", flush=True)
    spec = {"name": args.corpus, "data": args.data, "size": args.sample, "embeddings": None}
    if args.corpus not in NAMED:  # embed once; every fit process reads the array
        spec["embeddings"] = out.with_suffix(".embeddings.npy")
        np.save(spec["embeddings"], embeddings)
    topics = []  # (row, top words) of this run, for C_V at the end
    for seed in seeds:
        for name in models:
            groups = [ks] if name.startswith("saetm") else [[k] for k in ks]
            for group in groups:
                if all((name, k, seed) in done for k in group):
                    continue
                for fit in in_fresh_process(fit_job, spec, name, group, seed,
                                            args.sae_config):
                    row = {"model": name, "k": fit["k"], "seed": seed,
                           "retopic": fit["retopic"]}
                    if "error" in fit:
                        row["error"] = fit["error"]
                    else:
                        scores = evaluate(fit["topics"], reference=reference, labels=labels,
                                          assignments=fit["assignments"], c_v=False)
                        row.update({"fit_s": fit["fit_s"], "peak_mb": fit["peak_mb"],
                                    "n_topics": len(fit["topics"]), **scores,
                                    **topic_shares(fit["assignments"])})
                        # Top words kept (not in the file) so C_V is scored in one pass.
                        topics.append((row, fit["topics"]))
                    print(json.dumps(row), flush=True)
                    result.add(row)
    if not args.no_cv and topics:
        add_c_v(topics, reference)
        result.write()
    print(f"wrote {out}; tables and plots: python benchmarks/render.py")


def add_c_v(topics, reference) -> None:
    """C_V of every (row, top words) pair, in one pass over the reference corpus.

    gensim's C_V slides a 110-word window over the whole corpus for each call (a minute
    per model on 20 Newsgroups); scoring the topics of all rows together pays that once.
    """
    print(f"C_V of {sum(len(t) for _, t in topics)} topics ({len(topics)} rows)", flush=True)
    values = coherence([t for _, words in topics for t in words], reference, "c_v")
    start = 0
    for row, words in topics:
        row["c_v"] = float(np.nanmean(values[start : start + len(words)]))
        start += len(words)


if __name__ == "__main__":
    main()
