"""The reference corpus coherence is measured on: the documents tokenised with the model's
vocabulary (word order kept, for sliding windows)."""

from __future__ import annotations

from dataclasses import dataclass

from ..text.vocabulary import default_vectorizer
from ..validation import check_documents


@dataclass
class ReferenceCorpus:
    """Tokenised documents and their gensim dictionary.

    Attributes
    ----------
    texts : list of list of str
        Every document as its vocabulary tokens, in order.
    dictionary : gensim.corpora.Dictionary
    """

    texts: list
    dictionary: object

    @classmethod
    def from_documents(cls, documents, vocabulary=None, vectorizer=None) -> ReferenceCorpus:
        """Tokenise ``documents`` with ``vectorizer``'s analyzer, keeping ``vocabulary`` words.

        Parameters
        ----------
        documents : list of str
        vocabulary : iterable of str, optional
            Words to keep; default: the vocabulary ``vectorizer`` learns on ``documents``.
        vectorizer : scikit-learn vectorizer, optional
            Default: :func:`~bertopic_saetm.default_vectorizer` (the paper's filtering).
        """
        from gensim.corpora import Dictionary

        documents = check_documents(documents)
        vectorizer = vectorizer if vectorizer is not None else default_vectorizer()
        if vocabulary is None:
            vocabulary = vectorizer.fit(documents).get_feature_names_out()
        keep = {str(word) for word in vocabulary}
        analyzer = vectorizer.build_analyzer()
        texts = [[token for token in analyzer(doc) if token in keep] for doc in documents]
        return cls(texts=texts, dictionary=Dictionary(texts))

    @classmethod
    def for_model(cls, model, documents) -> ReferenceCorpus:
        """The reference for a fitted SAETopicModel: its own vectorizer and vocabulary."""
        return cls.from_documents(documents, model.vocabulary_, model.vectorizer_)
