import numpy as np
import pytest
import torch
from sklearn.base import clone

from bertopic_saetm import SAEConfig, SAETopicModel, SparseAutoencoder, save_sae
from bertopic_saetm.emission.profiles import atom_word_profiles
from bertopic_saetm.merge.background import atom_selectivity
from bertopic_saetm.merge.partition import cluster_atoms
from bertopic_saetm.merge.ranking import top_word_indices
from bertopic_saetm.merge.topic_words import merge_topic_word, topic_word_weights
from bertopic_saetm.merge.weights import generic_atom_factors, main_atom_counts, merge_weights

from .helpers import FAST_SAE, TINY_SAE


def _fitted_copy(fitted, **params):
    """A copy of the fitted model (its fitted attributes shared) with other parameters."""
    model = clone(fitted).set_params(**params)
    for name, value in vars(fitted).items():
        if name.endswith("_") and not name.startswith("_"):
            setattr(model, name, value)
    return model


def test_topics_are_vocabulary_words(fitted):
    topics = fitted.get_topics(top_n=8)
    assert len(topics) == fitted.n_topics_ == 12
    vocabulary = set(fitted.vocabulary_)
    for words in topics:
        assert len(words) == 8
        assert all(word in vocabulary for word, _ in words)
        assert len({word for word, _ in words}) == 8
        assert all(0 < w <= 1 for _, w in words)  # probabilities, listed by relevance
    assert fitted.topic_word_.shape == (12, fitted.vocabulary_.size)
    np.testing.assert_allclose(fitted.topic_word_.sum(axis=1), 1.0)


def test_fitted_attributes(fitted, corpus):
    n_atoms = fitted.sae_.d_sae
    assert fitted.atoms_.shape == (n_atoms, 384)
    np.testing.assert_allclose(np.linalg.norm(fitted.atoms_, axis=1), 1.0, rtol=1e-5)
    assert fitted.atom_word_.shape == (n_atoms, fitted.vocabulary_.size)
    assert fitted.background_.sum() == pytest.approx(1.0)
    assert fitted.atom_prior_.sum() == pytest.approx(
        1 - len(fitted.inactive_documents_) / len(corpus.texts))
    assert fitted.n_features_in_ == 384
    assert set(fitted.atom_to_topic_[fitted.atom_prior_ == 0]) <= {-1}
    report = fitted.sae_report_
    assert 0.3 < report["explained_variance"] <= 1 and report["mean_l0"] > 0
    assert set(fitted.fit_seconds_) >= {"vocabulary", "sae", "word_emission", "merge", "total"}


def test_topic_words_weight_atoms_by_prior_and_selectivity(fitted, corpus):
    atoms = fitted.transform_atoms(embeddings=corpus.embeddings)
    np.testing.assert_allclose(fitted.atom_selectivity_, atom_selectivity(atoms))
    # The default rule averages the atoms' word profiles, which are those of the training
    # documents (tests/emission/test_profiles.py has the formula).
    np.testing.assert_allclose(fitted.atom_word_profile_, atom_word_profiles(
        atoms, fitted.vectorizer_.transform(corpus.texts)))
    weights = topic_word_weights(fitted.atom_prior_, fitted.atom_selectivity_, 16)
    np.testing.assert_allclose(fitted.topic_word_, merge_topic_word(
        fitted.atom_word_profile_, weights, fitted.atom_to_topic_, fitted.n_topics_))
    # Not the prior-only average: selectivity changes which atoms name a topic.
    assert not np.allclose(fitted.topic_word_, merge_topic_word(
        fitted.atom_word_profile_, fitted.atom_prior_, fitted.atom_to_topic_,
        fitted.n_topics_))


