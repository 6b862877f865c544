"""The HTTP layer: parse, authorise, call a service function, render."""
