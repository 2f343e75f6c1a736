"""gunicorn settings for the hotline: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

The values come from `ivr.cli.gunicorn_options`, the same function `hotline serve` uses, so the
systemd unit, `hotline serve` and the benchmarks (bench/) run one configuration:
gthread workers (one process per core, a few threads each for slow clients), 30 s timeout,
5 s keep-alive (nginx keeps upstream connections open), a listening socket per worker on TCP
(SO_REUSEPORT: the kernel spreads connections over the processes). Environment overrides:
  HOTLINE_BIND (default 127.0.0.1:8000, or a unix socket "unix:/run/hotline/web.sock"),
  WEB_CONCURRENCY (processes, default: the number of cores), HOTLINE_THREADS (default 4).
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `ivr` imports from a checkout too

from ivr.cli import gunicorn_options  # noqa: E402

_options = gunicorn_options(workers=int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2)),
                            threads=int(os.environ.get("HOTLINE_THREADS", 4)), bind=os.environ.get("HOTLINE_BIND"))

bind = [_options["bind"]]
workers = _options["workers"]
threads = _options["threads"]
worker_class = _options["worker_class"]
reuse_port = _options["reuse_port"]  # a listening socket per worker on TCP (see gunicorn_options)
on_starting = _options["on_starting"]  # refuse to start on a TCP address in use (reuse_port would share it)
timeout = _options["timeout"]
graceful_timeout = _options["graceful_timeout"]
keepalive = _options["keepalive"]
accesslog = _options["accesslog"]  # nginx logs requests; the app logs errors (no phone numbers)
preload_app = _options["preload_app"]
if "control_socket_disable" in _options:  # gunicorn 25+: no per-user control socket (gunicornc is not used)
    control_socket_disable = True
errorlog = "-"
# Recycle a worker now and then (with jitter so they do not all restart together): bounds any slow leak.
# Not often: a new worker builds the app (the catalog, the renderers) for 1.6 s of CPU, which at every
# 20 000 requests was 80 µs a request — a third of a menu step — and a latency spike on its connections.
# The web process's memory is flat over 10⁵ requests (docs/performance.md, item 4).
max_requests = 200000
max_requests_jitter = 20000
