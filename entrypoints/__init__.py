"""Entry points: the command line, the composition root, and the processes and
jobs they start (demo seeding, the sweeper, status, rebuilding read models)."""
