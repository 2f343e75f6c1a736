"""What was said and sent: call and SMS lists (calls_views, convlist, smslist, timeline), outgoing SMS
problems (message_views, sms_errors), one caller's history (history_views).
"""
