"""Experiment points of the structured auto-encoder study: one Snakemake job per point.

A point is a full set of hyper-parameters (feature learner, graph and pooling); it is named by
what it changes with respect to the base setting, e.g. ``sae`` (the base), ``sae_lg~100`` or
``cqt_noise~0.1`` (the CQT baseline on noisy frames). Sweeps and the thesis table are lists of
such points; each point's full parameters reach its jobs through ``params:``, so editing one
value reruns exactly the points it belongs to.

The workflow imports this module when it builds its job graph: it imports nothing but the
standard library (and :mod:`genrelearn.sae` loads its solvers lazily).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

#: Hyper-parameters a point can set, with the section of the configuration they come from.
POINT_KEYS = {
    "noise": "sae",
    "n_atoms": "sae",
    "ld": "sae",
    "lz": "sae",
    "lg": "sae",
    "le": "sae",
    "rtol": "sae",
    "k": "graph",
    "n_vectors": "sae",
}
#: Solver settings of the ``sae`` configuration shared by every point (not part of its name).
SOLVER_KEYS = ("n_inner", "n_outer", "gap_tol", "min_inner", "step", "device", "seed")
MODELS = ("sae", "cqt")
_NAME = re.compile(r"^(sae|cqt)((?:_[a-z_]+~[0-9.e+-]+)*)$")


def format_value(value: Any) -> str:
    """Shortest faithful text of a number for a point name (``100``, ``0.1``, ``1e-05``)."""
    if isinstance(value, bool):
        raise TypeError("booleans are not point values")
    if isinstance(value, int) or (
        isinstance(value, float) and value.is_integer() and abs(value) < 1e6
    ):
        return str(int(value))
    return f"{float(value):g}"


def point_name(model: str, overrides: Mapping[str, Any]) -> str:
    """Name of the point of ``model`` that sets ``overrides`` (keys sorted)."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    unknown = set(overrides) - set(POINT_KEYS)
    if unknown:
        raise ValueError(f"unknown point parameters {sorted(unknown)}; known: {list(POINT_KEYS)}")
    parts = [f"{key}~{format_value(overrides[key])}" for key in sorted(overrides)]
    return "_".join([model, *parts])


def parse_point_name(name: str) -> tuple[str, dict[str, float]]:
    """Inverse of :func:`point_name` (values as floats)."""
    match = _NAME.match(name)
    if not match:
        raise ValueError(f"{name!r} is not a point name like 'sae_lg~100_noise~0.1'")
    overrides = {}
    for part in filter(None, match.group(2).split("_")):
        key, value = part.split("~")
        overrides[key] = float(value)
    return match.group(1), overrides


#: Parameters that matter for the CQT baseline (no learning: scaling, noise, pooling).
CQT_KEYS = ("noise", "n_vectors")


def base_params(sae: Mapping[str, Any], graph: Mapping[str, Any]) -> dict[str, Any]:
    """The base point's hyper-parameters, from the ``sae`` and ``graph`` configuration."""
    return {key: (sae if section == "sae" else graph)[key] for key, section in POINT_KEYS.items()}


def make_point(
    model: str, overrides: Mapping[str, Any], base: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Canonical name and full parameters of a point.

    Overrides equal to the base value are dropped from the name (a sweep value equal to the
    base setting *is* the base point, computed once), and so are parameters the model ignores
    (the CQT baseline learns nothing, so only its noise and pooling matter; without the graph
    term, K does not matter), so that editing them reruns no job of that point.
    """
    relevant = CQT_KEYS if model == "cqt" else tuple(POINT_KEYS)
    if model == "sae" and float(overrides.get("lg", base["lg"])) == 0:
        relevant = tuple(key for key in relevant if key != "k")  # no graph: K is irrelevant
    kept = {
        key: value
        for key, value in overrides.items()
        if key in relevant and float(value) != float(base[key])
    }
    params = {key: base[key] for key in relevant}
    params.update(kept)
    params["model"] = model
    return point_name(model, kept), params


def sweep_points(
    sweeps: Mapping[str, Iterable[Any]], base: Mapping[str, Any]
) -> dict[str, list[tuple[Any, str]]]:
    """Per swept parameter, ``[(value, point name), ...]`` of SAE points."""
    return {
        key: [(value, make_point("sae", {key: value}, base)[0]) for value in values]
        for key, values in sweeps.items()
    }


def thesis_table_points(
    noises: Iterable[float], lgs: Iterable[float], base: Mapping[str, Any]
) -> list[tuple[float, str, str]]:
    """Points of the thesis table: per noise level, the CQT baseline and one SAE per ``lg``.

    Returns
    -------
    list of (noise, column label, point name)
        Column labels are ``cqt`` or ``lg~<value>``.
    """
    points = []
    for noise in noises:
        points.append((noise, "cqt", make_point("cqt", {"noise": noise}, base)[0]))
        for lg in lgs:
            name = make_point("sae", {"noise": noise, "lg": lg}, base)[0]
            points.append((noise, f"lg~{format_value(lg)}", name))
    return points


#: The thesis's own sweep grids (Defferrard 2015, experiments 12*-14*), for ``grid: thesis``.
THESIS_GRID: dict[str, list[float]] = {
    "lg": [0.0, 0.1, 1.0, 10.0, 50.0, 70.0, 100.0, 160.0, 280.0, 500.0, 1000.0],
    "ld": [1.0, 10.0, 100.0, 1000.0, 10000.0],
    "lz": [0.1, 1.0, 10.0, 100.0],
    "le": [0.0, 1.0, 10.0, 100.0, 1000.0],
    "n_atoms": [128, 512],
    "rtol": [1e-3, 1e-4, 1e-5],
    "k": [6, 11, 21, 51],
    "noise": [0.0, 0.01, 0.05, 0.1, 0.2, 0.5],
    "n_vectors": [2, 4, 6, 8, 12],
}


def study_points(
    base: Mapping[str, Any],
    sweeps: Mapping[str, list[tuple[Any, str]]],
    table: Iterable[tuple[float, str, str]],
) -> dict[str, dict[str, Any]]:
    """Every point the study computes, by name: the base, the sweeps and the thesis table."""
    points = dict([make_point("sae", {}, base)])
    for key, values in sweeps.items():
        for value, _ in values:
            name, params = make_point("sae", {key: value}, base)
            points[name] = params
    for noise, label, _ in table:
        if label == "cqt":
            name, params = make_point("cqt", {"noise": noise}, base)
        else:
            name, params = make_point("sae", {"noise": noise, "lg": float(label[3:])}, base)
        points[name] = params
    return points
