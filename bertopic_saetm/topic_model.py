"""SAETopicModel: SAE-TM as a scikit-learn style estimator."""

from __future__ import annotations

import os
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .cluster.rows import is_dask_collection, release_pages
from .engine import FitEngine, FitResult, FitRun
from .merge.assignment import assign_main_topics, atom_offsets, topic_directions
from .merge.partition import absorb_unowned_topics, assignment_matrix
from .merge.ranking import ranked_words, word_marginal
from .merge.topic_words import TOPIC_WORD_RULES, TopicWordRule, group_word_distributions, topics_of
from .sae import SAETrainingConfig, SparseAutoencoder
from .sae.mixtures import mixtures_over
from .text.embedders import embed, required_embedder
from .validation import check_activations, check_documents, check_embeddings, check_n_topics

_NOT_FITTED = ("This %(name)s is not fitted yet; call fit() (or load()) before using this "
               "method.")


def _transform_block(block: np.ndarray, model) -> np.ndarray:
    mixtures = model.transform(embeddings=block)
    release_pages(block)  # a memory-mapped shard's pages leave the worker once read
    return mixtures


def _predict_block(block: np.ndarray, model) -> np.ndarray:
    topics = model.predict(embeddings=block)
    release_pages(block)
    return topics


class Encoders(HasMethods):
    """Constraint: objects with an ``encode`` method, strings excluded (``str.encode``)."""

    def __init__(self):
        super().__init__(["encode"])

    def is_satisfied_by(self, val) -> bool:
        return not isinstance(val, str) and super().is_satisfied_by(val)


