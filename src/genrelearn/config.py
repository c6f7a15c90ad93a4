"""Checks of the workflow's configuration: the JSON schema, then each study's cross-key rules.

``config/config.yaml`` holds every value of the default study and ``config/schema.yaml``
describes every key (type, range, meaning) without repeating those values. The workflow
merges the user's files onto config.yaml, then calls :func:`validate` and one ``check_*``
function per study before any rule is defined, so a bad configuration stops at start with
the keys to fix. The checks are plain functions of the merged configuration: no Snakemake.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import yaml

__all__ = [
    "check_baselines",
    "check_data",
    "check_random_cnn",
    "check_sae",
    "check_sae_full",
    "check_supervised",
    "sae_full_sections",
    "validate",
]


def _key(path: Sequence[str | int]) -> str:
    return ".".join(str(p) for p in path) or "<top level>"


def _order(path: Sequence[str | int]) -> tuple[tuple[int, int | str], ...]:
    # keys and list indices sort apart, indices numerically
    return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in path)


def _description(schema: Mapping[str, Any], path: Sequence[str | int]) -> str:
    """Description of the deepest schema node along ``path`` that has one."""
    found = schema.get("description", "") if not path else ""
    node: Any = schema
    for part in path:
        if not isinstance(node, Mapping):
            break
        if isinstance(part, int):
            node = node.get("items")
        elif part in node.get("properties", {}):
            node = node["properties"][part]
        else:
            node = node.get("additionalProperties")
        if isinstance(node, Mapping) and node.get("description"):
            found = node["description"]
    return found


def _problems(
    config: Mapping[str, Any], schema: Mapping[str, Any]
) -> Iterator[tuple[list[str | int], str, str]]:
    """(key path, message, description) of every schema violation of ``config``."""
    validator = jsonschema.Draft202012Validator(schema)
    missing: dict[tuple[str | int, ...], Iterator[str]] = {}
    for err in validator.iter_errors(config):
        path = list(err.absolute_path)
        if err.validator == "required":
            # one error per missing key, in the order of the schema's required list
            at = tuple(path)
            if at not in missing:
                missing[at] = iter([k for k in err.validator_value if k not in err.instance])
            key = next(missing[at])
            yield [*path, key], "is missing", _description(err.schema, [key])
        else:
            yield path, err.message, err.schema.get("description") or _description(schema, path)


def validate(config: Mapping[str, Any], schema_file: str | Path) -> None:
    """Check a merged configuration against the JSON schema, reporting every bad key at once.

    The schema gives no defaults (config/config.yaml holds every value), so nothing is
    filled in and ``config`` is not modified. ``snakemake.utils.validate`` is not used
    because it stops at the first error and names the schema path rather than the key.

    Parameters
    ----------
    config : Mapping
        The configuration as the workflow sees it (config.yaml with the user's files merged
        onto it).
    schema_file : str or Path
        JSON schema (Draft 2020-12) in YAML.

    Raises
    ------
    ValueError
        Listing every violation as ``config key 'a.b.c': <message> (<description>)``, one per
        line in key order (a missing key is named in full), then a hint to fix these keys.
    """
    schema = yaml.safe_load(Path(schema_file).read_text())
    problems = sorted(_problems(config, schema), key=lambda p: _order(p[0]))
    if problems:
        lines = [
            f"  config key '{_key(path)}': {message}" + (f" ({desc})" if desc else "")
            for path, message, desc in problems
        ]
        raise ValueError(
            "invalid configuration:\n"
            + "\n".join(lines)
            + f"\nFix these keys in your config file; {schema_file} documents every key."
        )


def check_data(config: Mapping[str, Any]) -> None:
    """Cross-key rules of the dataset: GTZAN-only keys, the archive's checksums.

    Parameters
    ----------
    config : Mapping
        A configuration that passed :func:`validate`.

    Raises
    ------
    ValueError
        If dataset.archive, dataset.root or dataset.split_lists is set for a source other than
        gtzan, if gtzan.archive.checksums names an unknown algorithm or a malformed digest
        (source gtzan), or if dataset.archive and dataset.root are both set.
    """
    dataset = config["dataset"]
    if dataset["source"] != "gtzan":
        for key in ("archive", "root", "split_lists"):
            if dataset[key] is not None:
                raise ValueError(
                    f"config key 'dataset.{key}': only used with dataset.source: gtzan "
                    f"(source is {dataset['source']!r}); remove it or set the source"
                )
    else:
        # imported here: the workflow imports this module at start, the download code is not
        # needed for the other sources
        from genrelearn.data.download import normalize_checksums

        try:
            normalize_checksums(config["gtzan"]["archive"]["checksums"])
        except ValueError as err:
            raise ValueError(f"config key 'gtzan.archive.checksums': {err}") from None
    if dataset["archive"] is not None and dataset["root"] is not None:
        raise ValueError(
            "config keys 'dataset.archive' and 'dataset.root': give one of them (an archive "
            "to verify and extract, or an extracted folder), not both"
        )


def check_baselines(config: Mapping[str, Any]) -> None:
    """Cross-key rules of the pooled-feature SVM classification (the main accuracy table).

    Parameters
    ----------
    config : Mapping
        A configuration that passed :func:`validate`.

    Raises
    ------
    ValueError
        If classify.protocols has fault-filtered on a source other than gtzan, or a subset
        size in classify.n_genres exceeds the genres in dataset.genres.
    """
    source = config["dataset"]["source"]
    if source != "gtzan" and "fault-filtered" in config["classify"]["protocols"]:
        raise ValueError(
            "config key 'classify.protocols': fault-filtered is GTZAN's published split "
            f"and needs dataset.source: gtzan (source is {source!r})"
        )
    n_genres = len(config["dataset"]["genres"])
    too_big = [n for n in config["classify"]["n_genres"] if n > n_genres]
    if too_big:
        raise ValueError(
            f"config key 'classify.n_genres': subsets {too_big} are larger than the "
            f"{n_genres} genres listed in 'dataset.genres'"
        )


def check_sae(config: Mapping[str, Any]) -> None:
    """Cross-key rules of the structured auto-encoder study.

    Parameters
    ----------
    config : Mapping
        A configuration that passed :func:`validate`.

    Raises
    ------
    ValueError
        If sae.n_genres exceeds the genres in dataset.genres (the study would silently run on
        fewer genres than asked).
    """
    n_genres = len(config["dataset"]["genres"])
    if config["sae"]["n_genres"] > n_genres:
        raise ValueError(
            f"config key 'sae.n_genres': {config['sae']['n_genres']} is larger than the "
            f"{n_genres} genres listed in 'dataset.genres'; lower it or list more genres"
        )


_SAE_FULL = "experiments.sae_full"


def _override_sections() -> dict[str, str]:
    """Section (``sae`` or ``graph``) of every key a full-scale override may set."""
    # imported here: genrelearn.sae.points imports only the standard library, but this module
    # should not depend on the study's package for the other checks
    from genrelearn.sae.points import POINT_KEYS, SOLVER_KEYS

    return {**POINT_KEYS, **dict.fromkeys(SOLVER_KEYS, "sae")}


def sae_full_sections(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The ``sae`` and ``graph`` sections of the full-scale experiment: the overrides applied.

    Parameters
    ----------
    config : Mapping
        A configuration that passed :func:`validate` and :func:`check_sae_full`.

    Returns
    -------
    dict
        ``{"sae": {...}, "graph": {...}}``: copies of the configuration's sections, each
        override (``experiments.sae_full.overrides``) replacing the key of its section. The
        configuration is not modified.
    """
    sections = {"sae": dict(config["sae"]), "graph": dict(config["graph"])}
    where = _override_sections()
    for key, value in config["experiments"]["sae_full"]["overrides"].items():
        sections[where[key]][key] = value
    return sections


