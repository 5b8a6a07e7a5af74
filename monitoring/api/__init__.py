"""REST API of monitoring: mentions and alerts (read), configuration (admin), ingest."""
