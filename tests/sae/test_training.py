"""train_sae: determinism, report, unit-norm atoms, convergence (and its warning),
validation, TopK."""

import copy
import dataclasses
import math
import re
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning

from bertopic_saetm.datasets.ctm import sample_ctm
from bertopic_saetm.sae import SAETrainingConfig, SparseAutoencoder, train_sae
from bertopic_saetm.sae.training import (
    kmeans_directions,
    not_converged_message,
    plan_steps,
    resolve_device,
)

# Most tests here train a few dozen steps on purpose, which stops at max_steps before the
# loss plateaus; the warning that gives is checked by the test_convergence_warning_* tests
# (pytest.warns and catch_warnings there override this filter).
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N_DOCS, DIM = 600, 24
#: Small, fast schedule: 200 steps of 100 documents.
FAST = SAETrainingConfig(device="cpu", batch_size=100, min_steps=200, max_steps=200)


@pytest.fixture(scope="module")
def ctm_embeddings():
    return sample_ctm(N_DOCS, n_topics=12, dim=DIM, random_state=0).embeddings


@pytest.fixture(scope="module")
def trained(ctm_embeddings):
    X = ctm_embeddings.copy()
    sae, report = train_sae(X, FAST, random_state=3)
    np.testing.assert_array_equal(X, ctm_embeddings)  # training must not modify its input
    return sae, report


def params(sae: SparseAutoencoder) -> dict:
    return {name: p.detach().clone() for name, p in sae.named_parameters()}


def test_same_seed_gives_bitwise_identical_weights(ctm_embeddings, trained):
    sae, report = trained
    again, report2 = train_sae(ctm_embeddings, FAST, random_state=3)
    for name, value in params(sae).items():
        assert torch.equal(value, params(again)[name]), name
    assert report.steps == report2.steps
    assert report.explained_variance == report2.explained_variance


def test_different_seeds_give_different_weights(ctm_embeddings, trained):
    sae, _ = trained
    other, _ = train_sae(ctm_embeddings, FAST, random_state=4)
    for name in ("W_enc", "W_dec"):
        assert not torch.allclose(params(sae)[name], params(other)[name], atol=1e-3), name


def test_random_state_none_trains():
    X = sample_ctm(200, 6, 12, random_state=1).embeddings
    cfg = SAETrainingConfig(device="cpu", batch_size=50, min_steps=40, max_steps=40)
    a, _ = train_sae(X, cfg)
    b, _ = train_sae(X, cfg)
    assert not torch.equal(a.W_dec, b.W_dec)


def test_returned_sae_shape_and_state(ctm_embeddings, trained):
    sae, report = trained
    assert sae.d_in == DIM and sae.d_sae == FAST.atoms_for(len(ctm_embeddings), DIM)
    assert sae.config.architecture == "standard"
    assert sae.input_scale == 1.0, "the input scale must be folded into the weights"
    assert not sae.training
    assert all(not p.requires_grad for p in sae.parameters())
    assert all(p.device.type == "cpu" for p in sae.parameters())
    assert report.device == "cpu"


def test_report_fields_are_sane(ctm_embeddings, trained):
    sae, report = trained
    assert 0.0 <= report.explained_variance <= 1.0
    assert report.explained_variance > 0.8, "CTM data is easy to reconstruct"
    assert 0 <= report.dead_atoms < sae.d_sae
    assert 0 < report.mean_l0 < sae.d_sae
    assert 1 <= report.steps <= report.planned_steps <= FAST.max_steps
    assert report.planned_steps == plan_steps(N_DOCS, FAST) == 200
    assert report.seconds > 0
    assert math.isfinite(report.final_loss) and report.final_loss > 0
    mean_norm = np.linalg.norm(ctm_embeddings.astype(np.float64), axis=1).mean()
    assert report.input_scale == pytest.approx(math.sqrt(DIM) / mean_norm, rel=1e-9)
    as_dict = report.to_dict()
    assert as_dict["steps"] == report.steps and set(as_dict) >= {"converged", "dead_atoms"}


