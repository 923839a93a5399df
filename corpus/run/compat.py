"""Every place jacorpus changes datatrove's own behaviour, in one module, checked before it applies.

datatrove is the engine and is used through its public classes everywhere else. The one
thing it offers no hook for is the logging of a task: `PipelineExecutor._run_for_rank`
calls the module-level `add_task_logger` / `close_task_logger` of `datatrove.utils.logging`
(imported by name into `datatrove.executor.base` and `datatrove.executor.ray`), which put
every task's INFO log and stats on the console. Our runner prints one line per stage
instead, so `install_task_logger` swaps those two names for versions with the console at
`JACORPUS_LOG_LEVEL` (default WARNING); each task's full log still goes to
`<stage>/logs/task_*.log`.

`apply_task_patches()` is called where a task starts, by our executors' `_run_for_rank`
(corpus/run/executors.py): a Slurm task or a Ray worker is a fresh interpreter that never ran
the code that built the executor, so a patch made only there would not reach it. Each patch
checks that its target still has the signature it was written against and is skipped with
a warning otherwise (datatrove is pinned to `TESTED_DATATROVE` in pyproject.toml; a newer
version is warned about once). Delete the logger patch when datatrove takes a console level.
"""

from __future__ import annotations

import inspect
import os
import sys
import warnings
from importlib import metadata

TESTED_DATATROVE = "0.10."
CONSOLE_LEVEL = os.environ.get("JACORPUS_LOG_LEVEL", "WARNING")
_MARK = "_jacorpus"
# the parameters of datatrove.utils.logging.add_task_logger the replacement is written against
_ADD_TASK_LOGGER_PARAMS = ["logging_dir", "rank", "local_rank", "node_rank"]
# datatrove warns on every Ray executor it builds over a local logging dir; docs/scale.md says
# once that Ray needs a filesystem every node shares, and the task logs keep the warning
_REPEATED_WARNINGS = ("Logging directory points to a local filesystem",)
_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        warnings.warn(message, RuntimeWarning, stacklevel=3)


def datatrove_version() -> str:
    return metadata.version("datatrove")


def _not_an_exception(record) -> bool:
    """Console filter: an exception a task logs is raised again to our CLI, which prints it
    once (one line for the user's mistakes, a traceback for bugs); the task's log keeps it."""
    return record["exception"] is None and not record["message"].startswith(_REPEATED_WARNINGS)


def _console_only() -> None:
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level=CONSOLE_LEVEL, format="{time:HH:mm:ss} | {level} | {message}",
               filter=_not_an_exception)


def add_task_logger(logging_dir, rank: int, local_rank: int = 0, node_rank: int = -1):
    """datatrove's own `add_task_logger`, with the console sink at our level instead of INFO."""
    from loguru import logger

    logger.remove()
    logfile = logging_dir.open(f"logs/task_{rank:05d}.log", "w")
    prefix = f"[NODE {node_rank}] " if node_rank != -1 else ""
    logger.add(sys.stderr, level=CONSOLE_LEVEL if local_rank == 0 else "ERROR",
               format=prefix + "{time:HH:mm:ss} | {level} | {message}", filter=_not_an_exception)
    # catch=False: a log that cannot be written (disk full) fails the task with that error,
    # instead of loguru printing its own traceback and the task going on
    logger.add(logfile, level="DEBUG", catch=False,
               format=prefix + "{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <8} | {name}:{function}:{line} - {message}")
    logger.info(f"Launching pipeline for {rank=}")
    return logfile


def close_task_logger(logfile) -> None:
    from loguru import logger

    logger.complete()
    _console_only()
    logfile.close()


setattr(add_task_logger, _MARK, True)


def install_task_logger() -> bool:
    """Swap datatrove's task logger for ours in every executor module that calls it by name;
    False (and a warning) when datatrove's function no longer has the expected signature."""
    import datatrove.executor.base as base
    from datatrove.utils import logging as dt_logging

    if list(inspect.signature(dt_logging.add_task_logger).parameters) != _ADD_TASK_LOGGER_PARAMS:
        _warn_once(f"datatrove {datatrove_version()}: add_task_logger{inspect.signature(dt_logging.add_task_logger)} "
                   "is not the signature jacorpus replaces; task logs go to the console at INFO")
        return False
    modules = [base]
    if "datatrove.executor.ray" in sys.modules:  # imported with corpus.run.executors; it runs Ray tasks
        modules.append(sys.modules["datatrove.executor.ray"])
    for module in modules:
        if not getattr(getattr(module, "add_task_logger", None), _MARK, False):
            module.add_task_logger = add_task_logger
            module.close_task_logger = close_task_logger
    _console_only()
    return True


def apply_task_patches() -> None:
    """Every datatrove patch, applied where a task (or the process that starts tasks) begins; idempotent."""
    version = datatrove_version()
    if not version.startswith(TESTED_DATATROVE):
        _warn_once(f"datatrove {version} is not the {TESTED_DATATROVE}x jacorpus was tested with; "
                   "patches are applied only where their targets are unchanged")
    install_task_logger()
