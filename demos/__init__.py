"""Runnable demos of what the source documents teach."""
