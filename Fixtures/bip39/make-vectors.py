#!/usr/bin/env python3
"""Generates vectors.json: BIP39 English entropy <-> mnemonic pairs, using python-mnemonic (Trezor's
reference implementation, https://pypi.org/project/mnemonic/) as the oracle.

Usage: PYTHONPATH=<dir containing the mnemonic package> python3 make-vectors.py > vectors.json
(tested with mnemonic 0.21). Deterministic: random entropies come from a fixed-seed PRNG.

Only the entropy <-> mnemonic direction is recorded (what jazz-tools' PassphraseAuth uses); the BIP39
PBKDF2 seed and BIP39 passphrases play no part in Jazz.
"""
import hashlib
import json
import random
import sys

from mnemonic import Mnemonic


def mnemonic_version():
    try:
        from importlib.metadata import version
        return version("mnemonic")
    except Exception:
        return "?"


m = Mnemonic("english")
words = m.wordlist
assert len(words) == 2048

# The entropies of Trezor's published English vectors (python-mnemonic vectors.json), then seeded random ones.
fixed = [
    "00000000000000000000000000000000",
    "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
    "80808080808080808080808080808080",
    "ffffffffffffffffffffffffffffffff",
    "000000000000000000000000000000000000000000000000",
    "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
    "808080808080808080808080808080808080808080808080",
    "ffffffffffffffffffffffffffffffffffffffffffffffff",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
    "8080808080808080808080808080808080808080808080808080808080808080",
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "9e885d952ad362caeb4efe34a8e91bd2",
    "6610b25967cdcca9d59875f5cb50b0ea75433311869e930b",
    "68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c",
    "c0ba5a8e914111210f2bd131f3d5e08d",
    "6d9be1ee6ebd27a258115aad99b7317b9c8d28b6d76431c3",
    "9f6a2878b2520799a44ef18bc7df394e7061a224d2c33cd015b157d746869863",
    "23db8160a31d3e97dca3688e0b8a6e4c",
    "8197a4a47f0425faeaa69deebc05ca29c0a5b5cc76ceacc0",
    "066dca1a2bb7e8a1db2832148ce9933eea0f3ac9548d793112d9a95c9407efad",
    "f30f8c1da665478f49b001d94c5fc452",
    "c10ec20dc3cd9f652c7fac2f1230f7a3c828389a14392f05",
    "f585c11aec520db57dd353c69554b21a89b20fb0650966fa0a9d6f74fd989d8f",
]
rng = random.Random(0x4A415A5A)  # "JAZZ"
generated = [bytes(rng.randrange(256) for _ in range(n)).hex() for n in (16, 20, 24, 28, 32) for _ in range(4)]

vectors = []
for entropy_hex in fixed + generated:
    entropy = bytes.fromhex(entropy_hex)
    phrase = m.to_mnemonic(entropy)
    assert m.check(phrase)
    assert bytes(m.to_entropy(phrase)) == entropy
    vectors.append({"entropyHex": entropy_hex, "wordCount": len(phrase.split(" ")), "phrase": phrase})

# Checksum failures: swap two different words of a valid phrase (the oracle must reject the result).
bad_checksum = []
for v in vectors:
    ws = v["phrase"].split(" ")
    for i in range(len(ws)):
        j = (i + 5) % len(ws)
        if ws[i] != ws[j]:
            swapped = ws[:]
            swapped[i], swapped[j] = swapped[j], swapped[i]
            candidate = " ".join(swapped)
            if not m.check(candidate):
                bad_checksum.append({"phrase": candidate, "from": v["phrase"], "swappedPositions": [i + 1, j + 1]})
                break
    if len(bad_checksum) >= 8:
        break

out = {
    "producedBy": {
        "oracle": "python-mnemonic %s (Trezor reference implementation), Mnemonic('english')"
        % mnemonic_version(),
        "script": "Fixtures/bip39/make-vectors.py",
        "wordlistSha256": hashlib.sha256(("\n".join(words) + "\n").encode()).hexdigest(),
    },
    "vectors": vectors,
    "badChecksum": bad_checksum,
}
json.dump(out, sys.stdout, indent=2)
sys.stdout.write("\n")