def test_report_statistics_match_the_returned_sae(ctm_embeddings, trained):
    # The report is computed before folding the scale: recomputing it from the returned SAE
    # on raw embeddings must agree.
    sae, report = trained
    X = torch.as_tensor(ctm_embeddings)
    with torch.no_grad():
        acts = sae.encode(X)
        recon = sae.decode(acts)
    X64 = X.double()
    ev = 1 - float((recon.double() - X64).pow(2).sum()) / float((X64 - X64.mean(0)).pow(2).sum())
    assert report.explained_variance == pytest.approx(ev, abs=1e-4)
    assert report.mean_l0 == pytest.approx(float((acts > 0).sum(dim=1).double().mean()), rel=1e-3)
    dead = int((~(acts > 0).any(dim=0)).sum())
    assert abs(report.dead_atoms - dead) <= 1


def test_atoms_unit_norm_and_decoder_carries_folded_scale(trained):
    sae, report = trained
    np.testing.assert_allclose(np.linalg.norm(sae.atoms(), axis=1), 1.0, rtol=1e-6)
    raw_norms = sae.W_dec.detach().double().norm(dim=1).numpy()
    np.testing.assert_allclose(raw_norms, 1.0 / report.input_scale, rtol=1e-5)


def test_convergence_stops_before_the_plan(ctm_embeddings):
    cfg = SAETrainingConfig(device="cpu", batch_size=100, min_steps=3000, max_steps=3000)
    with warnings.catch_warnings():
        # Converged, hence no ConvergenceWarning (an error here if one were raised).
        warnings.simplefilter("error", ConvergenceWarning)
        sae, report = train_sae(ctm_embeddings, cfg, random_state=0)
    assert report.planned_steps == 3000
    assert report.converged
    assert report.steps < report.planned_steps
    # The plan's first half always runs; after the plateau the learning rate anneals for
    # decay_fraction of the steps so far.
    assert report.steps > report.planned_steps // 2
    assert report.explained_variance > 0.8


def test_short_plan_runs_to_the_end_without_converging(ctm_embeddings):
    cfg = SAETrainingConfig(device="cpu", batch_size=100, min_steps=100, max_steps=100)
    _, report = train_sae(ctm_embeddings, cfg, random_state=0)
    assert not report.converged
    assert report.steps == report.planned_steps == 100


def test_convergence_warning_when_max_steps_stops_training(ctm_embeddings):
    # 600 documents, batches of 100: windows of 50 steps (check_every), compared at steps
    # 100, 150 and 200; a plateau could stop training only between steps 100 and 140.
    with pytest.warns(ConvergenceWarning, match="Raise max_steps") as caught:
        _, report = train_sae(ctm_embeddings, FAST, random_state=3)
    assert not report.converged and report.steps == FAST.max_steps == 200
    [warning] = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    message = str(warning.message)
    assert message.startswith("SAE training stopped at max_steps=200 (200 steps) without "
                              "converging")
    assert "50-step" in message and "tol=0.005" in message
    # The figure of how far it was from converging: the last relative improvement.
    figure = float(re.search(r"(?:by |mean loss \()(-?\d[\d.e+-]*)", message).group(1))
    assert math.isfinite(figure)
    assert ("not yet under" in message) == (figure >= FAST.tol)
    assert warning.filename == __file__, "stacklevel must point at the caller of train_sae"


