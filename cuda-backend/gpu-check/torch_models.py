"""PyTorch's numbers for the GPU check's models, one CSV line each (torch,case,seconds,rate,unit), for the
same cases as dev.colossus.bench.GpuBench's minilm and llama, from the same weights files that GpuBench
writes (so run it first):

  python3 torch_models.py MINILM.safetensors LLAMA.safetensors

MiniLM (BERT: 6 layers, hidden 384, 12 heads, exact GELU, post-LayerNorm, mean pooling, unit length),
F32 and BF16, on 256 sentences of 128 tokens, token t of sentence b being 1 + (7919 (128 b + t)) mod
30521 as GpuBench makes them: sentences/s. Llama 3.2 1B (BF16; RMSNorm in F32, rotate-half rotary
embeddings, grouped-query SDPA, SwiGLU, tied embeddings; the configuration from the file's metadata),
eager, with a KV cache written in place: a 2048-token prefill in tokens/s, a decode step after 512
tokens at batch 1 and 32 in tokens/s, and the batch-1 step's weight bytes a second over a 1 GiB
device-to-device copy's (bytes read + written). Prompts as GpuBench's: token i of sequence b is
(7919 (i + L b)) mod V. Median of five trials of about 0.3 s, timed with CUDA events after a warm-up.
The safetensors files are read with json and mmap, no library. Never yet run on a GPU; on the CPU
(DEVICE = "cpu", Debian's torch 1.13 with SDPA written out as torch 2's), its MiniLM embeddings and tiny
Llama logits (batch 2: a 37-token prefill, then a step) matched Colossus's from the same files within
relative L2 8e-7 (2026-12-06)."""
import json
import math
import mmap
import struct
import sys

import torch
import torch.nn.functional as F

from timing import device_copy, report, time

torch.backends.cuda.matmul.allow_tf32 = False

# Where the models run: the GPU; a check of this script's arithmetic against Colossus may set "cpu".
DEVICE = "cuda"

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32}


def read_safetensors(path):
    """name -> tensor on the GPU, and the header's __metadata__."""
    with open(path, "rb") as f:
        length = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(length))
        data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        start, stop = entry["data_offsets"]
        dtype = DTYPES[entry["dtype"]]
        count = math.prod(entry["shape"])
        flat = torch.frombuffer(data, dtype=dtype, count=count, offset=8 + length + start) if count else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"]).to(DEVICE)
    return tensors, metadata


