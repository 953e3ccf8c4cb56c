"""The graph editor: an editing session with undo, its layout and clipboard, and the page around the canvas."""
