"""The ledger's vocabulary and rules: pure Python, no framework, no I/O."""
