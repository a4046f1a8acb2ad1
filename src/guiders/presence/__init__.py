"""Where presence (open sockets, typing) is kept: in memory for one process, Redis for many."""
