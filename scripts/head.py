#!/usr/bin/python3
"""Trains the conduct detectors' second opinion (docs/models.md): a network
of one hidden layer (256 ReLU units, softmax) on the sentence encoder's
vectors of the training sentences, for the labels given; every other label
is "other". Fixed seed, one thread: the same vectors give the same head.

Usage: scripts/head.py VECTORS.f32 TRAIN.txt OUT LABEL...
  VECTORS.f32  512 float32 per line of TRAIN.txt (steward-eval --embed)
  TRAIN.txt    fastText's training file (__label__X text), one per line
Writes OUT as inspect/encoder.h reads it: one header line
"steward-head 1 512 256 N label...", then W1, b1, W2, b2 as float32.
"""
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

vectors, train, out, *labels = sys.argv[1:]
x = np.fromfile(vectors, dtype="<f4").reshape(-1, 512)
y = []
with open(train, encoding="utf-8") as f:
    for line in f:
        label = line.split(" ", 1)[0].removeprefix("__label__")
        y.append(label if label in labels else "other")
if len(y) != len(x):
    sys.exit(f"head: {len(x)} vectors for {len(y)} lines")
mlp = MLPClassifier(hidden_layer_sizes=(256,), max_iter=60,
                    early_stopping=True, random_state=7)
mlp.fit(x, np.array(y))
names = [str(c) for c in mlp.classes_]
with open(out + ".tmp", "wb") as f:
    f.write(f"steward-head 1 512 256 {len(names)} {' '.join(names)}\n"
            .encode())
    for a in (mlp.coefs_[0], mlp.intercepts_[0], mlp.coefs_[1],
              mlp.intercepts_[1]):
        f.write(np.ascontiguousarray(a, dtype="<f4").tobytes())
os.replace(out + ".tmp", out)
print(f"head: {out} ({os.path.getsize(out)} bytes; labels {' '.join(names)}; "
      f"{mlp.n_iter_} epochs)")
