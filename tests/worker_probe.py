"""A job for the worker tests: what RQ's bookkeeping shows while a job runs."""
from rq import get_current_job
from rq.registry import StartedJobRegistry


def started_state() -> dict:
    job = get_current_job()
    conn = job.connection
    fields = {k.decode(): v.decode() for k, v in conn.hgetall(job.key).items() if k != b"data"}
    registry = StartedJobRegistry(job.origin, connection=conn)
    return {"status": fields.get("status"), "worker_name": fields.get("worker_name"),
            "started_at": fields.get("started_at"), "last_heartbeat": fields.get("last_heartbeat"),
            "in_started_registry": job.id in registry.get_job_ids(), "ttl": conn.ttl(job.key)}


def fails() -> None:
    raise RuntimeError("a job that fails, for the worker tests")
