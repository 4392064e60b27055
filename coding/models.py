"""Coding records kept with encounters (the proposal stored at signing)."""
