"""A job for the scheduling tests: it writes when it ran, so a test can see that the scheduler moved it."""
import time

from rq import get_current_job


def touch(name: str) -> None:
    get_current_job().connection.set(name, f"{time.time():.3f}")
