"""SAE-TM fitted on a Dask cluster: every sum over documents where the documents live.

``SAETopicModel.fit(bag, embeddings)`` with a Dask bag of texts and a Dask array of their
embeddings (row chunks as long as the bag's partitions; they are rechunked to match when
they are not) runs here, through the same stages as the in-process fit:

=============  ===================================================================
vocabulary     candidate words counted per partition, reduced, filtered on the driver
               (:func:`~bertopic_saetm.text.vocabulary.frequent_columns`), then each
               partition read again and its bag-of-words counted on its worker
SAE            trained on the driver from minibatches read out of the Dask array
               (:class:`~bertopic_saetm.cluster.rows.DaskRows`), the in-memory batch
               order; then every block encoded by its worker
emission       the EM start reduced from per-block sums; each E-step on the blocks
               where they live, reduced there (the E-step kernel's statistics)
merge          per-atom sums (mass, firing counts, reconstructions, documents headed)
               reduced; the merge itself on the driver (atoms only)
=============  ===================================================================

The driver holds atoms x words and atoms x features arrays, never documents: the
bag-of-words and the mixtures stay on the workers, and leave them as soon as the sums that
need them are taken (:func:`fit_on_cluster`). Every sum over blocks is a
:func:`~bertopic_saetm.emission.statistics.map_reduce`. The same ``random_state`` gives the
model the in-process fit gives on the same data (up to the order of floating-point sums,
~1e-13; tested to 1e-10).
"""

from __future__ import annotations

import logging
import time

import numpy as np
from sklearn.base import clone

from ..emission.em import EmissionStart, idf_from_document_frequency, run_em
from ..emission.profiles import document_words, word_profiles
from ..emission.statistics import DaskStatistics
from ..emission.statistics import map_reduce as _map_reduce
from ..engine.timing import stopwatch
from ..engine.values import Emission, Encoding, FitResult, Vocabulary
from ..merge.background import background_from_sums
from ..merge.placement import centroids_from_sums
from ..sae import SAETrainingConfig, train_sae
from ..text.vocabulary import (
    MAX_FEATURES,
    MIN_DF,
    check_cluster_vectorizer,
    default_vectorizer,
    fixed_vectorizer,
    limit_features,
)
from ..text.vocabulary import frequent_columns as select_columns
from . import blocks
from .ranks import train_on_workers
from .rows import DaskRows, aligned_embeddings, default_client

logger = logging.getLogger(__name__)


def map_reduce(client, func, *columns, **kwargs):
    """Sum (:func:`blocks.add`) of ``func`` over the blocks, on the workers
    (:func:`~bertopic_saetm.emission.statistics.map_reduce`)."""
    return _map_reduce(client, blocks.add, func, *columns, **kwargs)


def shared(client, value):
    """``value`` sent once to every worker (a future the tasks take as an argument)."""
    return client.scatter(value, broadcast=True, hash=False)


