"""The desktop window: `swarm-studio desktop` opens the studio in a native window (NiceGUI's native mode).

Only `window.py` needs pywebview (the `desktop` extra); the other modules work without it, so the web app
can ask `native_files` whether it runs in a window without importing a GUI toolkit.
"""
