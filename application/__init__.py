"""The use cases: one module per area, each a class given what it needs (the
aggregates, the clock, adapters) and run through the one `CommandExecutor`."""
