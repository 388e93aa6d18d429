"""Ed25519 checkpoints: a signature over the chain head every N entries, so anyone holding
only the public key can prove the log up to there was not rewritten."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from proxy.audit.chain import checkpoint_message
from proxy.db.keyfiles import read_or_create_key_file


@dataclass(frozen=True, slots=True)
class Checkpoint:
    log: str
    seq: int
    entry_hash: str
    ts: str
    key_id: str
    signature: str  # hex

    def message(self) -> bytes:
        return checkpoint_message(self.log, self.seq, self.entry_hash, self.ts, self.key_id)


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


class Signer:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id(self.public_key)

    @classmethod
    def from_file(cls, path: Path) -> Signer:
        """Load the signing key, creating it (0600) on first start."""
        pem = read_or_create_key_file(path, lambda: Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path}: not an Ed25519 private key")
        return cls(key)

    def sign(self, log: str, seq: int, entry_hash: str, ts: str) -> Checkpoint:
        unsigned = Checkpoint(log, seq, entry_hash, ts, self.key_id, "")
        signature = self._private.sign(unsigned.message()).hex()
        return Checkpoint(log, seq, entry_hash, ts, self.key_id, signature)


def signature_valid(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> bool:
    try:
        public_key.verify(bytes.fromhex(checkpoint.signature), checkpoint.message())
    except (InvalidSignature, ValueError):
        return False
    return True
