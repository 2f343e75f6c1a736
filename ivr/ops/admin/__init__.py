"""Admins' pages: accounts (admin_views), the reviewers' allow list (reviewer_views), native recordings
(recording_views).
"""
