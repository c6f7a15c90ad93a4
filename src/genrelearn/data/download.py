"""Verified, resumable downloads over HTTP(S) with the standard library.

A file is streamed to ``<dest>.part`` with a progress bar, resumed with an HTTP ``Range``
request when a previous attempt was cut, and moved to ``dest`` only once its size and
checksums match the expected ones. A file whose checksum does not match is never moved into
place and never deleted: it is kept aside as ``<dest>.mismatch`` (numbered if taken) for
inspection, and the error gives the expected and actual checksums.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import re
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from tqdm import tqdm

log = logging.getLogger(__name__)

USER_AGENT = "genrelearn (https://github.com/; dataset download)"
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class ChecksumError(RuntimeError):
    """A file whose size or checksum is not the expected one.

    Attributes
    ----------
    path : str
        The file checked (or, after a download, where it was kept aside).
    expected, actual : dict
        ``{algorithm: hex digest}`` (and ``size`` in bytes) expected and found.
    """

    def __init__(
        self, path: str | Path, expected: Mapping[str, str], actual: Mapping[str, str], hint: str
    ) -> None:
        self.path = str(path)
        self.expected = dict(expected)
        self.actual = dict(actual)
        lines = [f"{path}: checksum mismatch"]
        for key in expected:
            lines.append(f"  {key}: expected {expected[key]}, actual {actual.get(key, '?')}")
        super().__init__("\n".join(lines) + ("\n" + hint if hint else ""))


class DownloadError(RuntimeError):
    """No mirror delivered a complete, verified file."""


def normalize_checksums(checksums: Mapping[str, str]) -> dict[str, str]:
    """Check ``{algorithm: hex digest}`` (any :mod:`hashlib` algorithm) and lower-case it.

    Raises
    ------
    ValueError
        If it is empty, names an unknown algorithm, or a digest is not hexadecimal of the
        algorithm's length.
    """
    if not checksums:
        raise ValueError("no checksum given: at least one of md5, sha256, ... is required")
    out = {}
    for algorithm, digest in checksums.items():
        name = str(algorithm).lower()
        if name not in hashlib.algorithms_available:
            raise ValueError(f"unknown checksum algorithm {algorithm!r}")
        digest = str(digest).strip().lower()
        length = hashlib.new(name).digest_size * 2
        if not re.fullmatch(rf"[0-9a-f]{{{length}}}", digest):
            raise ValueError(f"{algorithm} checksum {digest!r} is not {length} hex digits")
        out[name] = digest
    return out


def file_digests(path: str | Path, algorithms: Sequence[str], chunk_size: int = 1 << 20) -> dict:
    """Hex digests of a file for every algorithm in ``algorithms``, in one pass."""
    hashes = {name: hashlib.new(name) for name in algorithms}
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_size):
            for h in hashes.values():
                h.update(chunk)
    return {name: h.hexdigest() for name, h in hashes.items()}


def check_file(
    path: str | Path, checksums: Mapping[str, str], size: int | None = None
) -> dict[str, str]:
    """Compare a file's size and checksums with the expected ones.

    Returns
    -------
    dict
        Mismatching items as ``{key: actual}`` (``size`` and/or algorithm names); empty if the
        file is the expected one.
    """
    checksums = normalize_checksums(checksums)
    actual_size = os.path.getsize(path)
    if size is not None and actual_size != size:
        return {"size": str(actual_size)}
    digests = file_digests(path, list(checksums))
    return {k: v for k, v in digests.items() if v != checksums[k]}


def verify_file(path: str | Path, checksums: Mapping[str, str], size: int | None = None) -> None:
    """Raise :class:`ChecksumError` unless ``path`` has the expected size and checksums.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ChecksumError
        With the expected and actual values.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found")
    checksums = normalize_checksums(checksums)
    bad = check_file(path, checksums, size)
    if bad:
        raise ChecksumError(
            path,
            *_expected_actual(bad, checksums, size),
            "The file is not the expected one: replace it with a good copy, or correct the "
            "checksum in the configuration if you know this copy is right.",
        )


def _expected_actual(
    bad: Mapping[str, str], checksums: Mapping[str, str], size: int | None
) -> tuple[dict[str, str], dict[str, str]]:
    """Expected and actual values of a failed :func:`check_file`, for the error message."""
    if "size" in bad:
        return {"size": str(size)}, dict(bad)
    return dict(checksums), {k: bad.get(k, checksums[k]) for k in checksums}


def _aside_path(dest: Path) -> Path:
    """A free ``<dest>.mismatch[.N]`` name to keep a bad download for inspection."""
    candidate = dest.with_name(dest.name + ".mismatch")
    n = 1
    while candidate.exists():
        candidate = dest.with_name(f"{dest.name}.mismatch.{n}")
        n += 1
    return candidate