def fit_vocabulary(client, documents, vectorizer=None):
    """The vocabulary of a corpus held as a Dask bag, and each partition's counts.

    The texts are read twice, by the tasks that count them, and never held all at once:
    a partition's texts leave its worker with the task that read them.

    Parameters
    ----------
    client : dask.distributed.Client
    documents : dask.bag.Bag of str
    vectorizer : sklearn.feature_extraction.text.CountVectorizer, optional
        Its words are counted per partition with its analyzer and filtered on the driver as
        its ``fit`` filters them (:func:`~bertopic_saetm.text.vocabulary.limit_features`);
        default: the paper's filtering.

    Returns
    -------
    words : ndarray of shape (n_words,), dtype object
    counts : list of futures of scipy.sparse.csr_matrix, one per partition
    lengths : list of int
        Documents per partition.
    fitted : vectorizer
        Fixed to ``words``.
    """
    import dask

    partitions = documents.to_delayed()
    if vectorizer is None:
        stats = [dask.delayed(blocks.word_statistics)(p) for p in partitions]
    else:
        check_cluster_vectorizer(vectorizer)
        analyzer = dask.delayed(vectorizer.build_analyzer(), traverse=False)
        stats = [dask.delayed(blocks.word_statistics)(p, analyzer) for p in partitions]
    stats = client.compute(stats)
    lengths = client.gather(client.map(_length, stats, pure=False))
    document_frequency, frequency, n_documents = map_reduce(client, _same, stats)
    del stats
    candidates = np.asarray(sorted(document_frequency), dtype=object)
    df = np.asarray([document_frequency[w] for w in candidates], dtype=np.int64)

    # The corpus frequency in the type scikit-learn sums the vectorizer's counts in, so that
    # ties in max_features break as its argsort breaks them.
    dtype = np.float64 if vectorizer is None else np.zeros(1, vectorizer.dtype).sum().dtype

    def corpus_frequency():
        if vectorizer is not None and vectorizer.binary:
            return df.astype(dtype)
        return np.asarray([frequency[w] for w in candidates], dtype=dtype)

    if vectorizer is None:
        selected = select_columns(df, corpus_frequency, MIN_DF, MAX_FEATURES)
        words = candidates[selected]
        fitted = fixed_vectorizer(default_vectorizer(), words)
    elif vectorizer.vocabulary is not None:  # a fixed vocabulary, kept whole
        fitted = clone(vectorizer).fit([])
        words = np.asarray(fitted.get_feature_names_out(), dtype=object)
    else:
        words = candidates[limit_features(vectorizer, df, corpus_frequency, n_documents)]
        fitted = fixed_vectorizer(vectorizer, words)
    if words.size == 0:
        raise ValueError(f"The corpus has no vocabulary words after filtering ({n_documents} "
                         "documents).")
    shared_words = dask.delayed(words, traverse=False)  # one key, not one copy per task
    shared_vectorizer = None if vectorizer is None else dask.delayed(fitted, traverse=False)
    counts = client.compute([dask.delayed(blocks.count_block)(p, shared_words,
                                                              shared_vectorizer)
                             for p in partitions])
    return words, counts, lengths, fitted


def _same(value):
    return value


def _length(statistics) -> int:
    return statistics[2]


def fit_on_cluster(engine, documents, embeddings, client=None) -> FitResult:
    """Run every stage of ``engine`` on a Dask cluster.

    What the workers hold shrinks as the fit goes: the texts until they are counted, the
    embedding rows until they are encoded, the counts and mixtures until every sum over
    documents but EM's is taken; while EM runs, each block's E-step chunk only
    (:func:`blocks.emission_chunk`, about 0.3 kB a document of 55 words and 10 atoms).

    Parameters
    ----------
    engine : FitEngine
    documents : dask.bag.Bag of str
    embeddings : dask.array.Array of shape (n_documents, n_features)
    client : dask.distributed.Client, optional
        Defaults to the current client.

    Returns
    -------
    FitResult
        Its ``vocabulary.counts`` and ``encoding.theta`` are None: they were never gathered.
    """
    client = default_client(client)
    if engine.vocabulary.vectorizer is not None:
        check_cluster_vectorizer(engine.vocabulary.vectorizer)
    if engine.encoding.sae is not None:
        sae = engine.encoding.pretrained()
    else:
        sae = None
    seconds: dict = {}
    started = time.perf_counter()
    if sae is not None:
        engine.check_embeddings(embeddings[:1].compute(), 1, sae)
    with stopwatch(seconds, "vocabulary"):
        words, counts, lengths, vectorizer = fit_vocabulary(client, documents,
                                                            engine.vocabulary.vectorizer)
        n_documents = int(sum(lengths))
        # Checked while the counts are computed, before the SAE trains.
        embeddings = aligned_embeddings(embeddings, lengths)
        engine.check_dictionary_size(sae, n_documents, embeddings.shape[1])
    vocabulary = Vocabulary(vectorizer, words, None)

    with stopwatch(seconds, "sae"):
        report = None
        if sae is None:
            stage = engine.encoding
            config = stage.config if stage.config is not None else SAETrainingConfig()
            if config.n_workers:
                sae, training = train_on_workers(client, embeddings, config,
                                                 stage.random_state, stage.verbose)
            else:
                sae, training = train_sae(DaskRows(embeddings), config, stage.random_state,
                                          stage.verbose)
            report = training.to_dict()
        sae = sae.cpu().eval()
        rows = client.compute(embeddings.to_delayed().ravel().tolist())
        encoded = client.map(blocks.encode_block, rows, sae=shared(client, sae), pure=False)
        del rows  # each block's rows leave its worker once encoded
        decoder = sae.W_dec.detach().double().numpy()
        mass, fires, reconstruction = map_reduce(client, blocks.mixture_sums, encoded,
                                                 decoder=shared(client, decoder))

    with stopwatch(seconds, "word_emission"):
        emission, background, main = _emission(client, engine, counts, encoded, mass, fires,
                                               n_documents, lengths)

    with stopwatch(seconds, "merge"):
        merge_stage = engine.merge
        if merge_stage.atom_space == "centroids":
            vectors = centroids_from_sums(mass, reconstruction,
                                          sae.b_dec.detach().double().numpy())
        else:
            vectors = merge_stage.place(emission.atom_word, words, sae.atoms(),
                                        merge_stage.embedder())
        merge = merge_stage.finish(vectors, background, main, emission.atom_prior,
                                   emission.atom_word_profile)
    seconds["total"] = time.perf_counter() - started
    logger.info("SAE-TM fitted on the cluster in %.1fs: %s", seconds["total"], ", ".join(
        f"{k} {v:.1f}s" for k, v in seconds.items() if k != "total"))
    encoding = Encoding(sae, report, None, None)
    return FitResult(vocabulary, encoding, emission, merge, seconds, None)


