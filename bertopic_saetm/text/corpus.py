"""Reading corpora from files: one document a line, JSONL, CSV, Parquet, or a folder of .txt."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass
class CorpusFile:
    """Documents read from disk, with optional labels (for evaluation).

    Attributes
    ----------
    texts : list of str
    labels : list or None
    source : str
    """

    texts: list
    labels: list | None
    source: str


def read_corpus(path, text_field: str = "text", label_field: str | None = None) -> CorpusFile:
    """Read a corpus.

    Parameters
    ----------
    path : str or Path
        ``*.jsonl`` / ``*.json`` (one object per line), ``*.csv``, ``*.parquet``, a folder
        of ``*.txt`` files (one document each, sorted by name), or any other text file
        (one document per non-empty line).
    text_field : str, default="text"
        Field (JSONL) or column (CSV / Parquet) holding the text.
    label_field : str, optional
        Field or column holding a label per document.

    Returns
    -------
    CorpusFile

    Raises
    ------
    FileNotFoundError, ValueError
        Missing path, unknown field or column, empty corpus (messages name the problem).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No such file or folder: {path}")
    if path.is_dir():
        files = sorted(path.glob("*.txt"))
        if not files:
            raise ValueError(f"{path} holds no .txt files.")
        texts, labels = [f.read_text(encoding="utf-8", errors="replace") for f in files], None
    elif path.suffix in (".jsonl", ".json"):
        texts, labels = _read_jsonl(path, text_field, label_field)
    elif path.suffix in (".csv", ".parquet"):
        texts, labels = _read_table(path, text_field, label_field)
    else:
        texts = [line.strip() for line in path.read_text(encoding="utf-8",
                                                          errors="replace").splitlines()]
        texts, labels = [t for t in texts if t], None
    if not texts:
        raise ValueError(f"{path} contains no documents.")
    return CorpusFile(texts=texts, labels=labels, source=str(path))


def _read_jsonl(path: Path, text_field: str, label_field: str | None):
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}, line {number}: not valid JSON ({exc.msg}).") from exc
            if not isinstance(record, dict) or text_field not in record:
                raise ValueError(f"{path}, line {number}: no {text_field!r} field (choose one "
                                 "with --text-field).")
            texts.append(str(record[text_field]))
            if label_field is not None:
                if label_field not in record:
                    raise ValueError(f"{path}, line {number}: no {label_field!r} field.")
                labels.append(record[label_field])
    return texts, labels if label_field is not None else None


def _read_table(path: Path, text_column: str, label_column: str | None):
    import pandas as pd

    frame = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
    for column in filter(None, (text_column, label_column)):
        if column not in frame.columns:
            raise ValueError(f"{path} has no column {column!r} (columns: "
                             f"{', '.join(map(str, frame.columns[:10]))}); choose one with "
                             "--text-column.")
    texts = frame[text_column].fillna("").astype(str).tolist()
    labels = frame[label_column].tolist() if label_column else None
    return texts, labels
