"""Token counts: exactly tiktoken's, however a text is split and whatever was counted before."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import tiktoken
from hypothesis import given, settings, strategies as st

from nodes import tokens
from nodes.providers.base import SCHEMA_INSTRUCTION
from nodes.tokens import count_messages, count_text

ROOT = Path(__file__).parents[1]
# Letters (ASCII and not), marks, digits, punctuation, every kind of space and line break, emoji.
ALPHABET = st.sampled_from(list('abcXYZ09 .,:;!?\'"{}[]/-_\t\n\r') + ['\n\n', '\r\n', ' \n', "'s", 'é', 'É', 'ß',
                                                                        '\u0301', '中', '٣', '\u00a0', '\u2028', '🙂'])


def encoding():
    directory = Path(importlib.util.find_spec('litellm').origin).parent / 'litellm_core_utils' / 'tokenizers'
    os.environ.setdefault('TIKTOKEN_CACHE_DIR', str(directory))
    return tiktoken.get_encoding('o200k_base')


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=60).map(''.join))
def test_a_count_is_tiktokens_count_of_the_whole_text(text):
    assert count_text(text) == len(encoding().encode_ordinary(text))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(ALPHABET, max_size=12).map(''.join), min_size=2, max_size=6))
def test_lines_counted_before_in_other_texts_give_the_same_count(lines):
    for line in lines:
        count_text(line)
    for text in ('\n'.join(lines), 'Reply\n'.join(lines), '\r\n'.join(lines) + '\nEnd'):
        assert count_text(text) == len(encoding().encode_ordinary(text))


def test_a_prompt_with_its_schema_instruction_counts_as_tiktoken_counts_it():
    schema = '{"type": "object", "properties": {"summary": {"type": "string"}}, "required": ["summary"]}'
    for prompt in ('Summarise the findings.', 'Check this.\nInput 1: {"a": 1}', 'Ends with spaces  ', 'Ends in\n',
                   'Ends with a dot.', 'Letters then digits 12', ''):
        user = prompt + SCHEMA_INSTRUCTION + schema
        expected = len(encoding().encode_ordinary(user)) + len(encoding().encode_ordinary('Be brief.')) + 3 + 2 * 4
        assert count_messages([{'role': 'system', 'content': 'Be brief.'}, {'role': 'user', 'content': user}]) == expected


def test_the_decoded_ranks_are_kept_in_the_user_cache_and_a_damaged_copy_is_rebuilt(tmp_path):
    program = ('import sys; from nodes.tokens import count_text, _encode; '
               'print(count_text("Reply with only a JSON value.\\nThanks"))')
    environment = {**os.environ, 'XDG_CACHE_HOME': str(tmp_path)}
    first = subprocess.run([sys.executable, '-c', program], capture_output=True, text=True, cwd=ROOT, env=environment,
                           check=True)
    [kept] = (tmp_path / 'swarm-studio').glob(f'{tokens.ENCODING}-*.bin')
    kept.write_bytes(kept.read_bytes()[:1000])  # a copy cut short, as a full disk might leave it
    second = subprocess.run([sys.executable, '-c', program], capture_output=True, text=True, cwd=ROOT,
                            env=environment, check=True)
    expected = len(encoding().encode_ordinary('Reply with only a JSON value.\nThanks'))
    assert int(first.stdout) == int(second.stdout) == expected
    assert kept.stat().st_size > 1_000_000  # written again, whole


def test_an_unwritable_cache_only_means_the_slow_way(tmp_path):
    blocked = tmp_path / 'not-a-folder'
    blocked.write_text('a file where the cache folder would go')
    program = 'from nodes.tokens import count_text; print(count_text("Hello there"))'
    result = subprocess.run([sys.executable, '-c', program], capture_output=True, text=True, cwd=ROOT, check=True,
                            env={**os.environ, 'XDG_CACHE_HOME': str(blocked)})
    assert int(result.stdout) == len(encoding().encode_ordinary('Hello there')) and not result.stderr
