"""Who may use the dashboard: logins and sessions (auth, session_store, ratelimit), operator accounts
(users) and their CLI (`hotline users`).
"""
