"""Token counting with tiktoken's o200k_base encoding, from the copy bundled with litellm.

Pointing `TIKTOKEN_CACHE_DIR` at litellm's bundled tokenizer files means no download and no
litellm import. Counts follow OpenAI's chat accounting (a few tokens of framing per message);
other vendors' tokenizers differ by some percent, which is realistic enough to price a
simulated run and to estimate a call before it is made.

Two things keep counting cheap without changing a single count:

- Loading. tiktoken decodes 200,000 base64 ranks in Python on every start (a tenth of a
  second). The decoded encoding is kept in the user cache directory (marshal, keyed by
  tiktoken's version and a hash of the rank file) and read back in a few milliseconds; an
  unwritable or damaged cache only means the slow path.
- Repeated text. tiktoken first splits a text into pieces with its pattern, then encodes each
  piece alone. With o200k_base's pattern no piece spans a line break followed by an ASCII
  letter, and the pieces before such a point do not depend on the text after it:
  so a text's count is the sum of its lines' counts, split there. Prompts repeat lines (the
  schema instruction, system prompts, upstream outputs), so counts are remembered per line.
  tests/test_tokens.py holds the sum to tiktoken's own count.
"""
from __future__ import annotations

import gc
import hashlib
import marshal
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

ENCODING = 'o200k_base'
TOKENS_PER_MESSAGE = 3
TOKENS_PER_REPLY = 3
# Where tiktoken reads o200k_base from: its cache file is named after the sha1 of this address.
_RANKS_ADDRESS = 'https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken'
# A line break before an ASCII letter: a piece boundary of the pattern (see above).
_LINE_BREAKS = re.compile(r'([\r\n])(?=[A-Za-z])')
_REMEMBERED_LINES = 1 << 16  # counts kept before the memory is cleared
_line_counts: dict[str, int] = {}


def count_text(text: str) -> int:
    """Tokens in a text, as `len(encoding.encode_ordinary(text))`."""
    if not text:
        return 0
    counts = _line_counts
    count = counts.get(text)
    if count is not None:
        return count
    if '\n' not in text and '\r' not in text:
        return _remember(text, len(_encode()(text)))
    pieces = _LINE_BREAKS.split(text)  # line, its break, line, its break, …, last line
    total = 0
    last = len(pieces) - 1
    for index in range(0, last + 1, 2):
        line = pieces[index] + pieces[index + 1] if index < last else pieces[index]
        if line:
            count = counts.get(line)
            if count is None:
                count = _remember(line, len(_encode()(line)))
            total += count
    return total


def count_messages(messages: list[dict[str, str]]) -> int:
    """Prompt tokens of a chat request: each message's content plus its framing."""
    total = TOKENS_PER_REPLY
    for message in messages:
        total += TOKENS_PER_MESSAGE + count_text(message['content']) + 1  # +1 for the role
    return total


def _remember(text: str, count: int) -> int:
    if len(_line_counts) >= _REMEMBERED_LINES:
        _line_counts.clear()
    _line_counts[text] = count
    return count


@lru_cache(maxsize=1)
def _encode():
    if 'TIKTOKEN_CACHE_DIR' not in os.environ and 'DATA_GYM_CACHE_DIR' not in os.environ:
        from .costs import litellm_package_dir
        os.environ['TIKTOKEN_CACHE_DIR'] = str(litellm_package_dir() / 'litellm_core_utils' / 'tokenizers')
    import tiktoken
    return (_cached_encoding(tiktoken) or tiktoken.get_encoding(ENCODING)).encode_ordinary


def _cached_encoding(tiktoken: Any) -> Any:
    """The encoding built from the decoded ranks kept in the user cache (made there if missing), or None."""
    source = _rank_file()
    if source is None:
        return None
    try:
        data = source.read_bytes()
    except OSError:
        return None
    key = hashlib.sha256(data).hexdigest()[:16]
    cached = _cache_folder() / f'{ENCODING}-tiktoken-{tiktoken.__version__}-marshal-{marshal.version}-{key}.bin'
    constructor = _read_constructor(cached)
    if constructor is None:
        from tiktoken_ext.openai_public import o200k_base
        constructor = o200k_base()  # tiktoken's own decoding and hash check of the same file
        _write_atomically(cached, marshal.dumps(constructor))
    return tiktoken.Encoding(**constructor)


def _rank_file() -> Path | None:
    folder = os.environ.get('TIKTOKEN_CACHE_DIR') or os.environ.get('DATA_GYM_CACHE_DIR')
    if not folder:
        return None
    path = Path(folder) / hashlib.sha1(_RANKS_ADDRESS.encode()).hexdigest()
    return path if path.is_file() else None


def _cache_folder() -> Path:
    from platformdirs import user_cache_path
    return user_cache_path('swarm-studio', appauthor=False)


def _read_constructor(path: Path) -> dict[str, Any] | None:
    enabled = gc.isenabled()
    gc.disable()  # 400,000 new objects would run the collector many times over for nothing
    try:
        constructor = marshal.loads(path.read_bytes())  # marshal.load(file) reads in small pieces: slower
    except (OSError, EOFError, ValueError, TypeError):
        return None
    finally:
        if enabled:
            gc.enable()
    if not isinstance(constructor, dict) or constructor.get('name') != ENCODING:
        return None
    return constructor


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f'{path.name}.{os.getpid()}.tmp')
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:  # a read-only or full disk: the next start decodes the ranks again
        try:
            temporary.unlink()
        except OSError:
            pass
