"""A 196-megapixel page for the memory check: 14000 x 14000 white RGB, with four lines of receipt text or blank.

python benchmarks/make_big_page.py big.png
python benchmarks/make_big_page.py blank.png --blank
/usr/bin/time -v ocula extract big.png --schema sroie -q   # "Maximum resident set size"
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np

SIDE = 14000
LINES = [
    ("ACME TRADING SDN BHD", 1500),
    ("12 JALAN MERDEKA, 50000 KUALA LUMPUR", 1800),
    ("DATE: 12/03/2018", 2100),
    ("TOTAL: 45.60", 2400),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="PNG file to write")
    parser.add_argument("--blank", action="store_true", help="no text at all")
    args = parser.parse_args()
    page = np.full((SIDE, SIDE, 3), 255, np.uint8)
    for text, baseline in [] if args.blank else LINES:
        cv2.putText(page, text, (1200, baseline), cv2.FONT_HERSHEY_SIMPLEX, 5.0, (0, 0, 0), 12, cv2.LINE_AA)
    cv2.imwrite(args.out, page, [cv2.IMWRITE_PNG_COMPRESSION, 6])


if __name__ == "__main__":
    main()
