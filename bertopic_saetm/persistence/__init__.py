"""Fitted models on disk: a folder of ``*.safetensors`` and JSON with a format version.

:mod:`~bertopic_saetm.persistence.folders` writes and reads such folders (atomically, with
their header checked); :mod:`~bertopic_saetm.persistence.checks` holds the rules every
loader applies to what it read (finite values, shapes that agree with each other and with the
JSON, ids in range); :mod:`~bertopic_saetm.persistence.model_files` is the layout of a
saved :class:`~bertopic_saetm.SAETopicModel`.
"""

from .folders import read_folder, write_folder_atomically
from .model_files import FORMAT_NAME, FORMAT_VERSION, load_model, save_model

__all__ = ["save_model", "load_model", "read_folder", "write_folder_atomically",
           "FORMAT_NAME", "FORMAT_VERSION"]
