"""SAETopicModel on a Dask cluster gives the in-process model (a 2-worker LocalCluster)."""

import numpy as np
import pytest

from bertopic_saetm import SAETopicModel
from bertopic_saetm.cluster import DaskRows
from bertopic_saetm.cluster.rows import release_pages
from bertopic_saetm.sae import train_sae

from ..helpers import FAST_SAE

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
import dask.array as da  # noqa: E402
import dask.bag as db  # noqa: E402

N_DOCUMENTS = 10_000


@pytest.fixture(scope="module")
def data():
    from bertopic_saetm.datasets import load_python_docs

    corpus = load_python_docs()
    reps = -(-N_DOCUMENTS // len(corpus.texts))
    rng = np.random.default_rng(0)
    texts = (list(corpus.texts) * reps)[:N_DOCUMENTS]
    X = np.tile(np.asarray(corpus.embeddings, np.float32), (reps, 1))[:N_DOCUMENTS]
    # Copies of a document differ a little, so that the corpus is not 7 copies of one.
    X = X + 0.01 * rng.standard_normal(X.shape).astype(np.float32)
    return texts, X


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def fits(data, client):
    texts, X = data
    params = dict(n_topics=12, sae_config=FAST_SAE, random_state=0)
    local = SAETopicModel(**params).fit(texts, X)
    bag = db.from_sequence(texts, npartitions=4)
    remote = SAETopicModel(**params).fit(bag, da.from_array(X, chunks=(3000, -1)))
    return local, remote


def test_the_cluster_fit_is_the_in_process_fit(fits):
    local, remote = fits
    np.testing.assert_array_equal(remote.vocabulary_, local.vocabulary_)
    for name in ("atoms_", "atom_word_", "atom_word_profile_", "background_", "idf_",
                 "atom_prior_",
                 "atom_selectivity_", "atom_topic_vectors_", "atom_main_documents_",
                 "atom_document_words_", "topic_word_", "topic_prior_"):
        np.testing.assert_allclose(getattr(remote, name), getattr(local, name), rtol=0,
                                   atol=1e-10, err_msg=name)
    np.testing.assert_array_equal(remote.atom_to_topic_, local.atom_to_topic_)
    np.testing.assert_array_equal(remote.background_atoms_, local.background_atoms_)
    np.testing.assert_array_equal(remote.inactive_documents_, local.inactive_documents_)
    assert remote.emission_n_iter_ == local.emission_n_iter_
    assert [[w for w, _ in t] for t in remote.get_topics(10)] == \
        [[w for w, _ in t] for t in local.get_topics(10)]
    assert set(remote.fit_seconds_) >= {"vocabulary", "sae", "word_emission", "merge"}


@pytest.mark.parametrize("settings", [
    dict(min_df=0.002, max_df=0.05, max_features=300, stop_words="english"),
    dict(binary=True, token_pattern=r"(?u)\b\w\w+\b", max_features=200),
    dict(vocabulary=["python", "function", "list", "string", "file", "class", "error",
                     "module", "value", "return", "absent"]),
])
def test_a_count_vectorizer_counts_the_partitions_as_in_one_process(data, client, settings):
    # A CountVectorizer's words and counts are sums over partitions, filtered on the driver
    # as its fit filters them (min_df / max_df shares, max_features ties, a fixed
    # vocabulary kept whole and in its order): the in-process model.
    from sklearn.feature_extraction.text import CountVectorizer

    texts, X = data
    texts, X = texts[:4000], X[:4000]
    params = dict(n_topics=6, sae_config=FAST_SAE, random_state=0)
    local = SAETopicModel(vectorizer=CountVectorizer(**settings), **params).fit(texts, X)
    remote = SAETopicModel(vectorizer=CountVectorizer(**settings), **params).fit(
        db.from_sequence(texts, npartitions=3), da.from_array(X, chunks=(1500, -1)))
    np.testing.assert_array_equal(remote.vocabulary_, local.vocabulary_)
    np.testing.assert_array_equal(remote.idf_, local.idf_)  # the same document frequencies
    np.testing.assert_array_equal(remote.vectorizer_.transform(texts).toarray(),
                                  local.vectorizer_.transform(texts).toarray())
    # EM sums its statistics per block on the cluster: on these 4,000 documents the float
    # order of the sums moves B by ~1e-8 (the default vectorizer's fit moves it as much).
    for name in ("atom_word_", "atom_word_profile_", "topic_word_"):
        np.testing.assert_allclose(getattr(remote, name), getattr(local, name), rtol=1e-5,
                                   atol=1e-10, err_msg=name)
    assert [[w for w, _ in t] for t in remote.get_topics(10)] == \
        [[w for w, _ in t] for t in local.get_topics(10)]


def test_the_sae_trains_on_two_workers_as_on_the_driver(data, tmp_path):
    # SAETrainingConfig(n_workers=2): two worker processes, one torch.distributed rank
    # each, read their share of every batch from the memory-mapped shards and train the
    # SAE the driver trains (float rounding apart).
    import dataclasses

    texts, X = data
    X = X[:4000]
    for i, part in enumerate(np.split(X, 2)):
        np.save(tmp_path / f"{i}.npy", part)
    shards = da.concatenate([da.from_delayed(dask.delayed(np.load)(str(tmp_path / f"{i}.npy"),
                                                                   mmap_mode="r"),
                                             shape=(2000, X.shape[1]), dtype=np.float32)
                             for i in range(2)])
    config = dataclasses.replace(FAST_SAE, n_workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        model = SAETopicModel(n_topics=8, sae_config=config, random_state=0).fit(
            db.from_sequence(texts[:4000], npartitions=2), shards)
        with pytest.raises(ValueError, match="has 2 workers"):
            SAETopicModel(sae_config=dataclasses.replace(FAST_SAE, n_workers=3)).fit(
                db.from_sequence(texts[:4000], npartitions=2), shards)
    driver, report = train_sae(X, FAST_SAE, random_state=0)
    assert model.sae_report_["steps"] == report.steps
    for name, parameter in driver.named_parameters():
        np.testing.assert_allclose(getattr(model.sae_, name).detach().numpy(),
                                   parameter.detach().numpy(), rtol=0, atol=1e-4,
                                   err_msg=name)
    assert model.transform(embeddings=X[:10]).shape == (10, model.n_topics_)


def test_transform_and_predict_run_per_block_and_match(fits, data):
    local, remote = fits
    X = data[1]
    blocks = da.from_array(X, chunks=(2500, -1))
    theta = remote.transform(embeddings=blocks)
    labels = remote.predict(embeddings=blocks)
    assert isinstance(theta, da.Array) and theta.chunks[0] == blocks.chunks[0]
    np.testing.assert_allclose(theta.compute(), local.transform(embeddings=X), rtol=0,
                               atol=1e-10)
    np.testing.assert_array_equal(labels.compute(), local.predict(embeddings=X))


def test_rows_of_a_dask_array_come_in_the_order_asked(tmp_path):
    X = np.arange(40, dtype=np.float32).reshape(10, 4)
    rows = DaskRows(da.from_array(X, chunks=(3, -1)))
    assert rows.shape == (10, 4) and len(rows) == 10
    np.testing.assert_array_equal(rows.read_rows(np.array([7, 2, 9, 2])), X[[7, 2, 9, 2]])
    np.testing.assert_array_equal(rows[2:5], X[2:5])
    np.testing.assert_array_equal(rows[np.array([0, 9])], X[[0, 9]])
    # Memory-mapped shards, one chunk each, read across the chunk boundary.
    np.save(tmp_path / "a.npy", X[:6])
    np.save(tmp_path / "b.npy", X[6:])
    shards = da.concatenate([da.from_delayed(dask.delayed(np.load)(str(tmp_path / f),
                                                                   mmap_mode="r"),
                                             shape=(n, 4), dtype=np.float32)
                             for f, n in (("a.npy", 6), ("b.npy", 4))])
    mapped = DaskRows(shards)
    np.testing.assert_array_equal(mapped.read_rows(np.array([8, 1, 5])), X[[8, 1, 5]])
    np.testing.assert_array_equal(mapped[4:8], X[4:8])
    # Reads after the pages were released come back from the file, unchanged.
    np.testing.assert_array_equal(mapped.read_rows(np.array([5, 8, 1])), X[[5, 8, 1]])


def test_pages_are_released_only_from_memory_maps(tmp_path):
    np.save(tmp_path / "x.npy", np.arange(12, dtype=np.float32).reshape(3, 4))
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    assert release_pages(mapped) and release_pages(mapped[1:])
    np.testing.assert_array_equal(mapped[1], [4, 5, 6, 7])
    assert not release_pages(np.zeros((3, 4), dtype=np.float32))
    assert not release_pages(np.zeros((3, 4), dtype=np.float32)[1:])
    # A copy-on-write map's pages hold the changes: releasing them would lose them.
    changed = np.load(tmp_path / "x.npy", mmap_mode="c")
    changed[0] = -1
    assert not release_pages(changed[:2])
    np.testing.assert_array_equal(changed[0], [-1, -1, -1, -1])


def test_bad_cluster_inputs_are_named(data, client):
    texts, X = data
    bag = db.from_sequence(texts[:100], npartitions=2)
    with pytest.raises(ValueError, match="embeddings has 99 rows but the documents are 100"):
        SAETopicModel(sae_config=FAST_SAE).fit(bag, da.from_array(X[:99], chunks=50))
    with pytest.raises(ValueError, match="CountVectorizers allow; got TfidfVectorizer"):
        from sklearn.feature_extraction.text import TfidfVectorizer

        SAETopicModel(vectorizer=TfidfVectorizer()).fit(bag, da.from_array(X[:100]))
    with pytest.raises(ValueError, match="counts= and activations="):
        SAETopicModel().fit(bag, None)
