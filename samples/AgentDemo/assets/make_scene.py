"""Draws samples/AgentDemo/assets/scene.png (a small synthetic street scene) with Pillow.

Run with Debian's Python: /usr/bin/python3 make_scene.py  (apt-get install python3-pil)
"""
from PIL import Image, ImageDraw

W, H = 320, 240
img = Image.new("RGB", (W, H), (135, 190, 235))          # sky
d = ImageDraw.Draw(img)
d.rectangle([0, 160, W, H], fill=(90, 150, 70))           # grass
d.rectangle([0, 185, W, 215], fill=(70, 70, 75))          # road
d.ellipse([250, 20, 295, 65], fill=(250, 220, 60))        # sun
d.rectangle([40, 150, 130, 185], fill=(200, 30, 40))      # car body
d.rectangle([60, 130, 110, 152], fill=(200, 30, 40))      # car roof
d.ellipse([50, 175, 72, 197], fill=(20, 20, 20))          # wheels
d.ellipse([98, 175, 120, 197], fill=(20, 20, 20))
d.rectangle([190, 100, 200, 170], fill=(110, 70, 40))     # tree trunk
d.ellipse([160, 50, 230, 115], fill=(40, 120, 45))        # tree crown
d.rectangle([230, 120, 290, 150], fill=(250, 250, 250))   # sign
d.text((240, 128), "STOP", fill=(0, 0, 0))
img.save("scene.png", optimize=True)
