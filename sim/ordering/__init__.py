"""The ordering bot (C4) on the local runtime: its resources, and the chat page's loopback server."""
