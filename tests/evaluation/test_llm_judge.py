"""The LLM judge against a small OpenAI-compatible server started on loopback."""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from bertopic_saetm.evaluation import LLMJudge

GROUPS = [{"cat", "dog", "horse", "cow", "sheep", "goat"},
          {"bank", "money", "stock", "market", "loan", "credit"},
          {"rain", "snow", "wind", "storm", "cloud", "sun"}]


def fake_llm(prompt: str) -> str:
    """A deterministic 'model' that knows which words belong together."""
    words = re.search(r": (.*)\.\n", prompt).group(1).split(", ")
    group_of = {w: i for i, g in enumerate(GROUPS) for w in g}
    counts = np.bincount([group_of.get(w, -1) + 1 for w in words], minlength=4)
    if "does not belong" in prompt:
        majority = int(np.argmax(counts[1:]))
        odd = [w for w in words if group_of.get(w) != majority]
        return f"The word is {odd[0]}."
    return "3" if counts[1:].max() == len(words) else "1"


class Handler(BaseHTTPRequestHandler):
    requests: list = []

    def do_POST(self):  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Handler.requests.append(body)
        if body["model"] == "broken":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"boom")
            return
        reply = fake_llm(body["messages"][0]["content"])
        payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": reply}}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


def test_rating_scores_coherent_topics_high(server):
    judge = LLMJudge(server, "fake", repetitions=2, n_words=5)
    coherent = [sorted(g)[:5] for g in GROUPS]
    mixed = [["cat", "bank", "rain", "dog", "loan"]]
    np.testing.assert_array_equal(judge.rating(coherent), [3, 3, 3])
    np.testing.assert_array_equal(judge.rating(mixed), [1])


def test_intrusion_finds_the_intruder_of_coherent_topics(server):
    Handler.requests.clear()
    judge = LLMJudge(server, "fake", repetitions=3, random_state=7, api_key="secret")
    scores = judge.intrusion([sorted(g) for g in GROUPS], n_shown=4)
    np.testing.assert_array_equal(scores, [1.0, 1.0, 1.0])
    assert len(Handler.requests) == 9
    assert [r["seed"] for r in Handler.requests[:3]] == [7, 8, 9]
    assert all(r["temperature"] == 0 for r in Handler.requests)


def test_same_seed_same_questions(server):
    topics = [sorted(g) for g in GROUPS]
    asked = []
    for _ in range(2):
        Handler.requests.clear()
        LLMJudge(server, "fake", repetitions=2, random_state=3).intrusion(topics)
        asked.append([r["messages"][0]["content"] for r in Handler.requests])
    assert asked[0] == asked[1]


def test_endpoint_errors_are_explained(server):
    with pytest.raises(RuntimeError, match="HTTP 500"):
        LLMJudge(server, "broken").rating([["cat", "dog"]])
    with pytest.raises(ConnectionError, match="Cannot reach"):
        LLMJudge("http://127.0.0.1:9/v1", "fake", timeout=2).rating([["cat", "dog"]])
    with pytest.raises(ValueError, match="at least two topics"):
        LLMJudge(server, "fake").intrusion([["cat", "dog"]])
