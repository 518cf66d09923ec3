"""SparseAutoencoder: encoding, decoding, scale folding, atoms and batched sparse encoding."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from bertopic_saetm.sae import SAEConfig, SparseAutoencoder

D_IN, D_SAE = 16, 64


def random_sae(architecture="standard", k=None, input_scale=1.0, seed=0, d_in=D_IN, d_sae=D_SAE):
    """An SAE with random weights and unit-norm decoder rows."""
    gen = torch.Generator().manual_seed(seed)
    sae = SparseAutoencoder(SAEConfig(d_in, d_sae, architecture, k=k), input_scale=input_scale)
    with torch.no_grad():
        for param in sae.parameters():
            param.copy_(torch.randn(param.shape, generator=gen))
        sae.W_dec.div_(sae.W_dec.norm(dim=1, keepdim=True))
        if architecture == "jumprelu":
            sae.threshold.copy_(torch.rand(d_sae, generator=gen))
    return sae.eval()


def random_inputs(n=40, d_in=D_IN, seed=1):
    return torch.randn(n, d_in, generator=torch.Generator().manual_seed(seed))


ARCHS = [("standard", None), ("topk", 5), ("jumprelu", None)]


@pytest.mark.parametrize(("architecture", "k"), ARCHS)
def test_encode_decode_shapes_and_non_negative(architecture, k):
    sae = random_sae(architecture, k)
    x = random_inputs(n=40)
    with torch.no_grad():
        acts = sae.encode(x)
        recon = sae.decode(acts)
        out = sae(x)
    assert acts.shape == (40, D_SAE)
    assert recon.shape == (40, D_IN)
    assert (acts >= 0).all()
    assert (acts > 0).any(), "random weights should activate some atoms"
    torch.testing.assert_close(out, recon)
    assert sae.d_in == D_IN and sae.d_sae == D_SAE


def test_standard_encode_is_relu_of_affine_map():
    sae = random_sae("standard")
    x = random_inputs()
    with torch.no_grad():
        expected = ((x - sae.b_dec) @ sae.W_enc + sae.b_enc).relu()
        torch.testing.assert_close(sae.encode(x), expected)
        # Without the shared pre-bias the decoder bias is not subtracted.
        no_pre = SparseAutoencoder(SAEConfig(D_IN, D_SAE, apply_b_dec_to_input=False))
        no_pre.load_state_dict(sae.state_dict())
        torch.testing.assert_close(no_pre.encode(x), (x @ sae.W_enc + sae.b_enc).relu())


def test_decode_is_affine_in_activations():
    sae = random_sae("standard", input_scale=2.5)
    acts = torch.rand(7, D_SAE)
    with torch.no_grad():
        expected = (acts @ sae.W_dec + sae.b_dec) / 2.5
        torch.testing.assert_close(sae.decode(acts), expected)


@pytest.mark.parametrize("k", [1, 3, 8])
def test_topk_keeps_at_most_k_largest_preactivations(k):
    sae = random_sae("topk", k)
    x = random_inputs(n=50)
    with torch.no_grad():
        pre = sae.pre_activations(x)
        acts = sae.encode(x)
    nnz = (acts != 0).sum(dim=1)
    assert (nnz <= k).all()
    # With a positive bias all k selected pre-activations are positive: exactly k survive.
    assert (nnz == k).sum() > 0
    top_values, top_idx = torch.topk(pre, k, dim=1)
    expected = torch.zeros_like(pre).scatter_(1, top_idx, top_values.relu())
    torch.testing.assert_close(acts, expected)


def test_topk_exactly_k_when_all_preactivations_positive():
    k = 4
    sae = random_sae("topk", k)
    with torch.no_grad():
        sae.b_enc.fill_(100.0)  # every pre-activation positive
        acts = sae.encode(random_inputs(n=30))
    assert ((acts > 0).sum(dim=1) == k).all()


def test_topk_drops_negative_preactivations():
    sae = random_sae("topk", 6)
    with torch.no_grad():
        sae.b_enc.fill_(-1000.0)  # every pre-activation negative
        acts = sae.encode(random_inputs(n=10))
    assert (acts == 0).all()


def test_jumprelu_zeroes_activations_at_or_below_threshold():
    sae = random_sae("jumprelu")
    x = random_inputs(n=60)
    with torch.no_grad():
        pre = sae.pre_activations(x)
        acts = sae.encode(x)
    above = pre > sae.threshold
    assert above.any() and (~above & (pre > 0)).any(), "need atoms on both sides of threshold"
    assert (acts[~above] == 0).all()
    torch.testing.assert_close(acts[above], pre[above])


def test_jumprelu_threshold_equality_is_zeroed():
    # Pre-activations exactly equal to the threshold must give zero ("at or below").
    sae = random_sae("jumprelu")
    with torch.no_grad():
        sae.W_enc.zero_()
        sae.b_enc.copy_(torch.linspace(0.1, 2.0, D_SAE))
        sae.threshold.copy_(sae.b_enc)
        sae.threshold[::2] -= 0.05  # even atoms strictly above their threshold
        acts = sae.encode(random_inputs(n=3))
    assert (acts[:, 1::2] == 0).all()
    torch.testing.assert_close(acts[:, ::2], sae.b_enc[::2].expand(3, -1))


def test_jumprelu_with_zero_threshold_is_relu():
    sae = random_sae("jumprelu")
    std = SparseAutoencoder(SAEConfig(D_IN, D_SAE, "standard"))
    with torch.no_grad():
        sae.threshold.zero_()
        std.load_state_dict({k: v for k, v in sae.state_dict().items() if k != "threshold"})
        x = random_inputs()
        torch.testing.assert_close(sae.encode(x), std.encode(x))


@pytest.mark.parametrize(("architecture", "k"), ARCHS)
def test_fold_input_scale_preserves_encoding(architecture, k):
    scale = 3.7
    sae = random_sae(architecture, k, input_scale=scale)
    x = random_inputs(n=50) * 0.2
    with torch.no_grad():
        before = sae.encode(x)
        recon_before = sae.decode(before)
        returned = sae.fold_input_scale()
        after = sae.encode(x)
        recon_after = sae.decode(after)
    assert returned is sae
    assert sae.input_scale == 1.0
    assert (before > 0).any()
    np.testing.assert_allclose(after.numpy(), before.numpy(), atol=1e-5, rtol=0)
    np.testing.assert_allclose(recon_after.numpy(), recon_before.numpy(), atol=1e-5, rtol=0)
    # Unit-norm atoms end up with norm 1 / scale (SAE-Lens's convention).
    norms = sae.W_dec.detach().norm(dim=1).numpy()
    np.testing.assert_allclose(norms, np.full(D_SAE, 1 / scale), rtol=1e-5)


def test_fold_input_scale_is_noop_at_scale_one():
    sae = random_sae("standard")
    state = {k: v.clone() for k, v in sae.state_dict().items()}
    sae.fold_input_scale()
    for name, value in sae.state_dict().items():
        assert torch.equal(value, state[name])


def test_atoms_are_unit_norm_rows_of_decoder():
    sae = random_sae("standard")
    with torch.no_grad():
        sae.W_dec.mul_(torch.linspace(0.1, 5.0, D_SAE)[:, None])
        sae.W_dec[3].zero_()
    atoms = sae.atoms()
    assert isinstance(atoms, np.ndarray) and atoms.shape == (D_SAE, D_IN)
    norms = np.linalg.norm(atoms, axis=1)
    np.testing.assert_allclose(np.delete(norms, 3), 1.0, rtol=1e-6)
    assert (atoms[3] == 0).all(), "a zero decoder row must come back as zeros, not NaN"
    # Same directions as the decoder rows.
    w = sae.W_dec.detach().numpy().astype(np.float64)
    cos = np.sum(atoms * w, axis=1) / np.maximum(np.linalg.norm(w, axis=1), 1e-12)
    np.testing.assert_allclose(np.delete(cos, 3), 1.0, rtol=1e-6)


@pytest.mark.parametrize(("architecture", "k"), ARCHS)
@pytest.mark.parametrize("batch_size", [4096, 7, 1])
def test_encode_sparse_matches_dense(architecture, k, batch_size):
    sae = random_sae(architecture, k)
    x = random_inputs(n=45)
    with torch.no_grad():
        dense = sae.encode(x).numpy()
    result = sae.encode_sparse(x.numpy(), batch_size=batch_size)
    assert sp.isspmatrix_csr(result)
    assert result.shape == (45, D_SAE)
    assert result.dtype == np.float32
    # Batching may change BLAS rounding, nothing else.
    np.testing.assert_allclose(result.toarray(), dense, atol=1e-5, rtol=0)
    np.testing.assert_array_equal(result.toarray() != 0, dense != 0)
    assert result.nnz == np.count_nonzero(dense)


def test_encode_sparse_reads_memmap(tmp_path):
    sae = random_sae("topk", 5)
    x = random_inputs(n=33).numpy()
    np.save(tmp_path / "x.npy", x)
    mm = np.load(tmp_path / "x.npy", mmap_mode="r")
    assert isinstance(mm, np.memmap)
    result = sae.encode_sparse(mm, batch_size=8)
    with torch.no_grad():
        dense = sae.encode(torch.as_tensor(x)).numpy()
    assert result.shape == (33, D_SAE)
    np.testing.assert_allclose(result.toarray(), dense, atol=1e-5, rtol=0)
    np.testing.assert_array_equal(result.toarray() != 0, dense != 0)


def test_encode_sparse_float64_input_and_empty_input():
    sae = random_sae("standard")
    x = random_inputs(n=12).numpy().astype(np.float64)
    with torch.no_grad():
        dense = sae.encode(torch.as_tensor(x, dtype=torch.float32)).numpy()
    np.testing.assert_array_equal(sae.encode_sparse(x).toarray(), dense)
    empty = sae.encode_sparse(np.zeros((0, D_IN), dtype=np.float32))
    assert empty.shape == (0, D_SAE)
    assert empty.nnz == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"d_in": 4, "d_sae": 8, "architecture": "gated"},
        {"d_in": 0, "d_sae": 8},
        {"d_in": 4, "d_sae": 0},
        {"d_in": 4, "d_sae": 8, "architecture": "topk"},
        {"d_in": 4, "d_sae": 8, "architecture": "topk", "k": 0},
        {"d_in": 4, "d_sae": 8, "architecture": "topk", "k": 9},
    ],
)
def test_sae_config_validation(kwargs):
    with pytest.raises(ValueError):
        SAEConfig(**kwargs)


def test_jumprelu_has_threshold_parameter_others_do_not():
    names = {n for n, _ in random_sae("jumprelu").named_parameters()}
    assert names == {"W_enc", "b_enc", "W_dec", "b_dec", "threshold"}
    assert "threshold" not in {n for n, _ in random_sae("standard").named_parameters()}


@pytest.mark.parametrize(("architecture", "k"), ARCHS)
def test_fold_decoder_norm_keeps_reconstruction_and_scales_activations(architecture, k):
    sae = random_sae(architecture, k)
    norms = torch.linspace(0.5, 2.0, D_SAE) if architecture != "topk" else torch.full(
        (D_SAE,), 3.0)
    with torch.no_grad():
        sae.W_dec.mul_(norms[:, None])
        x = random_inputs()
        before_acts, before_out = sae.encode(x), sae(x)
        sae.fold_decoder_norm()
        torch.testing.assert_close(sae.W_dec.norm(dim=1), torch.ones(D_SAE))
        torch.testing.assert_close(sae.encode(x), before_acts * norms, rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(sae(x), before_out, rtol=1e-5, atol=1e-5)


def test_fold_decoder_norm_refuses_unequal_topk_norms():
    sae = random_sae("topk", 5)
    with torch.no_grad():
        sae.W_dec.mul_(torch.linspace(0.5, 2.0, D_SAE)[:, None])
    with pytest.raises(ValueError, match="TopK"):
        sae.fold_decoder_norm()