def test_no_convergence_warning_when_the_plan_ends_before_max_steps(ctm_embeddings):
    # The plan (min_steps) is shorter than the cap: the run did what was asked of it.
    cfg = SAETrainingConfig(device="cpu", batch_size=100, target_epochs=1.0, min_steps=100,
                            max_steps=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        _, report = train_sae(ctm_embeddings, cfg, random_state=0)
    assert not report.converged and report.steps == report.planned_steps == 100


@pytest.mark.parametrize(("improvement", "expected"), [
    (None, "no two 50-step loss windows after the warm-up were compared, so the plateau test "
           "(relative improvement under tol=0.005) never ran"),
    (0.0123, "the mean loss of the last 50-step window improved on the window before by "
             "0.0123 (relative), not yet under the plateau tolerance tol=0.005"),
    # A loss that went up also passes the plateau test (improvement under tol).
    (-0.02, "the last relative improvement of the mean loss (-0.02, over 50-step windows) "
            "fell under tol=0.005"),
    (0.001, "the last relative improvement of the mean loss (0.001, over 50-step windows) "
            "fell under tol=0.005 only outside the part of the plan where a plateau stops"),
])
def test_convergence_warning_text_gives_the_improvement_against_tol(improvement, expected):
    message = not_converged_message(200, FAST, 50, improvement)
    assert message.startswith("SAE training stopped at max_steps=200 (200 steps) without "
                              "converging: ")
    assert expected in message
    assert message.endswith("Raise max_steps (SAETrainingConfig; SAETopicModel's sae_config) "
                            "to let it converge.")


def test_plan_steps_is_clipped():
    cfg = SAETrainingConfig(target_epochs=2.0, batch_size=10, min_steps=50, max_steps=400)
    assert plan_steps(100, cfg) == 50  # 20 steps, raised to min_steps
    assert plan_steps(1_000, cfg) == 200
    assert plan_steps(100_000, cfg) == 400


def test_batch_larger_than_data(ctm_embeddings):
    X = ctm_embeddings[:30]
    cfg = SAETrainingConfig(device="cpu", batch_size=1000, min_steps=50, max_steps=50)
    sae, report = train_sae(X, cfg, random_state=0)
    assert report.steps == 50
    assert np.isfinite(sae.W_dec.detach().numpy()).all()


def test_memmap_training_matches_in_memory(ctm_embeddings, tmp_path):
    np.save(tmp_path / "x.npy", ctm_embeddings)
    mm = np.load(tmp_path / "x.npy", mmap_mode="r")
    cfg = SAETrainingConfig(device="cpu", batch_size=100, min_steps=60, max_steps=60)
    a, ra = train_sae(ctm_embeddings, cfg, random_state=5)
    b, rb = train_sae(mm, cfg, random_state=5)
    # Same batches (row order inside a batch differs only in summation order).
    assert ra.input_scale == rb.input_scale
    torch.testing.assert_close(a.W_dec, b.W_dec, atol=1e-4, rtol=1e-4)
    assert rb.explained_variance == pytest.approx(ra.explained_variance, abs=1e-4)


def test_topk_training_respects_k(ctm_embeddings):
    k = 3
    cfg = SAETrainingConfig(
        device="cpu", architecture="topk", k=k, batch_size=100, min_steps=200, max_steps=200
    )
    sae, report = train_sae(ctm_embeddings, cfg, random_state=0)
    assert sae.config.architecture == "topk" and sae.config.k == k
    assert report.mean_l0 <= k
    acts = sae.encode_sparse(ctm_embeddings)
    assert np.diff(acts.indptr).max() <= k
    assert report.explained_variance > 0.8
    np.testing.assert_allclose(
        sae.W_dec.detach().double().norm(dim=1).numpy(), 1.0 / report.input_scale, rtol=1e-5
    )


def test_all_zero_embeddings_raise():
    with pytest.raises(ValueError, match="zero"):
        train_sae(np.zeros((50, 8), dtype=np.float32), FAST, random_state=0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"architecture": "gated"},
        {"architecture": "jumprelu"},  # loadable, not trainable
        {"min_steps": 500, "max_steps": 100},
        {"learning_rate": -1e-3},
        {"l1_coefficient": -1.0},
        {"warmup_fraction": 1.0},
        {"warmup_fraction": -0.1},
        {"decay_fraction": 1.0},
        {"batch_size": 0},
        {"expansion_factor": 0},
        {"n_atoms": 0},
        {"n_atoms": 2.5},
        {"n_atoms": 64, "expansion_factor": 2},
        {"check_every": 0},
        {"tol": float("nan")},
        {"kmeans_init": -0.1},
        {"kmeans_init": 1.5},
        {"kmeans_init": True},
        {"kmeans_init": "half"},
        {"kmeans_init": float("nan")},
        {"n_workers": -1},
        {"n_workers": 1.5},
        {"n_workers": True},
    ],
)
def test_training_config_validation(kwargs):
    with pytest.raises(ValueError):
        SAETrainingConfig(**kwargs)


