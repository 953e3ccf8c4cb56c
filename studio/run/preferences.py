"""What the app remembers about running, in the settings table (storage.settings), never in a graph file.

- `run_defaults`: the default budget (USD, or none) and concurrency (calls in flight per
  provider, or none for the provider's own default), edited on `/settings`.
- `run_form:<graph id>`: the Run form's last values for a graph (inputs, budget, mode, latency).
- `pins:<graph id>`: node id -> pinned output, for a graph. Pins belong to the app's editing
  of a graph, not to the graph: an exported file carries none.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from storage.settings import get_setting, set_setting

DEFAULTS_KEY = 'run_defaults'


@dataclass(frozen=True)
class RunDefaults:
    budget_usd: float | None = None
    concurrency: int | None = None

    def check(self) -> None:
        """ValueError with one sentence if a value cannot be used."""
        if self.budget_usd is not None and not self.budget_usd > 0:
            raise ValueError('the default budget must be more than $0, or empty for none')
        if self.concurrency is not None and not (isinstance(self.concurrency, int) and self.concurrency >= 1):
            raise ValueError('the default concurrency must be a whole number of at least 1, or empty')


def run_defaults(engine: Any) -> RunDefaults:
    stored = get_setting(engine, DEFAULTS_KEY) or {}
    return RunDefaults(stored.get('budget_usd'), stored.get('concurrency'))


def save_run_defaults(engine: Any, defaults: RunDefaults) -> None:
    defaults.check()
    set_setting(engine, DEFAULTS_KEY, asdict(defaults))


def remembered_form(engine: Any, graph_id: str) -> dict[str, Any]:
    """The Run form's last values for a graph (empty before its first run)."""
    return get_setting(engine, f'run_form:{graph_id}') or {}


def remember_form(engine: Any, graph_id: str, values: dict[str, Any]) -> None:
    set_setting(engine, f'run_form:{graph_id}', values)


def pins(engine: Any, graph_id: str) -> dict[str, Any]:
    """node id -> pinned output, for a graph."""
    return get_setting(engine, f'pins:{graph_id}') or {}


def save_pins(engine: Any, graph_id: str, pinned: dict[str, Any]) -> None:
    set_setting(engine, f'pins:{graph_id}', pinned)
