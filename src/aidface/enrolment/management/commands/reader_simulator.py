"""`aidface reader_simulator`: serve one ID card as the terminal's reader service would, on 127.0.0.1."""
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aidface.enrolment.simulator import ReaderSimulator, SimulatedCard


class Command(BaseCommand):
    help = "Serve one ID card's reader JSON at http://127.0.0.1:PORT/card for the terminal page (demo and tests)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", required=True, help="name on the card")
        parser.add_argument("--id-number", required=True, help="18-character ID number on the card")
        parser.add_argument("--photo", required=True, type=Path, help="chip photo file, BMP or JPEG (102x126 px on real cards)")
        parser.add_argument("--valid-until", default="长期", help="expiry date YYYY-MM-DD, or 长期 (default)")
        parser.add_argument("--port", type=int, default=8765, help="TCP port on 127.0.0.1 (default 8765)")

    def handle(self, *args, **options) -> None:
        photo: Path = options["photo"]
        if not photo.is_file():
            raise CommandError(f"chip photo not found: {photo}")
        card = SimulatedCard(
            name=options["name"],
            id_number=options["id_number"],
            photo=photo.read_bytes(),
            valid_until=options["valid_until"],
        )
        simulator = ReaderSimulator(card, port=options["port"]).start()
        self.stdout.write(f"serving the card at {simulator.url}; press Ctrl+C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            simulator.stop()
