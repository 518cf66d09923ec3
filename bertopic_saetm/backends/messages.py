"""Error messages that several parts of the BERTopic backends raise (one text each)."""

UNBOUND = (
    "SAE-TM needs the bag-of-words of the corpus it is fitted on, and BERTopic does not pass "
    "documents to the dimensionality or cluster model. Bind the documents first: "
    "BERTopic(**backend.components(docs)).fit_transform(docs, embeddings), with the same docs "
    "in the same order (or call backend.bind(docs) before fitting)."
)

ZERO_SHOT_UNSUPPORTED = (
    "Zero-shot topic modeling (zeroshot_topic_list) replaces BERTopic's cluster model and is "
    "not supported with SAE-TM: SAE-TM topics come from merging atoms. Leave "
    "zeroshot_topic_list unset."
)

NO_ONLINE = ("SAE-TM's BERTopic backends do not support online learning (partial_fit): fit "
             "BERTopic on the whole corpus with fit_transform.")
