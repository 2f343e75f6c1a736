"""Numbers for the week's report: statistics and charts (report_views, stats, charts, missed_stats) and
exports (export).
"""
