"""Reread a pretrained SAE-Lens dictionary (GPT-2 small, residual stream) as a topic model.

    python examples/gpt2_release.py [--layer 8] [--n-topics 30] [--n-docs 2000]

Needs network access once: SAE-Lens downloads the SAE (``gpt2-small-res-jb``, 24,576 atoms)
and TransformerLens downloads GPT-2 into the Hugging Face cache. Later runs work offline
with ``HF_HUB_OFFLINE=1``; without the files, load_dictionary says what is missing.
The corpus is 20 Newsgroups from ../shared/data (any list of strings works).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
from pathlib import Path

from bertopic_saetm import SAETopicModel
from sae_lens_bridge import document_atom_activations, load_dictionary, load_language_model

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layer", type=int, default=8)
    parser.add_argument("--n-topics", type=int, default=30)
    parser.add_argument("--n-docs", type=int, default=2000)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")

    # The release records its model and how to load it (here center_writing_weights=True),
    # which hook it reads and its context size; the bridge keeps all of it in metadata.
    dictionary = load_dictionary("gpt2-small-res-jb", f"blocks.{args.layer}.hook_resid_pre")
    model = load_language_model(dictionary)

    with gzip.open(args.data / "20ng.jsonl.gz", "rt") as f:
        docs = [json.loads(line)["text"] for line in f][: args.n_docs]
    activations = document_atom_activations(model, dictionary, docs, pooling="sum",
                                            verbose=True)
    topic_model = SAETopicModel(n_topics=args.n_topics, sae=dictionary.sae, random_state=0,
                                verbose=True)
    topic_model.fit(docs, activations=activations)
    for topic, words in enumerate(topic_model.get_topics(top_n=8)):
        print(f"{topic:3d} " + " ".join(word for word, _ in words))


if __name__ == "__main__":
    main()
