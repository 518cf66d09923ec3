"""Hand-written loss and gradients (dense and sparse paths) against torch autograd."""

import pytest
import torch

from bertopic_saetm.sae import SAEConfig, SparseAutoencoder, gradients

D_IN, D_SAE, N = 16, 64, 100


def random_sae(architecture, k=None, b_enc_shift=0.0, seed=0, active_fraction=None):
    """Random SAE and batch. ``active_fraction`` sets each atom's encoder bias to the (large,
    negative) value at which that fraction of the batch activates it."""
    gen = torch.Generator().manual_seed(seed)
    sae = SparseAutoencoder(SAEConfig(D_IN, D_SAE, architecture, k=k))
    x = torch.randn(N, D_IN, generator=gen) * 2.0
    with torch.no_grad():
        for param in sae.parameters():
            param.copy_(torch.randn(param.shape, generator=gen))
        sae.W_dec.div_(sae.W_dec.norm(dim=1, keepdim=True))
        sae.b_enc.add_(b_enc_shift)
        if active_fraction is not None:
            pre = (x - sae.b_dec) @ sae.W_enc
            sae.b_enc.copy_(-torch.quantile(pre, 1 - active_fraction, dim=0))
    return sae, x


def autograd_reference(sae, x, l1):
    ref = SparseAutoencoder(sae.config)
    ref.load_state_dict(sae.state_dict())
    acts = ref.encode(x)
    loss = (ref.decode(acts) - x).pow(2).sum(dim=1).mean() + l1 * acts.sum(dim=1).mean()
    loss.backward()
    return loss.detach(), {name: p.grad for name, p in ref.named_parameters()}


def density(sae, x):
    with torch.no_grad():
        return float((sae.encode(x) > 0).float().mean())


