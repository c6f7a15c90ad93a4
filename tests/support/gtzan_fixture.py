"""A tiny GTZAN-layout archive and a loopback HTTP server with Range support, for tests.

Nothing here touches the network beyond 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 22050
SUBSETS = ("train", "valid", "test")


def clip_bytes(genre_index: int, clip: int, seconds: float, fmt: str) -> bytes:
    """A short mono 16-bit clip (a genre-dependent tone plus a little noise) as WAV or AU."""
    t = np.arange(int(seconds * SR)) / SR
    rng = np.random.default_rng(100 * genre_index + clip)
    y = 0.3 * np.sin(2 * np.pi * (110 * (genre_index + 1) + 7 * clip) * t)
    y += 0.01 * rng.standard_normal(len(t))
    buf = io.BytesIO()
    sf.write(buf, y, SR, format=fmt.upper(), subtype="PCM_16")
    return buf.getvalue()


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


@dataclass
class TinyGtzan:
    """What :func:`build_archive` put in the archive."""

    archive: bytes
    clips: dict[str, str] = field(default_factory=dict)  # track id -> extension
    corrupt: list[str] = field(default_factory=list)

    @property
    def md5(self) -> str:
        return md5(self.archive)


def build_archive(
    genres=("blues", "classical", "country"),
    clips_per_genre: int = 4,
    seconds: float = 1.0,
    corrupt: tuple[str, ...] = (),
    extra: tuple[tuple[str, str], ...] = (),
) -> TinyGtzan:
    """A ``genres.tar.gz`` in GTZAN's layout.

    Clips alternate ``.wav`` and ``.au``; the archive also holds an AppleDouble ``._`` file, a
    ``__MACOSX`` copy and Marsyas ``.mf`` lists, which extraction must skip. ``corrupt`` names
    track ids whose file is cut to a few bytes of header. ``extra`` adds hostile members:
    ``("dotdot", name)``, ``("symlink", name)`` or ``("hardlink", name)``.
    """
    out = TinyGtzan(b"")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        lists = []
        for g, genre in enumerate(genres):
            for i in range(clips_per_genre):
                ext = "au" if i % 2 else "wav"
                track = f"{genre}.{i:05d}"
                data = clip_bytes(g, i, seconds, ext)
                if track in corrupt:
                    data = data[:30]
                    out.corrupt.append(track)
                _add(tar, f"genres/{genre}/{track}.{ext}", data)
                out.clips[track] = ext
                lists.append(f"genres/{genre}/{track}.{ext}")
        _add(tar, f"genres/{genres[0]}/._{genres[0]}.00000.wav", b"\0\5\x16\7" + b"\0" * 60)
        _add(tar, f"__MACOSX/genres/{genres[0]}/._{genres[0]}.00001.au", b"\0\5\x16\7")
        _add(tar, "genres/input.mf", ("\n".join(lists) + "\n").encode())
        _add(tar, f"genres/{genres[0]}/{genres[0]}.mf", b"list\n")
        for kind, name in extra:
            info = tarfile.TarInfo(name)
            if kind == "dotdot":
                data = b"escaped\n"
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                continue
            info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
            info.linkname = "../../../outside.txt" if kind == "symlink" else "genres/input.mf"
            tar.addfile(info)
    out.archive = buf.getvalue()
    return out


def split_lists(tracks: list[str]) -> dict[str, bytes]:
    """Fault-filtered-style lists: per genre, clip 0 -> train, 1 -> valid, 2 -> test, 3 ->
    train, 4 and above -> left out (the "faulty" ones)."""
    subsets = {0: "train", 1: "valid", 2: "test", 3: "train"}
    lines: dict[str, list[str]] = {s: [] for s in SUBSETS}
    for track in sorted(tracks):
        genre, index = track.split(".")
        subset = subsets.get(int(index))
        if subset:
            lines[subset].append(f"{genre}/{track}.wav")
    return {s: ("\n".join(sorted(v)) + "\n").encode() for s, v in lines.items()}


class LoopbackServer:
    """Serve ``files`` ({url path: bytes}) on 127.0.0.1 from a thread, honouring Range.

    ``cut`` ({url path: n bytes}) makes the *first* full (non-Range) response to that path
    stop after n bytes and close the connection, as a dropped transfer would. Every request
    is recorded as ``(path, Range header or None)``.
    """

    def __init__(self, files: dict[str, bytes], cut: dict[str, int] | None = None) -> None:
        self.files = dict(files)
        self.cut = dict(cut or {})
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):  # noqa: N802 (http.server's naming)
                path = self.path.split("?")[0]
                rng = self.headers.get("Range")
                server.requests.append((path, rng))
                data = server.files.get(path)
                if data is None:
                    self.send_error(404)
                    return
                start = 0
                if rng:
                    match = re.fullmatch(r"bytes=(\d+)-", rng)
                    if not match:
                        self.send_error(400)
                        return
                    start = int(match.group(1))
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(data) - start))
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()
                body = data[start:]
                if not rng and path in server.cut:
                    body = body[: server.cut.pop(path)]
                    self.close_connection = True
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def ranges(self, path: str) -> list[str]:
        """Range headers received for ``path``."""
        return [r for p, r in self.requests if p == path and r]

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def write_blocknet(folder: Path) -> Path:
    """A ``sitecustomize.py`` that makes every IPv4/IPv6 connection fail (put on PYTHONPATH)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        "import socket\n"
        "_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex\n"
        "def _refuse(sock):\n"
        "    return sock.family in (socket.AF_INET, socket.AF_INET6)\n"
        "def connect(self, address):\n"
        "    if _refuse(self):\n"
        "        raise OSError(f'network disabled by the test (connect to {address})')\n"
        "    return _connect(self, address)\n"
        "def connect_ex(self, address):\n"
        "    if _refuse(self):\n"
        "        raise OSError(f'network disabled by the test (connect to {address})')\n"
        "    return _connect_ex(self, address)\n"
        "socket.socket.connect, socket.socket.connect_ex = connect, connect_ex\n"
    )
    return folder
