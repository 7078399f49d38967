"""The risk-monitor reference client: price subscriptions, staleness and positions.

Not a server: steps and bench use it the way a risk monitor would use the ecosystem's production APIs.
"""
from .monitor import Reconciliation, RiskMonitor, ValuedPosition
from .positions import Holding, PositionReader, PositionsUnavailable
from .prices import PriceSubscriber, Received

__all__ = ["Holding", "PositionReader", "PositionsUnavailable", "PriceSubscriber", "Received", "Reconciliation",
           "RiskMonitor", "ValuedPosition"]
