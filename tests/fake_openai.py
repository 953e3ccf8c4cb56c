"""A local OpenAI-compatible chat server for tests: litellm's real network path, no real model."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOpenAI:
    """A local OpenAI-compatible chat server answering from a script of replies, in order."""

    def __init__(self) -> None:
        self.script: list[tuple] = []
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
                server.requests.append({'path': self.path, 'body': body,
                                        'authorization': self.headers.get('Authorization')})
                kind, *detail = server.script.pop(0) if server.script else ('ok', 'fallback reply')
                if kind == 'slow':
                    time.sleep(detail[0])
                    kind, detail = 'ok', ['late reply']
                if kind == 'ok':
                    self._send(200, {'id': 'chatcmpl-1', 'object': 'chat.completion', 'created': 1,
                                     'model': body['model'],
                                     'choices': [{'index': 0, 'finish_reason': 'stop',
                                                  'message': {'role': 'assistant', 'content': detail[0]}}],
                                     'usage': {'prompt_tokens': 42, 'completion_tokens': 7, 'total_tokens': 49}})
                elif kind == 'status':
                    status, headers = detail
                    self._send(status, {'error': {'message': f'scripted {status}', 'type': 'scripted'}}, headers)

            def _send(self, status, document, headers=None):
                data = json.dumps(document).encode()
                try:
                    self.send_response(status)
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.send_header('Content-Type', 'application/json')
                    self.send_header('Content-Length', str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.httpd.daemon_threads = True
        self.api_base = f'http://127.0.0.1:{self.httpd.server_address[1]}/v1'
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
