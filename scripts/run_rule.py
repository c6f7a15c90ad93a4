"""Run the script of the rule that makes one file, by hand, outside a Snakemake run.

    python scripts/run_rule.py TARGET [--configfile F ...] [--out DIR | --in-place]
                               [--show] [--pdb] [--cores N]

For debugging one step on the files of a finished run: the workflow is loaded with Snakemake's
Python API and the same configuration as a run (the Snakefile's ``configfile:`` with the
``--configfile`` overlays on top, in order); Snakemake's own DAG finds the job that makes
``TARGET``, so its input functions, wildcards, params, threads and resources are exactly those
of a run; then the rule's script runs in this process with the ``snakemake`` object it expects
(Snakemake's own ``snakemake.script.Snakemake`` class), as ``__main__``.

Outputs and the log go to a scratch folder, ``--out`` (default ``debug/<rule>/``), under the
same relative paths, so the finished run's files are never overwritten; ``--in-place`` writes
the real outputs instead. ``--show`` prints the job and exits; ``--pdb`` opens the debugger
where the script raised. Snakemake's records are left alone: no lock is taken and no job is
recorded in ``.snakemake/``.

This relies on a few internals of Snakemake 9 (the workflow object of ``WorkflowApi`` and its
``_prepare_dag``/``_build_dag``, the ones its own dry run uses): the public API only prints a
DAG. ``tests/workflow/test_run_by_hand.py`` checks them against the pinned Snakemake.
"""

from __future__ import annotations

import argparse
import os
import pdb
import runpy
import shutil
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The checkout this file belongs to: the workflow that is loaded, and its library.
ROOT = Path(__file__).resolve().parents[1]
#: Set when this command restarted itself to import the library from :data:`ROOT`.
RESTARTED = "GENRELEARN_RUN_RULE_RESTARTED"


class RunRuleError(Exception):
    """A problem with the request (the target, the finished run), told in one message."""


@dataclass
class RuleJob:
    """One job of the workflow, as its script will see it."""

    rule: str
    script: Path
    snakemake: Any  # snakemake.script.Snakemake
    missing: list[str]  # inputs that do not exist

    def describe(self) -> str:
        """The job's rule, script, wildcards, files, params, threads and resources."""
        smk = self.snakemake

        def named(items: Any) -> list[str]:
            lines = []
            for name, value in items._allitems():
                for v in value if isinstance(value, list) else [value]:
                    lines.append(f"    {name or '-'}: {v}")
            return lines

        lines = [f"rule: {self.rule}", f"script: {self.script}"]
        lines.append("wildcards:" + ("" if smk.wildcards else " none"))
        lines += [f"    {k}: {v}" for k, v in smk.wildcards.items()]
        for title, items in (("input", smk.input), ("output", smk.output), ("log", smk.log)):
            lines.append(f"{title}:" + ("" if items else " none"))
            lines += named(items)
        lines.append("params:" + ("" if smk.params else " none"))
        lines += [f"    {k}: {v!r}" for k, v in smk.params.items()]
        lines.append(f"threads: {smk.threads}")
        resources = {k: v for k, v in smk.resources.items() if not k.startswith("_")}
        lines.append("resources: " + ", ".join(f"{k}={v}" for k, v in resources.items()))
        if self.missing:
            lines.append("missing inputs:")
            lines += [f"    {path}" for path in self.missing]
        return "\n".join(lines)


def relative_to_root(path: str | Path, cwd: Path) -> str:
    """``path`` (relative to ``cwd``, or absolute) as the workflow names it: from the root."""
    full = Path(os.path.normpath(cwd / path))
    try:
        return full.relative_to(ROOT).as_posix()
    except ValueError:
        return str(full)


