"""Read caches behind the ``Cache`` port: in process, or Redis for several nodes."""