def test_emission_topic_words_average_the_rows_of_b(fitted):
    model = _fitted_copy(fitted, topic_words="emission")
    model.set_partition(fitted.atom_to_topic_)
    weights = topic_word_weights(fitted.atom_prior_, fitted.atom_selectivity_, 8)
    np.testing.assert_allclose(model.topic_word_, merge_topic_word(
        fitted.atom_word_, weights, fitted.atom_to_topic_, fitted.n_topics_))
    order = top_word_indices(model.topic_word_, model.word_marginal(), 10, 0.9)
    assert [[w for w, _ in t] for t in model.get_topics(10)] == \
        [list(fitted.vocabulary_[row]) for row in order]
    # The rule is a parameter like any other: bad values fail before any training.
    with pytest.raises(ValueError, match="topic_words"):
        clone(fitted).set_params(topic_words="profiles").fit(["a b c"] * 3)


def test_default_topic_words_are_more_coherent_than_the_emission_words(fitted, corpus):
    # The reason the default changed (docs/decisions/topic_words.md), on the bundled corpus
    # at two K: the words of the same topics, drawn from the profiles and from B.
    from bertopic_saetm.evaluation import ReferenceCorpus, coherence

    reference = ReferenceCorpus.for_model(fitted, corpus.texts)
    model = _fitted_copy(fitted)
    for k in (8, 20):
        scores = {}
        for rule in ("documents", "emission"):
            model.set_params(topic_words=rule).set_n_topics(k)
            words = [[w for w, _ in t] for t in model.get_topics(10)]
            scores[rule] = np.nanmean(coherence(words, reference))
        assert scores["documents"] > scores["emission"] + 0.02, (k, scores)


def test_the_merge_weights_atoms_by_the_documents_they_head(fitted, corpus):
    atoms = fitted.transform_atoms(embeddings=corpus.embeddings)
    content_prior = np.where(fitted.background_atoms_, 0.0, fitted.atom_prior_)
    counts = main_atom_counts(atoms, content_prior > 0)
    np.testing.assert_array_equal(fitted.atom_main_documents_, counts)
    assert counts.sum() == np.count_nonzero(atoms[:, content_prior > 0].sum(axis=1))
    vectors, k = fitted.atom_topic_vectors_, fitted.n_topics_
    generic = generic_atom_factors(fitted.atom_word_profile_, content_prior, 4.0)
    assert fitted.generic_atom_power == "auto"  # 4 with a dictionary trained on the corpus
    assert fitted.fit_engine().merge.generic_atom_power == 4.0
    assert (generic < 1).sum() >= 0.4 * (content_prior > 0).sum()
    np.testing.assert_array_equal(fitted.atom_to_topic_, cluster_atoms(
        vectors, merge_weights(counts, content_prior) * generic, k, random_state=0))
    # Not the merges the package made before: weights by documents alone, or by prior.
    for weights in (merge_weights(counts, content_prior), content_prior):
        assert not np.array_equal(fitted.atom_to_topic_,
                                  cluster_atoms(vectors, weights, k, random_state=0))
    # The parameter reaches re-merges: 0 weighs every atom by its documents.
    model = _fitted_copy(fitted).set_params(generic_atom_power=0.0).set_n_topics(k)
    np.testing.assert_array_equal(model.atom_to_topic_, cluster_atoms(
        vectors, merge_weights(counts, content_prior), k, random_state=0))


def test_transform_rows_are_content_shares_and_predict_a_topic_of_the_row(fitted, corpus):
    theta = fitted.transform(embeddings=corpus.embeddings)
    assert theta.shape == (len(corpus.texts), 12)
    atoms = fitted.transform_atoms(embeddings=corpus.embeddings)
    background = np.asarray(atoms[:, fitted.background_atoms_].sum(axis=1)).ravel()
    sums = theta.sum(axis=1)
    active = np.setdiff1d(np.arange(len(sums)), fitted.inactive_documents_)
    np.testing.assert_allclose(sums[active] + background[active], 1.0)
    np.testing.assert_array_equal(sums[fitted.inactive_documents_], 0.0)
    assert (theta >= 0).all()
    # The background holds about its share of the mass; documents keep it in their rows.
    assert abs(background.mean() - fitted.background_share) < 0.05
    main = fitted.predict(embeddings=corpus.embeddings)
    has_content = sums > 0
    np.testing.assert_array_equal(main, fitted.main_topics_of(atoms))
    # The main topic is always one the document's mixture holds (not just the argmax:
    # see tests/merge/test_assignment.py), and -1 exactly where it holds none.
    assert (theta[has_content, main[has_content]] > 0).all()
    assert (main[~has_content] == -1).all()
    assert (main != theta.argmax(axis=1))[has_content].any()


