"""AppWorld (Trivedi et al., 2024): an agent codes against nine apps' APIs to do a
supervisor's task; scored by the task's own database tests. See README.md."""
