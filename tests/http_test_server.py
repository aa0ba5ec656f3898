"""A real HTTP server on 127.0.0.1 for the fetch tests. It serves files from a folder with
Range support, and misbehaves on purpose by path prefix:

  /file/NAME          serves NAME, honouring Range
  /drop/NAME          first request: sends half of NAME, then drops the connection;
                      later requests: like /file (so a resumed download completes)
  /flaky/NAME         first request: 500; later: like /file
  /norange/NAME       ignores Range, always sends the whole file with 200
  /wrong/NAME         sends other bytes than NAME's
  /redirect/NAME      302 to /file/NAME
  /slow/NAME          sends NAME 1 KiB every 0.1 s
  /chunked/NAME       sends NAME in ten chunks 0.2 s apart, with no Content-Length
  /log                the requests seen so far, one per line: "PATH RANGE" for a GET,
                      "METHOD PATH" for the others
  /store/NAME         a store, as a WebDAV server is one: GET, HEAD, and PUT (which writes
                      NAME under the folder, making its folders)
  /flakystore/NAME    the same, but the first request of each method and path gets 500

With `--tls CERT KEY` after the folder, it speaks HTTPS with that certificate.

Prints the port on its first line, then serves until killed. Bounded: it stops by itself
after 10 minutes.
"""
import http.server
import os
import sys
import threading
import time

ROOT = sys.argv[1]
seen = {}
log = []
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        with lock:
            log.append("%s %s" % (self.path, self.headers.get("Range", "-")))
            count = seen.get(self.path, 0)
            seen[self.path] = count + 1
        if self.path == "/log":
            return self.send_bytes(200, ("\n".join(log) + "\n").encode())
        parts = self.path.split("/", 2)
        if len(parts) < 3:
            return self.send_bytes(404, b"no\n")
        kind, name = parts[1], parts[2]
        if kind in ("store", "flakystore"):
            path = self.store_path()
            if path is None:
                return
            if not os.path.isfile(path):
                return self.send_bytes(404, b"not found\n")
            return self.send_bytes(200, open(path, "rb").read())
        path = os.path.join(ROOT, name)
        if not os.path.isfile(path):
            return self.send_bytes(404, b"not found\n")
        data = open(path, "rb").read()
        if kind == "redirect":
            self.send_response(302)
            self.send_header("Location", "/file/" + name)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if kind == "flaky" and count == 0:
            return self.send_bytes(500, b"try again\n")
        if kind == "wrong":
            return self.send_bytes(200, b"X" * len(data))
        if kind == "drop" and count == 0:
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if kind == "slow":
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            for start in range(0, len(data), 1024):
                self.wfile.write(data[start : start + 1024])
                self.wfile.flush()
                time.sleep(0.1)
            return
        if kind == "chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            step = max(1, (len(data) + 9) // 10)
            for start in range(0, len(data), step):
                piece = data[start : start + step]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
                time.sleep(0.2)
            self.wfile.write(b"0\r\n\r\n")
            return
        start = 0
        wanted = self.headers.get("Range")
        if wanted and kind != "norange" and wanted.startswith("bytes="):
            start = int(wanted[6:].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self.wfile.write(data[start:])

    def store_path(self):
        """The file of a /store/ or /flakystore/ path; None (after a 500) for a first try."""
        parts = self.path.split("/", 2)
        with lock:
            key = self.command + " " + self.path
            count = seen.get(key, 0)
            seen[key] = count + 1
        if parts[1] == "flakystore" and count == 0:
            self.send_bytes(500, b"try again\n")
            return None
        return os.path.join(ROOT, parts[2])

    def do_HEAD(self):
        with lock:
            log.append("HEAD %s" % self.path)
        path = self.store_path()
        if path is None:
            return
        if not os.path.isfile(path):
            return self.send_bytes(404, b"")
        self.send_response(200)
        self.send_header("Content-Length", str(os.path.getsize(path)))
        self.end_headers()

    def do_PUT(self):
        with lock:
            log.append("PUT %s" % self.path)
        length = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(length)
        path = self.store_path()
        if path is None:
            return
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".part", "wb") as part:
            part.write(data)
        os.replace(path + ".part", path)
        self.send_bytes(201, b"")

    def send_bytes(self, code, body):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if len(sys.argv) == 5 and sys.argv[2] == "--tls":
    import ssl
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[3], sys.argv[4])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
threading.Timer(600, server.shutdown).start()
server.serve_forever()
