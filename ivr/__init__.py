"""The hotline's Flask application: `create_app` reads as the list of steps that build it."""
from __future__ import annotations

from flask import Flask

from . import services as services_mod
from .flask_app import HotlineFlask
from .settings import load_settings
from .store import spool


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. `test_config` replaces the process environment (and may add CLOCK)."""
    app = HotlineFlask(__name__)  # Flask with cheaper webhook parsing (flask_app.py)
    settings = load_settings(test_config)
    app.config.update(settings)
    if test_config:
        app.config.update({k: v for k, v in test_config.items() if k not in settings})
    register_front(app)
    register_proxy_fix(app)
    app.extensions["hotline"] = services_mod.build(app.config)
    if app.config["HOTLINE_ENV"] == "production":
        services_mod.refuse_unspeakable(app.extensions["hotline"])
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_front_door(app)
    if spool.pending(app.config):  # requests kept while Redis was down, by a process now gone
        spool.watch(app)
    return app


def register_front(app: Flask) -> None:
    """Twilio's plain webhook posts answered by their handlers in front of Flask (twilio_front.py)."""
    from .sms.webhooks import FRONT_ROUTES as sms_routes
    from .twilio_front import TwilioFront
    from .voice.webhooks import FRONT_ROUTES as voice_routes

    front = TwilioFront(app, app.wsgi_app)
    for path, handler in {**voice_routes, **sms_routes}.items():
        front.route(path, handler)
    app.wsgi_app = front


def register_proxy_fix(app: Flask) -> None:
    hops = int(app.config["HOTLINE_PROXY_HOPS"])
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)


def register_extensions(app: Flask) -> None:
    """The dashboard's flask-login, CSRF (checked on /ops/ only), cookie settings, security headers."""
    from .ops import init_app as init_ops

    init_ops(app)


def register_blueprints(app: Flask) -> None:
    from .ops import bp as ops_bp
    from .sms.webhooks import bp as sms_bp
    from .voice.audio_route import bp as audio_bp
    from .voice.missed import bp as missed_bp
    from .voice.review import bp as review_bp
    from .voice.webhooks import bp as voice_bp

    app.register_blueprint(voice_bp)
    app.register_blueprint(missed_bp)  # POST /voice/missed: <Reject>, then a callback
    app.register_blueprint(review_bp)  # POST /voice/review: the reviewers' number (native recordings)
    app.register_blueprint(audio_bp)  # GET /audio/…: Twilio's <Play> fetches without a signature
    app.register_blueprint(ops_bp)
    app.register_blueprint(sms_bp)


def register_front_door(app: Flask) -> None:
    """`/` (the URL a browser tries first) goes to the operators' dashboard."""
    from flask import redirect

    app.add_url_rule("/", "front_door", lambda: redirect("/ops/"), methods=["GET", "HEAD"])


def register_errorhandlers(app: Flask) -> None:
    from .errors import register

    register(app)