def check_sae_full(config: Mapping[str, Any], schema_file: str | Path) -> None:
    """Cross-key rules of the full-scale experiment of the structured auto-encoder study.

    The overrides may set any experiment-point key (``genrelearn.sae.points.POINT_KEYS``) or
    solver key (``SOLVER_KEYS``); each value is checked against the schema of the key it
    overrides (``sae.<key>``, or ``graph.k``), so that a key added to either list is accepted
    with its own type and range. The checks hold whether or not the experiment is enabled.

    Parameters
    ----------
    config : Mapping
        A configuration that passed :func:`validate`.
    schema_file : str or Path
        The schema :func:`validate` used, which describes the overridden keys.

    Raises
    ------
    ValueError
        Naming the key, if an override is not a point or solver key, if its value fails the
        schema of the key it overrides, or if the experiment is enabled with more genres
        (experiments.sae_full.n_genres) than dataset.genres lists.
    """
    full = config["experiments"]["sae_full"]
    where = _override_sections()
    schema = yaml.safe_load(Path(schema_file).read_text())["properties"]
    for key, value in full["overrides"].items():
        at = f"config key '{_SAE_FULL}.overrides.{key}'"
        if key not in where:
            raise ValueError(
                f"{at}: unknown setting {key!r}; an override is one of the experiment-point "
                f"or solver keys {sorted(where)}"
            )
        node = schema[where[key]]["properties"][key]
        error = jsonschema.exceptions.best_match(
            jsonschema.Draft202012Validator(node).iter_errors(value)
        )
        if error is not None:
            raise ValueError(
                f"{at}: {error.message} (overrides {where[key]}.{key}: {node['description']})"
            )
    n_genres = len(config["dataset"]["genres"])
    if full["enabled"] and full["n_genres"] > n_genres:
        raise ValueError(
            f"config key '{_SAE_FULL}.n_genres': {full['n_genres']} is larger than the "
            f"{n_genres} genres listed in 'dataset.genres'; lower it or list more genres"
        )