class SparsePathSpy:
    """Counts calls of torch.sparse.sampled_addmm, which only the sparse path uses."""

    def __init__(self, monkeypatch):
        self.calls = 0
        original = torch.sparse.sampled_addmm

        def spy(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(torch.sparse, "sampled_addmm", spy)


def assert_matches_autograd(sae, x, l1):
    ref_loss, ref_grads = autograd_reference(sae, x, l1)
    loss = gradients.loss_and_gradients(sae, x, l1)
    assert not loss.requires_grad
    assert abs(float(loss) - float(ref_loss)) <= 1e-5 * abs(float(ref_loss))
    for name, param in sae.named_parameters():
        assert param.grad is not None, name
        assert param.grad.shape == param.shape, name
        assert param.grad.layout == torch.strided, name
        ref = ref_grads[name]
        scale = float(ref.abs().max())
        assert scale > 0, f"reference gradient of {name} is zero: the test would be vacuous"
        rel = float((param.grad - ref).abs().max()) / scale
        assert rel < 1e-5, f"{name}: relative max error {rel:.2e}"


# (architecture, k, b_enc shift, expected path). A large negative encoder bias makes the
# ReLU SAE sparse; for TopK, density is k / d_sae (a positive shift keeps all k positive).
CASES = [
    pytest.param("standard", None, 0.0, "dense", id="standard-dense"),
    pytest.param("standard", None, None, "sparse", id="standard-sparse"),
    pytest.param("topk", 32, 5.0, "dense", id="topk-dense"),
    pytest.param("topk", 4, 0.0, "sparse", id="topk-sparse"),
]


@pytest.mark.parametrize(("architecture", "k", "shift", "path"), CASES)
@pytest.mark.parametrize("l1", [0.0, 0.7])
def test_loss_and_gradients_match_autograd(architecture, k, shift, path, l1, monkeypatch):
    if shift is None:
        sae, x = random_sae(architecture, k, active_fraction=0.05)
    else:
        sae, x = random_sae(architecture, k, shift)
    rho = density(sae, x)
    if path == "dense":
        assert rho > gradients.DENSE_ABOVE
    else:
        assert 0 < rho < gradients.DENSE_ABOVE
    spy = SparsePathSpy(monkeypatch)
    assert_matches_autograd(sae, x, l1)
    assert (spy.calls > 0) == (path == "sparse")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sparse_path_other_seeds_and_l1(seed):
    sae, x = random_sae("standard", None, seed=seed, active_fraction=0.08)
    assert 0 < density(sae, x) < gradients.DENSE_ABOVE
    assert_matches_autograd(sae, x, l1=2.0)


def test_dense_and_sparse_paths_agree_on_same_batch(monkeypatch):
    # Force the same batch through both branches by moving the threshold.
    sae, x = random_sae("standard", None, seed=4, active_fraction=0.3)
    rho = density(sae, x)
    grads = {}
    for name, threshold in (("dense", 0.0), ("sparse", 1.0)):
        monkeypatch.setattr(gradients, "DENSE_ABOVE", threshold)
        for p in sae.parameters():
            p.grad = None
        loss = gradients.loss_and_gradients(sae, x, 1.3)
        grads[name] = (float(loss), {n: p.grad.clone() for n, p in sae.named_parameters()})
    assert 0 < rho < 1
    assert grads["dense"][0] == pytest.approx(grads["sparse"][0], rel=1e-6)
    for name, g in grads["dense"][1].items():
        torch.testing.assert_close(grads["sparse"][1][name], g, rtol=1e-5, atol=1e-6)


def test_no_active_atoms_gives_reconstruction_gradient_only():
    sae, x = random_sae("standard", None, -1000.0)
    assert density(sae, x) == 0
    loss = gradients.loss_and_gradients(sae, x, 2.0)
    err = sae.b_dec.detach() - x
    assert float(loss) == pytest.approx(float(err.pow(2).sum(dim=1).mean()), rel=1e-6)
    assert (sae.W_enc.grad == 0).all()
    assert (sae.b_enc.grad == 0).all()
    assert (sae.W_dec.grad == 0).all()
    torch.testing.assert_close(sae.b_dec.grad, 2 * err.mean(dim=0))


def test_gradients_overwrite_previous_grad():
    sae, x = random_sae("topk", 4)
    for p in sae.parameters():
        p.grad = torch.full_like(p, 123.0)
    assert_matches_autograd(sae, x, 0.0)


@pytest.mark.parametrize("active_fraction", [None, 0.05], ids=["dense", "sparse"])
def test_without_pre_bias_subtraction(active_fraction):
    sae, x = random_sae("standard", active_fraction=active_fraction)
    config = SAEConfig(D_IN, D_SAE, "standard", apply_b_dec_to_input=False)
    no_pre_bias = SparseAutoencoder(config)
    no_pre_bias.load_state_dict(sae.state_dict())
    assert_matches_autograd(no_pre_bias, x, 0.5)


def nested_autograd_reference(sae, x, l1, prefixes):
    ref = SparseAutoencoder(sae.config)
    ref.load_state_dict(sae.state_dict())
    acts = ref.encode(x)
    errors = [(acts[:, :m] @ ref.W_dec[:m] + ref.b_dec - x).pow(2).sum(dim=1).mean()
              for m in (*prefixes, sae.d_sae)]
    loss = sum(errors) + l1 * acts.sum(dim=1).mean()
    loss.backward()
    return loss.detach(), {name: p.grad for name, p in ref.named_parameters()}


@pytest.mark.parametrize(("architecture", "k", "shift"),
                         [("standard", None, 0.0), ("standard", None, None), ("topk", 8, 5.0)])
@pytest.mark.parametrize("prefixes", [(16,), (8, 24, 40)])
def test_nested_loss_and_gradients_match_autograd(architecture, k, shift, prefixes):
    if shift is None:
        sae, x = random_sae(architecture, k, active_fraction=0.05)
    else:
        sae, x = random_sae(architecture, k, shift)
    ref_loss, ref_grads = nested_autograd_reference(sae, x, 0.7, prefixes)
    loss = gradients.loss_and_gradients(sae, x, 0.7, prefixes)
    assert float(loss) == pytest.approx(float(ref_loss), rel=1e-5)
    plain, _ = autograd_reference(sae, x, 0.7)
    assert abs(float(loss) - float(plain)) > 1e-3 * float(plain)  # not the plain loss
    for name, param in sae.named_parameters():
        scale = float(ref_grads[name].abs().max())
        assert scale > 0, name
        assert float((param.grad - ref_grads[name]).abs().max()) / scale < 1e-5, name
