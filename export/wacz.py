"""Read the WARC files packed in a WACZ (Web Archive Collection Zipped) as export inputs.

WACZ 1.1.1 (https://specs.webrecorder.net/wacz/1.1.1/) is what Browsertrix Crawler, ArchiveWeb.page
and py-wacz publish: a ZIP whose ``archive/`` entries are the WARC files, beside
``datapackage.json`` (each entry's ``hash``, ``software``, ``created``, ``title``),
``pages/pages.jsonl`` and ``indexes/``. The spec stores the WARC entries uncompressed
(ZIP method 0, "stored") so that a replay tool can read a record at an offset by a byte range
of the ZIP; here that means an inner WARC is read in place, with no copy: :func:`open_member`
gives a seekable stream over the entry's bytes inside the ZIP, whose offsets are offsets in the
inner WARC. Record pointers in the manifest, ``verify`` and ``explain`` read at those offsets
as in any WARC file.

Each inner WARC has a path of its own, ``CONTAINER#!/ENTRY`` (``crawl.wacz#!/archive/
data.warc.gz``), the form wabac.js (ReplayWeb.page's loader, ``WACZFile.getLoadPath``) gives
the files of a WACZ; its name in rows, manifest and card (:func:`member_name`) keeps the
WACZ's file name and the entry path, so two WACZs holding ``archive/data.warc.gz`` stay
apart.

Damage is named, never fatal: a WACZ that is not a readable ZIP, or holds no ``archive/`` WARC
entry, is listed as itself and opening it raises :class:`WaczError` with the reason (the export
then reports it as an unreadable input, like any unreadable WARC file). An entry whose bytes
disagree with the ``hash`` ``datapackage.json`` lists for it is refused the same way before a
record is read (fail closed: which records were altered cannot be known), and what was checked
is recorded with the source (:func:`member_check`). An entry compressed with deflate (not what
the spec asks, but valid ZIP) is still read, through :mod:`zipfile`'s inflating stream: the
records and offsets are the same, only reading at an offset re-inflates from the entry's start.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from export.seekable import SeekableReader

#: Between a WACZ's path and an entry's path (wabac.js ``WACZFile.getLoadPath``).
MEMBER_SEP = "#!/"
#: The folder of a WACZ holding its WARC files (WACZ 1.1.1 "archive/").
ARCHIVE_DIR = "archive/"
#: Inner file names read as WARC (or ARC) files.
MEMBER_SUFFIXES = (".warc.gz", ".warc", ".arc.gz", ".arc")
#: ZIP local file header (APPNOTE 4.3.7): signature, then 26 bytes of which the last four are
#: the file name and extra field lengths.
_LOCAL_HEADER = struct.Struct("<4s22xHH")
_LOCAL_SIG = b"PK\x03\x04"

Opener = Callable[[str], IO[bytes]]


class WaczError(OSError):
    """A WACZ, or one of its WARC entries, cannot be read; the message is one line."""


def is_wacz_name(name: str) -> bool:
    """Whether a file name is a WACZ's."""
    return name.lower().endswith(".wacz")


def is_member(path: str) -> bool:
    """Whether ``path`` names an entry of a WACZ (``crawl.wacz#!/archive/data.warc.gz``).

    Only after a ``.wacz`` name: a folder that happens to be called ``x#!`` is still a folder.
    """
    container, sep, _ = path.partition(MEMBER_SEP)
    return bool(sep) and is_wacz_name(container)


def split_member(path: str) -> tuple[str, str]:
    """Split ``CONTAINER#!/ENTRY`` into the WACZ's path and the entry's path."""
    container, _, entry = path.partition(MEMBER_SEP)
    return container, entry


def member_name(path: str) -> str:
    """Name a WACZ entry as rows, manifest and card do: ``crawl.wacz#!/archive/data.warc.gz``."""
    container, entry = split_member(path)
    return container.rsplit("/", 1)[-1] + MEMBER_SEP + entry


@dataclass(frozen=True, slots=True)
class Entry:
    """One WARC entry of a WACZ: where its bytes start in the ZIP, and what they should hash to."""

    name: str
    data_start: int
    size: int
    compress_type: int
    #: ``datapackage.json``'s ``hash`` for it (``sha256:HEX``), "" when it lists none
    expected: str


@dataclass(frozen=True, slots=True)
class Package:
    """What a WACZ holds, read once from its ZIP directory and ``datapackage.json``."""

    path: str
    entries: dict[str, Entry] = field(default_factory=dict)
    #: ``datapackage.json``'s ``software``, ``created``, ``title``, ``wacz_version``
    about: dict[str, str] = field(default_factory=dict)
    has_datapackage: bool = False
    #: why the WACZ cannot be read at all ("" when it can)
    error: str = ""