def load_job(target: str, configfiles: Sequence[Path], cores: int) -> RuleJob:
    """The job of the workflow at :data:`ROOT` that makes ``target``.

    Parameters
    ----------
    target : str
        A file the workflow makes, relative to the workflow's root (as rules spell it).
    configfiles : sequence of Path
        Configuration overlays, applied in order over the Snakefile's ``configfile:``.
    cores : int
        Cores of the run; a rule's threads are capped by it, as in a run.

    Returns
    -------
    RuleJob

    Raises
    ------
    RunRuleError
        When no rule makes ``target``, or the rule that does has no script.
    """
    from snakemake.api import SnakemakeApi
    from snakemake.exceptions import RuleException, WorkflowError
    from snakemake.script import Snakemake
    from snakemake.settings.types import (
        ConfigSettings,
        DAGSettings,
        OutputSettings,
        Quietness,
        ResourceSettings,
    )

    output = OutputSettings(quiet={Quietness.ALL}, enable_file_logging=False)
    with SnakemakeApi(output) as api:
        workflow_api = api.workflow(
            resource_settings=ResourceSettings(cores=cores),
            config_settings=ConfigSettings(configfiles=list(configfiles)),
            snakefile=ROOT / "Snakefile",
            workdir=ROOT,
        )
        workflow_api.dag(DAGSettings(targets={target}))  # sets the workflow's DAG settings
        workflow = workflow_api._workflow
        if not any(rule.is_producer(target) for rule in workflow.rules):
            raise RunRuleError(
                f"no rule of the workflow makes {target} (with this configuration); give a "
                "path as the rules write it, from the repository root, e.g. "
                "results/synth/graph/all/noise~0/laplacian_k~11.npz"
            )
        try:
            workflow._prepare_dag(
                forceall=False, ignore_incomplete=True, lock_warn_only=True, nolock=True
            )
            workflow._build_dag()
        except (WorkflowError, RuleException) as err:  # they name the rule or file
            raise RunRuleError(f"Snakemake cannot plan {target}:\n{err}") from err
        (job,) = workflow.dag.targetjobs
        rule = job.rule
        if not rule.script:
            raise RunRuleError(
                f"{target} is made by rule {rule.name}, which runs no script "
                "(only rules with a script: directive can run by hand)"
            )
        script = Path(
            os.path.normpath(Path(rule.basedir.get_path_or_uri(secret_free=True)) / rule.script)
        )
        smk = Snakemake(
            job.input,
            job.output,
            job.params,
            job.wildcards,
            job.threads,
            job.resources,
            job.log,
            workflow.config,
            rule.name,
            None,  # bench_iteration: not a benchmark run
            str(script.parent),
        )
        missing = [path for path in smk.input if not (ROOT / path).exists()]
        runtime_cache = getattr(workflow.sourcecache, "runtime_cache", None)
        if runtime_cache is not None:  # Snakemake leaves this temporary folder to the GC
            runtime_cache.cleanup()
    return RuleJob(rule=rule.name, script=script, snakemake=smk, missing=missing)


def redirect(job: RuleJob, out: Path) -> list[Path]:
    """Point the job's outputs and log into ``out``, under their relative paths.

    Stale outputs of an earlier run by hand into ``out`` are removed, as Snakemake removes a
    job's outputs before it runs it; their folders are made.

    Returns
    -------
    list of Path
        The redirected outputs.
    """
    out = out if out.is_absolute() else ROOT / out

    def moved(path: str) -> str:
        p = Path(path)
        return str(out / (p.relative_to(p.anchor) if p.is_absolute() else p))

    smk = job.snakemake
    smk.output = type(smk.output)(toclone=smk.output, custom_map=moved)
    smk.log = type(smk.log)(toclone=smk.log, custom_map=moved)
    out.mkdir(parents=True, exist_ok=True)
    # A scratch folder inside the checkout must not make the git tree dirty.
    if out.is_relative_to(ROOT) and not (out / ".gitignore").exists():
        (out / ".gitignore").write_text("*\n")
    for path in map(Path, [*smk.output, *smk.log]):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    return [Path(p) for p in smk.output]


