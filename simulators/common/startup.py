"""The end of a service's start: its libraries are imported (simulators/__init__.py turned the collector off)."""
import gc


def started() -> None:
    """Keep what the imports made out of every later collection, and collect again from now on."""
    gc.freeze()
    gc.enable()