def test_background_atoms_stay_out_of_every_topic(fitted, corpus):
    flagged = fitted.background_atoms_
    assert 0 < flagged.sum() < (fitted.atom_prior_ > 0).sum()
    assert (fitted.atom_to_topic_[flagged] == -1).all()
    # The flagged atoms are the least selective (mean weight where they fire).
    atoms = fitted.transform_atoms(embeddings=corpus.embeddings).tocsc()
    fires = np.diff(atoms.indptr)
    selectivity = np.asarray(atoms.sum(axis=0)).ravel() / np.maximum(fires, 1)
    active = fires > 0
    assert selectivity[flagged].max() <= selectivity[active & ~flagged].min()
    model = clone(fitted).set_params(background_share=0.0, sae_config=TINY_SAE)
    model.fit(corpus.texts[:400], corpus.embeddings[:400])
    assert not model.background_atoms_.any()
    np.testing.assert_allclose(model.transform(embeddings=corpus.embeddings[:50]).sum(axis=1)[
        np.setdiff1d(np.arange(50), model.inactive_documents_)], 1.0)


def test_topics_make_sense_on_the_bundled_corpus(fitted, corpus):
    # Documents about one subject area should concentrate on a few topics: argmax purity
    # at least twice the share of the largest subject area (15%).
    labels = np.asarray(corpus.labels)
    pred = fitted.transform(embeddings=corpus.embeddings).argmax(axis=1)
    purity = sum(np.unique(labels[pred == t], return_counts=True)[1].max()
                 for t in np.unique(pred)) / len(labels)
    largest = np.unique(labels, return_counts=True)[1].max() / len(labels)
    assert purity > 2 * largest


def test_fit_transform_equals_fit_then_transform(corpus):
    a = SAETopicModel(n_topics=6, sae_config=TINY_SAE, random_state=3, word_vectors="decoder")
    b = SAETopicModel(n_topics=6, sae_config=TINY_SAE, random_state=3, word_vectors="decoder")
    # fit_transform merges the training mixtures the fit computed; transform re-encodes
    # (the same values, summed in another order: equal up to rounding).
    np.testing.assert_allclose(
        a.fit_transform(corpus.texts, corpus.embeddings),
        b.fit(corpus.texts, corpus.embeddings).transform(embeddings=corpus.embeddings),
        rtol=0, atol=1e-12,
    )
    assert a.get_topics() == b.get_topics()


def test_different_seeds_run_and_differ(corpus):
    a = SAETopicModel(n_topics=6, sae_config=TINY_SAE, random_state=1, word_vectors="decoder")
    a.fit(corpus.texts, corpus.embeddings)
    assert len(a.get_topics()) == 6
    assert not np.array_equal(a.atoms_, SAETopicModel(
        n_topics=6, sae_config=TINY_SAE, random_state=2, word_vectors="decoder"
    ).fit(corpus.texts, corpus.embeddings).atoms_)


def test_set_n_topics_remerges_without_retraining(fitted, corpus):
    sae_weights = fitted.sae_.W_dec.clone()
    atom_word = fitted.atom_word_.copy()
    atom_theta = fitted.transform_atoms(embeddings=corpus.embeddings)
    try:
        for k in (3, 25, 60):
            fitted.set_n_topics(k)
            assert fitted.n_topics_ == k == fitted.n_topics
            theta = fitted.transform(embeddings=corpus.embeddings)
            assert theta.shape == (len(corpus.texts), k)
            # Merging moves content mass between topics, never creates or loses it; the
            # background stays the background.
            content = atom_theta[:, ~fitted.background_atoms_]
            np.testing.assert_allclose(theta.sum(axis=1), np.asarray(content.sum(axis=1))[:, 0])
            assert (fitted.atom_to_topic_[fitted.background_atoms_] == -1).all()
            assert len(fitted.get_topics()) == k
        assert torch.equal(fitted.sae_.W_dec, sae_weights)
        np.testing.assert_array_equal(fitted.atom_word_, atom_word)
        fitted.set_n_topics("auto")
        assert fitted.n_topics_ >= 1
    finally:
        fitted.set_n_topics(12)


