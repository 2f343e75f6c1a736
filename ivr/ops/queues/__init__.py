"""Work that waits for a person: the callback queue and audit log page (queue_views), the inbox and SMS
threads (text_views), what an operator sends (outgoing) and canned replies (canned).
"""