def list_members(path: str, opener: Opener) -> list[str]:
    """Return the paths of a WACZ's WARC entries, or ``[path]`` when it has none to read.

    The bare path stands for a WACZ that cannot be read: opening it raises :class:`WaczError`
    naming why, so the export lists it as an unreadable input and reads the rest.
    """
    package = read_package(path, opener)
    if package.error:
        return [path]
    return [path + MEMBER_SEP + name for name in package.entries]


def open_member(path: str, opener: Opener) -> IO[bytes]:
    """Open a WACZ entry (``crawl.wacz#!/archive/data.warc.gz``) as a seekable byte stream.

    A bare WACZ path (listed because it holds nothing readable) raises :class:`WaczError`
    with the reason, as does an entry whose digest disagrees with ``datapackage.json``.
    """
    container, name = split_member(path)
    package = read_package(container, opener)
    if package.error:
        raise WaczError(f"{container.rsplit('/', 1)[-1]}: {package.error}")
    if not name:
        raise WaczError(f"{container.rsplit('/', 1)[-1]}: name an entry, as {container}#!/ENTRY")
    entry = package.entries.get(name)
    if entry is None:
        raise WaczError(f"{member_name(path)}: no such WARC entry in the WACZ")
    problem = _digest_problem(path, opener)
    if problem:
        raise WaczError(f"{member_name(path)}: {problem}; not read")
    return _open_entry(container, entry, opener)


def member_check(path: str, opener: Opener) -> dict[str, str]:
    """Describe a WACZ entry for the release's sources: ``datapackage.json`` facts, digest check.

    The check reads ``sha256 matches datapackage.json``, or why no check was made.
    """
    container, name = split_member(path)
    package = read_package(container, opener)
    entry = package.entries.get(name)
    out = {"wacz": container.rsplit("/", 1)[-1], "wacz_entry": name}
    out.update({k if k.startswith("wacz_") else f"wacz_{k}": v for k, v in package.about.items()})
    if entry is None:
        return out
    out["wacz_digest_check"] = _digest_problem(path, opener) or _checked_words(package, entry)
    return out


def _checked_words(package: Package, entry: Entry) -> str:
    if entry.expected:
        return f"{entry.expected.split(':', 1)[0]} matches datapackage.json"
    if not package.has_datapackage:
        return "not checked: the WACZ has no datapackage.json"
    return "not checked: datapackage.json lists no hash for this entry"


def read_package(path: str, opener: Opener) -> Package:
    """Read a WACZ's directory and ``datapackage.json`` (once per file and version)."""
    return _read_package(path, opener, _version(path))


def _version(path: str) -> tuple[int, int]:
    if path.startswith("s3://"):
        return (0, 0)
    try:
        st = Path(path).stat()
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _read_package(path: str, opener: Opener, version: tuple[int, int]) -> Package:
    del version  # part of the cache key only
    try:
        with opener(path) as fh:
            return _parse_package(path, fh)
    except WaczError as exc:
        return Package(path, error=str(exc))
    except (OSError, zipfile.BadZipFile, EOFError, ValueError, struct.error) as exc:
        text = " ".join(str(exc).split())[:120]
        return Package(path, error=f"not a readable ZIP file ({type(exc).__name__}: {text})")


def _parse_package(path: str, fh: IO[bytes]) -> Package:
    zf = zipfile.ZipFile(fh)
    infos = zf.infolist()
    names = {i.filename for i in infos}
    about: dict[str, str] = {}
    hashes: dict[str, str] = {}
    has_dp = "datapackage.json" in names
    if has_dp:
        about, hashes = _datapackage(zf.read("datapackage.json"))
    entries: dict[str, Entry] = {}
    for info in infos:
        name = info.filename
        if not (name.startswith(ARCHIVE_DIR) and name.lower().endswith(MEMBER_SUFFIXES)):
            continue
        if info.flag_bits & 0x1:
            raise WaczError(f"{name} is encrypted")
        fh.seek(info.header_offset)
        sig, name_len, extra_len = _LOCAL_HEADER.unpack(fh.read(_LOCAL_HEADER.size))
        if sig != _LOCAL_SIG:
            raise WaczError(f"the ZIP directory points {name} at bytes that are no entry")
        start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
        entries[name] = Entry(name, start, info.file_size, info.compress_type, hashes.get(name, ""))
    if not entries:
        listed = "no datapackage.json and " if not has_dp else ""
        raise WaczError(f"{listed}no WARC file under {ARCHIVE_DIR} (not a web archive WACZ)")
    return Package(path, dict(sorted(entries.items())), about, has_dp)


