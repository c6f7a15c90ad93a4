"""Compile the paper with latexmk and refuse a PDF with undefined references or citations."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from genrelearn.io import atomic_path

logger = logging.getLogger(__name__)

_PROBLEMS = (
    re.compile(r"LaTeX Warning: Reference `[^']*' on page \d+ undefined"),
    re.compile(r"LaTeX Warning: Citation `[^']*' on page \d+ undefined"),
    re.compile(r"LaTeX Warning: There were undefined references"),
    re.compile(r"Package natbib Warning: Citation `[^']*' on page \d+ undefined"),
    re.compile(r"Warning--I didn't find a database entry for \"[^\"]*\""),
)


_ERROR_LINE = re.compile(r"^(!|\S+\.(tex|sty|cls|bbl):\d+: )")


class LatexError(RuntimeError):
    """The paper did not compile cleanly."""


def missing_tools(engine: str = "pdflatex") -> list[str]:
    """Names of the TeX programs that are not on PATH."""
    return [tool for tool in ("latexmk", engine, "bibtex") if shutil.which(tool) is None]


def undefined_problems(log_text: str) -> list[str]:
    """Lines of a LaTeX or BibTeX log reporting undefined references or citations."""
    found = []
    for pattern in _PROBLEMS:
        found.extend(m.group(0) for m in pattern.finditer(log_text))
    return found


def build_pdf(
    tex: str | Path,
    sources: Sequence[str | Path],
    generated: Sequence[str | Path],
    output: str | Path,
    engine: str = "pdflatex",
) -> None:
    """Compile ``tex`` in a scratch folder and move the PDF to ``output``.

    latexmk's output and the LaTeX and BibTeX logs go to this module's logger.

    Parameters
    ----------
    tex : str or Path
        Main ``.tex`` file.
    sources : sequence of path
        Other hand-written files copied next to it (``refs.bib``).
    generated : sequence of path
        Generated files, copied into ``generated/`` of the scratch folder.
    output : str or Path
        Destination of the PDF; written only if the build is clean.
    engine : str
        ``pdflatex``, ``lualatex`` or ``xelatex``.

    Raises
    ------
    LatexError
        If a tool is missing, latexmk fails, or the log reports undefined references or
        citations.
    """
    missing = missing_tools(engine)
    if missing:
        raise LatexError(
            f"TeX tools not found on PATH: {', '.join(missing)}. Install TeX Live "
            "(Debian: latexmk texlive-latex-base texlive-latex-recommended "
            "texlive-fonts-recommended texlive-science texlive-pictures lmodern), "
            "or run `make tex` as root."
        )
    tex = Path(tex)
    with tempfile.TemporaryDirectory(prefix="paper-") as scratch:
        work = Path(scratch)
        shutil.copy2(tex, work / tex.name)
        for src in sources:
            shutil.copy2(src, work / Path(src).name)
        (work / "generated").mkdir()
        for gen in generated:
            shutil.copy2(gen, work / "generated" / Path(gen).name)
        flag = {"pdflatex": "-pdf", "lualatex": "-pdflua", "xelatex": "-pdfxe"}[engine]
        cmd = [
            "latexmk",
            flag,
            "-halt-on-error",
            "-interaction=nonstopmode",
            "-file-line-error",
            tex.name,
        ]
        proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, check=False)
        stem = tex.stem
        logs = ""
        for ext in (".log", ".blg"):
            path = work / f"{stem}{ext}"
            if path.exists():
                logs += path.read_text(encoding="latin-1")
        logger.info("$ %s\n%s\n%s\n%s", " ".join(cmd), proc.stdout, proc.stderr, logs)
        if proc.returncode != 0:
            errors = [line for line in logs.splitlines() if _ERROR_LINE.match(line)]
            raise LatexError(
                f"latexmk failed (exit {proc.returncode}) on {tex}:\n" + "\n".join(errors[:10])
            )
        problems = undefined_problems(logs)
        if problems:
            raise LatexError(f"{tex}: undefined references or citations:\n" + "\n".join(problems))
        with atomic_path(output, suffix=".pdf") as tmp:
            shutil.copy2(work / f"{stem}.pdf", tmp)
