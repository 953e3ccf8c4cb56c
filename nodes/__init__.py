"""The domain of Swarm Studio: graph model, node kinds, validation, templates, router, engine.

Pure Python: nothing here imports nicegui or the database layer, and litellm is imported
lazily inside the provider layer only.
"""