def _datapackage(raw: bytes) -> tuple[dict[str, str], dict[str, str]]:
    """Read ``software``/``created``/``title``/``wacz_version`` and each resource's hash.

    WACZ 1.1.1 gives ``"hash": "sha256:HEX"``; WACZ 1.0.0 gave ``"stats": {"hash": HEX}``
    with ``"hashing": "sha256"``. A datapackage.json that does not parse lists nothing.
    """
    try:
        doc = json.loads(raw)
    except ValueError:
        return {}, {}
    if not isinstance(doc, dict):
        return {}, {}
    found = doc.get("metadata")
    meta: dict[str, Any] = found if isinstance(found, dict) else {}
    about: dict[str, str] = {}
    for key in ("software", "created", "title", "wacz_version"):
        value = doc.get(key, meta.get(key, ""))
        if isinstance(value, str) and value:
            about[key] = " ".join(value.split())[:200]
    hashes: dict[str, str] = {}
    for res in doc.get("resources") or ():
        if not isinstance(res, dict) or not isinstance(res.get("path"), str):
            continue
        value = res.get("hash")
        stats = res.get("stats")
        if not isinstance(value, str) and isinstance(stats, dict):
            algo = res.get("hashing", "sha256")
            value = f"{algo}:{stats.get('hash')}" if isinstance(stats.get("hash"), str) else None
        if isinstance(value, str) and ":" in value:
            hashes[res["path"]] = value
    return about, hashes


def _digest_problem(path: str, opener: Opener) -> str:
    """Say why an entry's bytes fail its ``datapackage.json`` hash ("" when fine or none listed).

    Computed once per entry and file version.
    """
    container, _ = split_member(path)
    return _digest_problem_cached(path, opener, _version(container))


@functools.lru_cache(maxsize=4096)
def _digest_problem_cached(path: str, opener: Opener, version: tuple[int, int]) -> str:
    container, name = split_member(path)
    package = _read_package(container, opener, version)
    entry = package.entries[name]
    if not entry.expected:
        return ""
    algo, _, want = entry.expected.partition(":")
    try:
        digest = hashlib.new(algo.lower())
    except ValueError:
        return f"datapackage.json's hash uses {algo!r}, which cannot be checked"
    try:
        with _open_entry(container, entry, opener) as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except (OSError, zipfile.BadZipFile, EOFError, zlib.error) as exc:
        return f"its bytes cannot be read ({type(exc).__name__}: {' '.join(str(exc).split())[:80]})"
    got = digest.hexdigest()
    if got != want.lower():
        return f"{algo} {got} disagrees with datapackage.json's {want}"
    return ""


def _open_entry(container: str, entry: Entry, opener: Opener) -> IO[bytes]:
    raw = opener(container)
    if entry.compress_type == zipfile.ZIP_STORED:
        return io.BufferedReader(_StoredEntry(raw, entry.data_start, entry.size), 1 << 16)
    if entry.compress_type == zipfile.ZIP_DEFLATED:
        return io.BufferedReader(_InflatedEntry(raw, entry.name), 1 << 16)
    raw.close()
    raise WaczError(
        f"{entry.name} is compressed with ZIP method {entry.compress_type}; only stored "
        "(the WACZ spec's) and deflate entries are read"
    )


class _StoredEntry(SeekableReader):
    """Seekable, read-only window ``[start, start + size)`` of the WACZ's bytes."""

    def __init__(self, raw: IO[bytes], start: int, size: int) -> None:
        super().__init__(size)
        self._raw = raw
        self._start = start

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self.size - self._pos)
        if want <= 0:
            return 0
        self._raw.seek(self._start + self._pos)
        data = self._raw.read(want)
        n = len(data)
        buffer[:n] = data
        self._pos += n
        return n

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _InflatedEntry(io.RawIOBase):
    """A deflate entry through :mod:`zipfile` (seekable; a backward seek re-inflates)."""

    def __init__(self, raw: IO[bytes], name: str) -> None:
        super().__init__()
        self._raw = raw
        self._zip = zipfile.ZipFile(raw)
        self._ext = self._zip.open(name)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._ext.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._ext.seek(offset, whence)

    def readinto(self, buffer: Any) -> int:
        data = self._ext.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._ext.close()
            self._zip.close()
            self._raw.close()
        super().close()
