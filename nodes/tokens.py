"""Token counting with tiktoken's o200k_base encoding, from the copy bundled with litellm.

Pointing `TIKTOKEN_CACHE_DIR` at litellm's bundled tokenizer files means no download and no
litellm import. Counts follow OpenAI's chat accounting (a few tokens of framing per message);
other vendors' tokenizers differ by some percent, which is realistic enough to price a
simulated run and to estimate a call before it is made.
"""
from __future__ import annotations

import os
from functools import lru_cache

ENCODING = 'o200k_base'
TOKENS_PER_MESSAGE = 3
TOKENS_PER_REPLY = 3


@lru_cache(maxsize=1)
def _encode():
    if 'TIKTOKEN_CACHE_DIR' not in os.environ and 'DATA_GYM_CACHE_DIR' not in os.environ:
        from .costs import litellm_package_dir
        os.environ['TIKTOKEN_CACHE_DIR'] = str(litellm_package_dir() / 'litellm_core_utils' / 'tokenizers')
    import tiktoken
    return tiktoken.get_encoding(ENCODING).encode_ordinary


def count_text(text: str) -> int:
    """Tokens in a text."""
    return len(_encode()(text)) if text else 0


def count_messages(messages: list[dict[str, str]]) -> int:
    """Prompt tokens of a chat request: each message's content plus its framing."""
    encode = _encode()
    total = TOKENS_PER_REPLY
    for message in messages:
        total += TOKENS_PER_MESSAGE + len(encode(message['content'])) + 1  # +1 for the role
    return total
