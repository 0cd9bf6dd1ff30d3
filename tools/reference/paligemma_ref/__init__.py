"""Independent PaliGemma (1 and 2) reference implementation in PyTorch, written from HF semantics.

Used as a fidelity oracle: tools/reference/make_fixtures.py writes tiny random checkpoints plus expected
logits that the C# tests compare the ONNX path against.
"""

from .config import PaliGemmaConfig, load_config, parse_config
from .generate import GreedyResult, greedy
from .paligemma import PaliGemmaReference, load_weights, normalize_key
from .preprocess import preprocess
from .safetensors_io import read_safetensors, write_safetensors

__all__ = ["PaliGemmaConfig", "load_config", "parse_config", "GreedyResult", "greedy", "PaliGemmaReference",
           "load_weights", "normalize_key", "preprocess", "read_safetensors", "write_safetensors"]
