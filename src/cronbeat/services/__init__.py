"""State changes, each in exactly one function. They take a session and `now`; callers commit."""
