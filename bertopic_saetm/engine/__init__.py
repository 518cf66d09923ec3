"""The fit engine: SAE-TM's four stages, their values, and the one engine that runs them.

:class:`FitEngine` drives every fit (``SAETopicModel.fit``, ``set_n_topics`` and the
BERTopic backends); :mod:`~bertopic_saetm.engine.stages` holds the stages and
:mod:`~bertopic_saetm.engine.values` the frozen values they return.
"""

from .engine import FitEngine, FitRun
from .stages import EmissionStage, EncodingStage, MergeStage, VocabularyStage
from .timing import stopwatch
from .values import Emission, Encoding, FitResult, Merge, Vocabulary

__all__ = ["FitEngine", "FitRun", "FitResult", "stopwatch", "VocabularyStage", "EncodingStage",
           "EmissionStage", "MergeStage", "Vocabulary", "Encoding", "Emission", "Merge"]
