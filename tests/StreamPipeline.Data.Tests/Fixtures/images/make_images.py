# Makes the image fixtures with an encoder independent of StreamPipeline (Pillow / libjpeg-turbo / zlib) and records
# Pillow's own decoding of each one in decoded-by-pillow.json, so tests compare the program's decoder with another.
# Run with Debian's Python (python3-pil): /usr/bin/python3 make_images.py   (committed output; CI does not run this)
import json
from PIL import Image

W, H = 8, 8
decoded = {}

def save(img, name, **kw):
    img.save(name, **kw)
    back = Image.open(name)
    mode = "L" if back.mode in ("L", "LA") else "RGB"
    decoded[name] = {"mode": mode, "width": back.width, "height": back.height,
                     "pixels": list(back.convert(mode).tobytes())}

# Smooth gradients: JPEG keeps them closely, so two decoders agree to a level or two.
for k in range(4):
    img = Image.new("RGB", (W, H))
    img.putdata([((40 * k + 8 * x) % 256, (30 + 12 * y) % 256, (200 - 20 * k + 3 * x + 3 * y) % 256)
                 for y in range(H) for x in range(W)])
    save(img, f"rgb-{k}.jpg", quality=95, subsampling=0)
for k in range(2):
    img = Image.new("L", (W, H))
    img.putdata([(20 + 60 * k + 10 * x + 5 * y) % 256 for y in range(H) for x in range(W)])
    save(img, f"grey-{k}.jpg", quality=95)

rgba = Image.new("RGBA", (W, H))
rgba.putdata([(30 * x % 256, 30 * y % 256, 128, (x * y * 4) % 256) for y in range(H) for x in range(W)])
save(rgba, "rgba.png")
palette = Image.new("RGB", (W, H))
palette.putdata([(255, 0, 0) if (x + y) % 2 else (0, 0, 255) for y in range(H) for x in range(W)])
save(palette.convert("P", palette=Image.ADAPTIVE, colors=4), "palette.png")
grey_alpha = Image.new("LA", (W, H))
grey_alpha.putdata([(16 * x % 256, 255 - 16 * y) for y in range(H) for x in range(W)])
save(grey_alpha, "grey-alpha.png")

with open("decoded-by-pillow.json", "w") as f:
    json.dump(decoded, f, indent=0, sort_keys=True)
