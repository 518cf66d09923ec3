"""The fit engine: the one place where SAE-TM's stages are configured, checked and run.

:class:`FitEngine` is built from an estimator's parameters (after the estimator checked them
against its ``_parameter_constraints``) and runs the four stages of
:mod:`~bertopic_saetm.engine.stages`. A fit can run in one go (:meth:`FitEngine.fit`, what
``SAETopicModel.fit`` does) or stage by stage as BERTopic calls its components
(:meth:`FitEngine.start` gives a :class:`FitRun`: vocabulary when the corpus is bound,
:meth:`FitRun.encode` as the dimensionality step, :meth:`FitRun.finish` as the cluster
step). Both paths are the same code, check the same inputs and time the same stages. The
engine also re-merges fitted atoms (:meth:`FitEngine.repartition`), so that every merge
uses the same weights.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path

import numpy as np

from ..cluster.rows import is_dask_collection
from ..dictionaries import check_dictionary_inputs
from ..merge.weights import GENERIC_ATOM_POWER
from ..merge.word_vectors import WORD_VECTOR_SOURCES
from ..sae import SAETrainingConfig
from ..text.embedders import embed, required_embedder
from ..validation import check_activations, check_documents, check_embeddings, check_n_topics
from .stages import EmissionStage, EncodingStage, MergeStage, VocabularyStage
from .timing import stopwatch
from .values import Encoding, FitResult, Vocabulary

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FitEngine:
    """The four stages configured from one set of :class:`SAETopicModel` parameters.

    Attributes
    ----------
    vocabulary : VocabularyStage
    encoding : EncodingStage
    emission : EmissionStage
    merge : MergeStage
    embedding_model : object
        Embeds documents given without embeddings.
    verbose : bool
    """

    vocabulary: VocabularyStage
    encoding: EncodingStage
    emission: EmissionStage
    merge: MergeStage
    embedding_model: object = "default"
    verbose: bool = False

    @classmethod
    def from_params(cls, params: Mapping) -> FitEngine:
        """Configure the stages from estimator parameters (``get_params(deep=False)``).

        The estimator checks its ``_parameter_constraints`` first; this adds the checks a
        constraint cannot state (``n_topics`` is no bool, a ``word_vectors`` path exists).

        Raises
        ------
        ValueError, TypeError, FileNotFoundError
            Naming the bad parameter.
        """
        check_n_topics(params["n_topics"])
        source = params["word_vectors"]
        if isinstance(source, str) and source not in WORD_VECTOR_SOURCES \
                and not Path(source).is_file():
            raise FileNotFoundError(
                f"word_vectors={source!r} is neither one of {WORD_VECTOR_SOURCES} nor a "
                "word2vec / GloVe file.")
        verbose = bool(params["verbose"])
        generic_power = params["generic_atom_power"]
        if generic_power == "auto":
            # Measured on dictionaries trained on the corpus; on a frozen pretrained one the
            # weights lowered NPMI and grew the largest topic (docs/decisions/merge_space.md).
            generic_power = GENERIC_ATOM_POWER if params["sae"] is None else 0.0
        config = params["sae_config"]
        if isinstance(params["n_topics"], Integral):
            # A corpus-sized dictionary is sized for the topics asked for, too.
            config = (config or SAETrainingConfig()).for_topics(params["n_topics"])
        return cls(
            vocabulary=VocabularyStage(vectorizer=params["vectorizer"]),
            encoding=EncodingStage(sae=params["sae"], config=config,
                                   random_state=params["random_state"], verbose=verbose),
            emission=EmissionStage(background_weight=params["background_weight"],
                                   max_iter=params["emission_max_iter"],
                                   tol=params["emission_tol"], verbose=verbose),
            merge=MergeStage(n_topics=params["n_topics"], atom_space=params["atom_space"],
                             background_share=params["background_share"],
                             min_document_words=params["min_document_words"],
                             generic_atom_power=generic_power, word_vectors=source,
                             embedding_model=params["embedding_model"], top_p=params["top_p"],
                             min_cluster_size=params["min_cluster_size"],
                             random_state=params["random_state"], verbose=verbose),
            embedding_model=params["embedding_model"],
            verbose=verbose,
        )

    # ------------------------------------------------------------------ fitting
    def start(self, documents, counts=None, seconds: dict | None = None) -> FitRun:
        """Begin a fit stage by stage: check the corpus and run the vocabulary stage.

        Parameters
        ----------
        documents : list of str of length n_documents, or None
            None only with ``counts`` (corpora too large to keep as strings).
        counts : sparse matrix of shape (n_documents, n_words), optional
            A precomputed bag-of-words for the fitted ``vectorizer``.
        seconds : dict, optional
            Stage timings so far (the documents' embedding), continued by the run.

        Returns
        -------
        FitRun
        """
        if documents is None and counts is not None:
            n_documents = counts.shape[0]
        else:
            documents = check_documents(documents)
            n_documents = len(documents)
        seconds = {} if seconds is None else seconds
        with stopwatch(seconds, "vocabulary"):
            vocabulary = self.vocabulary.fit(documents, counts, n_documents)
        return FitRun(self, documents, n_documents, vocabulary, seconds)

    def fit(self, documents, embeddings=None, counts=None, activations=None) -> FitResult:
        """Run every stage. Inputs as for :meth:`SAETopicModel.fit`; all are checked before
        the first stage runs. A Dask bag of documents with a Dask array of embeddings is
        fitted on the current Dask cluster (:mod:`bertopic_saetm.cluster`).

        Returns
        -------
        FitResult
        """
        if is_dask_collection(documents) or is_dask_collection(embeddings):
            from ..cluster.fit import fit_on_cluster

            if counts is not None or activations is not None or embeddings is None:
                raise ValueError("On a Dask cluster, fit takes documents (a dask bag of str) "
                                 "and their embeddings (a dask array); counts= and "
                                 "activations= are for in-process fits.")
            return fit_on_cluster(self, documents, embeddings)
        if documents is not None or counts is None:
            documents = check_documents(documents)
        n_documents = counts.shape[0] if documents is None else len(documents)
        sae = self.encoding.pretrained()
        seconds: dict = {}
        embedder = None
        if activations is not None:
            activations = self.check_activations(activations, n_documents, sae)
        else:
            if embeddings is None:
                if documents is None:
                    raise ValueError("Without documents, pass embeddings= (or activations=).")
                embedder = required_embedder(self.embedding_model)
                with stopwatch(seconds, "embed"):
                    embeddings = embed(embedder, documents, self.verbose)
            embeddings = self.check_embeddings(embeddings, n_documents, sae)
        run = self.start(documents, counts, seconds=seconds)
        run.embedder = embedder
        run.encode(embeddings, activations, sae=sae, checked=True)
        return run.finish()

    def check_embeddings(self, embeddings, n_documents: int | None, sae) -> np.ndarray:
        """``embeddings`` checked for the corpus and the pretrained ``sae`` (if any)."""
        if sae is not None:
            check_dictionary_inputs(sae, np.shape(embeddings)[-1], self.embedding_model)
        return check_embeddings(embeddings, n_documents, sae.d_in if sae is not None else None)

    def check_dictionary_size(self, sae, n_documents: int, width: int) -> None:
        """Refuse, before any training, more topics than the SAE will have atoms.

        (Fewer content atoms than ``n_topics`` can only be known after the SAE is trained;
        the merge then warns and merges into all of them.)
        """
        n_topics = self.merge.n_topics
        if isinstance(n_topics, str):
            return
        if sae is not None:
            n_atoms, what = sae.d_sae, "the pretrained SAE has"
        else:
            config = self.encoding.config if self.encoding.config is not None \
                else SAETrainingConfig()
            n_atoms, what = config.atoms_for(n_documents, width), "the SAE would train"
        if n_topics > n_atoms:
            raise ValueError(
                f"n_topics={n_topics} asks for more topics than the {n_atoms} atoms {what} "
                f"on {n_documents} documents; each topic merges at least one atom. Ask for "
                "fewer topics or a larger dictionary (sae_config=SAETrainingConfig(n_atoms=...)).")

    @staticmethod
    def check_activations(activations, n_documents: int | None, sae):
        """Precomputed activations checked against the pretrained ``sae`` they come from."""
        if sae is None:
            raise ValueError("activations= needs the SAE they come from: pass sae= (a "
                             "SparseAutoencoder or an SAE-Lens folder).")
        return check_activations(activations, n_documents, sae.d_sae)

    # --------------------------------------------------------------- re-merging
    def repartition(self, topic_vectors: np.ndarray, main_counts: np.ndarray,
                    atom_prior: np.ndarray, background: np.ndarray,
                    atom_word_profile: np.ndarray, n_topics) -> np.ndarray:
        """Re-merge fitted atoms into ``n_topics`` topics (nothing is retrained).

        Same weights as the fit's merge (:meth:`MergeStage.partition`).

        Returns
        -------
        ndarray of shape (n_atoms,), int
        """
        return self.merge.partition(topic_vectors, main_counts, atom_prior, background,
                                    atom_word_profile, check_n_topics(n_topics))


class FitRun:
    """A fit in progress, run stage by stage (see :meth:`FitEngine.start`).

    Attributes
    ----------
    engine : FitEngine
    vocabulary : Vocabulary
        The vocabulary stage's value (available from the start).
    encoding : Encoding or None
        The encoding stage's value once :meth:`encode` ran.
    seconds : dict
        Wall time of every stage run so far.
    """

    def __init__(self, engine: FitEngine, documents, n_documents: int, vocabulary: Vocabulary,
                 seconds: dict):
        self.engine = engine
        self.documents = documents
        self.n_documents = n_documents
        self.vocabulary = vocabulary
        self.seconds = seconds
        self.encoding: Encoding | None = None
        self.embedder = None

    def encode(self, embeddings=None, activations=None, *, sae=None, checked: bool = False
               ) -> Encoding:
        """The encoding stage: train (or load) the SAE and encode the corpus.

        Parameters
        ----------
        embeddings : array-like of shape (n_documents, n_features), optional
            Computed with the engine's embedding model when omitted (and no activations).
        activations : sparse matrix of shape (n_documents, n_atoms), optional
            Precomputed activations of the pretrained SAE (embeddings are then not used).
        sae : SparseAutoencoder, optional
            The pretrained SAE if already loaded (else read from the stage's ``sae``).
        checked : bool, default=False
            The inputs were checked already (:meth:`FitEngine.fit`), so a memory-mapped
            corpus is not read once more for the check.

        Returns
        -------
        Encoding
        """
        engine = self.engine
        self.seconds.pop("sae", None)  # a second encode (BERTopic refit) replaces the first
        if sae is None:
            sae = engine.encoding.pretrained()
        if activations is not None:
            if not checked:
                activations = engine.check_activations(activations, self.n_documents, sae)
            engine.check_dictionary_size(sae, self.n_documents, sae.d_in)
            with stopwatch(self.seconds, "sae"):
                self.encoding = EncodingStage.adopt(sae, activations)
            return self.encoding
        if embeddings is None:
            if self.documents is None:
                raise ValueError("Without documents, pass embeddings= (or activations=).")
            self.embedder = required_embedder(engine.embedding_model)
            with stopwatch(self.seconds, "embed"):
                embeddings = embed(self.embedder, self.documents, engine.verbose)
        if not checked:
            embeddings = engine.check_embeddings(embeddings, self.n_documents, sae)
        engine.check_dictionary_size(sae, self.n_documents, np.shape(embeddings)[1])
        with stopwatch(self.seconds, "sae"):
            self.encoding = engine.encoding.fit(embeddings, sae)
        return self.encoding

    def finish(self) -> FitResult:
        """The emission and merge stages; everything the fit produced.

        Returns
        -------
        FitResult
        """
        if self.encoding is None:
            raise ValueError("FitRun.finish() needs the encoding stage: call encode() first.")
        engine, seconds = self.engine, self.seconds
        with stopwatch(seconds, "word_emission"):
            emission = engine.emission.fit(self.encoding.theta, self.vocabulary.counts)
        with stopwatch(seconds, "merge"):
            word_embedder = engine.merge.embedder(self.embedder)
            merge = engine.merge.fit(emission, self.vocabulary, self.encoding, word_embedder)
        seconds = {**seconds, "total": sum(seconds.values())}
        logger.info("SAE-TM fitted in %.1fs: %s", seconds["total"], ", ".join(
            f"{k} {v:.1f}s" for k, v in seconds.items() if k != "total"))
        return FitResult(self.vocabulary, self.encoding, emission, merge, seconds,
                         self.embedder if self.embedder is not None else word_embedder)
