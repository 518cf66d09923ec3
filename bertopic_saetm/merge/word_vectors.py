"""Word vectors for merging atoms: where each vocabulary word sits in a semantic space.

The merge step places every atom at the average vector of its top words. Sources, in the
order the ``word_vectors="auto"`` setting tries them: the document embedder applied to the
vocabulary words, or the SAE's own decoder rows (no word vectors at all). A gensim
``KeyedVectors`` or a word2vec / GloVe text file can be given instead.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ..text.embedders import embed
from .word_vector_cache import cached_word_vectors

logger = logging.getLogger(__name__)

WORD_VECTOR_SOURCES = ("auto", "embedder", "decoder")


def _embed_words(embedder, words: list[str], verbose: bool, chunk: int = 512) -> np.ndarray:
    # Chunks under a progress bar that says what is being embedded (the embedder's own bar
    # would only say "Batches").
    progress = tqdm(total=len(words), desc=f"Embedding {len(words):,} vocabulary words",
                    unit="word", disable=not verbose, leave=False)
    parts = []
    for start in range(0, len(words), chunk):
        parts.append(embed(embedder, words[start : start + chunk]))
        progress.update(len(parts[-1]))
    progress.close()
    return np.concatenate(parts)


def load_keyed_vectors(path: str | Path, binary: bool | None = None):
    """Read word2vec or GloVe vectors with gensim, without pickle.

    Parameters
    ----------
    path : str or Path
        A word2vec file (text or binary, with its header line) or a GloVe text file
        (no header line).
    binary : bool, optional
        Binary word2vec format; guessed from the ``.bin`` suffix when omitted.

    Returns
    -------
    gensim.models.KeyedVectors
    """
    from gensim.models import KeyedVectors

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Word-vector file not found: {path}")
    binary = path.suffix == ".bin" if binary is None else binary
    if binary:
        return KeyedVectors.load_word2vec_format(str(path), binary=True)
    with open(path, encoding="utf-8", errors="replace") as handle:
        first = handle.readline().split()
    # word2vec text files start with "n_words dim"; GloVe files start with a word.
    no_header = not (len(first) == 2 and all(part.isdigit() for part in first))
    return KeyedVectors.load_word2vec_format(str(path), binary=False, no_header=no_header)


def keyed_vectors_for(keyed_vectors, words) -> tuple[np.ndarray, np.ndarray]:
    """Look words up in a gensim ``KeyedVectors``.

    Returns
    -------
    vectors : ndarray of shape (n_words, dim)
        Zero rows for words without a vector.
    found : ndarray of shape (n_words,), bool
    """
    dim = keyed_vectors.vector_size
    vectors = np.zeros((len(words), dim), dtype=np.float32)
    found = np.zeros(len(words), dtype=bool)
    for i, word in enumerate(words):
        for candidate in (word, word.lower(), word.capitalize()):
            if candidate in keyed_vectors.key_to_index:
                vectors[i] = keyed_vectors[candidate]
                found[i] = True
                break
    logger.info("Word vectors: %d of %d vocabulary words found", found.sum(), len(words))
    return vectors, found


def vocabulary_vectors(source, words, embedder=None, verbose: bool = False
                       ) -> tuple[np.ndarray, np.ndarray] | None:
    """Vectors for the vocabulary from the configured source.

    Parameters
    ----------
    source : "auto", "embedder", "decoder", str or Path, gensim KeyedVectors, or callable
        Callables map a list of words to ndarray of shape (n_words, dim).
    words : sequence of str
    embedder : object, optional
        The document embedder, for ``"embedder"`` / ``"auto"``.

    Returns
    -------
    (vectors, found) or None
        None means: use the decoder rows as topic vectors.
    """
    words = [str(w) for w in words]
    if isinstance(source, str) and source in WORD_VECTOR_SOURCES:
        if source == "decoder":
            return None
        if embedder is None:
            if source == "embedder":
                raise ValueError(
                    "word_vectors='embedder' needs an embedding model; pass embedding_model= "
                    "or choose word_vectors='decoder'."
                )
            logger.warning("No embedding model available: merging atoms by decoder directions.")
            return None
        vectors = cached_word_vectors(
            embedder, words, lambda new: _embed_words(embedder, new, verbose))
        return vectors, np.ones(len(words), dtype=bool)
    if isinstance(source, (str, Path)):
        return keyed_vectors_for(load_keyed_vectors(source), words)
    if hasattr(source, "key_to_index"):
        return keyed_vectors_for(source, words)
    if callable(source):
        vectors = np.asarray(source(words), dtype=np.float32)
        if vectors.shape[0] != len(words) or vectors.ndim != 2:
            raise ValueError(
                f"word_vectors callable returned shape {vectors.shape} for {len(words)} words."
            )
        return vectors, np.abs(vectors).sum(axis=1) > 0
    raise TypeError(
        "word_vectors must be 'auto', 'embedder', 'decoder', a path to word2vec/GloVe "
        f"vectors, a gensim KeyedVectors or a callable; got {type(source).__name__}."
    )
