"""Checks on what a loader reads: each rule written once, every failure a ``ValueError``
that names the file and the array (or JSON key) at fault.

A saved folder is data from disk: a file edited by hand, truncated, or written by other
software. Without these checks a NaN in ``atom_word_`` loads and spreads silently (every
topic then reads the first words of the vocabulary, with NaN weights), and a shape that
disagrees with the vocabulary fails much later with an error that names neither.

The loaders (:func:`~bertopic_saetm.persistence.model_files.load_model`,
:func:`~bertopic_saetm.backends.saving.load_bertopic`) describe their arrays with
:class:`Spec` and their sizes with :class:`Size`, and :func:`check_arrays` applies the
rules to all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from safetensors import SafetensorError, safe_open

#: dtype kinds by the names the specs use.
FLOAT, INTEGER, NUMBER = "f", "iu", "fiu"
_KIND_NAMES = {FLOAT: "floating-point", INTEGER: "integer", NUMBER: "numeric"}


class Size(NamedTuple):
    """A size an array's dimension must have, and where it was read (for the message).

    Attributes
    ----------
    value : int
    source : str
        E.g. ``"d_sae in sae/cfg.json"``.
    """

    value: int
    source: str


class Spec(NamedTuple):
    """What one stored array must look like.

    Attributes
    ----------
    dims : tuple of str
        Name of each dimension; a name that is a key of the sizes given to
        :func:`check_arrays` must have that size, any other name is free.
    kinds : str
        Allowed numpy dtype kinds (:data:`FLOAT`, :data:`INTEGER`, :data:`NUMBER`).
    non_negative : bool
        Whether every value must be >= 0 (probabilities, weights, counts, indices).
    """

    dims: tuple
    kinds: str = FLOAT
    non_negative: bool = False


def _first(mask: np.ndarray):
    """Index of the first True of ``mask``: an int for 1-d arrays, else a tuple (``()`` for
    a 0-d array)."""
    where = tuple(int(i) for i in np.argwhere(mask)[0])
    return where[0] if len(where) == 1 else where


def check_keys(path, mapping: Mapping, keys: Sequence[str], what: str = "keys") -> None:
    """Refuse a JSON object or array file that lacks some of ``keys``.

    Parameters
    ----------
    path : str or Path
        The file, for the message.
    mapping : mapping
    keys : sequence of str
    what : str, default="keys"
        What the keys are (``"arrays"``), for the message.
    """
    missing = [key for key in keys if key not in mapping]
    if missing:
        raise ValueError(f"{path}: missing {what} {missing}.")


def check_count(path, name: str, value, minimum: int = 0) -> int:
    """Refuse a JSON value that is not an integer >= ``minimum``; returns it.

    Parameters
    ----------
    path : str or Path
    name : str
        The JSON key.
    value : object
    minimum : int, default=0
    """
    # bool is an int to Python, but true is no count.
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{path}: {name} must be an integer >= {minimum}, got {value!r}.")
    return value


def check_equal(path, name: str, value: int, expected: Size) -> None:
    """Refuse a stored size that disagrees with the same size read elsewhere.

    Parameters
    ----------
    path : str or Path
    name : str
        What ``value`` is (a JSON key).
    value : int
    expected : Size
    """
    if value != expected.value:
        raise ValueError(
            f"{path}: {name} is {value}, but {expected.source} is {expected.value}.")


def check_vocabulary(path, vocabulary) -> Size:
    """Refuse a vocabulary that is not a list of distinct strings; returns its length.

    Parameters
    ----------
    path : str or Path
        The JSON file holding it.
    vocabulary : object
        The value of its ``"vocabulary"`` key.

    Returns
    -------
    Size
        ``n_words``.
    """
    if not isinstance(vocabulary, list) or not all(isinstance(w, str) for w in vocabulary):
        raise ValueError(f"{path}: vocabulary must be a list of strings.")
    seen = set()
    for word in vocabulary:
        if word in seen:
            raise ValueError(f"{path}: vocabulary lists {word!r} more than once.")
        seen.add(word)
    return Size(len(vocabulary), f"the length of the vocabulary in {Path(path).name}")


def check_dtype(path, name: str, array: np.ndarray, kinds: str) -> None:
    """Refuse an array whose dtype kind is not one of ``kinds`` (see :class:`Spec`)."""
    if array.dtype.kind not in kinds:
        raise ValueError(f"{path}: {name} has dtype {array.dtype}, expected "
                         f"{_KIND_NAMES.get(kinds, kinds)} values.")


def check_shape(path, name: str, array: np.ndarray, dims: Sequence[str],
                sizes: Mapping[str, Size]) -> None:
    """Refuse an array whose shape disagrees with ``dims`` and the known ``sizes``.

    Parameters
    ----------
    path : str or Path
    name : str
    array : ndarray
    dims : sequence of str
        Name of each dimension (``("n_atoms", "n_words")``).
    sizes : mapping of str to Size
        The sizes known; a dimension whose name is not here may have any length.
    """
    expected = tuple(sizes[d].value if d in sizes else None for d in dims)
    if array.ndim == len(dims) and all(e is None or e == n
                                       for e, n in zip(expected, array.shape, strict=True)):
        return
    shown = ", ".join("any" if e is None else str(e) for e in expected)
    wrong = [d for d, e, n in zip(dims, expected, array.shape, strict=False)
             if e is not None and e != n]
    sources = "".join(f"; {d} = {sizes[d].value} is {sizes[d].source}" for d in wrong)
    raise ValueError(f"{path}: {name} has shape {array.shape}, but ({', '.join(dims)}) = "
                     f"({shown}){sources}.")


def check_finite(path, name: str, array) -> None:
    """Refuse a floating-point array holding NaN or infinite values (others pass).

    Parameters
    ----------
    path : str or Path
    name : str
    array : array_like
        A numpy array, or anything ``np.asarray`` reads (a CPU tensor).
    """
    array = np.asarray(array)
    if array.dtype.kind not in "fc":
        return
    bad = ~np.isfinite(array)
    if bad.any():
        raise ValueError(f"{path}: {name} holds NaN or infinite values (first at index "
                         f"{_first(bad)}).")


def check_non_negative(path, name: str, array: np.ndarray) -> None:
    """Refuse an array holding negative values (a probability, weight, count or index)."""
    negative = array < 0
    if negative.any():
        where = _first(negative)
        raise ValueError(f"{path}: {name} holds negative values ({array[where]} at index "
                         f"{where}); it must be >= 0.")


def check_range(path, name: str, array: np.ndarray, low: int, high: int) -> None:
    """Refuse integer ids outside ``low..high`` (both included).

    Parameters
    ----------
    path : str or Path
    name : str
    array : ndarray of int
    low, high : int
    """
    outside = (array < low) | (array > high)
    if outside.any():
        where = _first(outside)
        raise ValueError(f"{path}: {name} holds {array[where]} at index {where}, outside "
                         f"{low}..{high}.")


def check_arrays(path, arrays: Mapping[str, np.ndarray], specs: Mapping[str, Spec],
                 sizes: Mapping[str, Size]) -> None:
    """Check every array of ``specs`` that ``arrays`` holds: dtype, shape, values.

    Which arrays are required is the caller's (:func:`check_keys`): older formats lack some.

    Parameters
    ----------
    path : str or Path
        The file the arrays were read from.
    arrays : mapping of str to ndarray
    specs : mapping of str to Spec
    sizes : mapping of str to Size
    """
    for name, spec in specs.items():
        if name not in arrays:
            continue
        array = arrays[name]
        check_dtype(path, name, array, spec.kinds)
        check_shape(path, name, array, spec.dims, sizes)
        check_finite(path, name, array)
        if spec.non_negative:
            check_non_negative(path, name, array)


def check_csr(path, prefix: str, arrays: Mapping[str, np.ndarray], shape: tuple) -> None:
    """Check the parts of a stored CSR matrix: ``{prefix}_data``, ``_indices``, ``_indptr``.

    ``indptr`` must start at 0, never decrease, have one entry per row plus one and end at
    the number of stored values; ``indices`` must be column numbers within ``shape[1]``.
    Dtypes, 1-d shapes and the values of ``data`` are :func:`check_arrays`' to check.

    Parameters
    ----------
    path : str or Path
    prefix : str
        ``"theta"`` for ``theta_data``, ``theta_indices``, ``theta_indptr``.
    arrays : mapping of str to ndarray
    shape : tuple of int
        (n_rows, n_columns).
    """
    data, indices, indptr = (arrays[f"{prefix}_{part}"] for part in ("data", "indices",
                                                                      "indptr"))
    n_rows, n_columns = shape
    name = f"{prefix}_indptr"
    if indptr.shape != (n_rows + 1,):
        raise ValueError(f"{path}: {name} has shape {indptr.shape}, but a matrix of "
                         f"{n_rows} rows needs {n_rows + 1} entries.")
    if indices.shape != data.shape:
        raise ValueError(f"{path}: {prefix}_indices has shape {indices.shape}, but "
                         f"{prefix}_data has {data.shape}: one column number per value.")
    if indptr[0] != 0 or indptr[-1] != data.size:
        raise ValueError(f"{path}: {name} runs from {indptr[0]} to {indptr[-1]}, but it must "
                         f"run from 0 to the {data.size} values of {prefix}_data.")
    falls = np.diff(indptr) < 0
    if falls.any():
        raise ValueError(f"{path}: {name} decreases at index {_first(falls) + 1}; row "
                         "pointers never decrease.")
    check_range(path, f"{prefix}_indices", indices, 0, n_columns - 1)


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    # numpy has no bfloat16 (SAE-Lens files may hold it); float32 holds it exactly.
    return (tensor.float() if tensor.dtype == torch.bfloat16 else tensor).numpy()


def check_sae_weights(path) -> None:
    """Refuse an SAE weights file holding NaN or infinite values, naming the tensor.

    Read here, before the SAE is built, because the message then names the tensor as the
    file stores it. One tensor is in memory at a time.

    Parameters
    ----------
    path : str or Path
        ``sae_weights.safetensors``.
    """
    try:
        # torch: safetensors' numpy reader knows no bfloat16, which SAE-Lens files may hold.
        with safe_open(str(path), framework="pt") as weights:
            for name in weights.keys():  # noqa: SIM118 - safe_open is no mapping
                check_finite(path, name, _numpy(weights.get_tensor(name)))
    except (SafetensorError, OSError) as exc:
        raise ValueError(f"{path}: not a readable safetensors file ({exc}).") from exc


def check_sae_parameters(path, sae) -> None:
    """Refuse a loaded SAE whose parameters hold NaN or infinite values.

    What the model computes with, after whatever the SAE reader did to the stored tensors
    (casts, folded scales): :func:`check_sae_weights` saw only the file.

    Parameters
    ----------
    path : str or Path
        The weights file the SAE was read from, for the message.
    sae : torch.nn.Module
    """
    for name, parameter in sae.named_parameters():
        check_finite(path, name, _numpy(parameter.detach().cpu()))