class SAETopicModel(BaseEstimator):
    """Sparse-autoencoder topic model (SAE-TM).

    An SAE trained on document embeddings provides topic atoms; a document's normalised
    activations are its mixture over atoms. Each atom's word distribution is learned from
    the bag-of-words. The most diffuse atoms form a background topic; the others are merged
    into ``n_topics`` topics by clustering where their documents sit, which can be redone
    for any number of topics without retraining.

    Parameters
    ----------
    n_topics : int or "auto", default=20
        Number of merged topics; ``"auto"`` lets HDBSCAN choose it from the atoms.
    sae : SparseAutoencoder, str or Path, optional
        A pretrained SAE, kept frozen: ``"minilm-foundation"`` (the shipped dictionary for
        all-MiniLM-L6-v2 embeddings), the path of an SAE-Lens folder, or an SAE object. When
        omitted an SAE is trained on the embeddings passed to :meth:`fit`.
    sae_config : SAETrainingConfig, optional
        Training hyper-parameters; by default the dictionary is sized to the corpus
        (:func:`~bertopic_saetm.sae.config.auto_n_atoms`), ``SAETrainingConfig.paper()``
        is the paper's 4 x d atoms, ``SAETrainingConfig.sparser()`` twice the sized
        dictionary with L1 3 (purer main topics, less coherent words at small K).
    vectorizer : scikit-learn vectorizer, optional
        Builds the bag-of-words; default: the paper's filtering (:func:`default_vectorizer`).
    embedding_model : "default", None, callable or object with ``encode``, default="default"
        Embeds documents when no embeddings are given (and vocabulary words for the merge).
        ``"default"`` is the offline all-MiniLM-L6-v2 (``[embed]`` extra).
    atom_space : {"centroids", "words"}, default="centroids"
        Where atoms are placed for merging. ``"centroids"``: the mixture-weighted mean
        reconstruction of each atom's documents (needs no word vectors). ``"words"``: the
        average word vector of each atom's top words (the paper's merge; see
        ``word_vectors``). Measured on 20 Newsgroups and the bundled corpus in the README.
    background_share : float in [0, 1), default=0.25
        Share of the corpus's mixture mass given to the background topic: the least
        selective atoms (lowest mean weight where they fire) holding this share are merged
        into no topic, and so are the wordless atoms (``min_document_words``). A document's
        topic mixture then sums to one minus its background share. 0 keeps every atom.
    min_document_words : float >= 0, default=0.5
        Atoms whose documents hold on average fewer vocabulary words than this (each counted
        as ``log(1 + count)``, :func:`~bertopic_saetm.emission.profiles.document_words`:
        mostly empty posts) join the background topic too: no words can describe them
        (:func:`~bertopic_saetm.merge.background.wordless_atoms`). 0 flags none.
    generic_atom_power : float >= 0 or "auto", default="auto"
        How much less a generic atom (one whose word profile is close to the mean profile
        of the content atoms: chatter, greetings, generic prose) weighs in the merge: its
        documents count ``min(1, KL / median KL) ** generic_atom_power``
        (:func:`~bertopic_saetm.merge.weights.generic_atom_factors`). Such atoms then pull
        no topics of their own and join the nearest topic; every atom still joins one.
        ``"auto"``: 4 when the fit trains the dictionary, 0 with a pretrained ``sae`` (on
        the frozen foundation dictionary the weights lowered NPMI; give 4 for an ``sae``
        trained on this corpus). 0 weighs every atom by its documents (as models saved
        before this parameter do).
    topic_words : {"documents", "emission"}, default="documents"
        Where topic words come from (:data:`~bertopic_saetm.merge.topic_words.
        TOPIC_WORD_RULES`). ``"documents"``: every atom's word profile, the damped counts of
        the documents it dominates (``atom_word_profile_``), so a topic's words are words
        its documents share (more coherent on every corpus measured, at every K; see
        ``docs/decisions/topic_words.md``). ``"emission"``: the rows of the word emission
        ``B`` (the paper's topic words, more diverse, less coherent). Changed on a fitted
        model, it applies from the next :meth:`set_n_topics` or :meth:`set_partition`.
    word_vectors : "auto", "embedder", "decoder", path, KeyedVectors or callable, default="auto"
        Word vectors that place atoms when ``atom_space="words"``. ``"auto"``: the embedding
        model when one is available, else the decoder directions.
    background_weight : float, default=0.3
        ``pi``: share of the background word distribution in the emission likelihood.
    top_p : float, default=0.9
        Atom word distributions are truncated to this cumulative mass for topic vectors.
    emission_max_iter : int, default=200
        Maximum EM iterations for the word emission.
    emission_tol : float, default=1e-4
        Relative change of the weighted log-likelihood at which EM stops.
    min_cluster_size : int, default=3
        Smallest group of atoms HDBSCAN may call a topic (``n_topics="auto"``).
    random_state : int, optional
        Seed for SAE training and k-means. The same seed gives identical results.
    verbose : bool, default=False
        Show progress bars.

    Attributes
    ----------
    sae_ : SparseAutoencoder
        The SAE (trained, or the frozen one given).
    sae_report_ : dict or None
        Training report (explained variance, L0, dead atoms, steps, seconds); None if frozen.
    atoms_ : ndarray of shape (n_atoms, n_features)
        Unit-norm atom directions (decoder rows).
    atom_word_ : ndarray of shape (n_atoms, n_words)
        Word emission ``B``; rows are distributions over the vocabulary.
    background_ : ndarray of shape (n_words,)
        Background word distribution ``P0``.
    atom_word_profile_ : ndarray of shape (n_atoms, n_words) or None
        Word profile of each atom: its documents' damped counts, each document weighted by
        the atom's squared mixture weight (:mod:`bertopic_saetm.emission.profiles`); rows
        are distributions. None for models saved without them (0.1.0).
    atom_document_words_ : ndarray of shape (n_atoms,)
        Damped vocabulary words per document behind each atom's profile
        (:func:`~bertopic_saetm.emission.profiles.document_words`); with
        ``atom_main_documents_`` it sizes the topics for :meth:`relevance_weight`. Models
        saved without it load with the words that make their small topics those of fewer
        than 50 documents, as they were.
    atom_prior_ : ndarray of shape (n_atoms,)
        Mean mixture weight of each atom over the training documents; 0 for atoms that never
        fire there (invalid atoms, excluded from topics).
    atom_selectivity_ : ndarray of shape (n_atoms,)
        Mean mixture weight of each atom on the training documents where it fires. A
        topic's words weight its atoms' rows by prior x selectivity ** gamma
        (:func:`~bertopic_saetm.merge.topic_words.topic_word_weights`; gamma 16 for
        ``topic_words="documents"``, 8 for ``"emission"``), so its focused atoms name it.
    atom_topic_vectors_ : ndarray of shape (n_atoms, dim)
        Where each atom sits for merging.
    atom_main_documents_ : ndarray of shape (n_atoms,)
        Number of training documents each atom is the strongest content atom of; the merge
        weights atoms by it (:func:`~bertopic_saetm.merge.weights.merge_weights`).
    atom_to_topic_ : ndarray of shape (n_atoms,)
        Topic of every atom, -1 for invalid and background atoms.
    background_atoms_ : ndarray of shape (n_atoms,), bool
        The diffuse and the wordless atoms, which form the background topic (see
        ``background_share``).
    topic_word_ : ndarray of shape (n_topics_, n_words)
        Word distribution of every merged topic.
    components_ : ndarray of shape (n_topics_, n_words)
        ``topic_word_`` under scikit-learn's name for a decomposition's components.
    topic_prior_ : ndarray of shape (n_topics_,)
        Mean topic weight over the training documents.
    n_topics_ : int
        Number of merged topics.
    vocabulary_ : ndarray of shape (n_words,), dtype object
    idf_ : ndarray of shape (n_words,)
        Normalised IDF weights used in the emission likelihood.
    emission_log_likelihood_ : float
        Final IDF-weighted log-likelihood per unit of weighted count.
    n_features_in_ : int
        Embedding width.
    inactive_documents_ : ndarray of int
        Indices of training documents on which no atom fires (their mixture rows are zero).
    fit_seconds_ : dict
        Wall time of each fitting stage.
    embedder_ : object or None
        The embedding model the fit used (for documents or vocabulary words), if any.

    Notes
    -----
    The fit runs the stages of :mod:`bertopic_saetm.engine.stages` (vocabulary, atoms, emission,
    merge); every parameter is validated first, so a bad value fails before any training.

    :meth:`transform` rows sum to 1 minus the document's background share (1 with
    ``background_share=0``); documents on which no (valid) atom fires have all-zero rows
    (listed in ``inactive_documents_`` for the training corpus). :meth:`predict` gives every
    document's main topic (:meth:`main_topics_of`), -1 when it has no content topic (as
    BERTopic's outliers).

    Examples
    --------
    >>> from bertopic_saetm import SAETopicModel
    >>> from bertopic_saetm.datasets import load_python_docs
    >>> corpus = load_python_docs()
    >>> model = SAETopicModel(n_topics=15, random_state=0)             # doctest: +SKIP
    >>> theta = model.fit_transform(corpus.texts, corpus.embeddings)   # doctest: +SKIP
    >>> theta.shape, model.components_.shape[0]                        # doctest: +SKIP
    ((1576, 15), 15)
    """

    #: What every parameter may be (scikit-learn's declarative form), checked at the start
    #: of every fit and re-merge, before any training.
    _parameter_constraints: dict = {
        "n_topics": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "sae": [None, SparseAutoencoder, str, os.PathLike],
        "sae_config": [None, SAETrainingConfig],
        "vectorizer": [None, HasMethods(["fit_transform", "get_feature_names_out"])],
        "embedding_model": [None, StrOptions({"default"}), Encoders(), callable],
        # A string is a source ("auto", "embedder", "decoder") or the path of a word2vec /
        # GloVe file (checked by FitEngine.from_params); gensim KeyedVectors have get_vector.
        "word_vectors": [str, os.PathLike, HasMethods(["get_vector"]), callable],
        "background_weight": [Interval(Real, 0, 1, closed="left")],
        "background_share": [Interval(Real, 0, 1, closed="left")],
        "min_document_words": [Interval(Real, 0, None, closed="left")],
        "generic_atom_power": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "atom_space": [StrOptions({"centroids", "words"})],
        "topic_words": [StrOptions(set(TOPIC_WORD_RULES))],
        "top_p": [Interval(Real, 0, 1, closed="right")],
        "emission_max_iter": [Interval(Integral, 1, None, closed="left")],
        "emission_tol": [Interval(Real, 0, None, closed="left")],
        "min_cluster_size": [Interval(Integral, 2, None, closed="left")],
        "random_state": [None, Interval(Integral, 0, 2**32 - 1, closed="both")],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_topics=20,
        *,
        sae=None,
        sae_config=None,
        vectorizer=None,
        embedding_model="default",
        atom_space="centroids",
        background_share=0.25,
        min_document_words=0.5,
        generic_atom_power="auto",
        topic_words="documents",
        word_vectors="auto",
        background_weight=0.3,
        top_p=0.9,
        emission_max_iter=200,
        emission_tol=1e-4,
        min_cluster_size=3,
        random_state=None,
        verbose=False,
    ):
        self.n_topics = n_topics
        self.sae = sae
        self.sae_config = sae_config
        self.vectorizer = vectorizer
        self.embedding_model = embedding_model
        self.atom_space = atom_space
        self.background_share = background_share
        self.min_document_words = min_document_words
        self.generic_atom_power = generic_atom_power
        self.topic_words = topic_words
        self.word_vectors = word_vectors
        self.background_weight = background_weight
        self.top_p = top_p
        self.emission_max_iter = emission_max_iter
        self.emission_tol = emission_tol
        self.min_cluster_size = min_cluster_size
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting
    def fit_engine(self, **overrides) -> FitEngine:
        """The fit engine configured from this estimator's parameters, checked first.

        Parameters
        ----------
        **overrides
            Parameters to use instead of the estimator's (``n_topics`` for a re-merge).

        Returns
        -------
        FitEngine

        Raises
        ------
        sklearn.utils._param_validation.InvalidParameterError
            (a ValueError and TypeError) naming the first bad parameter.
        """
        self._validate_params()
        return FitEngine.from_params({**self.get_params(deep=False), **overrides})

    def fit(self, documents, embeddings=None, counts=None, *, activations=None):
        """Fit the topic model on a corpus.

        Parameters
        ----------
        documents : list of str of length n_documents, or None
            None only with ``counts`` (for corpora too large to keep as strings).
        embeddings : array-like of shape (n_documents, n_features), optional
            Document embeddings (a memory-mapped ``.npy`` is read in batches); computed with
            ``embedding_model`` when omitted.
        counts : sparse matrix of shape (n_documents, n_words), optional
            A precomputed bag-of-words for the fitted ``vectorizer`` (advanced; the
            vectorizer must already be fitted and give the vocabulary).
        activations : array-like or sparse matrix of shape (n_documents, n_atoms), optional
            Atom activations computed elsewhere, e.g. a language model's token activations
            encoded by its SAE and pooled per document (``sae_lens_bridge``). Requires the
            pretrained ``sae`` they come from; embeddings are then not used.

        Returns
        -------
        self
        """
        self._adopt(self.fit_engine().fit(documents, embeddings, counts, activations))
        return self

    def begin_fit(self, documents, counts=None) -> FitRun:
        """Start a fit that runs stage by stage; :meth:`finish_fit` completes it.

        What the BERTopic backends do, as BERTopic calls its components one at a time::

            run = model.begin_fit(documents)   # parameters checked, vocabulary counted
            run.encode(embeddings)             # SAE trained (or loaded), corpus encoded
            model.finish_fit(run)              # word emission and merge: model fitted

        ``fit`` runs the same stages in one call.

        Parameters
        ----------
        documents, counts
            As for :meth:`fit`.

        Returns
        -------
        FitRun
        """
        return self.fit_engine().start(documents, counts)

    def finish_fit(self, run: FitRun) -> SAETopicModel:
        """Run the last stages of a fit :meth:`begin_fit` started; the model is then fitted.

        Parameters
        ----------
        run : FitRun
            Encoded (:meth:`FitRun.encode` ran).

        Returns
        -------
        self
        """
        if not isinstance(run, FitRun):
            raise TypeError(f"finish_fit takes the FitRun begin_fit returned, got "
                            f"{type(run).__name__}.")
        return self._adopt(run.finish())

    def _adopt(self, fitted: FitResult) -> SAETopicModel:
        # The fitted attributes a FitResult gives; parameters are not changed.
        vocabulary, encoding, emission = fitted.vocabulary, fitted.encoding, fitted.emission
        self.vectorizer_ = vocabulary.vectorizer
        self.vocabulary_ = vocabulary.words
        self.sae_ = encoding.sae
        self.sae_report_ = encoding.report
        self.atoms_ = encoding.sae.atoms()
        self.n_features_in_ = encoding.sae.d_in
        self.atom_word_ = emission.atom_word
        self.atom_word_profile_ = emission.atom_word_profile
        self.atom_document_words_ = emission.atom_document_words
        self.background_ = emission.background
        self.emission_log_likelihood_ = emission.log_likelihood
        self.emission_n_iter_ = emission.n_iter
        self.idf_ = emission.idf
        self.atom_prior_ = emission.atom_prior
        self.atom_selectivity_ = emission.atom_selectivity
        self.inactive_documents_ = emission.inactive_documents
        self.atom_topic_vectors_ = fitted.merge.topic_vectors
        self.atom_main_documents_ = fitted.merge.main_counts
        self.background_atoms_ = fitted.merge.background
        self.embedder_ = fitted.embedder
        self.fit_seconds_ = dict(fitted.fit_seconds)
        return self.set_partition(fitted.merge.atom_to_topic)

    def set_partition(self, atom_to_topic: np.ndarray) -> SAETopicModel:
        """Adopt a partition of the atoms into topics; topic words and priors follow.

        Parameters
        ----------
        atom_to_topic : ndarray of shape (n_atoms,), int
            Topic ids 0..n-1 (every id used), -1 for atoms in no topic.

        Returns
        -------
        self
        """
        atom_to_topic = np.asarray(atom_to_topic, dtype=np.int64)
        if atom_to_topic.shape != self.atom_prior_.shape:
            raise ValueError(f"atom_to_topic has shape {atom_to_topic.shape}; the model has "
                             f"{self.atom_prior_.size} atoms.")
        rule = self.topic_word_rule()
        self.n_topics_, self.topic_word_, self.topic_prior_ = topics_of(
            self._word_rows(rule), self.atom_prior_, atom_to_topic, self.atom_selectivity_,
            rule.selectivity_power)
        self.atom_to_topic_ = atom_to_topic
        return self

    def topic_word_rule(self) -> TopicWordRule:
        """The :class:`~bertopic_saetm.merge.topic_words.TopicWordRule` ``topic_words`` names."""
        if self.topic_words not in TOPIC_WORD_RULES:
            raise ValueError(f"topic_words must be one of {sorted(TOPIC_WORD_RULES)}, got "
                             f"{self.topic_words!r}.")
        return TOPIC_WORD_RULES[self.topic_words]

    def relevance_weight(self) -> float:
        """``lambda`` the topics' words are ranked by at the current number of topics
        (:meth:`TopicWordRule.relevance_for
        <bertopic_saetm.merge.topic_words.TopicWordRule.relevance_for>` of the damped words
        of the documents the atoms head, per topic)."""
        check_is_fitted(self, "topic_word_", msg=_NOT_FITTED)
        words = float(np.sum(self.atom_main_documents_ * self.atom_document_words_))
        return self.topic_word_rule().relevance_for(words / max(self.n_topics_, 1))

    def topic_word_rows(self) -> np.ndarray:
        """The atom word rows topic words are averaged from, ndarray of shape
        (n_atoms, n_words): ``atom_word_profile_`` or, with ``topic_words="emission"``,
        ``atom_word_``."""
        check_is_fitted(self, "topic_word_", msg=_NOT_FITTED)
        return self._word_rows(self.topic_word_rule())

    def _word_rows(self, rule: TopicWordRule) -> np.ndarray:
        if rule.rows == "emission":
            return self.atom_word_
        if getattr(self, "atom_word_profile_", None) is None:
            raise ValueError(
                f"topic_words={self.topic_words!r} needs atom word profiles, which models "
                "saved by 0.1.0 do not have: refit, or keep topic_words='emission'.")
        return self.atom_word_profile_

    def _generic_profiles(self) -> np.ndarray:
        # What tells the generic atoms in a re-merge: the word profiles, or the emission rows
        # of models saved by 0.1.0 (they re-merge with generic_atom_power=0 unless set).
        profiles = getattr(self, "atom_word_profile_", None)
        return self.atom_word_ if profiles is None else profiles

    def word_distributions(self, mass) -> np.ndarray:
        """Word distribution of any groups of atoms, by the model's topic-word rule (the
        BERTopic representation's merged topics, hierarchy nodes and time bins).

        Parameters
        ----------
        mass : array-like or sparse matrix of shape (n_groups, n_atoms)
            Non-negative mass of every atom in every group.

        Returns
        -------
        ndarray of shape (n_groups, n_words)
            All-zero rows for groups without mass.
        """
        check_is_fitted(self, "topic_word_", msg=_NOT_FITTED)
        rule = self.topic_word_rule()
        return group_word_distributions(self._word_rows(rule), mass, self.atom_selectivity_,
                                        rule.selectivity_power)

    def set_n_topics(self, n_topics):
        """Re-merge the atoms into ``n_topics`` topics without retraining the SAE or ``B``.

        Parameters
        ----------
        n_topics : int or "auto"

        Returns
        -------
        self
        """
        check_is_fitted(self, "topic_word_", msg=_NOT_FITTED)
        n_topics = check_n_topics(n_topics)
        engine = self.fit_engine(n_topics=n_topics)
        self.set_partition(engine.repartition(
            self.atom_topic_vectors_, self.atom_main_documents_, self.atom_prior_,
            self.background_atoms_, self._generic_profiles(), n_topics))
        self.n_topics = n_topics
        return self

    def fold_unowned_topics(self, theta) -> np.ndarray:
        """Fold topics that are no document's main topic into their nearest topic.

        Hard-label tools (BERTopic) can show only topics that head some document; the
        BERTopic backends call this on the training mixtures after every merge
        (:func:`~bertopic_saetm.merge.partition.absorb_unowned_topics`).

        Parameters
        ----------
        theta : sparse matrix of shape (n_documents, n_atoms)
            Mixtures over atoms (:meth:`transform_atoms`).

        Returns
        -------
        ndarray of shape (n_documents,), int
            Main topic of every document under the new partition (-1: no content topic).
        """
        check_is_fitted(self, "topic_word_", msg=_NOT_FITTED)
        last = {}

        def label(atom_to_topic):
            last["partition"] = atom_to_topic.copy()
            last["labels"] = self.main_topics_of(theta, atom_to_topic)
            return last["labels"]

        self.set_partition(absorb_unowned_topics(
            self.atom_to_topic_, label, self.atom_topic_vectors_, self.atom_prior_))
        # Folding stops on the partition it labelled last: keep those labels.
        if not np.array_equal(last.get("partition"), self.atom_to_topic_):
            label(self.atom_to_topic_)
        return last["labels"]

    @property
    def components_(self) -> np.ndarray:
        """``topic_word_``, ndarray of shape (n_topics_, n_words) (scikit-learn's name)."""
        check_is_fitted(self, "topic_word_", msg=_NOT_FITTED)
        return self.topic_word_

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of :meth:`transform`'s columns: ``topic_0`` .. ``topic_{n_topics_-1}``.

        Parameters
        ----------
        input_features : ignored
            Present for scikit-learn's API (the inputs are documents, not named columns).

        Returns
        -------
        ndarray of shape (n_topics_,), dtype object
        """
        check_is_fitted(self, "topic_word_", msg=_NOT_FITTED)
        return np.asarray([f"topic_{i}" for i in range(self.n_topics_)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Inputs are documents (plus optional embeddings), not a numeric 2-D array.
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags

    # ---------------------------------------------------------------- inference
    def embed_documents(self, documents) -> np.ndarray:
        """Embed documents with the model's embedding model (fitted state is not changed).

        Returns
        -------
        ndarray of shape (n_documents, n_features), float32
        """
        documents = check_documents(documents)
        embedder = getattr(self, "embedder_", None)
        if embedder is None:
            embedder = required_embedder(self.embedding_model)
        return embed(embedder, documents, self.verbose)

    def _embeddings_for(self, documents, embeddings) -> np.ndarray:
        if embeddings is None:
            if documents is None:
                raise ValueError("Pass documents or embeddings.")
            embeddings = self.embed_documents(documents)
        n_docs = None if documents is None else len(documents)
        return check_embeddings(embeddings, n_docs, self.n_features_in_)

    def transform_atoms(self, documents=None, embeddings=None, activations=None
                        ) -> sp.csr_matrix:
        """Mixture over atoms, CSR of shape (n_documents, n_atoms).

        Activations of atoms that never fired on the training corpus (no word distribution)
        are dropped, then rows are normalised; rows are all zero where nothing else fires.
        ``activations`` (precomputed, as in :meth:`fit`) replace encoding embeddings.
        """
        check_is_fitted(self, "topic_word_", msg=_NOT_FITTED)
        if activations is not None:
            acts = check_activations(activations, None, self.sae_.d_sae)
        else:
            acts = self.sae_.encode_sparse(self._embeddings_for(documents, embeddings))
        return mixtures_over(acts, self.atom_prior_ > 0)

    def transform(self, documents=None, embeddings=None, activations=None) -> np.ndarray:
        """Topic mixture of each document.

        Parameters
        ----------
        documents : list of str, optional
            Embedded with the embedding model when ``embeddings`` is omitted.
        embeddings : array-like of shape (n_documents, n_features), optional
        activations : array-like or sparse matrix of shape (n_documents, n_atoms), optional
            Precomputed atom activations (see :meth:`fit`), used instead of embeddings.

        Returns
        -------
        ndarray of shape (n_documents, n_topics_)
            Rows sum to 1 minus the document's background share; all zero for documents on
            which no atom fires.
        """
        if is_dask_collection(embeddings):
            return self._per_block(embeddings, "transform")
        return self._topic_mixture(self.transform_atoms(documents, embeddings, activations))

    def _per_block(self, embeddings, method: str):
        # A Dask array of embeddings: the method on every block where it lives; a Dask array
        # comes back, computed lazily. The model is one key of the graph, so a worker holds
        # one copy of it (inlined in every task, each task would unpickle its own).
        import dask

        check_is_fitted(self, "topic_word_", msg=_NOT_FITTED)
        if embeddings.ndim != 2 or embeddings.shape[1] != self.n_features_in_:
            raise ValueError(f"embeddings must be a 2-D Dask array of width "
                             f"{self.n_features_in_}, got shape {embeddings.shape}.")
        embeddings = embeddings.rechunk({1: -1})
        model = dask.delayed(self, traverse=False)
        if method == "transform":
            return embeddings.map_blocks(_transform_block, model, dtype=np.float64,
                                         meta=np.empty((0, 0), dtype=np.float64),
                                         chunks=(embeddings.chunks[0], (self.n_topics_,)))
        return embeddings.map_blocks(_predict_block, model, dtype=np.int64, drop_axis=1,
                                     meta=np.empty((0,), dtype=np.int64))

    def _topic_mixture(self, theta: sp.csr_matrix) -> np.ndarray:
        # Mixtures over atoms (n_documents, n_atoms) -> over topics (n_documents, n_topics_).
        return np.asarray((theta @ assignment_matrix(self.atom_to_topic_, self.n_topics_))
                          .todense())

    def predict(self, documents=None, embeddings=None, activations=None) -> np.ndarray:
        """Main topic of each document (:meth:`main_topics_of`); inputs as for :meth:`transform`.

        Returns
        -------
        ndarray of shape (n_documents,), int
            Topic ids; -1 for documents with no content-topic mass (only background atoms,
            or none, fire on them).
        """
        if is_dask_collection(embeddings):
            return self._per_block(embeddings, "predict")
        return self.main_topics_of(self.transform_atoms(documents, embeddings, activations))

    def main_topics_of(self, theta, atom_to_topic=None) -> np.ndarray:
        """Main topic of documents given their mixtures over atoms: the topic of the mixture
        its content atoms point closest to (:mod:`bertopic_saetm.merge.assignment`).

        Parameters
        ----------
        theta : sparse matrix of shape (n_documents, n_atoms)
            As :meth:`transform_atoms` returns.
        atom_to_topic : ndarray of shape (n_atoms,), optional
            A partition other than the fitted ``atom_to_topic_``.

        Returns
        -------
        ndarray of shape (n_documents,), int
            Topic ids, -1 where no content topic has mass.
        """
        check_is_fitted(self, "topic_word_", msg=_NOT_FITTED)
        atom_to_topic = np.asarray(self.atom_to_topic_ if atom_to_topic is None
                                   else atom_to_topic)
        n_topics = int(atom_to_topic.max()) + 1
        decoder = self.sae_.W_dec.detach().cpu().double().numpy()
        offsets = atom_offsets(self.atom_topic_vectors_ if self.atom_space == "centroids"
                               else None, decoder, self.sae_.b_dec.detach().cpu().numpy())
        directions = topic_directions(offsets, self.atom_prior_, atom_to_topic, n_topics)
        return assign_main_topics(theta, atom_to_topic, n_topics, decoder, directions)

    def iter_transform(self, embeddings, batch_size: int = 8192):
        """Topic mixtures batch by batch, for corpora too large to hold at once.

        Parameters
        ----------
        embeddings : array-like of shape (n_documents, n_features)
            A memory-mapped ``.npy`` (``np.load(path, mmap_mode="r")``) is read one batch at
            a time.
        batch_size : int, default=8192

        Yields
        ------
        ndarray of shape (<= batch_size, n_topics_)
            Consecutive rows of :meth:`transform`'s result; memory stays bounded by
            ``batch_size x (n_atoms + n_topics_)``.
        """
        check_is_fitted(self, "topic_word_", msg=_NOT_FITTED)
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}.")
        for start in range(0, len(embeddings), batch_size):
            yield self.transform(embeddings=embeddings[start : start + batch_size])

    def fit_transform(self, documents, embeddings=None, counts=None, *, activations=None
                      ) -> np.ndarray:
        """``fit(...).transform(...)`` on the same inputs (equal up to rounding), computed once
        from the training mixtures."""
        fitted = self.fit_engine().fit(documents, embeddings, counts, activations)
        self._adopt(fitted)
        return self._topic_mixture(fitted.encoding.theta)

    # ------------------------------------------------------------------- topics
    def word_marginal(self) -> np.ndarray:
        """The topics' prior-weighted mean word distribution, ndarray of shape (n_words,)
        (:func:`~bertopic_saetm.merge.ranking.word_marginal`)."""
        check_is_fitted(self, "topic_word_", msg=_NOT_FITTED)
        return word_marginal(self.topic_word_, self.topic_prior_)

    def get_topics(self, top_n: int = 10) -> list[list[tuple[str, float]]]:
        """Top words of every topic, most relevant first (LDAvis relevance,
        :mod:`bertopic_saetm.merge.ranking`: probability, discounted for words every topic
        uses).

        Returns
        -------
        list of length n_topics_ of lists of (word, probability)
        """
        check_is_fitted(self, "topic_word_", msg=_NOT_FITTED)
        return ranked_words(self.topic_word_, self.word_marginal(), self.vocabulary_, top_n,
                            self.relevance_weight())

    # -------------------------------------------------------------- persistence
    def save(self, path) -> Path:
        """Write the fitted model to a folder (safetensors + JSON, no pickle)."""
        from .persistence.model_files import save_model

        check_is_fitted(self, "topic_word_", msg=_NOT_FITTED)
        return save_model(self, path)

    @classmethod
    def load(cls, path) -> SAETopicModel:
        """Read a model written by :meth:`save`."""
        from .persistence.model_files import load_model

        return load_model(cls, path)
