"""The phone line: the voice webhooks, a call's state in its action URLs, TwiML rendering, telephone audio,
the missed-call callback and the outbound calls it places."""
