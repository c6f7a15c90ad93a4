"""Route a step's logging, warnings and progress bars into its log file."""

from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def log_to_file(path: str | Path | None, name: str = "genrelearn") -> Iterator[logging.Logger]:
    """Send logging records, warnings, stdout and stderr (tqdm bars) to ``path``.

    Parameters
    ----------
    path : str or Path or None
        The log file, truncated on entry. ``None`` logs to the current stderr instead.
    name : str
        Name of the returned logger.

    Yields
    ------
    logging.Logger
        A logger that writes to the file; an exception escaping the block is logged with
        its traceback before it propagates.
    """
    logger = logging.getLogger(name)
    root = logging.getLogger()
    old_level = root.level
    old_handlers = list(root.handlers)
    stream = open(path, "w", encoding="utf-8", buffering=1) if path else sys.stderr  # noqa: SIM115
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    redirect = path is not None
    try:
        with (
            contextlib.redirect_stdout(stream) if redirect else contextlib.nullcontext(),
            contextlib.redirect_stderr(stream) if redirect else contextlib.nullcontext(),
        ):
            try:
                yield logger
            except BaseException:
                logger.exception("step failed")
                raise
    finally:
        logging.captureWarnings(False)
        root.handlers = old_handlers
        root.setLevel(old_level)
        if redirect:
            stream.close()
