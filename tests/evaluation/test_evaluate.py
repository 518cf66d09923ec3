import numpy as np
import pytest

from bertopic_saetm.evaluation import (
    ReferenceCorpus,
    evaluate,
    purity,
    topic_coverage,
    topic_words,
)

KEYS = {"n_topics", "npmi", "c_v", "td25", "td10", "quality"}


@pytest.fixture(scope="module")
def reference(fitted, corpus):
    return ReferenceCorpus.for_model(fitted, corpus.texts)


def test_evaluate_an_sae_tm_model(fitted, corpus, reference):
    assignments = fitted.transform(embeddings=corpus.embeddings).argmax(axis=1)
    scores = evaluate(fitted, reference=reference, labels=corpus.labels,
                      assignments=assignments)
    assert set(scores) == KEYS | {"purity", "nmi", "coverage"}
    assert scores["n_topics"] == fitted.n_topics_
    assert scores["coverage"] == topic_coverage(topic_words(fitted), reference, assignments)
    assert -1 <= scores["npmi"] <= 1 and 0 < scores["c_v"] <= 1
    assert 0 < scores["td10"] <= 1 and scores["quality"] == pytest.approx(
        scores["npmi"] * scores["td25"])
    # Better than chance on the bundled corpus (15 subject areas).
    assert scores["purity"] > 0.3 and scores["nmi"] > 0.2


def test_random_topics_score_below_the_model(fitted, reference):
    rng = np.random.default_rng(0)
    random_topics = [list(rng.choice(fitted.vocabulary_, 25, replace=False))
                     for _ in range(fitted.n_topics_)]
    model_npmi = evaluate(fitted, reference=reference, c_v=False)["npmi"]
    assert evaluate(random_topics, reference=reference, c_v=False)["npmi"] < model_npmi - 0.05


def test_evaluate_a_bertopic_model_with_sae_tm_components(bertopic_fit, corpus):
    topic_model, backend, topics, _ = bertopic_fit
    # Its own model's reference (the module's comes from ``fitted``, which the BERTopic
    # tests' worker does not build).
    reference = ReferenceCorpus.for_model(backend.model, corpus.texts)
    scores = evaluate(topic_model, reference=reference, labels=corpus.labels, c_v=False)
    words = topic_words(topic_model, 25)
    assert len(words) == len(set(topics) - {-1}) and all(len(w) == 25 for w in words)
    assert words[0][:10] == [w for w, _ in topic_model.get_topic(0)]


    assert scores["purity"] == purity(topics, corpus.labels)
    assert scores["coverage"] == topic_coverage(words, reference, topics)


def test_evaluate_plain_lists_and_wmd(corpus):
    topics = [["file", "path", "directory"], [("socket", 0.3), ("server", 0.2), ("", 1e-5)]]
    vectors = {"file": np.array([1.0, 0]), "path": np.array([0.9, 0.1]),
               "directory": np.array([1.0, 0.2]), "socket": np.array([0, 1.0]),
               "server": np.array([0.1, 1.0])}
    scores = evaluate(topics, corpus.texts, word_vectors=vectors, c_v=False)
    assert scores["n_topics"] == 2 and scores["td10"] == 1.0
    assert scores["wmd_diversity"] > 0.5
    with pytest.raises(ValueError, match="assignments"):
        evaluate(topics, corpus.texts, labels=corpus.labels, c_v=False)


def test_coverage_counts_the_documents_holding_one_of_their_topics_top_words():
    from gensim.corpora import Dictionary

    texts = [["file", "path"], ["socket"], ["path", "server"], ["file"], []]
    reference = ReferenceCorpus(texts=texts, dictionary=Dictionary(texts))
    topics = [["path", "directory"], ["server", "socket"]]
    # Documents 0 and 2 hold "path", 1 holds "socket", 3 only "file" (topic 0's 11th word,
    # beyond top_n); document 4 has no topic.
    topics[0] += ["filler"] * 8 + ["file"]
    assert topic_coverage(topics, reference, [0, 1, 0, 0, -1]) == pytest.approx(3 / 4)
    assert topic_coverage(topics, reference, [0, 1, 0, 0, -1], top_n=11) == 1.0
    # A document in a topic whose words it lacks is not covered.
    assert topic_coverage(topics, reference, [1, 0, 0, 1, -1]) == pytest.approx(1 / 4)
    assert np.isnan(topic_coverage(topics, reference, [-1] * 5))
    with pytest.raises(ValueError, match="5 reference documents"):
        topic_coverage(topics, reference, [0, 1])
