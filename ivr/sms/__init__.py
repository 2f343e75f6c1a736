"""Texting: the SMS webhooks, what to answer, keywords, SMS rendering and segments, follow-ups, the transport."""