def test_pretrained_sae_is_frozen(fitted, corpus, tmp_path):
    before = {k: v.clone() for k, v in fitted.sae_.state_dict().items()}
    save_sae(fitted.sae_, tmp_path / "sae")
    for sae in (fitted.sae_, str(tmp_path / "sae")):
        model = SAETopicModel(n_topics=5, sae=sae, random_state=0, word_vectors="decoder")
        model.fit(corpus.texts[:800], corpus.embeddings[:800])
        assert model.sae_report_ is None
        np.testing.assert_allclose(model.atoms_, fitted.atoms_, atol=1e-6)
    for name, tensor in fitted.sae_.state_dict().items():
        assert torch.equal(tensor, before[name])


def test_documents_on_which_no_atom_fires_get_zero_rows(corpus):
    # A hand-made SAE whose atoms are +/- the coordinate axes: only the zero vector fires
    # nothing.
    d = 384
    sae = SparseAutoencoder(SAEConfig(d_in=d, d_sae=2 * d))
    eye = torch.eye(d)
    with torch.no_grad():
        sae.W_enc.copy_(torch.cat([eye, -eye], dim=1))
        sae.W_dec.copy_(torch.cat([eye, -eye], dim=0))
    embeddings = corpus.embeddings[:400].copy()
    embeddings[[5, 17]] = 0.0
    model = SAETopicModel(n_topics=4, sae=sae, random_state=0, word_vectors="decoder",
                          background_share=0.0)
    theta = model.fit_transform(corpus.texts[:400], embeddings)
    np.testing.assert_array_equal(model.inactive_documents_, [5, 17])
    np.testing.assert_array_equal(theta[[5, 17]], 0.0)
    np.testing.assert_allclose(np.delete(theta, [5, 17], axis=0).sum(axis=1), 1.0)


def test_default_embedder_embeds_documents(fitted, corpus):
    theta = fitted.transform(documents=corpus.texts[:5])
    np.testing.assert_allclose(theta, fitted.transform(embeddings=corpus.embeddings[:5]),
                               atol=1e-4)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("documents, embeddings, error, match", [
    ([], None, ValueError, "empty"),
    (None, None, ValueError, "None"),
    ("just one string", None, TypeError, "single string"),
    (["ok", 3], np.zeros((2, 384)), TypeError, r"documents\[1\]"),
])
def test_bad_documents(documents, embeddings, error, match):
    with pytest.raises(error, match=match):
        SAETopicModel(sae_config=FAST_SAE).fit(documents, embeddings)


def test_bad_embeddings(corpus):
    docs, X = corpus.texts[:50], corpus.embeddings[:50]
    model = SAETopicModel(sae_config=FAST_SAE)
    with pytest.raises(ValueError, match="50 documents"):
        model.fit(docs, X[:40])
    bad = X.copy()
    bad[7, 3] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite.*row 7"):
        model.fit(docs, bad)
    bad[7, 3] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        model.fit(docs, bad)
    with pytest.raises(ValueError, match="2-D"):
        model.fit(docs, X[:, 0])
    with pytest.raises(ValueError, match="no embeddings|embedding_model is None"):
        SAETopicModel(embedding_model=None).fit(docs)


