"""The canvas element (README.md): Vue Flow, bundled at set-up, registered as a NiceGUI element."""
from .canvas import Canvas

__all__ = ['Canvas']
