"""Safe extraction of a GTZAN-layout tar archive.

Every member is checked before anything is written: absolute paths, ``..`` components, links
(symbolic and hard) and devices or other special files make the whole archive refused, with
the member named. The clips themselves are then extracted with :mod:`tarfile`'s ``data``
filter, into a temporary folder next to the destination that replaces the destination only
once every clip is out, so that a failure leaves neither half an extraction nor anything
outside the destination.

Only clips are kept, as ``genres/<genre>/<genre>.NNNNN.<au|wav>`` whatever folder the archive
puts them in (``genres/``, ``genres_original/``, ...). macOS AppleDouble files (``._*`` and
``__MACOSX/``) and Marsyas ``.mf`` lists are skipped, and so is anything else, with counts.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tarfile
import tempfile
from collections import Counter
from pathlib import Path, PurePosixPath

log = logging.getLogger(__name__)

_CLIP = re.compile(r"^(?P<genre>[a-z]+)\.\d{5}\.(?:au|wav)$")


class UnsafeArchiveError(ValueError):
    """An archive member that could write outside the destination, or is not a plain file."""

    def __init__(self, archive: str | Path, member: str, problem: str) -> None:
        self.archive = str(archive)
        self.member = member
        self.problem = problem
        super().__init__(
            f"{archive}: refusing to extract: member {member!r} {problem}. Nothing was "
            "extracted; this is not a GTZAN archive one can trust, so get another copy."
        )


def member_problem(member: tarfile.TarInfo) -> str | None:
    """Why ``member`` must not be extracted, or ``None`` if it is a plain file or folder."""
    name = member.name
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "has an absolute path"
    if ".." in re.split(r"[/\\]", name):
        return "has a '..' component"
    if member.issym():
        return f"is a symbolic link (to {member.linkname!r})"
    if member.islnk():
        return f"is a hard link (to {member.linkname!r})"
    if member.isdev():
        return "is a device or FIFO"
    if not (member.isfile() or member.isdir()):
        return f"is a special file (tar type {member.type!r})"
    return None


def classify_member(name: str) -> tuple[str, str | None]:
    """``(kind, target)`` of a member: a clip and where it goes, or the kind skipped.

    Kinds are ``clip``, ``appledouble``, ``mf`` (Marsyas list) and ``other``; ``target`` is
    ``genres/<genre>/<file>`` for a clip whose parent folder is its genre, else ``None``.
    """
    path = PurePosixPath(name)
    if path.name.startswith("._") or "__MACOSX" in path.parts:
        return "appledouble", None
    if path.suffix == ".mf":
        return "mf", None
    match = _CLIP.match(path.name)
    if match and len(path.parts) >= 2 and path.parts[-2] == match["genre"]:
        return "clip", f"genres/{match['genre']}/{path.name}"
    return "other", None


def extract_clips(archive: str | Path, dest: str | Path) -> Counter:
    """Extract the clips of a GTZAN-layout archive into ``dest/genres/<genre>/``.

    Parameters
    ----------
    archive : str or Path
        A tar archive, compressed or not (``genres.tar.gz``).
    dest : str or Path
        Destination folder; replaced as a whole on success, untouched on failure.

    Returns
    -------
    collections.Counter
        Members per kind (``clip``, ``appledouble``, ``mf``, ``other``, ``dir``).

    Raises
    ------
    UnsafeArchiveError
        At the first member that is absolute, has ``..``, is a link, a device or special file.
    ValueError
        If two members map to the same clip, or there is no clip at all.
    """
    archive, dest = Path(archive), Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    counts: Counter = Counter()
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.extracting-"))
    try:
        with tarfile.open(archive) as tar:
            members = tar.getmembers()
            # Check every member first, so that a bad member refuses the archive as a whole.
            for member in members:
                problem = member_problem(member)
                if problem:
                    raise UnsafeArchiveError(archive, member.name, problem)
            seen: dict[str, str] = {}
            for member in members:
                if member.isdir():
                    counts["dir"] += 1
                    continue
                kind, target = classify_member(member.name)
                counts[kind] += 1
                if kind != "clip":
                    log.debug("skipping %s (%s)", member.name, kind)
                    continue
                if target in seen:
                    raise ValueError(
                        f"{archive}: members {seen[target]!r} and {member.name!r} are both "
                        f"{target}; keep one copy of the dataset in the archive"
                    )
                seen[target] = member.name
                tar.extract(member.replace(name=target, deep=False), tmp, filter="data")
        if not counts["clip"]:
            raise ValueError(
                f"{archive}: no clip found; a GTZAN archive holds "
                "genres/<genre>/<genre>.NNNNN.wav (or .au) files"
            )
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    log.info(
        "extracted %d clips from %s; skipped %d AppleDouble, %d .mf, %d other files",
        counts["clip"],
        archive,
        counts["appledouble"],
        counts["mf"],
        counts["other"],
    )
    return counts