def test_dictionary_size_follows_the_corpus_unless_fixed():
    from bertopic_saetm.sae.config import auto_n_atoms

    sizes = [auto_n_atoms(n, 384) for n in (10, 1_576, 18_846, 207_306, 10**7)]
    assert sizes == [64, 128, 384, 1344, 1536]  # 3 sqrt(n) in steps of 64, in [64, 4 d]
    assert all(s % 64 == 0 for s in sizes) and sizes == sorted(sizes)
    assert SAETrainingConfig().atoms_for(18_846, 384) == 384
    assert SAETrainingConfig(n_atoms=100).atoms_for(18_846, 384) == 100
    assert SAETrainingConfig(expansion_factor=2).atoms_for(10, 384) == 768
    paper = SAETrainingConfig.paper()
    assert paper.atoms_for(10, 384) == 1536 and paper.target_epochs == 30
    assert paper.kmeans_init == 0 == SAETrainingConfig().kmeans_init
    assert SAETrainingConfig.paper(device="cpu").device == "cpu"


def test_default_training_sizes_the_dictionary_to_the_corpus(ctm_embeddings):
    cfg = SAETrainingConfig(device="cpu", min_steps=20, max_steps=20)
    sae, _ = train_sae(ctm_embeddings, cfg, random_state=0)
    n, d = ctm_embeddings.shape
    assert sae.d_sae == SAETrainingConfig().atoms_for(n, d) < 4 * d


def test_sparser_preset_doubles_the_sized_dictionary_within_bounds():
    sparser = SAETrainingConfig.sparser()
    assert sparser.l1_coefficient == 3 and sparser.architecture == "standard"
    sizes = [sparser.atoms_for(n, 384) for n in (10, 1_576, 18_846, 207_306)]
    assert sizes == [128, 256, 768, 1536]  # 2 x (64, 128, 384, 1344), at most 4 x d
    assert SAETrainingConfig(atoms_scale=0.5).atoms_for(18_846, 384) == 192
    assert SAETrainingConfig(atoms_scale=0.1).atoms_for(10, 384) == 64
    assert SAETrainingConfig.sparser(l1_coefficient=4).l1_coefficient == 4


@pytest.mark.parametrize("kwargs", [{"atoms_scale": 0}, {"atoms_scale": -1.0},
                                    {"atoms_scale": float("nan")},
                                    {"atoms_scale": 2, "n_atoms": 100},
                                    {"atoms_scale": 2, "expansion_factor": 4}])
def test_atoms_scale_is_validated(kwargs):
    with pytest.raises(ValueError, match="atoms_scale"):
        SAETrainingConfig(**kwargs)


def test_training_config_to_dict_round_trips():
    cfg = SAETrainingConfig(architecture="topk", k=7, max_steps=999)
    assert SAETrainingConfig(**cfg.to_dict()) == cfg


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA"):
            resolve_device("cuda")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_embeddings_raise(bad):
    X = np.random.default_rng(0).standard_normal((100, 8)).astype(np.float32)
    X[17, 3] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        train_sae(X, FAST, random_state=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_training_and_encoding_run_on_the_gpu(corpus):
    from bertopic_saetm import SAETopicModel

    config = SAETrainingConfig(device="cuda", expansion_factor=1, min_steps=100, max_steps=100)
    model = SAETopicModel(n_topics=5, sae_config=config, word_vectors="decoder",
                          random_state=0).fit(corpus.texts, corpus.embeddings)
    assert model.sae_report_["device"].startswith("cuda")
    assert model.sae_.W_enc.device.type == "cuda"
    cpu = copy.deepcopy(model.sae_).to("cpu")
    np.testing.assert_allclose(model.sae_.encode_sparse(corpus.embeddings[:64]).toarray(),
                               cpu.encode_sparse(corpus.embeddings[:64]).toarray(), atol=1e-4)


def planted_clusters(n_per: int = 60, n_clusters: int = 8, dim: int = 24, seed: int = 0):
    """Documents around ``n_clusters`` random unit directions, and those directions."""
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(n_clusters, dim))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    noise = rng.normal(scale=0.1, size=(n_per * n_clusters, dim))
    X = np.repeat(directions, n_per, axis=0) * 3 + noise
    return X, directions


