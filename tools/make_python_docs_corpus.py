"""Rebuild the bundled corpus (bertopic_saetm/datasets/python_docs.jsonl.gz) from the
docstrings of the running CPython standard library (3.11 for the shipped file).

    python tools/make_python_docs_corpus.py OUT.jsonl.gz
"""

from __future__ import annotations

import collections
import gzip
import importlib
import inspect
import json
import re
import sys
import warnings

GROUPS = {
    "networking": ["socket", "ssl", "http.client", "http.server", "http.cookies",
                   "urllib.request", "urllib.parse", "smtplib", "ftplib", "poplib", "imaplib",
                   "socketserver", "ipaddress", "selectors", "xmlrpc.client"],
    "email": ["email.message", "email.mime.text", "email.headerregistry", "email.policy",
              "email.utils", "mailbox", "email.parser", "email.generator"],
    "math": ["math", "cmath", "statistics", "fractions", "decimal", "random", "numbers"],
    "filesystem": ["os", "os.path", "pathlib", "shutil", "glob", "fnmatch", "tempfile",
                   "filecmp", "stat"],
    "concurrency": ["threading", "multiprocessing", "multiprocessing.pool",
                    "concurrent.futures", "queue", "asyncio", "sched", "subprocess", "signal"],
    "text": ["re", "string", "textwrap", "difflib", "unicodedata", "codecs", "locale",
             "gettext"],
    "formats": ["json", "csv", "xml.etree.ElementTree", "xml.dom.minidom", "html.parser",
                "configparser", "plistlib", "tomllib"],
    "archives": ["zipfile", "tarfile", "gzip", "bz2", "lzma", "zlib"],
    "time": ["datetime", "time", "calendar", "zoneinfo"],
    "data_structures": ["collections", "heapq", "bisect", "array", "enum", "dataclasses",
                        "types", "copy"],
    "testing_debug": ["unittest", "unittest.mock", "doctest", "pdb", "traceback", "logging",
                      "logging.handlers", "warnings", "inspect", "trace", "cProfile", "pstats",
                      "timeit"],
    "crypto": ["hashlib", "hmac", "secrets", "base64", "binascii", "uuid"],
    "functional": ["itertools", "functools", "operator", "contextlib", "abc", "typing"],
    "database": ["sqlite3", "dbm", "shelve", "pickle", "marshal"],
    "cli_ui": ["argparse", "getopt", "curses", "cmd", "shlex", "readline", "tkinter", "turtle",
               "webbrowser"],
}
MIN_CHARS, MAX_CHARS, PER_GROUP_KEY = 120, 1500, 60


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", inspect.cleandoc(text or "")).strip()


def collect() -> list[dict]:
    docs, seen = [], set()

    def add(text, label, name):
        text = _clean(text)
        if len(text) >= MIN_CHARS and text not in seen:
            seen.add(text)
            docs.append({"id": name, "label": label, "text": text})

    for label, modules in GROUPS.items():
        for module_name in modules:
            try:
                module = importlib.import_module(module_name)
            except ImportError as exc:
                print(f"skipping {module_name}: {exc}", file=sys.stderr)
                continue
            add(module.__doc__, label, module_name)
            for name, obj in vars(module).items():
                if name.startswith("_"):
                    continue
                owner = getattr(obj, "__module__", module_name) or ""
                if owner != module_name and not inspect.isbuiltin(obj) \
                        and not owner.startswith(module_name.split(".")[0]):
                    continue
                if inspect.isclass(obj) or inspect.isroutine(obj):
                    add(obj.__doc__, label, f"{module_name}.{name}")
                    if inspect.isclass(obj):
                        for member_name, member in vars(obj).items():
                            if not member_name.startswith("_") and (
                                inspect.isroutine(member) or isinstance(member, property)
                            ):
                                add(getattr(member, "__doc__", None), label,
                                    f"{module_name}.{name}.{member_name}")
    # At most 60 documents per top-level module (per module for email) so that large
    # modules (turtle, tkinter) do not dominate; texts capped at 1,500 characters.
    per_key = collections.defaultdict(list)
    for doc in docs:
        key = doc["id"].rsplit(".", 1)[0] if doc["label"] == "email" else doc["id"].split(".")[0]
        per_key[key].append(doc)
    out = [doc for group in per_key.values() for doc in group[:PER_GROUP_KEY]]
    for doc in out:
        doc["text"] = doc["text"][:MAX_CHARS]
    return out


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    corpus = collect()
    with gzip.open(sys.argv[1], "wt") as handle:
        for doc in corpus:
            handle.write(json.dumps(doc) + "\n")
    print(len(corpus), collections.Counter(d["label"] for d in corpus))
