"""The writer thread: in order, bounded, and nothing handed over is lost (close, or exit)."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from storage.writer_thread import WriterThread

ROOT = Path(__file__).resolve().parents[1]


def test_items_are_written_in_order_on_the_writer_thread():
    written = []
    writer = WriterThread('test writer', lambda item: written.append((item, threading.current_thread().name)))
    for number in range(100):
        writer.put(number)
    writer.close()
    assert written == [(number, 'test writer') for number in range(100)]


def test_a_full_queue_makes_put_wait_until_the_writer_catches_up():
    release = threading.Event()
    written = []

    def write(item):
        release.wait()
        written.append(item)
    writer = WriterThread('slow writer', write, capacity=2)
    for item in (1, 2, 3):  # one being written, two waiting
        writer.put(item)
    assert writer.full()
    blocked = threading.Thread(target=writer.put, args=(4,))
    blocked.start()
    blocked.join(timeout=0.2)
    assert blocked.is_alive()  # back-pressure: the fourth waits for room
    release.set()
    blocked.join(timeout=10)
    writer.close()
    assert written == [1, 2, 3, 4]


def test_a_failed_item_is_logged_and_the_rest_are_written(caplog):
    written = []

    def write(item):
        if item == 2:
            raise ValueError('no')
        written.append(item)
    writer = WriterThread('picky writer', write)
    for item in (1, 2, 3):
        writer.put(item)
    writer.close()
    assert written == [1, 3] and 'an item was not written' in caplog.text


EXITS_EARLY = '''
import sys, time
from storage.writer_thread import WriterThread
def write(line):
    time.sleep(0.01)
    with open(sys.argv[1], "a") as file:
        file.write(line + "\\n")
writer = WriterThread("exiting writer", write)
for number in range(20):
    writer.put(str(number))
# No close: the program ends with items still queued, as an app stopped mid-run does.
'''


def test_items_still_queued_when_the_program_exits_are_written_first(tmp_path):
    out = tmp_path / 'written.txt'
    subprocess.run([sys.executable, '-c', EXITS_EARLY, str(out)], cwd=ROOT, check=True, timeout=60)
    assert out.read_text().split() == [str(number) for number in range(20)]
