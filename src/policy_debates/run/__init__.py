"""Execution: the shard stages (pure functions over files) and the executors."""