def _fetch(
    url: str, part: Path, size: int | None, timeout: float, chunk_size: int, label: str
) -> None:
    """Append the missing bytes of ``url`` to ``part`` (a Range request if it is not empty).

    Raises on any network error or a short body; the bytes received so far stay in ``part``.
    """
    offset = part.stat().st_size if part.exists() else 0
    if size is not None and offset > size:
        log.warning("%s is larger than the expected %d bytes: starting over", part, size)
        part.unlink()
        offset = 0
    if size is not None and offset == size:
        log.info("%s already holds all %d bytes", part, size)
        return
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
        log.info("resuming %s at byte %d (Range request)", url, offset)
    else:
        log.info("downloading %s", url)
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and offset:
            log.info("server says the range starting at %d is past the end: part complete", offset)
            return
        raise
    with response:
        total = None
        if offset and response.status == 206:
            match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            if not match or int(match.group(1)) != offset:
                raise DownloadError(
                    f"{url}: answered the Range request with Content-Range "
                    f"{response.headers.get('Content-Range')!r}, not starting at byte {offset}"
                )
            total = None if match.group(3) == "*" else int(match.group(3))
            mode = "ab"
        else:
            if offset:
                log.info("%s ignored the Range request: downloading from the start", url)
            offset, mode = 0, "wb"
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
        if size is not None and total is not None and total != size:
            raise DownloadError(
                f"{url}: the server announces {total} bytes, the configuration expects {size}; "
                "this is not the expected file"
            )
        with (
            open(part, mode) as fh,
            tqdm(
                total=total,
                initial=offset,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=label,
                file=sys.stderr,
                ascii=True,
                mininterval=5.0,
            ) as bar,
        ):
            while chunk := response.read(chunk_size):
                fh.write(chunk)
                bar.update(len(chunk))
        received = part.stat().st_size
        if total is not None and received < total:
            raise ConnectionError(f"connection closed after {received} of {total} bytes")


def download(
    urls: Sequence[str],
    dest: str | Path,
    checksums: Mapping[str, str],
    size: int | None = None,
    retries: int = 3,
    timeout: float = 60.0,
    backoff: float = 2.0,
    chunk_size: int = 1 << 20,
    hint: str = "",
) -> Path:
    """Download ``dest`` from the first mirror that delivers it intact.

    Parameters
    ----------
    urls : sequence of str
        Mirrors, tried in order.
    dest : str or Path
        Destination. Bytes are streamed to ``<dest>.part``, which is kept when a transfer is
        cut so that the next attempt (or the next run) resumes it with a Range request.
    checksums : mapping
        ``{algorithm: hex digest}``, e.g. ``{"md5": "5b3d..."}``; all must match.
    size : int, optional
        Expected size in bytes, checked before the checksums (and against the server's
        announced length, to fail early on a wrong file).
    retries : int
        Further attempts per mirror after a network error, each resuming where the last
        stopped.
    timeout : float
        Socket timeout in seconds.
    backoff : float
        Seconds to wait before the first retry, doubled at each further one.
    chunk_size : int
        Bytes read at a time.
    hint : str
        What the user can do when every mirror failed (appended to the error).

    Returns
    -------
    Path
        ``dest``, verified.

    Raises
    ------
    ChecksumError
        If a mirror delivered a complete file with the wrong size or checksum (and no other
        mirror delivered the right one); the bad file is kept as ``<dest>.mismatch``.
    DownloadError
        If no mirror could deliver the file; the message lists every attempt.
    """
    if not urls:
        raise ValueError(f"{dest}: no URL to download it from")
    checksums = normalize_checksums(checksums)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists() and not check_file(dest, checksums, size):
        log.info("%s is already there and verified", dest)
        return dest
    part = dest.with_name(dest.name + ".part")
    failures: list[str] = []
    mismatches: list[tuple[str, ChecksumError]] = []
    for url in urls:
        fetched = False
        for attempt in range(retries + 1):
            try:
                _fetch(url, part, size, timeout, chunk_size, dest.name)
                fetched = True
                break
            except urllib.error.HTTPError as err:
                failures.append(f"{url}: HTTP {err.code} {err.reason}")
                if 400 <= err.code < 500 and err.code not in (408, 429):
                    break
            except DownloadError as err:
                failures.append(str(err))
                break
            except (OSError, http.client.HTTPException, ValueError) as err:
                kept = part.stat().st_size if part.exists() else 0
                failures.append(f"{url}: {type(err).__name__}: {err} ({kept} bytes kept)")
            if attempt < retries:
                wait = backoff * 2**attempt
                log.warning("%s; retrying in %.0f s", failures[-1], wait)
                time.sleep(wait)
        if not fetched or not part.exists():
            log.warning("giving up on %s", url)
            continue
        bad = check_file(part, checksums, size)
        if not bad:
            os.replace(part, dest)
            log.info("verified %s (%s) and moved it into place", dest, ", ".join(checksums))
            return dest
        aside = _aside_path(dest)
        os.replace(part, aside)
        error = ChecksumError(
            aside,
            *_expected_actual(bad, checksums, size),
            f"downloaded from {url} and kept aside as {aside} for inspection",
        )
        log.error("%s", error)
        mismatches.append((url, error))
    if mismatches:
        last = mismatches[-1][1]
        raise ChecksumError(
            last.path,
            last.expected,
            last.actual,
            "\n".join(
                [f"downloaded from {url}, kept aside as {m.path}" for url, m in mismatches]
                + [
                    f"Nothing was moved into place as {dest}. If the source legitimately "
                    "changed, update the checksum in the configuration; otherwise try "
                    "another mirror."
                ]
                + ([f"Other attempts: {'; '.join(failures)}"] if failures else [])
            ),
        )
    raise DownloadError(
        f"could not download {dest.name} from any mirror:\n  "
        + "\n  ".join(failures)
        + (
            f"\nThe {part.stat().st_size} bytes received are kept in {part}; the next run "
            "resumes from there."
            if part.exists()
            else ""
        )
        + (f"\n{hint}" if hint else "")
    )
