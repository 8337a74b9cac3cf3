"""A stand-in for the terminal's ID-card reader service, for demos and tests.

It serves one card as the reader's JSON at GET /card on 127.0.0.1, with the CORS header
the terminal page needs to call it from the application's origin. The terminal page
uses the same code path for the real reader and for this simulator.
"""
import base64
import json
import logging
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

logger = logging.getLogger(__name__)

LOCALHOST = "127.0.0.1"


@dataclass(frozen=True)
class SimulatedCard:
    name: str
    id_number: str
    photo: bytes
    sex: str = ""
    ethnicity: str = "汉"
    address: str = ""
    issuing_authority: str = ""
    valid_from: str = ""
    valid_until: str = "长期"

    def as_json(self) -> dict:
        """Return the reader's JSON: the birth date comes from the ID number, the photo as base64."""
        value = self.id_number
        return {
            "name": self.name,
            "id_number": value,
            "sex": self.sex or ("男" if len(value) == 18 and value[16].isdigit() and int(value[16]) % 2 else "女"),
            "ethnicity": self.ethnicity,
            "birth_date": f"{value[6:10]}-{value[10:12]}-{value[12:14]}",
            "address": self.address,
            "issuing_authority": self.issuing_authority,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "photo": base64.b64encode(self.photo).decode("ascii"),
        }


class ReaderSimulator:
    """Serve a card on 127.0.0.1:port in a background thread; port 0 picks a free port."""

    def __init__(self, card: SimulatedCard, *, port: int = 0, allowed_origin: str = "*") -> None:
        body = json.dumps(card.as_json(), ensure_ascii=False).encode("utf-8")

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] != "/card":
                    self.send_error(404, "only /card is served")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Access-Control-Allow-Origin", allowed_origin)
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args) -> None:
                logger.debug("reader simulator: " + format, *args)

        self.server = ThreadingHTTPServer((LOCALHOST, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="reader-simulator", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/card"

    def start(self) -> "ReaderSimulator":
        self.thread.start()
        logger.info("ID-card reader simulator serving %s", self.url)
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
        logger.info("ID-card reader simulator stopped")