def _emission(client, engine, counts, encoded, mass, fires, n_documents, lengths):
    # Every sum over the counts and mixtures first (the EM start, the word profiles, the
    # documents without atoms, the documents each content atom heads), then EM on the
    # E-step chunks alone, so that while EM iterates the workers hold nothing else.
    stage = engine.emission
    df = map_reduce(client, blocks.document_frequency, counts)
    idf = idf_from_document_frequency(df, n_documents)
    idf_future = shared(client, idf)
    fitted = np.flatnonzero(fires > 0)
    fitted_future = shared(client, fitted)
    word_mass, atom_word_mass = map_reduce(
        client, blocks.emission_sums, counts, encoded, idf=idf_future,
        background_weight=stage.background_weight, fitted=fitted_future)
    start = EmissionStart.from_sums(idf, word_mass, float(word_mass.sum()), fitted,
                                    atom_word_mass, mass.size)
    profiles, profile_weights = map_reduce(client, blocks.word_profile_sums, counts, encoded)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    inactive = client.gather(client.map(blocks.inactive_rows, encoded, pure=False))
    atom_prior = mass / n_documents
    atom_selectivity = np.divide(mass, fires, out=np.zeros_like(mass), where=fires > 0)
    # The main-topic counts need only the background atoms, which need only these sums.
    density = document_words(profiles, profile_weights)
    background = background_from_sums(mass, atom_selectivity, engine.merge.background_share,
                                      density, engine.merge.min_document_words)
    content = engine.merge.content(background, atom_prior)
    main = map_reduce(client, blocks.main_counts, encoded, content=shared(client, content))
    chunks = client.map(blocks.emission_chunk, counts, encoded, idf=idf_future,
                        background_weight=stage.background_weight, fitted=fitted_future,
                        pure=False)
    del counts[:], encoded[:]  # the caller's lists too: the blocks leave the workers
    result = run_em(start, DaskStatistics(client, chunks, idf), stage.background_weight,
                    max_iter=stage.max_iter, tol=stage.tol, verbose=stage.verbose)
    emission = Emission(
        atom_word=result.atom_word, background=result.background, idf=result.idf,
        log_likelihood=result.log_likelihood, n_iter=result.n_iter,
        atom_prior=atom_prior, atom_selectivity=atom_selectivity,
        inactive_documents=np.concatenate([rows + offset for rows, offset
                                           in zip(inactive, offsets, strict=True)]),
        atom_word_profile=word_profiles(profiles), atom_document_words=density,
    )
    return emission, background, main
