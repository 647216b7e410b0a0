"""Where the work runs: ``submit`` (the one scan wiring for the CLI, the web service and the
workers), ``batch`` (the batch folder layout, manifest and summary), ``local`` (one process
pool here), ``queue`` (dramatiq broker and actors), ``work`` (the queue's work units: one
page of a stored original, the assembly of its papers)."""
