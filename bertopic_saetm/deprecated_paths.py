"""Import paths of 0.1.0 that moved when the package was grouped by stage (0.2).

They keep working for one release: ``import bertopic_saetm.merging`` (or ``from
bertopic_saetm.word_emission import fit_word_emission``) gives a stand-in module whose
attributes are the moved objects, and the first use of each name warns with a
``DeprecationWarning`` that gives its new home. The stand-ins are registered in
``sys.modules`` under their old names when :mod:`bertopic_saetm` is imported (only names of
this package are touched), so no file is left at the old paths. They go in 0.3.
"""

from __future__ import annotations

import importlib
import sys
import types
import warnings

#: Whole modules that moved: old path -> new path.
MOVED_MODULES = {
    "bertopic_saetm.vocabulary": "bertopic_saetm.text.vocabulary",
    "bertopic_saetm.embedders": "bertopic_saetm.text.embedders",
    "bertopic_saetm.corpus_io": "bertopic_saetm.text.corpus",
    "bertopic_saetm.mixtures": "bertopic_saetm.sae.mixtures",
    "bertopic_saetm.word_emission": "bertopic_saetm.emission.em",
    "bertopic_saetm.emission_statistics": "bertopic_saetm.emission.statistics",
    "bertopic_saetm.row_threads": "bertopic_saetm.emission.row_threads",
    "bertopic_saetm.topic_assignment": "bertopic_saetm.merge.assignment",
    "bertopic_saetm.word_ranking": "bertopic_saetm.merge.ranking",
    "bertopic_saetm.word_vectors": "bertopic_saetm.merge.word_vectors",
    "bertopic_saetm.word_vector_cache": "bertopic_saetm.merge.word_vector_cache",
    "bertopic_saetm.ctm": "bertopic_saetm.datasets.ctm",
    "bertopic_saetm.backends.persistence": "bertopic_saetm.backends.saving",
}

#: Modules split by concern: old path -> {old name: "new.module:new name"}.
SPLIT_MODULES = {
    # FitStages (configured stages) became the FitEngine, which runs them; FittedStages
    # its FitResult; Atoms (the SAE stage's value) the Encoding.
    "bertopic_saetm.stages": {
        "Vocabulary": "bertopic_saetm.engine.values:Vocabulary",
        "Atoms": "bertopic_saetm.engine.values:Encoding",
        "Emission": "bertopic_saetm.engine.values:Emission",
        "Merge": "bertopic_saetm.engine.values:Merge",
        "FittedStages": "bertopic_saetm.engine.values:FitResult",
        "VocabularyStage": "bertopic_saetm.engine.stages:VocabularyStage",
        "AtomStage": "bertopic_saetm.engine.stages:EncodingStage",
        "EmissionStage": "bertopic_saetm.engine.stages:EmissionStage",
        "MergeStage": "bertopic_saetm.engine.stages:MergeStage",
        "FitStages": "bertopic_saetm.engine.engine:FitEngine",
        "stopwatch": "bertopic_saetm.engine.timing:stopwatch",
    },
    "bertopic_saetm.merging": {
        "KMEANS_INITS": "bertopic_saetm.merge.partition:KMEANS_INITS",
        "absorb_unowned_topics": "bertopic_saetm.merge.partition:absorb_unowned_topics",
        "assignment_matrix": "bertopic_saetm.merge.partition:assignment_matrix",
        "cluster_atoms": "bertopic_saetm.merge.partition:cluster_atoms",
        "atom_centroids": "bertopic_saetm.merge.placement:atom_centroids",
        "atom_topic_vectors": "bertopic_saetm.merge.placement:atom_topic_vectors",
        "truncate_top_p": "bertopic_saetm.merge.placement:truncate_top_p",
        "atom_selectivity": "bertopic_saetm.merge.background:atom_selectivity",
        "diffuse_atoms": "bertopic_saetm.merge.background:diffuse_atoms",
        "main_atoms": "bertopic_saetm.merge.weights:main_atoms",
        "main_atom_counts": "bertopic_saetm.merge.weights:main_atom_counts",
        "merge_weights": "bertopic_saetm.merge.weights:merge_weights",
        "SELECTIVITY_POWER": "bertopic_saetm.merge.topic_words:SELECTIVITY_POWER",
        "merge_topic_word": "bertopic_saetm.merge.topic_words:merge_topic_word",
        "mixture_word_distribution": "bertopic_saetm.merge.topic_words:mixture_word_distribution",
        "topics_of": "bertopic_saetm.merge.topic_words:topics_of",
        "word_weights": "bertopic_saetm.merge.topic_words:topic_word_weights",
    },
}


def new_location(old_module: str, name: str) -> tuple[str, str] | None:
    """(new module, new name) of ``old_module.name``, or None if it did not exist there."""
    if old_module in MOVED_MODULES:
        return MOVED_MODULES[old_module], name
    target = SPLIT_MODULES.get(old_module, {}).get(name)
    return None if target is None else tuple(target.split(":"))


class MovedModule(types.ModuleType):
    """Stand-in for a module of 0.1.0: each attribute is looked up where it now lives."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        found = new_location(self.__name__, name)
        target = None if found is None else importlib.import_module(found[0])
        if target is None or not hasattr(target, found[1]):
            raise AttributeError(f"module {self.__name__!r} (moved in 0.2) has no attribute "
                                 f"{name!r}")
        warnings.warn(f"{self.__name__}.{name} moved to {found[0]}.{found[1]}; the old path "
                      "goes in 0.3.", DeprecationWarning, stacklevel=2)
        return getattr(target, found[1])

    def __dir__(self):
        if self.__name__ in MOVED_MODULES:
            return dir(importlib.import_module(MOVED_MODULES[self.__name__]))
        return sorted(SPLIT_MODULES[self.__name__])


def register() -> None:
    """Put a :class:`MovedModule` in ``sys.modules`` for every old path not imported yet."""
    for old in (*MOVED_MODULES, *SPLIT_MODULES):
        if old not in sys.modules:
            sys.modules[old] = MovedModule(old, f"Moved in 0.2; see {__name__}.")