def test_a_fit_run_stage_by_stage_gives_the_fitted_model(corpus):
    """The seam the BERTopic backends use: begin_fit, encode, finish_fit."""
    texts, X = corpus.texts[:400], corpus.embeddings[:400]
    params = dict(n_topics=5, sae_config=TINY_SAE, random_state=0, word_vectors="decoder")
    fitted = SAETopicModel(**params).fit(texts, X)
    model = SAETopicModel(**params)
    run = model.begin_fit(texts)
    assert run.vocabulary.counts.shape == (400, fitted.vocabulary_.size)
    with pytest.raises(ValueError, match="encode"):
        model.finish_fit(run)
    run.encode(X)
    assert model.finish_fit(run) is model
    np.testing.assert_array_equal(model.atom_word_, fitted.atom_word_)
    np.testing.assert_array_equal(model.atom_to_topic_, fitted.atom_to_topic_)
    np.testing.assert_array_equal(model.transform(embeddings=X), fitted.transform(embeddings=X))
    assert set(model.fit_seconds_) == {"vocabulary", "sae", "word_emission", "merge", "total"}
    with pytest.raises(TypeError, match="FitRun"):
        model.finish_fit(object())


def test_a_stage_by_stage_fit_checks_its_inputs_as_fit_does(fitted, corpus):
    # The same engine checks both paths: a pretrained SAE refuses embeddings of another width.
    run = SAETopicModel(sae=fitted.sae_).begin_fit(corpus.texts[:50])
    with pytest.raises(ValueError, match="width 100 but the SAE reads width 384"):
        run.encode(np.ones((50, 100), np.float32))
    with pytest.raises(ValueError, match="rows but there are 50 documents"):
        run.encode(corpus.embeddings[:40])


def test_wrong_width_for_a_loaded_sae(fitted, corpus):
    model = SAETopicModel(sae=fitted.sae_)
    with pytest.raises(ValueError, match="width 100 but the SAE reads width 384"):
        model.fit(corpus.texts[:50], np.ones((50, 100), np.float32))
    with pytest.raises(ValueError, match="width"):
        fitted.transform(embeddings=np.ones((3, 10), np.float32))


@pytest.mark.parametrize("n_topics, error", [
    (0, ValueError), (-3, ValueError), (2.5, TypeError), ("many", ValueError), (True, TypeError),
])
def test_bad_n_topics(corpus, n_topics, error):
    with pytest.raises(error, match="n_topics"):
        SAETopicModel(n_topics=n_topics).fit(corpus.texts[:50], corpus.embeddings[:50])


def test_more_topics_than_alive_atoms(fitted):
    # Background atoms join no topic: only the other active atoms can be merged.
    alive = int(((fitted.atom_prior_ > 0) & ~fitted.background_atoms_).sum())
    with pytest.raises(ValueError, match=f"active atoms \\({alive}\\)"):
        fitted.set_n_topics(alive + 1)
    with pytest.raises(ValueError, match=f"SAETrainingConfig\\(max_topics={alive + 1}\\)"):
        fitted.set_n_topics(alive + 1)


def test_the_corpus_sized_dictionary_grows_for_the_topics_asked(corpus):
    import warnings

    from bertopic_saetm.sae import SAETrainingConfig

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no "merged into fewer topics"
        model = SAETopicModel(n_topics=120, random_state=0).fit(corpus.texts, corpus.embeddings)
    assert model.sae_.d_sae == 192 > SAETrainingConfig().atoms_for(len(corpus.texts), 384)
    assert model.n_topics_ == 120
    assert model.get_params()["sae_config"] is None  # the parameter is left as given
    fixed = SAETrainingConfig(n_atoms=128)
    assert fixed.for_topics(120) is fixed


def test_a_dictionary_sized_for_max_topics_gives_n_over_5_topics(corpus):
    from bertopic_saetm.sae import SAETrainingConfig

    n_max = len(corpus.texts) // 5  # 315
    model = SAETopicModel(n_topics=15, sae_config=SAETrainingConfig(max_topics=500),
                          random_state=0).fit(corpus.texts, corpus.embeddings)
    assert model.sae_.d_sae == 512
    default = SAETopicModel(n_topics=15, random_state=0).fit(corpus.texts, corpus.embeddings)
    with pytest.raises(ValueError, match="can give at most"):
        default.set_n_topics(n_max)
    model.set_n_topics(n_max)
    assert model.n_topics_ == n_max and len(model.get_topics(10)) == n_max
    assert np.unique(model.predict(embeddings=corpus.embeddings)).size > n_max // 2


