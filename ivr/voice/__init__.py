"""The phone line: the voice webhooks, a call's state in its action URLs, TwiML rendering, telephone audio."""
