#!/usr/bin/python3
"""Tunes the sentence encoder for the conduct detectors (docs/models.md):
low-rank corrections to the encoder's matrices and a small network on its
vector, trained together on the conduct training sentences, so that the
encoder's vector places threats and insults apart from what only resembles
them. The encoder's own files are not changed: inspect/encoder.h adds the
corrections as it loads them. Fixed seeds, a fixed number of threads: the
same data gives the same files.

Usage: scripts/tune.py ENCODER_DIR TRAIN.ids TRAIN.txt TUNE_OUT HEAD_OUT LABEL...
  TRAIN.ids  the word-piece ids of each line (steward-eval --tokens)
  TRAIN.txt  fastText's training file (__label__X text), one per line
  TUNE_OUT   "steward-tune 1 RANK N" then, for each of N matrices, a line
             with its name, rows and columns, then A [rows][RANK] and
             B [RANK][columns] as float32: the matrix becomes W + A·B
  HEAD_OUT   as inspect/encoder.h reads it: "steward-head 1 512 HIDDEN N
             label..." then W1, b1, W2, b2 as float32
Environment: TUNE_EPOCHS (2), TUNE_THREADS (2), TUNE_VALID (a second pair
of .ids and .txt files whose precision and recall are printed each epoch).
"""
import json
import math
import os
import random
import sys

import numpy as np
import torch

RANK = 16
HIDDEN = 256
LN_EPS = 9.99999997e-07
APPLIED = "module_apply_default/Encoder_en/KonaTransformer/"
MODULE = "module/Encoder_en/KonaTransformer/"


def load_tensors(d):
    model = json.load(open(os.path.join(d, "model.json")))
    group = model["weightsManifest"][0]
    raw = b"".join(open(os.path.join(d, p), "rb").read()
                   for p in group["paths"])
    out, at = {}, 0
    for w in group["weights"]:
        n = int(np.prod(w["shape"])) if w["shape"] else 1
        if w.get("dtype", "float32") == "float32":
            out[w["name"]] = np.frombuffer(raw, "<f4", n, at * 4).reshape(
                [s for s in w["shape"] if s != 1 or len(w["shape"]) <= 2])
        at += n
    return out


class Lora(torch.nn.Module):
    """W (frozen) + A·B; B starts at zero, so training starts at W."""

    def __init__(self, name, w, gen):
        super().__init__()
        self.name = name
        self.w = torch.nn.Parameter(torch.tensor(np.array(w)),
                                    requires_grad=False)
        rows, cols = self.w.shape
        self.a = torch.nn.Parameter(
            torch.randn(rows, RANK, generator=gen) / math.sqrt(rows))
        self.b = torch.nn.Parameter(torch.zeros(RANK, cols))

    def forward(self, x):
        return x @ self.w + (x @ self.a) @ self.b


