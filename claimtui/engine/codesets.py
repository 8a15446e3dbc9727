"""Public code sets that ship in maintained packages: ICD-10-CM and US ZIP codes.

- ICD-10-CM comes from ``simple-icd-10-cm``, which ships the CMS code list
  and tabular (its data folder names the release, e.g. April 2026). The list
  holds chapters, blocks, categories and codes; a code is *billable* when no
  longer code extends it (full specificity).
- ZIP codes come from ``zipcodes``, which ships the USPS ZIP list with each
  code's state. It is checked for the first five digits only: the package has
  no ZIP+4 data.

Both sets load on first use (about a tenth of a second for ICD-10-CM; the ZIP
table takes half a second to build from the package, so it is kept in the user
cache folder and read from there next time), so a rule set that never asks
pays nothing.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import warnings
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)


@functools.cache
def _icd10_codes() -> tuple[frozenset[str], frozenset[str]]:
    """(every ICD-10-CM item, billable codes), both without decimal points."""
    lines = _icd10_code_list()
    items = frozenset(
        line.split(" ")[0].replace(".", "")
        for line in lines
        if line and "-" not in line and not line.isdigit()
    )
    # Sorted, any code that extends another comes right after it.
    ordered = sorted(items)
    billable = frozenset(
        code
        for code, following in zip(ordered, [*ordered[1:], ""], strict=True)
        if not following.startswith(code)
    )
    log.info("ICD-10-CM code set loaded: %d billable codes", len(billable))
    return items, billable


def _icd10_code_list() -> list[str]:
    # The package parses its whole XML tabular on import (about a second); the
    # code list it ships beside it is all a validity check needs, so read that.
    code_list = _icd10_code_list_file()
    if code_list is not None:
        return code_list.read_text(encoding="utf-8").splitlines()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import simple_icd_10_cm

    return list(simple_icd_10_cm.get_all_codes(with_dots=False))


def _icd10_code_list_file() -> Path | None:
    """The code list the package ships, found without importing the package."""
    spec = find_spec("simple_icd_10_cm")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        lists = sorted((Path(location) / "data").glob("code-list*.txt"))
        if lists:
            return lists[-1]
    return None


def icd10_release() -> str:
    """The release of the ICD-10-CM list in use, e.g. ``April-2026``."""
    code_list = _icd10_code_list_file()
    if code_list is None:
        return "as shipped by simple-icd-10-cm"
    return code_list.stem.removeprefix("code-list-")


def icd10_known(code: str) -> bool:
    """True when ``code`` (no decimal point) is any ICD-10-CM item, billable or not."""
    return isinstance(code, str) and code.replace(".", "") in _icd10_codes()[0]


def icd10_billable(code: str) -> bool:
    """True when ``code`` is a billable ICD-10-CM code (full specificity)."""
    return isinstance(code, str) and code.replace(".", "") in _icd10_codes()[1]


def zip_state(code: str) -> str:
    """The USPS state of a ZIP code's first five digits; empty when unknown."""
    if not isinstance(code, str) or len(code) < 5 or not code[:5].isdigit():
        return ""
    return _zip5_state(code[:5])


def _zip5_state(zip5: str) -> str:
    return _zip_states().get(zip5, "")


@functools.cache
def _zip_states() -> dict[str, str]:
    """Each ZIP code's state, from a cached copy when there is one."""
    cache = _zip_cache_file()
    try:
        states = json.loads(cache.read_text(encoding="ascii"))
    except (OSError, ValueError):
        states = None
    if isinstance(states, dict) and states and all(map(_is_text, states.values())):
        return states
    states = _zip_states_from_package()
    _write_cache(cache, json.dumps(states, separators=(",", ":")))
    return states


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def _zip_states_from_package() -> dict[str, str]:
    # One pass over the package's list (about half a second) instead of its
    # per-code lookup, which scans the whole list each time (about 25 ms): a
    # batch from a few hundred patients' ZIP codes would spend seconds there.
    import zipcodes

    states: dict[str, str] = {}
    for entry in zipcodes.list_all():  # type: ignore[no-untyped-call]
        states.setdefault(str(entry["zip_code"]), str(entry["state"]))
    return states


def _zip_cache_file() -> Path:
    """Where the ZIP-to-state table is kept; named by the package's version,
    so a new ZIP list is read again."""
    try:
        release = version("zipcodes")
    except PackageNotFoundError:
        release = "unknown"
    folder = Path(platformdirs.user_cache_dir("claimtui"))
    return folder / f"zip-states-{release}.json"


def _write_cache(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all; a cache that cannot be written is
    only slower next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(text, encoding="ascii")
        partial.replace(path)
    except OSError as error:
        log.info("code set cache not written (%s)", error.strerror)


def zip_known(code: str) -> bool:
    """True when the first five digits of ``code`` are a ZIP code USPS issued."""
    return bool(zip_state(code))


_LOADERS = {
    "zip_state": _zip_states,
    "zip_known": _zip_states,
    "icd10_known": _icd10_codes,
    "icd10_billable": _icd10_codes,
}


def load_for(names: Iterable[str]) -> None:
    """Load now the code sets the helpers among ``names`` read.

    Called before worker processes are forked, so the workers share one loaded
    copy instead of each loading its own on first use.
    """
    for loader in {_LOADERS[name] for name in names if name in _LOADERS}:
        loader()
