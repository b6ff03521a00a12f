"""HTTP routes: they translate HTTP to service calls and back, nothing else."""
