"""RQ jobs that run outside the webhooks: follow-up SMS and housekeeping."""
