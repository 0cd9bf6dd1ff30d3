"""Greedy answers of the PyTorch reference on the committed paligemma2-tiny-scenes checkpoint, for the C# end-to-end
test (tests/PaliGemma.AI.Tests/TrainedModel): the runtime, given the same fp16 weights (converted to fp32 ONNX), the
same scene and the same prompts, must produce the same text. This checks that preprocessing, prompt layout,
tokenizer, graphs and detokenizer agree with how the model was trained.

    /usr/bin/python3 tools/reference/make_scene_model_expected.py            # writes tests/Fixtures/scene-model/expected.json
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from paligemma_ref.preprocess import preprocess  # noqa: E402
from scenes import generate_scene  # noqa: E402
from training.model import TrainableModel  # noqa: E402
from training.sample import greedy_text  # noqa: E402
from training.tokenizer import BpeTokenizer  # noqa: E402

SHAPES_JSON = os.path.join(ROOT, "samples", "AgentDemo", "assets", "shapes.json")  # the bundled scene (make_shapes.py)
PROMPTS = ["caption en", "detect circle ; square ; triangle ; star ; hexagon", "detect star", "segment circle", "ocr",
           "answer en how many circles?", "answer en how many hexagons?"]
MAX_TOKENS = 64


def main(argv) -> int:
    folder = argv[1] if len(argv) > 1 else os.path.join(ROOT, "models", "paligemma2-tiny-scenes")
    out = argv[2] if len(argv) > 2 else os.path.join(ROOT, "tests", "Fixtures", "scene-model", "expected.json")
    torch.set_num_threads(1)
    model = TrainableModel.from_hf_folder(folder, torch.device("cpu"))
    tok = BpeTokenizer(os.path.join(folder, "tokenizer.json"))
    with open(SHAPES_JSON, encoding="utf-8") as f:
        seed = json.load(f)["seed"]
    scene = generate_scene(seed)
    pixels = preprocess(scene.image, model.cfg.vision.image_size)
    answers = {p: greedy_text(model, tok, pixels, p, MAX_TOKENS) for p in PROMPTS}
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"seed": seed, "max_tokens": MAX_TOKENS, "answers": answers}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    for p, a in answers.items():
        print(f"{p!r}: {a!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
