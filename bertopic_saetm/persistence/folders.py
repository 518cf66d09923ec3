"""Model folders on disk: written under a temporary name and renamed into place; read
with their JSON header checked (format name and version)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from safetensors import SafetensorError
from safetensors.numpy import load_file


def write_folder_atomically(path, write, marker: str, what: str) -> Path:
    """Write a model folder under a temporary name, then rename it into place.

    ``write(folder)`` fills the folder. An existing folder at ``path`` is replaced only if
    it holds ``marker`` (it is a model of this kind); an interrupted write leaves nothing.
    """
    path = Path(path)
    if path.exists() and not (path / marker).is_file():
        raise FileExistsError(f"{path} exists and is not {what}; refusing to overwrite it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        write(tmp)
        os.chmod(tmp, 0o755)
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            path.rename(old)
            tmp.rename(path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def read_folder(path, meta_file: str, arrays_file: str, format_name: str, format_version: int,
                what: str) -> tuple[dict, dict]:
    """Read and check a folder's JSON header and safetensors arrays; returns both."""
    path = Path(path)
    meta_path = path / meta_file
    if not meta_path.is_file():
        raise FileNotFoundError(f"{path} is not {what} ({meta_file} is missing).")
    try:
        meta = json.loads(meta_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{meta_path}: not valid JSON ({exc}).") from exc
    version = meta.get("format_version") if isinstance(meta, dict) else None
    if not isinstance(meta, dict) or meta.get("format") != format_name \
            or not isinstance(version, int):
        raise ValueError(f"{meta_path}: not a {format_name} file.")
    if version > format_version:
        raise ValueError(
            f"{path} was written in format version {version}, newer than this package "
            f"supports ({format_version}); upgrade bertopic-saetm to load it."
        )
    try:
        arrays = load_file(str(path / arrays_file))
    except (SafetensorError, OSError) as exc:
        raise ValueError(f"{path / arrays_file}: unreadable ({exc}).") from exc
    return meta, arrays
