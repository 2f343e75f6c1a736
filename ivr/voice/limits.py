"""How long one call may go on: the limits every call ends at, with the goodbye (1406, 103).

A call is never left to run forever — pressing 9 over and over, or wandering the menus, on a callback
the hotline pays for. Each key press or silence is checked against three settings (docs/deploy.md):

  HOTLINE_CALL_MAX_REPEATS  replays of one screen in a row (key 9); the next 9 ends the call
  HOTLINE_CALL_MAX_SCREENS  screens in one call (the step number `s` of the signed action URL)
  HOTLINE_CALL_MAX_SECONDS  seconds since the call began (`t` of the URL); a callback the hotline
                            places also carries Twilio's TimeLimit (this plus CALLBACK_GRACE), which
                            ends it even if no webhook comes

Nothing the caller asked for is lost: a key that sends an SMS, a reminder or a callback request is
carried out and its screen heard; the limit ends the call at the next webhook.
"""
from __future__ import annotations

from dataclasses import dataclass

CALLBACK_GRACE = 60  # seconds: Twilio's TimeLimit on a callback leaves room for the goodbye


@dataclass(frozen=True)
class CallLimits:
    seconds: int
    screens: int
    repeats: int

    @classmethod
    def from_config(cls, config) -> CallLimits:
        return cls(int(config["HOTLINE_CALL_MAX_SECONDS"]), int(config["HOTLINE_CALL_MAX_SCREENS"]),
                   int(config["HOTLINE_CALL_MAX_REPEATS"]))

    def reached(self, session, now: float) -> str | None:
        """Which limit the call has reached at this step (`repeats`, `screens`, `seconds`), or None."""
        if session.repeats > self.repeats:
            return "repeats"
        if session.seq >= self.screens:
            return "screens"
        if session.started and now - session.started >= self.seconds:
            return "seconds"
        return None


def twilio_time_limit(config) -> int:
    """Twilio's TimeLimit for an outbound call the hotline places."""
    return int(config["HOTLINE_CALL_MAX_SECONDS"]) + CALLBACK_GRACE


def end(step, reason: str) -> None:
    """Make `step` the call's last: what it would have said first (a notice), then the goodbye."""
    if step.sms_request or step.action:
        return  # carried out and heard in full; the next webhook ends the call
    step.event["limit"] = reason
    step.hangup = True
    step.farewell, step.farewell_sms, step.notices = tuple(step.notices), False, []
