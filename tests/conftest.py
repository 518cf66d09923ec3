import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
if "PYTEST_XDIST_WORKER" in os.environ:
    # pytest-xdist runs one worker per core (pyproject.toml): each keeps to one thread, or
    # the workers' OpenMP, BLAS, numba and torch threads fight over the cores. Set before
    # numpy and torch are imported, which read them once.
    for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                  "NUMBA_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

# Heavy imports (torch, the package) happen inside the fixtures: pytest-xdist's controller
# loads this file too, and it only schedules.
import copy  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

#: pytest-xdist groups (``--dist loadgroup``, pyproject.toml): tests that share a costly
#: session fixture, or UMAP's numba compilation (about 20 s per process), run on the same
#: worker; every other test is grouped with its file (module fixtures are built once).
_SHARED_FIXTURE_GROUPS = {"bertopic_fit": "bertopic", "bertopic_fit_copy": "bertopic",
                          "standalone_fit": "bertopic", "fresh_interpreter": "fresh_interpreter"}
_FILE_GROUPS = {"tests/test_report.py": "bertopic"}  # a BERTopic fit and its UMAP map
#: The groups that take longest (tens of seconds each, ``--durations``), sent to the workers
#: first so that neither is left with a long group at the end.
_LONGEST_FIRST = ("bertopic", "tests/test_topic_model.py", "fresh_interpreter",
                  "tests/test_docs.py", "tests/cluster/test_cluster_fit.py",
                  "tests/test_readme.py", "tests/test_properties.py")


def _xdist_group(item) -> str:
    shared = sorted({_SHARED_FIXTURE_GROUPS[name] for name in getattr(item, "fixturenames", ())
                     if name in _SHARED_FIXTURE_GROUPS})
    path = item.nodeid.split("::")[0]
    return shared[0] if shared else _FILE_GROUPS.get(path, path)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Group the tests for pytest-xdist and put the longest groups first."""
    groups = {id(item): _xdist_group(item) for item in items}
    for item in items:
        item.add_marker(pytest.mark.xdist_group(groups[id(item)]))
    rank = {group: i for i, group in enumerate(_LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(groups[id(item)], len(rank)))  # stable


def pytest_unconfigure(config):
    """Spare the interpreter's final garbage collection over what the tests leave behind.

    At exit Python collects every object still alive; with torch, BERTopic and the session's
    fitted models loaded that takes 4-5 s per pytest-xdist worker, and the session waits
    for its workers to exit. Frozen objects are skipped (they are freed with the process).
    """
    import gc

    gc.freeze()


@pytest.fixture(scope="session", autouse=True)
def _fresh_cache_folder(tmp_path_factory):
    """The tests never read or fill the user's cache folder (word vectors, ...): one fresh
    folder per test session, so a run measures a cold start. It lives under pytest's
    temporary root, which pytest prunes (only the last few sessions are kept)."""
    before = os.environ.get("BERTOPIC_SAETM_CACHE")
    os.environ["BERTOPIC_SAETM_CACHE"] = str(tmp_path_factory.mktemp("saetm-cache"))
    yield
    if before is None:
        os.environ.pop("BERTOPIC_SAETM_CACHE", None)
    else:
        os.environ["BERTOPIC_SAETM_CACHE"] = before


@pytest.fixture(autouse=True)
def _seed_everything():
    import torch

    np.random.seed(0)  # noqa: NPY002 - legacy global RNG, for any library code using it
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def corpus():
    from bertopic_saetm.datasets import load_python_docs

    return load_python_docs()


@pytest.fixture(scope="session")
def fitted(corpus):
    """A model fitted once on the bundled corpus (default word vectors: MiniLM)."""
    from bertopic_saetm import SAETopicModel

    from .helpers import FAST_SAE

    model = SAETopicModel(n_topics=12, sae_config=FAST_SAE, random_state=0)
    model.fit(corpus.texts, corpus.embeddings)
    return model


# ----------------------------------------------- BERTopic fits (backends, evaluation)
@pytest.fixture(scope="session")
def embedder():
    from bertopic_saetm.text.embedders import load_default_embedder

    return load_default_embedder()


@pytest.fixture
def make_topic_model(corpus, embedder):
    """Fit a fresh BERTopic with SAE-TM components (a test that needs a new fit; tests that
    only change a fitted model take ``bertopic_fit_copy``)."""
    from bertopic import BERTopic

    from bertopic_saetm import SAETopicModel
    from bertopic_saetm.backends import SAETMBackend

    from .helpers import saetm_params

    def make(**overrides):
        backend = SAETMBackend(SAETopicModel(**saetm_params(**overrides)))
        topic_model = BERTopic(embedding_model=embedder,
                                        **backend.components(corpus.texts))
        topics, probs = topic_model.fit_transform(corpus.texts, corpus.embeddings)
        return topic_model, backend, topics, probs

    return make


@pytest.fixture(scope="session")
def bertopic_fit(corpus, embedder):
    """One BERTopic fit shared by read-only tests: (topic_model, backend, topics, probs)."""
    from bertopic import BERTopic

    from bertopic_saetm import SAETopicModel
    from bertopic_saetm.backends import SAETMBackend

    from .helpers import saetm_params

    backend = SAETMBackend(SAETopicModel(**saetm_params()))
    topic_model = BERTopic(embedding_model=embedder, **backend.components(corpus.texts))
    topics, probs = topic_model.fit_transform(corpus.texts, corpus.embeddings)
    return topic_model, backend, topics, probs


@pytest.fixture
def bertopic_fit_copy(bertopic_fit, embedder):
    """A private deep copy of ``bertopic_fit``, for tests that change the model (merge,
    reduce, re-topic, update): same state as a fresh fit with ``saetm_params()``, without
    fitting again. The embedder (read-only) is shared rather than copied."""
    return copy.deepcopy(bertopic_fit, memo={id(embedder): embedder})


@pytest.fixture(scope="session")
def standalone_fit(corpus):
    """``SAETopicModel(**saetm_params())`` fitted on the corpus on its own: what the BERTopic
    fit must match. Read-only; deep-copy it to change it."""
    from bertopic_saetm import SAETopicModel

    from .helpers import saetm_params

    return SAETopicModel(**saetm_params()).fit(corpus.texts, corpus.embeddings)


@pytest.fixture(scope="session")
def fresh_interpreter(tmp_path_factory):
    """The report of tests/fresh_interpreter.py's script, run once in a new interpreter."""
    from .fresh_interpreter import run

    return run(tmp_path_factory.mktemp("fresh-interpreter"))
