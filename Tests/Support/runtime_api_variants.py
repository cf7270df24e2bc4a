"""A Lambda Runtime API that answers `next` in the ways HTTP/1.1 allows, for bootstrap's
own HTTP client: a chunked body, a Content-Length body followed by closing the
connection, and a body sent in small pieces. Prints its port, then one JSON line per
response or error the runtime posts. Standard library only."""
import json
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

EVENTS = [
    {"version": "2.0", "rawPath": "/chunked", "requestContext": {"http": {"method": "GET"}}},
    {"version": "2.0", "rawPath": "/closing", "requestContext": {"http": {"method": "GET"}}},
    {"version": "2.0", "rawPath": "/pieces", "requestContext": {"http": {"method": "GET"}}},
]
lock = threading.Lock()
served = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        global served
        with lock:
            index = served
            served += 1
        if index >= len(EVENTS):
            threading.Event().wait(60)  # nothing more: hold the long poll
            return
        body = json.dumps(EVENTS[index]).encode()
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", f"req-{index}")
        self.send_header("Lambda-Runtime-Deadline-Ms", "99999999999999")
        if index == 0:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(body), 7):
                piece = body[start:start + 7]
                self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\nX-Trailer: yes\r\n\r\n")
        elif index == 1:
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        print(json.dumps({"path": self.path, "body": body}), flush=True)
        reply = b"{}"
        self.send_response(202)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