def minilm(w, ids):
    """Unit-length sentence embeddings (B, 384) F32, as dev.colossus.bench.model.MiniLm computes them."""
    b, length = ids.shape
    keep = ids != 0
    h = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length] \
        + w["embeddings.token_type_embeddings.weight"][0]
    h = F.layer_norm(h, (384,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], 1e-12)
    mask = keep[:, None, None, :]
    for i in range(6):
        p = f"encoder.layer.{i}."
        qkv = F.linear(h, w[p + "attention.self.qkv.weight"], w[p + "attention.self.qkv.bias"])
        q, k, v = (t.reshape(b, length, 12, 32).transpose(1, 2) for t in qkv.chunk(3, -1))
        context = F.scaled_dot_product_attention(q, k, v, attn_mask=mask).transpose(1, 2).reshape(b, length, 384)
        attended = F.linear(context, w[p + "attention.output.dense.weight"], w[p + "attention.output.dense.bias"])
        h = F.layer_norm(attended + h, (384,), w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], 1e-12)
        inner = F.gelu(F.linear(h, w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"]))
        out = F.linear(inner, w[p + "output.dense.weight"], w[p + "output.dense.bias"])
        h = F.layer_norm(out + h, (384,), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], 1e-12)
    weights = keep.float().unsqueeze(-1)
    mean = (h.float() * weights).sum(1) / weights.sum(1)
    return F.normalize(mean, dim=1)


class Llama:
    """The Llama decoder of dev.colossus.bench.model.Llama, for `batch` sequences stepped together."""

    def __init__(self, w, metadata, batch):
        self.w = w
        c = {k: float(v) if k in ("ropeTheta", "eps") else int(v) for k, v in metadata.items() if k != "format"}
        self.layers, self.heads, self.kv_heads, self.head_dim = c["layers"], c["heads"], c["kvHeads"], c["headDim"]
        self.eps, self.vocab, self.batch = c["eps"], c["vocab"], batch
        half = self.head_dim // 2
        positions = torch.arange(c["maxPositions"], dtype=torch.float64)[:, None]
        angles = positions * c["ropeTheta"] ** (-2.0 * torch.arange(half, dtype=torch.float64) / self.head_dim)
        dtype = w["model.embed_tokens.weight"].dtype
        self.cos, self.sin = (t.to(dtype).to(DEVICE) for t in (torch.cos(angles), torch.sin(angles)))
        shape = (batch, self.kv_heads, c["maxPositions"], self.head_dim)
        self.keys = [torch.zeros(shape, dtype=dtype, device=DEVICE) for _ in range(self.layers)]
        self.values = [torch.zeros(shape, dtype=dtype, device=DEVICE) for _ in range(self.layers)]

    def norm(self, x, weight):
        x32 = x.float()
        return (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)).to(x.dtype) * weight

    def rotate(self, x, cos, sin):
        x1, x2 = x.chunk(2, -1)
        return torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), -1)

    def forward(self, ids, pos):
        """ids (B, n) at positions [pos, pos + n): the logits of each sequence's last token, (B, V) F32."""
        b, n = ids.shape
        assert n == 1 or pos == 0, "a prefill starts at position 0"
        w, d = self.w, self.head_dim
        cos, sin = self.cos[pos:pos + n], self.sin[pos:pos + n]
        x = w["model.embed_tokens.weight"][ids]
        for i in range(self.layers):
            p = f"model.layers.{i}."
            h = self.norm(x, w[p + "input_layernorm.weight"])
            q = self.rotate(F.linear(h, w[p + "self_attn.q_proj.weight"]).view(b, n, self.heads, d).transpose(1, 2), cos, sin)
            k = self.rotate(F.linear(h, w[p + "self_attn.k_proj.weight"]).view(b, n, self.kv_heads, d).transpose(1, 2), cos, sin)
            v = F.linear(h, w[p + "self_attn.v_proj.weight"]).view(b, n, self.kv_heads, d).transpose(1, 2)
            self.keys[i][:, :, pos:pos + n] = k
            self.values[i][:, :, pos:pos + n] = v
            attended = F.scaled_dot_product_attention(q, self.keys[i][:, :, :pos + n], self.values[i][:, :, :pos + n],
                                                      is_causal=n > 1, enable_gqa=True)
            x = x + F.linear(attended.transpose(1, 2).reshape(b, n, self.heads * d), w[p + "self_attn.o_proj.weight"])
            g = self.norm(x, w[p + "post_attention_layernorm.weight"])
            x = x + F.linear(F.silu(F.linear(g, w[p + "mlp.gate_proj.weight"])) * F.linear(g, w[p + "mlp.up_proj.weight"]),
                             w[p + "mlp.down_proj.weight"])
        last = self.norm(x[:, -1], w["model.norm.weight"])
        return F.linear(last, w["model.embed_tokens.weight"]).float()


def prompt(b, length, vocab):
    return [7919 * (i + length * b) % vocab for i in range(length)]


def main(minilm_file, llama_file):
    torch.set_grad_enabled(False)
    weights, _ = read_safetensors(minilm_file)
    batch, tokens = 256, 128
    ids = (1 + (7919 * torch.arange(batch * tokens, dtype=torch.int64)) % 30521).reshape(batch, tokens).to(DEVICE)
    for dtype, label in ((torch.float32, "f32"), (torch.bfloat16, "bf16")):
        w = {name: t.to(dtype) if t.is_floating_point() else t for name, t in weights.items()}
        s = time(lambda: minilm(w, ids))
        report(f"minilm_{label}_b{batch}l{tokens}", s, batch / s, "sentences/s")
    del weights, w

    weights, metadata = read_safetensors(llama_file)
    weight_bytes = sum(t.numel() * t.element_size() for t in weights.values())
    copy = device_copy()
    one = Llama(weights, metadata, 1)
    long_prompt = torch.tensor([prompt(0, 2048, one.vocab)], device=DEVICE)
    s = time(lambda: one.forward(long_prompt, 0))
    report("llama1b_bf16_prefill_2048", s, 2048 / s, "tokens/s")
    one.forward(long_prompt[:, :512], 0)
    step = torch.tensor([[42]], device=DEVICE)
    s = time(lambda: one.forward(step, 512))
    report("llama1b_bf16_decode_b1_ctx512", s, 1 / s, "tokens/s")
    report("llama1b_bf16_decode_b1_ctx512_of_copy", s, weight_bytes / s / copy, "of copy")
    del one
    many = Llama(weights, metadata, 32)
    many.forward(torch.tensor([prompt(b, 512, many.vocab) for b in range(32)], device=DEVICE), 0)
    steps = torch.tensor([[42 + b] for b in range(32)], device=DEVICE)
    s = time(lambda: many.forward(steps, 512))
    report("llama1b_bf16_decode_b32_ctx512", s, 32 / s, "tokens/s")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: torch_models.py MINILM.safetensors LLAMA.safetensors")
    main(sys.argv[1], sys.argv[2])
