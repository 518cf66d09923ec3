import itertools

import numpy as np
import pytest

from bertopic_saetm.evaluation import (
    ReferenceCorpus,
    coherence,
    nmi,
    purity,
    topic_diversity,
    wmd_diversity,
    word_movers_distance,
)

ANIMALS = ["cat", "dog", "horse", "cow", "sheep"]
FINANCE = ["bank", "money", "stock", "market", "loan"]


@pytest.fixture(scope="module")
def reference():
    rng = np.random.default_rng(0)
    docs = [" ".join(rng.choice(group, 6)) for group in [ANIMALS, FINANCE] for _ in range(60)]
    return ReferenceCorpus.from_documents(docs, vocabulary=ANIMALS + FINANCE)


def test_npmi_separates_coherent_from_mixed_topics(reference):
    coherent = coherence([ANIMALS, FINANCE], reference, "c_npmi", top_n=5)
    mixed = coherence([ANIMALS[:3] + FINANCE[:2], FINANCE[:3] + ANIMALS[:2]], reference,
                      "c_npmi", top_n=5)
    assert coherent.min() > 0.2 > mixed.max()


def test_coherence_equals_gensim_directly(reference):
    from gensim.models.coherencemodel import CoherenceModel

    topics = [ANIMALS, FINANCE[:3] + ANIMALS[:2]]
    direct = CoherenceModel(topics=topics, texts=reference.texts,
                            dictionary=reference.dictionary, coherence="c_v", topn=5,
                            processes=1).get_coherence_per_topic()
    np.testing.assert_allclose(coherence(topics, reference, "c_v", top_n=5), direct)


def test_unknown_words_are_dropped_and_tiny_topics_not_scored(reference):
    scores = coherence([ANIMALS + ["zebra"], ["zebra", "cat"]], reference, "c_npmi", top_n=6)
    assert np.isfinite(scores[0]) and np.isnan(scores[1])
    with pytest.raises(ValueError, match="measure must be"):
        coherence([ANIMALS], reference, "u_mass")


def test_topic_diversity_counts_unique_words():
    assert topic_diversity([["a", "b"], ["c", "d"]], 2) == 1.0
    assert topic_diversity([["a", "b"], ["a", "b"]], 2) == 0.5
    assert topic_diversity([["a", "b", "x"], ["a", "c", "y"]], 2) == 0.75
    with pytest.raises(ValueError, match="No topic words"):
        topic_diversity([[], []])


def test_word_movers_distance_is_the_optimal_transport_cost():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    brute = min(np.mean([np.linalg.norm(a[i] - b[p]) for i, p in enumerate(perm)])
                for perm in itertools.permutations(range(4)))
    assert word_movers_distance(a, b) == pytest.approx(brute)
    assert word_movers_distance(a, a) == pytest.approx(0.0, abs=1e-12)
    # Unequal sizes: splitting the mass of each word of a over two copies changes nothing.
    assert word_movers_distance(a, np.vstack([b, b])) == pytest.approx(brute, rel=1e-6)


def test_wmd_diversity_grows_with_topic_separation():
    vectors = {"cat": [1, 0.1], "dog": [1, 0.2], "bank": [0.1, 1], "money": [0.2, 1],
               "puppy": [1, 0.15], "kitten": [1, 0.05]}
    vectors = {w: np.asarray(v, dtype=float) for w, v in vectors.items()}
    apart = wmd_diversity([["cat", "dog"], ["bank", "money"]], vectors)
    close = wmd_diversity([["cat", "dog"], ["puppy", "kitten"]], vectors)
    assert apart > 5 * close
    with pytest.raises(ValueError, match="at least two topics"):
        wmd_diversity([["cat"], ["zebra"]], vectors)


def test_purity_and_nmi():
    labels = np.array([0, 0, 0, 1, 1, 1])
    assert purity([5, 5, 5, 7, 7, 7], labels) == 1.0
    assert nmi([5, 5, 5, 7, 7, 7], labels) == pytest.approx(1.0)
    assert purity([1, 1, 1, 1, 1, 1], labels) == 0.5
    assert nmi([1, 1, 1, 1, 1, 1], labels) == pytest.approx(0.0)
    assert purity([0, 0, 1, 1, 2, 2], labels) == pytest.approx(5 / 6)
    with pytest.raises(ValueError, match="same length"):
        purity([0, 1], labels)


def test_topic_shares_count_outliers_apart_from_the_largest_topic():
    from bertopic_saetm.evaluation import topic_shares

    shares = topic_shares([-1, -1, -1, 0, 2, 2, 7])
    assert shares == {"largest": pytest.approx(2 / 7), "outliers": pytest.approx(3 / 7)}
    assert topic_shares([-1, -1]) == {"largest": 0.0, "outliers": 1.0}
    with pytest.raises(ValueError, match="1-D"):
        topic_shares([])
