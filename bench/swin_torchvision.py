"""torchvision 0.29.1's Swin modules against tests/torch_builder.py's rewrite: every peer."""
import sys, itertools
sys.path.insert(0, "/tmp/swin")
import torch
from measure import peers
from torchvision.models import swin_transformer as tv
from cnncalc import ir
from tests import torch_builder as tb
cases = []
for (h, w, c, win, shift, heads, qb, pb) in [
    (7, 5, 8, (3, 3), (1, 1), 2, True, True), (6, 6, 8, (3, 3), (0, 0), 2, True, True),
    (7, 5, 8, (3, 2), (1, 1), 4, False, False), (4, 9, 12, (2, 4), (1, 2), 3, True, False),
    (2, 3, 6, (4, 4), (2, 2), 6, False, True), (56, 56, 96, (7, 7), (3, 3), 3, True, True)]:
    for version in (1, 2):
        cls = tv.ShiftedWindowAttentionV2 if version == 2 else tv.ShiftedWindowAttention
        theirs = cls(c, list(win), list(shift), heads, qkv_bias=qb, proj_bias=pb)
        ours = tb.WindowAttention(ir.WindowAttention(win, shift, heads, version, qb, pb), (h, w, c))
        cases.append((f"window v{version} {h}x{w}x{c} win{win} shift{shift} heads{heads} qkv_bias={qb} proj_bias={pb}", theirs, ours, (1, h, w, c)))
for (h, w, c) in [(7, 5, 8), (56, 56, 96), (3, 3, 4)]:
    for version in (1, 2):
        theirs = (tv.PatchMergingV2 if version == 2 else tv.PatchMerging)(c)
        ours = tb.PatchMerging(ir.PatchMerging(version), (h, w, c))
        cases.append((f"patch merging v{version} {h}x{w}x{c}", theirs, ours, (1, h, w, c)))
bad = 0
for name, theirs, ours, shape in cases:
    pt, po = [sum(p.numel() for p in m.parameters()) for m in (theirs, ours)]
    bt, bo = [sum(b.numel() for b in m.buffers()) for m in (theirs, ours)]
    a, b = peers(theirs, torch.zeros(shape)), peers(ours, torch.zeros(shape))
    keys = ["flopcounter", "torchinfo", "fvcore", "ptflops", "thop", "shape"]
    same = (pt, bt) == (po, bo) and all(a[k] == b[k] for k in keys)
    bad += not same
    print("SAME" if same else "DIFF", name, {"params": pt, "buffers": bt, **{k: a[k] for k in keys}}, "" if same else {"params": po, "buffers": bo, **{k: b[k] for k in keys}})
print("differences:", bad)
