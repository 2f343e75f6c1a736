"""Redis and what lives in it: the connection, sessions, call log, messages, callbacks, missed-call callbacks,
privacy, retention."""
