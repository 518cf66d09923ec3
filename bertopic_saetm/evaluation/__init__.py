"""Evaluation of topic models: coherence (NPMI, C_V), diversity (TD, WMD), coverage of the
topics' documents by their words, agreement with labels (purity, NMI), and optional
LLM-judged ratings. Works on SAE-TM, BERTopic or lists."""

from .agreement import nmi, purity, topic_shares
from .coherence import coherence
from .coverage import topic_coverage
from .diversity import topic_diversity, wmd_diversity, word_movers_distance
from .evaluate import evaluate, topic_words
from .llm_judge import LLMJudge
from .reference import ReferenceCorpus

__all__ = ["evaluate", "topic_words", "ReferenceCorpus", "coherence", "topic_diversity",
           "wmd_diversity", "word_movers_distance", "purity", "nmi", "topic_shares",
           "topic_coverage", "LLMJudge"]