class Encoder(torch.nn.Module):
    def __init__(self, t, gen):
        super().__init__()
        const = lambda a: torch.nn.Parameter(torch.tensor(np.array(a)),
                                             requires_grad=False)
        self.emb = const(t["module/Embeddings_en"])
        self.timing = const(t[APPLIED + "Encode/TransformerStack/Layer_0/"
                              "AddTimingSignal/TimingSignal/ExpandDims_1"]
                            .reshape(-1))
        self.layers = []
        self.mats = torch.nn.ModuleList()
        for l in range(2):
            n = f"Layer_{l}/TransformerLayer/"
            enc = APPLIED + "Encode/" + n
            stack = APPLIED + "Encode/TransformerStack/" + n
            mod = MODULE + "Encode/" + n
            cat = "/ConcatPartitions/concat"
            pre = "layer_prepostprocess/layer_norm/layer_norm_"
            width = 256 if l == 0 else 512
            L = {"width": width}
            L["ln_g"] = const(t[enc + pre + "scale" + cat])
            L["ln_b"] = const(t[enc + pre + "bias" + cat])
            L["qkv_b"] = const(t[enc + "MultiheadAttention/qkv_transform_"
                                 "single/bias" + cat])
            L["out_b"] = const(t[enc + "MultiheadAttention/output_transform_"
                                 "single/bias" + cat])
            if l == 0:
                L["res"] = const(t[enc + "dense/kernel" + cat])
                L["res_b"] = const(t[enc + "dense/bias" + cat])
            L["ffn_g"] = const(t[enc + "FFN/" + pre + "scale" + cat])
            L["ffn_b"] = const(t[enc + "FFN/" + pre + "bias" + cat])
            L["b1"] = const(t[enc + "FFN/conv1/bias" + cat])
            L["b2"] = const(t[enc + "FFN/conv2/bias" + cat])
            for key, name, shape in (
                    ("qkv", mod + "MultiheadAttention/qkv_transform_single/"
                     "kernel/part_0", (width, 3 * width)),
                    ("out", mod + "MultiheadAttention/output_transform_"
                     "single/kernel/part_0", (width, 512)),
                    ("w1", stack + "FFN/conv1/Tensordot/Reshape_1",
                     (512, 1536)),
                    ("w2", stack + "FFN/conv2/Tensordot/Reshape_1",
                     (1536, 512))):
                m = Lora(name, t[name].reshape(shape), gen)
                self.mats.append(m)
                L[key] = m
            for k, v in L.items():
                if isinstance(v, torch.nn.Parameter):
                    self.register_parameter(f"l{l}_{k}", v)
            self.layers.append(L)
        name = "module/Encoder_en/hidden_layers/tanh_layer_0/weights"
        self.tanh = Lora(name, t[name], gen)
        self.mats.append(self.tanh)
        self.tanh_b = const(t["module/Encoder_en/hidden_layers/tanh_layer_0/"
                              "bias"])

    def forward(self, ids, mask):
        # ids [B][T] (0-padded), mask [B][T] (1 where a piece is)
        b, t = ids.shape
        pos = torch.arange(t, dtype=torch.float32)[:, None] * self.timing
        x = 2 * self.emb[ids] + torch.cat([pos.sin(), pos.cos()], 1)
        keep = mask[:, None, None, :] > 0
        y = None
        for l, L in enumerate(self.layers):
            inp = x if l == 0 else y
            w = L["width"]
            h = torch.nn.functional.layer_norm(inp, (w,), L["ln_g"], L["ln_b"],
                                               LN_EPS)
            qkv = L["qkv"](h) + L["qkv_b"]
            q, k, v = qkv.split(w, -1)
            hw = w // 4
            q = q.view(b, t, 4, hw).transpose(1, 2)
            k = k.view(b, t, 4, hw).transpose(1, 2)
            v = v.view(b, t, 4, hw).transpose(1, 2)
            s = (q @ k.transpose(-1, -2)) / math.sqrt(hw)
            s = s.masked_fill(~keep, -1e9).softmax(-1)
            att = (s @ v).transpose(1, 2).reshape(b, t, w)
            tmp = L["out"](att) + L["out_b"]
            y = (x @ L["res"] + L["res_b"] + tmp) if l == 0 else y + tmp
            h = torch.nn.functional.layer_norm(y, (512,), L["ffn_g"],
                                               L["ffn_b"], LN_EPS)
            f = torch.relu(L["w1"](h) + L["b1"])
            y = y + L["w2"](f) + L["b2"]
        m = mask[:, :, None]
        mean = (y * m).sum(1) / m.sum(1)
        z = torch.tanh(self.tanh(mean) + self.tanh_b)
        return torch.nn.functional.normalize(z, dim=-1, eps=1e-6)


def read(ids_path, txt_path, labels):
    # Lines end at "\n" only, as steward-eval reads them.
    with open(ids_path, newline="\n") as f:
        ids = f.read().split("\n")[:-1]
    with open(txt_path, encoding="utf-8", newline="\n") as f:
        lines = f.read().split("\n")[:-1]
    if len(ids) != len(lines):
        sys.exit(f"tune: {ids_path} has {len(ids)} lines, {txt_path} "
                 f"{len(lines)}")
    xs, ys = [], []
    for piece_ids, line in zip(ids, lines):
        label = line.split(" ", 1)[0].removeprefix("__label__")
        xs.append([int(v) for v in piece_ids.split()] or [0])
        ys.append(labels.index(label) if label in labels else
                  len(labels) - 1)
    return xs, ys


def batches(xs, ys, size, rng):
    order = list(range(len(xs)))
    rng.shuffle(order)
    # Pools of 50 batches sorted by length: little padding, random order.
    out = []
    for i in range(0, len(order), size * 50):
        pool = sorted(order[i:i + size * 50], key=lambda j: len(xs[j]))
        out += [pool[k:k + size] for k in range(0, len(pool), size)]
    rng.shuffle(out)
    return out


def tensors(xs, idx):
    t = max(len(xs[j]) for j in idx)
    ids = torch.zeros(len(idx), t, dtype=torch.long)
    mask = torch.zeros(len(idx), t)
    for r, j in enumerate(idx):
        ids[r, :len(xs[j])] = torch.tensor(xs[j])
        mask[r, :len(xs[j])] = 1
    return ids, mask