def test_more_topics_than_the_dictionary_has_atoms_fails_before_training(corpus, monkeypatch):
    import bertopic_saetm.engine.stages as stages

    def no_training(*args, **kwargs):
        raise AssertionError("training started for a K the dictionary cannot give")

    monkeypatch.setattr(stages, "train_sae", no_training)
    with pytest.raises(ValueError, match="n_topics=400 asks for more topics than the 384 atoms"):
        SAETopicModel(n_topics=400, sae_config=TINY_SAE).fit(corpus.texts[:300],
                                                             corpus.embeddings[:300])


def test_more_topics_than_content_atoms_merges_into_all_of_them_with_a_warning(corpus):
    # 384 atoms on 300 documents: fewer fire (and some are background) than K = 380.
    model = SAETopicModel(n_topics=380, sae_config=TINY_SAE, random_state=0)
    with pytest.warns(UserWarning, match="n_topics=380 is more than the") as warned:
        model.fit(corpus.texts[:300], corpus.embeddings[:300])
    content = int(((model.atom_prior_ > 0) & ~model.background_atoms_).sum())
    assert f"merged into {content} topics" in str(warned[0].message)
    assert model.n_topics_ == content < 380
    with pytest.raises(ValueError, match=f"at most {content} topics"):
        model.set_n_topics(content + 1)


def test_corpus_without_vocabulary_words(corpus):
    docs = ["a b c", "12 34", "the and of", "x y"] * 10
    with pytest.raises(ValueError, match="no vocabulary words"):
        SAETopicModel(sae_config=FAST_SAE).fit(docs, corpus.embeddings[:40])


def test_unfitted_model_says_so():
    from sklearn.exceptions import NotFittedError

    for call in (lambda m: m.transform(embeddings=np.zeros((2, 384))), lambda m: m.get_topics(),
                 lambda m: m.set_n_topics(3), lambda m: m.get_feature_names_out(),
                 lambda m: m.components_, lambda m: next(m.iter_transform(np.zeros((2, 384))))):
        with pytest.raises(NotFittedError, match="not fitted"):
            call(SAETopicModel())


@pytest.mark.parametrize("params", [
    {"top_p": 2}, {"top_p": 0}, {"background_weight": 1.0}, {"min_cluster_size": 1},
    {"emission_max_iter": 0}, {"emission_tol": -1.0}, {"random_state": -1},
    {"sae": 3}, {"sae_config": {"max_steps": 5}}, {"vectorizer": "words"},
    {"embedding_model": "minilm"}, {"word_vectors": "embeder"}, {"n_topics": True},
    {"min_document_words": -0.1}, {"min_document_words": "few"},
    {"generic_atom_power": -1.0}, {"generic_atom_power": "strong"},
])
def test_bad_parameters_fail_before_any_training(corpus, monkeypatch, params):
    import time

    import bertopic_saetm.engine.stages as stages

    def no_training(*args, **kwargs):
        raise AssertionError("training started before the parameters were checked")

    monkeypatch.setattr(stages, "train_sae", no_training)
    started = time.perf_counter()
    with pytest.raises((ValueError, TypeError, FileNotFoundError)) as error:
        SAETopicModel(**params).fit(corpus.texts, corpus.embeddings)
    assert time.perf_counter() - started < 1.0
    assert next(iter(params)) in str(error.value)


def test_components_and_feature_names(fitted):
    assert fitted.components_ is fitted.topic_word_
    assert fitted.components_.shape == (fitted.n_topics_, fitted.vocabulary_.size)
    names = fitted.get_feature_names_out()
    assert names.dtype == object and list(names) == [f"topic_{i}" for i in range(12)]


