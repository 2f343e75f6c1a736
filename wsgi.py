"""The WSGI entry point: `wsgi:app` for gunicorn or any WSGI server."""
import gc

from ivr import create_app

app = create_app()
# The catalog, renderers and caches live as long as the process: the collector need not walk them again
# (~150 000 objects) each time a request's garbage sets off a full collection.
gc.collect()
gc.freeze()
