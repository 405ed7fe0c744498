"""In-process cost of a WSGI application: call the callable directly, no server at all.

Runs inside the target, with the service's venv interpreter, as the service user:
    <venv>/bin/python inproc.py MODULE:CALLABLE SCRIPT_NAME PATH_INFO COUNT [HEADER=VALUE ...]
Prints one JSON object: CPU seconds and wall seconds per request over COUNT calls (after a
warm-up of COUNT/10 calls), and the status line of the last answer.
"""
import importlib
import io
import json
import sys
import time


def main():
    entrypoint, script_name, path_info, count = sys.argv[1:5]
    headers = dict(arg.split("=", 1) for arg in sys.argv[5:])
    count = int(count)
    module, attr = entrypoint.split(":", 1)
    sys.argv = [sys.argv[0]]  # oslo.config parses argv, as under a WSGI server it is empty
    app = getattr(importlib.import_module(module), attr)

    status = []

    def start_response(line, _headers, _exc_info=None):
        status.append(line)

    def call():
        environ = {
            "REQUEST_METHOD": "GET", "SCRIPT_NAME": script_name, "PATH_INFO": path_info,
            "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1",
            "HTTP_ACCEPT": "application/json",
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        for name, value in headers.items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        body = app(environ, start_response)
        try:
            for _chunk in body:
                pass
        finally:
            if hasattr(body, "close"):
                body.close()

    for dummy in range(max(count // 10, 5)):
        call()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for dummy in range(count):
        call()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    print(json.dumps({"count": count, "cpu_per_request": cpu / count, "wall_per_request": wall / count,
                      "status": status[-1] if status else None}))


if __name__ == "__main__":
    main()
