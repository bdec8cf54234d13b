"""The two app icons Teams requires, drawn with Pillow so they can be regenerated exactly.

`python -m manifest.icons` rewrites `manifest/color.png` and `manifest/outline.png`.

Teams' rules (checked by `icon_problems`, which the package builder runs):

- `color.png`: full colour PNG, exactly 192x192.
- `outline.png`: PNG, exactly 32x32, transparent background and white only: every pixel is
  white (any alpha) or fully transparent.

The motif is a speech bubble (a worry is shared) with a "V" for VINK, in the accent colour of
the manifest. Shapes are drawn at 4x and scaled down for smooth edges; no fonts are used, so
the result does not depend on the fonts installed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from manifest import MANIFEST_DIR

COLOR_SIZE = 192
OUTLINE_SIZE = 32
COLOR_FILE = "color.png"
OUTLINE_FILE = "outline.png"

ACCENT = (0x0B, 0x5C, 0xAB)  # the manifest's accentColor, #0B5CAB
WHITE = (255, 255, 255)
_SCALE = 4

Box = tuple[float, float, float, float]
Point = tuple[float, float]


def _mask(size: int, paint: Callable[[ImageDraw.ImageDraw, float], None]) -> Image.Image:
    """A smooth 8-bit mask: `paint(draw, unit)` draws in 255 on a canvas `_SCALE` times larger.

    `unit` is the size of one target pixel on the big canvas, so coordinates are given in
    target pixels and multiplied by it.
    """
    big = Image.new("L", (size * _SCALE, size * _SCALE), 0)
    paint(ImageDraw.Draw(big), float(_SCALE))
    return big.resize((size, size), Image.Resampling.LANCZOS)


def _box(box: Box, unit: float) -> Box:
    return (box[0] * unit, box[1] * unit, box[2] * unit - 1, box[3] * unit - 1)


def _points(points: Sequence[Point], unit: float) -> list[Point]:
    return [(x * unit, y * unit) for x, y in points]


def _solid(size: int, colour: tuple[int, int, int], mask: Image.Image) -> Image.Image:
    layer = Image.new("RGBA", (size, size), (*colour, 255))
    layer.putalpha(mask)
    return layer


def draw_color() -> Image.Image:
    """192x192: a white speech bubble with a blue "V" on a rounded blue square."""
    size = COLOR_SIZE

    def background(draw: ImageDraw.ImageDraw, unit: float) -> None:
        draw.rounded_rectangle(_box((0, 0, size, size), unit), radius=40 * unit, fill=255)

    def bubble(draw: ImageDraw.ImageDraw, unit: float) -> None:
        draw.rounded_rectangle(_box((34, 42, 158, 132), unit), radius=26 * unit, fill=255)
        draw.polygon(_points([(62, 126), (56, 160), (98, 126)], unit), fill=255)

    def letter(draw: ImageDraw.ImageDraw, unit: float) -> None:
        draw.line(
            _points([(70, 64), (96, 112), (122, 64)], unit),
            fill=255,
            width=round(14 * unit),
            joint="curve",
        )

    icon = Image.new("RGBA", (size, size), (*WHITE, 0))
    icon.alpha_composite(_solid(size, ACCENT, _mask(size, background)))
    icon.alpha_composite(_solid(size, WHITE, _mask(size, bubble)))
    icon.alpha_composite(_solid(size, ACCENT, _mask(size, letter)))
    return icon


def draw_outline() -> Image.Image:
    """32x32: the same bubble and "V" as white lines on a transparent background."""
    size = OUTLINE_SIZE

    def shape(draw: ImageDraw.ImageDraw, unit: float) -> None:
        # The bubble as a 2 px ring: a filled bubble with a smaller one cut out.
        draw.rounded_rectangle(_box((3, 4, 29, 23), unit), radius=6 * unit, fill=255)
        draw.polygon(_points([(8, 21), (7, 29), (15, 21)], unit), fill=255)
        draw.rounded_rectangle(_box((5, 6, 27, 21), unit), radius=4 * unit, fill=0)
        draw.line(
            _points([(11.5, 9), (16, 17.5), (20.5, 9)], unit),
            fill=255,
            width=round(2.2 * unit),
            joint="curve",
        )

    # Every pixel is pure white; only the alpha channel carries the drawing.
    return _solid(size, WHITE, _mask(size, shape))


def write_icons(folder: Path = MANIFEST_DIR) -> tuple[Path, Path]:
    color, outline = folder / COLOR_FILE, folder / OUTLINE_FILE
    draw_color().save(color, format="PNG")
    draw_outline().save(outline, format="PNG")
    return color, outline


def icon_problems(color: Path, outline: Path) -> list[str]:
    """Teams' icon rules as readable problems; empty when both icons are fine."""
    problems: list[str] = []
    for path, size in ((color, COLOR_SIZE), (outline, OUTLINE_SIZE)):
        if not path.is_file():
            problems.append(f"{path.name}: missing ({path})")
            continue
        with Image.open(path) as image:
            if image.format != "PNG":
                problems.append(f"{path.name}: must be a PNG, is {image.format}")
            if image.size != (size, size):
                problems.append(
                    f"{path.name}: must be {size}x{size} pixels, is {image.size[0]}x{image.size[1]}"
                )
            pixels = image.convert("RGBA")
        alphas = pixels.getchannel("A")
        low, high = alphas.getextrema()
        if high == 0:
            problems.append(f"{path.name}: is fully transparent")
        if path == outline:
            if low == 255:
                problems.append(f"{path.name}: needs a transparent background")
            if _non_white_visible(pixels):
                problems.append(
                    f"{path.name}: may only contain white pixels (any alpha) and fully "
                    "transparent pixels"
                )
    return problems


def _non_white_visible(image: Image.Image) -> bool:
    """Whether any pixel with alpha above 0 is not pure white (`image` is RGBA)."""
    data = image.tobytes()
    return any(
        data[i + 3] > 0 and data[i : i + 3] != b"\xff\xff\xff" for i in range(0, len(data), 4)
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Redraw the Teams app icons.")
    parser.add_argument(
        "--folder", type=Path, default=MANIFEST_DIR, help="where to write the two PNGs"
    )
    args = parser.parse_args(argv)
    color, outline = write_icons(args.folder)
    problems = icon_problems(color, outline)
    for problem in problems:
        print(f"error: {problem}")
    print(f"wrote {color} and {outline}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