def check_random_cnn(config: Mapping[str, Any]) -> None:
    """Cross-key rules of the randomly weighted CNNs.

    Parameters
    ----------
    config : Mapping
        A configuration that passed :func:`validate`.

    Raises
    ------
    ValueError
        If classify.learned has an ``rcnn_<arch>`` row whose architecture is not in
        deep.random_cnn.architectures.
    """
    archs = list(config["deep"]["random_cnn"]["architectures"])
    missing = [
        m
        for m in config["classify"]["learned"]
        if m.startswith("rcnn_") and m.removeprefix("rcnn_") not in archs
    ]
    if missing:
        raise ValueError(
            f"config key 'classify.learned': {missing} need their architectures in "
            f"'deep.random_cnn.architectures' (now {archs}); add them there or drop the rows"
        )


def check_supervised(config: Mapping[str, Any]) -> None:
    """Cross-key rules of the supervised CNN/LSTM study (affect transfer needs genre models).

    Parameters
    ----------
    config : Mapping
        A configuration that passed :func:`validate`.

    Raises
    ------
    ValueError
        If supervised.affect.feature_set is not in supervised.feature_sets, or
        supervised.affect.models is not a subset of supervised.models.
    """
    sup = config["supervised"]
    if sup["affect"]["feature_set"] not in sup["feature_sets"]:
        raise ValueError(
            "config key 'supervised.affect.feature_set': "
            f"{sup['affect']['feature_set']!r} must also be in supervised.feature_sets (its "
            "genre classifiers give the transfer backbones)"
        )
    if not set(sup["affect"]["models"]) <= set(sup["models"]):
        raise ValueError(
            "config key 'supervised.affect.models': every model must also be in "
            "supervised.models (its genre classifier gives the transfer backbone)"
        )