def test_transform_does_not_change_fitted_state(fitted, corpus, tmp_path):
    import copy

    loaded = SAETopicModel.load(fitted.save(tmp_path / "model"))  # no embedder_ yet
    for model in (fitted, loaded):
        before = copy.copy(vars(model))
        model.transform(documents=corpus.texts[:3])
        model.transform(embeddings=corpus.embeddings[:3])
        model.transform_atoms(embeddings=corpus.embeddings[:3])
        list(model.iter_transform(corpus.embeddings[:3]))
        assert vars(model).keys() == before.keys()
        assert all(vars(model)[k] is before[k] for k in before), model


def test_set_partition_adopts_any_partition(fitted):
    """The merge convention: ids 0..n-1, -1 for atoms in no topic; words follow."""
    original = fitted.atom_to_topic_.copy()
    try:
        partition = np.where(fitted.atom_prior_ > 0, np.arange(original.size) % 3, -1)
        partition[np.flatnonzero(fitted.atom_prior_ > 0)[0]] = -1  # an active atom left out
        fitted.set_partition(partition)
        assert fitted.n_topics_ == 3 and fitted.components_.shape[0] == 3
        np.testing.assert_allclose(fitted.topic_word_.sum(axis=1), 1.0)
        kept = partition >= 0
        assert fitted.topic_prior_.sum() == pytest.approx(fitted.atom_prior_[kept].sum())
        with pytest.raises(ValueError, match="atoms"):
            fitted.set_partition(partition[:-1])
    finally:
        fitted.set_partition(original)


def test_init_only_stores_parameters():
    model = SAETopicModel(n_topics="whatever", background_weight=5)
    assert model.get_params()["n_topics"] == "whatever"
    assert not hasattr(model, "sae_")


def test_precomputed_bag_of_words_gives_the_same_model(fitted, corpus):
    vectorizer = fitted.vectorizer_
    counts = vectorizer.transform(corpus.texts)
    # The fitted SAE passed as sae= is pretrained to the estimator: its merge weights are
    # the trained fit's only with the generic-atom power that fit used.
    model = SAETopicModel(n_topics=12, sae=fitted.sae_, vectorizer=vectorizer, random_state=0,
                          generic_atom_power=4.0)
    model.fit(corpus.texts, corpus.embeddings, counts=counts)
    np.testing.assert_allclose(model.atom_word_, fitted.atom_word_, atol=1e-12)
    assert model.get_topics() == fitted.get_topics()
    with pytest.raises(ValueError, match="counts has shape"):
        model.fit(corpus.texts, corpus.embeddings, counts=counts[:10])


def test_verbose_fit_shows_progress(corpus, capsys):
    model = SAETopicModel(n_topics=4, sae_config=TINY_SAE, random_state=0,
                          word_vectors="decoder", verbose=True)
    model.fit(corpus.texts[:300], corpus.embeddings[:300])
    assert "Training SAE" in capsys.readouterr().err


def test_precomputed_activations_give_the_same_model_as_embeddings(fitted, corpus):
    sae = fitted.sae_
    by_embeddings = SAETopicModel(n_topics=8, sae=sae, random_state=0, word_vectors="decoder")
    by_embeddings.fit(corpus.texts, corpus.embeddings)
    activations = sae.encode_sparse(corpus.embeddings)
    by_activations = SAETopicModel(n_topics=8, sae=sae, random_state=0, word_vectors="decoder")
    theta = by_activations.fit_transform(corpus.texts, activations=activations)
    np.testing.assert_allclose(by_activations.atom_word_, by_embeddings.atom_word_)
    np.testing.assert_array_equal(by_activations.atom_to_topic_, by_embeddings.atom_to_topic_)
    np.testing.assert_allclose(theta, by_embeddings.transform(embeddings=corpus.embeddings),
                               atol=1e-12)
    np.testing.assert_allclose(by_activations.transform(activations=activations[:5].toarray()),
                               theta[:5])


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda acts: acts[:, :-1], "columns but the SAE has"),
        (lambda acts: -acts, "non-negative"),
        (lambda acts: acts[:10], "rows but there are"),
    ],
)
def test_bad_activations_are_named(fitted, corpus, make, match):
    activations = fitted.sae_.encode_sparse(corpus.embeddings).toarray()
    model = SAETopicModel(n_topics=4, sae=fitted.sae_, word_vectors="decoder")
    with pytest.raises(ValueError, match=match):
        model.fit(corpus.texts, activations=make(activations))


