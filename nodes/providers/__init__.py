"""Model providers: the simulated one (the default without keys) and the live one (litellm).

Import the concrete providers from their modules (`nodes.providers.simulated`,
`nodes.providers.live`); litellm is imported only when a live call is made.
"""
from .base import (Completion, CompletionRequest, Provider, ProviderError, ProviderRefused, ProviderTimeout,
                   RateLimited, ServerError)

__all__ = ['Completion', 'CompletionRequest', 'Provider', 'ProviderError', 'ProviderRefused', 'ProviderTimeout',
           'RateLimited', 'ServerError']
