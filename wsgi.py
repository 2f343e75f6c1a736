"""The WSGI entry point: `wsgi:app` for gunicorn or any WSGI server."""
from ivr import create_app

app = create_app()