def test_activations_need_the_sae_they_come_from(corpus):
    with pytest.raises(ValueError, match="pass sae="):
        SAETopicModel(n_topics=4).fit(corpus.texts, activations=np.ones((len(corpus.texts), 8)))


def test_iter_transform_streams_the_same_rows_from_a_memory_map(fitted, corpus, tmp_path):
    np.save(tmp_path / "emb.npy", corpus.embeddings)
    mapped = np.load(tmp_path / "emb.npy", mmap_mode="r")
    chunks = list(fitted.iter_transform(mapped, batch_size=500))
    assert [c.shape[0] for c in chunks] == [500, 500, 500, 76]
    np.testing.assert_allclose(np.vstack(chunks), fitted.transform(embeddings=corpus.embeddings))
    with pytest.raises(ValueError, match="batch_size"):
        next(fitted.iter_transform(mapped, batch_size=0))


def test_fit_from_a_bag_of_words_without_texts(corpus):
    from sklearn.base import clone

    from bertopic_saetm import default_vectorizer

    vectorizer = default_vectorizer().fit(corpus.texts)
    counts = vectorizer.transform(corpus.texts)
    params = dict(n_topics=5, sae_config=TINY_SAE, random_state=0, word_vectors="decoder")
    with_texts = SAETopicModel(**params).fit(corpus.texts, corpus.embeddings)
    without = SAETopicModel(**params, vectorizer=clone(vectorizer).fit(corpus.texts)).fit(
        None, corpus.embeddings, counts=counts)
    np.testing.assert_allclose(without.atom_word_, with_texts.atom_word_)
    np.testing.assert_array_equal(without.atom_to_topic_, with_texts.atom_to_topic_)
    with pytest.raises(ValueError, match="pass embeddings"):
        SAETopicModel(**params, vectorizer=vectorizer).fit(None, None, counts=counts)
    with pytest.raises(ValueError, match="documents is None"):
        SAETopicModel(**params).fit(None, corpus.embeddings)


def test_atoms_of_documents_without_words_join_the_background(corpus):
    # 120 extra documents, empty or without a vocabulary word, whose embeddings sit together
    # far from the corpus': the SAE gives them atoms, which no words can describe.
    rng = np.random.default_rng(0)
    center = rng.normal(size=corpus.embeddings.shape[1])
    extra = center / np.linalg.norm(center) + 0.05 * rng.normal(size=(120, center.size))
    extra /= np.linalg.norm(extra, axis=1, keepdims=True)
    texts = list(corpus.texts) + ["" if i % 2 else "ok" for i in range(120)]
    embeddings = np.vstack([corpus.embeddings, extra]).astype(np.float32)
    model = SAETopicModel(n_topics=12, sae_config=FAST_SAE, random_state=0)
    model.fit(texts, embeddings)
    heads, headed = np.unique(model.transform_atoms(embeddings=extra).toarray().argmax(axis=1),
                              return_counts=True)
    main = heads[headed.argmax()]
    # The atoms they mostly head are background (an atom heading one of them and documents
    # with words is not wordless).
    flagged = model.background_atoms_[heads]
    assert flagged[headed >= 5].all() and headed[flagged].sum() >= 110
    assert (model.atom_to_topic_[heads[flagged]] == -1).all()
    # Not for being diffuse: the atom heading most of them is more selective than some
    # content atom.
    content = ~model.background_atoms_ & (model.atom_prior_ > 0)
    assert model.atom_selectivity_[main] > model.atom_selectivity_[content].min()
    # min_document_words=0 keeps them (as models saved before load).
    assert model.fit_engine().merge.min_document_words == pytest.approx(0.5)
    assert model.set_params(min_document_words=0.0).fit_engine().merge.min_document_words == 0.0