def run_script(job: RuleJob) -> None:
    """Run the rule's script as ``__main__`` with the ``snakemake`` object it reads."""
    for path in map(Path, [*job.snakemake.output, *job.snakemake.log]):
        (ROOT / path).parent.mkdir(parents=True, exist_ok=True)
    if str(job.script.parent) not in sys.path:
        sys.path.append(str(job.script.parent))  # as Snakemake does for a local script
    runpy.run_path(str(job.script), init_globals={"snakemake": job.snakemake}, run_name="__main__")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python scripts/run_rule.py",
        description="Run the script of the rule that makes TARGET, outside Snakemake, on the "
        "files of a finished run.",
    )
    parser.add_argument(
        "target", help="a file the workflow makes, e.g. results/synth/sae/splits.json"
    )
    parser.add_argument(
        "--configfile",
        action="append",
        default=[],
        metavar="F",
        help="configuration overlay, as for snakemake (repeatable; applied in order)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        help="write the outputs and the log under DIR, same relative paths "
        "(default: debug/<rule>/)",
    )
    where.add_argument(
        "--in-place",
        action="store_true",
        help="write the real outputs and log (downstream jobs then rerun in the next run)",
    )
    parser.add_argument(
        "--show", action="store_true", help="print the job's files, params, wildcards; exit"
    )
    parser.add_argument(
        "--pdb", action="store_true", help="open pdb where the script raises an exception"
    )
    parser.add_argument(
        "--cores",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="cores of the run, which cap the rule's threads (default: all, as make paper)",
    )
    return parser.parse_args(argv)


def use_this_checkouts_library(argv: list[str]) -> None:
    """Import the library from this checkout's ``src/``, as its rules' code inputs name it.

    An editable install of another checkout (a shared venv) imports ``genrelearn`` when Python
    starts (the numba cache hook of :mod:`genrelearn.jitcache`); then this command starts
    again, with ``src/`` first on ``PYTHONPATH`` (also for the processes a script starts).
    """
    src = ROOT / "src"
    if not (src / "genrelearn").is_dir():
        return
    path = os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))
    loaded = sys.modules.get("genrelearn")
    where = Path(getattr(loaded, "__file__", None) or src).resolve()
    if loaded is not None and not where.is_relative_to(src.resolve()):
        if os.environ.get(RESTARTED) is None:
            sys.stdout.flush()
            env = {**os.environ, "PYTHONPATH": path, RESTARTED: "1"}
            os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *argv], env)
        print(f"run_rule: warning: the library is imported from {where.parent}", file=sys.stderr)
    if str(src) not in sys.path:
        sys.path.insert(0, str(src))
        os.environ["PYTHONPATH"] = path


def fail(message: str) -> int:
    """Print an error for the user and give the exit status of a bad request."""
    print(f"run_rule: error: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the exit status (2 for a bad request)."""
    args = parse_args(argv)
    use_this_checkouts_library(sys.argv[1:] if argv is None else list(argv))
    cwd = Path.cwd()
    target = relative_to_root(args.target, cwd)
    configfiles = [Path(os.path.normpath(cwd / f)) for f in args.configfile]
    for f in configfiles:
        if not f.is_file():
            return fail(f"no configuration file {f}")
    os.chdir(ROOT)  # the rules' paths are relative to the workflow's root
    try:
        job = load_job(target, configfiles, args.cores)
    except RunRuleError as err:
        return fail(str(err))
    out = None
    if not args.in_place:
        out = args.out if args.out is not None else ROOT / "debug" / job.rule
        out = out if out.is_absolute() else Path(os.path.normpath(cwd / out))
    if args.show:
        print(job.describe())
        print(f"by hand, writes under: {out}" if out else "by hand, writes the real outputs")
        return 0
    if job.missing:
        return fail(
            f"rule {job.rule} needs inputs that do not exist:\n"
            + "\n".join(f"    {p}" for p in job.missing)
            + "\nbuild them with Snakemake first, e.g. snakemake --cores all "
            + " ".join(job.missing)
            + "".join(f" --configfile {f}" for f in args.configfile)
        )
    if out is not None:
        if out.resolve() == ROOT:
            return fail("--out is the workflow's root: that is --in-place")
        redirect(job, out)
    print(f"running rule {job.rule}: {job.script.relative_to(ROOT)}", flush=True)
    try:
        run_script(job)
    except Exception:
        traceback.print_exc()
        logs = ", ".join(job.snakemake.log) or "none"
        print(f"run_rule: rule {job.rule} failed; its log: {logs}", file=sys.stderr)
        if args.pdb:
            pdb.post_mortem(sys.exc_info()[2])
        return 1
    for path in job.snakemake.output:
        print(f"wrote {path}")
    for path in job.snakemake.log:
        print(f"log: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
