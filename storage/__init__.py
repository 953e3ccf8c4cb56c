"""Persistence: SQLModel tables and small repository APIs over them. Imports nodes, never studio."""
