"""An interpretability-style SAE on a real model, offline, reread as a topic model.

    python examples/minilm_token_sae.py [--layer 3] [--n-topics 15] [-o results/minilm_sae]

1. Load the bundled all-MiniLM-L6-v2 as a TransformerLens ``HookedEncoder``.
2. Collect token activations at one layer's residual stream on the bundled corpus
   (1,576 Python standard-library docstrings) and train an SAE on them.
3. Save it in SAE-Lens format and load it back through the bridge (as one would a
   dictionary from the hub).
4. Encode every token of every document with it, pool per document, and fit the word
   emission and merge: topics of a token-level dictionary.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np

from bertopic_saetm import SAETopicModel, SAETrainingConfig, train_sae
from bertopic_saetm.datasets import load_python_docs
from sae_lens_bridge import (
    document_atom_activations,
    load_dictionary,
    load_minilm_encoder,
    save_dictionary,
    token_activations,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layer", type=int, default=3)
    parser.add_argument("--n-topics", type=int, default=15)
    parser.add_argument("--context-size", type=int, default=128)
    parser.add_argument("--max-tokens", type=int, default=100_000)
    parser.add_argument("-o", "--out", type=Path, default=Path("results/minilm_sae"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    hook = f"blocks.{args.layer}.hook_resid_post"

    corpus = load_python_docs()
    model = load_minilm_encoder()
    tick = time.perf_counter()
    tokens = token_activations(model, corpus.texts, hook, context_size=args.context_size,
                               max_tokens=args.max_tokens, random_state=0, verbose=True)
    print(f"{tokens.shape[0]} token activations at {hook} in {time.perf_counter() - tick:.0f}s")

    sae, report = train_sae(tokens, SAETrainingConfig(expansion_factor=4, max_steps=4000),
                            random_state=0, verbose=True)
    print(f"SAE: {report.steps} steps in {report.seconds:.0f}s, explained variance "
          f"{report.explained_variance:.3f}, L0 {report.mean_l0:.1f}, {report.dead_atoms} dead")
    folder = save_dictionary(sae, args.out / "sae", metadata={
        "model_name": "sentence-transformers/all-MiniLM-L6-v2", "hook_name": hook,
        "context_size": args.context_size, "prepend_bos": False})
    dictionary = load_dictionary(folder)
    print(f"saved and reloaded {folder}: {dictionary.n_atoms} atoms at "
          f"{dictionary.hook_name}, context {dictionary.context_size}")

    tick = time.perf_counter()
    activations = document_atom_activations(model, dictionary, corpus.texts, verbose=True)
    print(f"pooled atom activations {activations.shape} in {time.perf_counter() - tick:.0f}s")
    topic_model = SAETopicModel(n_topics=args.n_topics, sae=dictionary.sae, random_state=0)
    theta = topic_model.fit_transform(corpus.texts, activations=activations)
    labels = np.asarray(corpus.labels)
    main = theta.argmax(axis=1)
    purity = sum(np.unique(labels[main == t], return_counts=True)[1].max()
                 for t in np.unique(main)) / len(labels)
    print(f"{topic_model.n_topics_} topics, purity against the {len(set(labels))} subject "
          f"areas {purity:.2f}:")
    for topic, words in enumerate(topic_model.get_topics(top_n=8)):
        print(f"  {topic:2d} ({topic_model.topic_prior_[topic]:.2f}) "
              + " ".join(word for word, _ in words))


if __name__ == "__main__":
    main()