def predict(enc, head, xs):
    enc.eval()
    out = []
    with torch.no_grad():
        order = sorted(range(len(xs)), key=lambda j: len(xs[j]))
        probs = [None] * len(xs)
        for k in range(0, len(order), 256):
            idx = order[k:k + 256]
            p = head(enc(*tensors(xs, idx))).softmax(-1)
            for r, j in enumerate(idx):
                probs[j] = p[r].numpy()
    enc.train()
    return np.array(probs)


def report(probs, ys, labels):
    # Recall of each label where at most 2 % and 5 % of the lines of no
    # conduct label ("other") reach the threshold.
    ys = np.array(ys)
    other = len(labels) - 1
    for i, name in enumerate(labels[:-1]):
        neg = np.sort(probs[ys == other, i])[::-1]
        pos = probs[ys == i, i]
        line = [name]
        for rate in (0.02, 0.05):
            th = neg[int(rate * len(neg))]
            line.append(f"recall {float((pos > th).mean()):.3f} at "
                        f"{rate:.0%} (threshold {th:.3f})")
        print("  " + "; ".join(line), flush=True)


def main():
    enc_dir, ids_path, txt_path, tune_out, head_out, *names = sys.argv[1:]
    labels = names + ["other"]
    threads = int(os.environ.get("TUNE_THREADS", "2"))
    epochs = int(os.environ.get("TUNE_EPOCHS", "2"))
    torch.set_num_threads(threads)
    torch.manual_seed(7)
    gen = torch.Generator().manual_seed(7)
    rng = random.Random(7)
    enc = Encoder(load_tensors(enc_dir), gen)
    head = torch.nn.Sequential(torch.nn.Linear(512, HIDDEN), torch.nn.ReLU(),
                               torch.nn.Linear(HIDDEN, len(labels)))
    xs, ys = read(ids_path, txt_path, labels)
    valid = os.environ.get("TUNE_VALID", "").split()
    vx, vy = read(*valid, labels) if len(valid) == 2 else ([], [])
    params = [p for p in enc.parameters() if p.requires_grad]
    opt = torch.optim.AdamW([{"params": params, "lr": 1e-3},
                             {"params": head.parameters(), "lr": 1e-3}],
                            weight_decay=0.01)
    steps = epochs * math.ceil(len(xs) / 64)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=[1e-3, 1e-3], total_steps=steps, pct_start=0.1)
    loss_fn = torch.nn.CrossEntropyLoss()
    step = 0
    for epoch in range(epochs):
        total = 0.0
        for k, idx in enumerate(batches(xs, ys, 64, rng)):
            ids, mask = tensors(xs, idx)
            loss = loss_fn(head(enc(ids, mask)),
                           torch.tensor([ys[j] for j in idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            total += float(loss)
            if k % 200 == 199:
                print(f"tune: epoch {epoch + 1}, batch {k + 1}, "
                      f"loss {total / 200:.4f}", flush=True)
                total = 0.0
        if vx:
            print(f"tune: epoch {epoch + 1}, held-out lines:", flush=True)
            report(predict(enc, head, vx), vy, labels)
    with open(tune_out + ".tmp", "wb") as f:
        f.write(f"steward-tune 1 {RANK} {len(enc.mats)}\n".encode())
        for m in enc.mats:
            rows, cols = m.w.shape
            f.write(f"{m.name} {rows} {cols}\n".encode())
            f.write(m.a.detach().numpy().astype("<f4").tobytes())
            f.write(m.b.detach().numpy().astype("<f4").tobytes())
    os.replace(tune_out + ".tmp", tune_out)
    w1, b1 = head[0].weight.detach().numpy(), head[0].bias.detach().numpy()
    w2, b2 = head[2].weight.detach().numpy(), head[2].bias.detach().numpy()
    with open(head_out + ".tmp", "wb") as f:
        f.write(f"steward-head 1 512 {HIDDEN} {len(labels)} {' '.join(labels)}"
                "\n".encode())
        for a in (w1.T, b1, w2.T, b2):
            f.write(np.ascontiguousarray(a, dtype="<f4").tobytes())
    os.replace(head_out + ".tmp", head_out)
    print(f"tune: {tune_out} ({os.path.getsize(tune_out)} bytes), "
          f"{head_out} ({os.path.getsize(head_out)} bytes)")


if __name__ == "__main__":
    main()
