r"""What a LaTeX manuscript reads: its section files and generated tables, macros and figures.

The paper rule's inputs are derived from the manuscript rather than listed beside it: every
``\input{...}`` and ``\includegraphics[...]{...}`` line of the main file and of the section
files it inputs. A file under ``generated/`` is an export of the workflow; any other
``\input`` is a hand-written section, read in turn. A line that ends in ``% only: <name>`` is
used only when the condition ``<name>`` holds (e.g. a table that exists for one dataset).
:func:`check_against_rules` then compares the generated inputs with the workflow's outputs,
both ways.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

GENERATED = "generated/"
_COMMAND = re.compile(r"\\(input|includegraphics)\s*(?:\[[^\]]*\])?\s*\{([^}]+)\}")
_ONLY = re.compile(r"(?<!\\)%\s*only:\s*([\w-]+)\s*$")
_COMMENT = re.compile(r"(?<!\\)%.*$")
_WILDCARD = re.compile(r"\{([A-Za-z_]\w*)(?:\s*,\s*((?:[^{}]|\{[^{}]*\})*))?\}")


@dataclass(frozen=True)
class ManuscriptInput:
    """One file a manuscript reads.

    Attributes
    ----------
    name : str
        File name, with its extension: relative to ``generated/`` for a generated input
        (``table_accuracy.tex``), to the manuscript's folder for a section (``supervised.tex``).
    generated : bool
        Whether the file is under ``generated/`` (written by the workflow).
    source : Path
        The ``.tex`` file whose line reads it.
    line : int
        That line's number (1-based).
    condition : str or None
        The ``% only:`` condition of the line, if any.
    used : bool
        Whether the file is read under the given conditions.
    """

    name: str
    generated: bool
    source: Path
    line: int
    condition: str | None
    used: bool

    def where(self) -> str:
        """``file:line`` of the line that reads the file, for messages."""
        return f"{self.source}:{self.line}"


def _file_name(command: str, target: str) -> str:
    if Path(target).suffix:
        return target
    return target + (".tex" if command == "input" else ".pdf")


def manuscript_inputs(
    main: str | Path, conditions: Mapping[str, bool], *, display_root: str | Path | None = None
) -> list[ManuscriptInput]:
    """Every file ``main`` reads, in reading order, its sections' files included.

    Parameters
    ----------
    main : str or Path
        The main ``.tex`` file; sections are looked up in its folder.
    conditions : mapping of str to bool
        The value of each ``% only:`` condition. A line with an unknown condition is an error.
    display_root : str or Path, optional
        Folder that ``source`` paths are given relative to (default: the main file's parent's
        parent, so that sources read ``paper/paper.tex`` in a checkout).

    Returns
    -------
    list of ManuscriptInput
        A section read under a false condition is listed (``used=False``) but not read.

    Raises
    ------
    ValueError
        Naming the file and line, for an unknown condition or a missing section file.
    """
    main = Path(main).resolve()
    root = Path(display_root).resolve() if display_root else main.parent.parent
    found: list[ManuscriptInput] = []

    def read(tex: Path, used: bool) -> None:
        shown = tex.relative_to(root) if tex.is_relative_to(root) else tex
        for number, raw in enumerate(tex.read_text(encoding="utf-8").splitlines(), start=1):
            only = _ONLY.search(raw)
            condition = only.group(1) if only else None
            if condition is not None and condition not in conditions:
                raise ValueError(
                    f"{shown}:{number}: unknown condition 'only: {condition}'; known conditions "
                    f"are {sorted(conditions)}"
                )
            line_used = used and (condition is None or bool(conditions[condition]))
            for command, target in _COMMAND.findall(_COMMENT.sub("", raw)):
                target = target.strip()
                generated = target.startswith(GENERATED)
                name = _file_name(command, target.removeprefix(GENERATED) if generated else target)
                item = ManuscriptInput(name, generated, shown, number, condition, line_used)
                found.append(item)
                if command == "input" and not generated:
                    section = main.parent / name
                    if not section.is_file():
                        raise ValueError(
                            f"{item.where()}: \\input{{{target}}} reads {name}, which is not "
                            f"in {main.parent}"
                        )
                    read(section, line_used)

    read(main, True)
    return found


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """The regular expression of a Snakemake-style file pattern (``{name}``, ``{name,regex}``)."""
    parts, end = [], 0
    for match in _WILDCARD.finditer(pattern):
        parts.append(re.escape(pattern[end : match.start()]))
        parts.append(f"(?:{match.group(2)})" if match.group(2) else ".+")
        end = match.end()
    parts.append(re.escape(pattern[end:]))
    return re.compile("".join(parts))


def check_against_rules(
    inputs: Sequence[ManuscriptInput],
    outputs: Mapping[str, Sequence[str]],
    generated_dir: str,
) -> None:
    """Check that the generated inputs and the rules' generated outputs are the same files.

    Parameters
    ----------
    inputs : sequence of ManuscriptInput
        What the manuscript reads (:func:`manuscript_inputs`); inputs under any condition
        count, so that a file used for one dataset only is not reported as unused.
    outputs : mapping of str to sequence of str
        Each rule's output patterns under ``generated_dir`` (wildcards allowed).
    generated_dir : str
        The folder ``generated/`` of the manuscript stands for, e.g.
        ``results/synth/paper/generated``.

    Raises
    ------
    ValueError
        Naming every manuscript line whose generated file no rule writes, and every rule
        output that no line reads.
    """
    regexes = {(rule, p): pattern_regex(p) for rule, patterns in outputs.items() for p in patterns}
    generated = [i for i in inputs if i.generated]
    problems = []
    for item in generated:
        path = f"{generated_dir}/{item.name}"
        if not any(rx.fullmatch(path) for rx in regexes.values()):
            problems.append(
                f"{item.where()}: the paper reads generated/{item.name}, but no rule writes "
                f"{path}; add an export rule for it to its study's rules file, or remove the line"
            )
    for (rule, pattern), rx in regexes.items():
        if not any(rx.fullmatch(f"{generated_dir}/{i.name}") for i in generated):
            problems.append(
                f"rule {rule}: writes {pattern}, which no \\input or \\includegraphics line of "
                "the paper reads; use it in the paper or drop the output"
            )
    if problems:
        raise ValueError("the paper and the workflow disagree:\n  " + "\n  ".join(problems))