def best_cosines(atoms: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """For every planted direction, the cosine of the atom closest to it."""
    return (directions @ atoms.T).max(axis=1)


def test_kmeans_directions_recover_cluster_directions():
    X, directions = planted_clusters()
    found = kmeans_directions(X - X.mean(axis=0), 8, seed=0)
    np.testing.assert_allclose(np.linalg.norm(found, axis=1), 1.0)
    centred = directions - directions.mean(axis=0)
    centred /= np.linalg.norm(centred, axis=1, keepdims=True)
    assert best_cosines(found, centred).min() > 0.98
    # Degenerate inputs (every row the same) give zero rows, not NaN.
    assert not kmeans_directions(np.zeros((10, 4)), 3, seed=0).any()


@pytest.mark.parametrize("share, n_started", [(1.0, 16), (0.5, 8), (0.0, 0)])
def test_kmeans_init_starts_that_share_of_atoms_at_document_clusters(share, n_started):
    # One short step at a tiny learning rate: the atoms are still where they started.
    X, directions = planted_clusters()
    cfg = SAETrainingConfig(device="cpu", n_atoms=16, kmeans_init=share, batch_size=480,
                            min_steps=1, max_steps=1, learning_rate=1e-9)
    sae, _ = train_sae(X, cfg, random_state=0)
    atoms = sae.atoms()
    centred = directions - directions.mean(axis=0)
    centred /= np.linalg.norm(centred, axis=1, keepdims=True)
    near = (np.abs(centred @ atoms.T) > 0.9).any(axis=0)  # atoms that sit on a cluster
    assert near[:n_started].all() and near.sum() == n_started


def test_kmeans_init_keeps_runs_reproducible_and_differs_from_random_atoms():
    X, _ = planted_clusters()
    cfg = SAETrainingConfig(device="cpu", n_atoms=16, batch_size=100, min_steps=30,
                            max_steps=30, kmeans_init=0.5)
    first, _ = train_sae(X, cfg, random_state=5)
    again, _ = train_sae(X, cfg, random_state=5)
    for name, value in params(first).items():
        torch.testing.assert_close(value, params(again)[name], rtol=0, atol=0)
    random_atoms, _ = train_sae(X, dataclasses.replace(cfg, kmeans_init=0.0), random_state=5)
    assert not torch.equal(first.W_dec, random_atoms.W_dec)


def test_max_topics_sizes_the_dictionary_for_that_many_topics():
    # 1.6 atoms a topic in steps of 64, at most n / 5 topics, never below the sized rule.
    assert SAETrainingConfig(max_topics=500).atoms_for(18_846, 384) == 832
    assert SAETrainingConfig(max_topics=500).atoms_for(1_576, 384) == 512  # 315 topics
    assert SAETrainingConfig(max_topics=10).atoms_for(18_846, 384) == 384
    assert SAETrainingConfig(max_topics=5000).atoms_for(10**6, 384) == 1536  # at most 4 x d
    assert SAETrainingConfig(max_topics=500, atoms_scale=2).atoms_for(18_846, 384) == 832


@pytest.mark.parametrize("kwargs", [{"max_topics": 0}, {"max_topics": 2.5},
                                    {"max_topics": True},
                                    {"max_topics": 50, "n_atoms": 100},
                                    {"max_topics": 50, "expansion_factor": 4}])
def test_max_topics_is_validated(kwargs):
    with pytest.raises(ValueError, match="max_topics"):
        SAETrainingConfig(**kwargs)
