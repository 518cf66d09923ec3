"""LLM-judged topic quality (the paper's C_R rating and C_I word intrusion) through any
OpenAI-compatible chat endpoint (vLLM, llama.cpp server, Ollama, OpenAI...).

Protocol: each topic is shown as its top words; every question is asked ``repetitions``
times with a different, seeded shuffle and request seed.

* C_R: "how related are these words" on a 1-3 scale; the mean rating.
* C_I: the topic's top words plus one *intruder* (a top word of another topic that is not
  among this topic's top words), shuffled; the share of answers naming the intruder.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger(__name__)

RATING_PROMPT = (
    "Here are the top words of a topic found by a topic model: {words}.\n"
    "How related are these words to each other? Answer 1 (not related), 2 (somewhat "
    "related) or 3 (very related). Reply with the number only."
)
INTRUSION_PROMPT = (
    "One word in this list does not belong with the others: {words}.\n"
    "Which word is it? Reply with that word only."
)


@dataclass
class LLMJudge:
    """Asks an OpenAI-compatible chat endpoint to rate topics.

    Parameters
    ----------
    base_url : str
        Up to the API version, e.g. ``"http://127.0.0.1:8000/v1"``.
    model : str
        Model name the server expects.
    api_key : str, optional
    repetitions : int, default=3
    n_words : int, default=10
        Top words shown for the rating (5 for intrusion, plus the intruder).
    random_state : int, default=0
        Seeds shuffles, intruder choice and the request ``seed`` field.
    timeout : float, default=60
    """

    base_url: str
    model: str
    api_key: str | None = None
    repetitions: int = 3
    n_words: int = 10
    random_state: int = 0
    timeout: float = 60.0

    def ask(self, prompt: str, seed: int) -> str:
        """One chat completion at temperature 0; returns the reply text."""
        body = json.dumps({"model": self.model, "temperature": 0, "seed": int(seed),
                           "max_tokens": 16,
                           "messages": [{"role": "user", "content": prompt}]}).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        url = self.base_url.rstrip("/") + "/chat/completions"
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{url} answered HTTP {exc.code}: "
                               f"{exc.read()[:200].decode(errors='replace')}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ConnectionError(f"Cannot reach the LLM endpoint {url}: {exc}") from exc
        try:
            return str(payload["choices"][0]["message"]["content"])
        except (KeyError, IndexError, TypeError) as exc:
            raise RuntimeError(f"{url} did not answer in the chat-completions format: "
                               f"{str(payload)[:200]}") from exc

    def rating(self, topics) -> np.ndarray:
        """C_R of every topic: mean 1-3 rating over the repetitions (NaN if unparseable).

        Parameters
        ----------
        topics : list of list of str

        Returns
        -------
        ndarray of shape (n_topics,)
        """
        rng = np.random.default_rng(self.random_state)
        scores = np.full(len(topics), np.nan)
        for t, words in enumerate(topics):
            shown = [w for w in words if w][: self.n_words]
            ratings = []
            for r in range(self.repetitions):
                order = rng.permutation(len(shown))
                reply = self.ask(RATING_PROMPT.format(words=", ".join(shown[i] for i in order)),
                                 seed=self.random_state + r)
                match = re.search(r"[123]", reply)
                if match:
                    ratings.append(int(match.group()))
                else:
                    logger.warning("Unparseable rating %r for topic %d.", reply, t)
            if ratings:
                scores[t] = float(np.mean(ratings))
        return scores

    def intrusion(self, topics, n_shown: int = 5) -> np.ndarray:
        """C_I of every topic: share of repetitions where the intruder was named.

        Parameters
        ----------
        topics : list of list of str
            At least two topics (intruders come from other topics).
        n_shown : int, default=5
            Topic words shown beside the intruder.

        Returns
        -------
        ndarray of shape (n_topics,)
        """
        if len(topics) < 2:
            raise ValueError("Word intrusion needs at least two topics.")
        rng = np.random.default_rng(self.random_state)
        topics = [[w for w in words if w] for words in topics]
        scores = np.zeros(len(topics))
        for t, words in enumerate(topics):
            own = set(words)
            hits = 0
            for r in range(self.repetitions):
                others = [i for i in range(len(topics)) if i != t]
                candidates = [w for i in rng.permutation(others)
                              for w in topics[i][:n_shown] if w not in own]
                if not candidates:
                    raise ValueError(f"No intruder available for topic {t}.")
                intruder = candidates[0]
                shown = list(words[:n_shown]) + [intruder]
                shown = [shown[i] for i in rng.permutation(len(shown))]
                reply = self.ask(INTRUSION_PROMPT.format(words=", ".join(shown)),
                                 seed=self.random_state + r)
                hits += _named(reply, shown) == intruder
            scores[t] = hits / self.repetitions
        return scores


def _named(reply: str, shown: list[str]) -> str | None:
    """The shown word the reply names (the first one, if it names several)."""
    tokens = re.findall(r"[\w'-]+", reply.lower())
    for token in tokens:
        for word in shown:
            if token == word.lower():
                return word
    return None
