"""Two torch.distributed ranks (gloo, CPU) train the SAE one process trains."""

import numpy as np
import pytest
import torch.distributed as dist
import torch.multiprocessing as mp

from bertopic_saetm.sae import SAETrainingConfig, train_sae
from bertopic_saetm.sae.data_parallel import DataParallel

CONFIG = SAETrainingConfig(n_atoms=32, batch_size=64, min_steps=60, max_steps=80)


def _data() -> np.ndarray:
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((6, 16))
    return (centres[rng.integers(0, 6, 400)] + 0.3 * rng.standard_normal((400, 16))
            ).astype(np.float32)


def _rank(rank: int, world_size: int, store: str, out: str, memory_map: str | None) -> None:
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank,
                            world_size=world_size)
    try:
        X = np.load(memory_map, mmap_mode="r") if memory_map else _data()
        sae, report = train_sae(X, CONFIG, random_state=0, parallel=DataParallel())
        np.savez(f"{out}{rank}.npz", steps=report.steps,
                 **{name: p.detach().numpy() for name, p in sae.named_parameters()})
    finally:
        dist.destroy_process_group()


@pytest.mark.parametrize("memory_mapped", [False, True])
def test_two_ranks_train_the_sae_of_one_process(tmp_path, memory_mapped):
    memory_map = None
    if memory_mapped:  # each rank reads only its share of every batch from the file
        memory_map = str(tmp_path / "x.npy")
        np.save(memory_map, _data())
    mp.spawn(_rank, args=(2, str(tmp_path / "store"), str(tmp_path / "rank"), memory_map),
             nprocs=2, join=True)
    alone, report = train_sae(_data(), CONFIG, random_state=0)
    ranks = [np.load(tmp_path / f"rank{r}.npz") for r in range(2)]
    for name, parameter in alone.named_parameters():
        np.testing.assert_array_equal(ranks[0][name], ranks[1][name], err_msg=name)
        np.testing.assert_allclose(ranks[0][name], parameter.detach().numpy(), rtol=0,
                                   atol=1e-5, err_msg=name)
    assert int(ranks[0]["steps"]) == int(ranks[1]["steps"]) == report.steps


def test_data_parallel_needs_a_process_group_and_an_even_batch(tmp_path):
    if not dist.is_initialized():
        with pytest.raises(RuntimeError, match="init_process_group"):
            DataParallel()
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0,
                            world_size=1)
    try:
        parallel = DataParallel()
        parallel.world_size = 3  # as a rank of three would see it
        with pytest.raises(ValueError, match="multiple of the 3 ranks"):
            train_sae(_data(), CONFIG, random_state=0, parallel=parallel)
        np.testing.assert_array_equal(parallel.share(np.arange(9)), [0, 1, 2])
    finally:
        dist.destroy_process_group()
