"""torchvision's Swin modules against tests/torch_builder.py's rewrite of them: every peer.

The test venv has no torchvision, so the differential and peer tests run the
rewrite; this checks, once, that it counts as torchvision 0.29.1's own modules
do (parameters, buffers, shapes, FlopCounterMode, torchinfo, fvcore, ptflops,
thop). Run from the repository root with a Python that has torchvision and the
peers:

    PYTHONPATH=.:PEERS /path/to/venv-with-torchvision/bin/python bench/swin_torchvision.py

It prints one line per case, SAME or DIFF, and the number of differences.
"""

import contextlib
import io
import logging
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode


def peers(model: Any, x: torch.Tensor, inputs: tuple[torch.Tensor, ...] = ()) -> dict[str, Any]:
    from fvcore.nn import FlopCountAnalysis
    from ptflops import get_model_complexity_info
    from thop import profile
    from torchinfo import summary

    model = model.eval()
    inputs = inputs or (x,)
    quiet = io.StringIO()
    logging.getLogger("fvcore").setLevel(logging.ERROR)
    out = {}
    with torch.no_grad(), contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        with FlopCounterMode(display=False) as c:
            y = model(*inputs)
        out["flopcounter"] = c.get_total_flops()
        out["by_op"] = {str(k): v for k, v in c.get_flop_counts()["Global"].items()}
        out["torchinfo"] = summary(model, input_data=list(inputs), verbose=0).total_mult_adds
        a = FlopCountAnalysis(model, inputs)
        a.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        out["fvcore"] = a.total()
        out["fvcore_by_op"] = dict(a.by_operator())

        if len(inputs) == 1:
            out["ptflops"], _ = get_model_complexity_info(
                model,
                tuple(x.shape[1:]),
                as_strings=False,
                print_per_layer_stat=False,
                backend="pytorch",
            )
        out["thop"], _ = profile(model, inputs=inputs, verbose=False)
    out["params"] = sum(p.numel() for p in model.parameters())
    out["buffers"] = sum(b.numel() for b in model.buffers())
    out["shape"] = tuple(y.shape)
    return out


def main() -> None:
    from torchvision.models import swin_transformer as tv

    from cnncalc import ir
    from tests import torch_builder as tb

    cases: list[tuple[str, Any, Any, tuple[int, ...]]] = []
    for h, w, c, win, shift, heads, qb, pb in [
        (7, 5, 8, (3, 3), (1, 1), 2, True, True),
        (6, 6, 8, (3, 3), (0, 0), 2, True, True),
        (7, 5, 8, (3, 2), (1, 1), 4, False, False),
        (4, 9, 12, (2, 4), (1, 2), 3, True, False),
        (2, 3, 6, (4, 4), (2, 2), 6, False, True),
        (56, 56, 96, (7, 7), (3, 3), 3, True, True),
    ]:
        for version in (1, 2):
            cls = tv.ShiftedWindowAttentionV2 if version == 2 else tv.ShiftedWindowAttention
            theirs = cls(c, list(win), list(shift), heads, qkv_bias=qb, proj_bias=pb)
            node = ir.WindowAttention(win, shift, heads, 2 if version == 2 else 1, qb, pb)
            ours: Any = tb.WindowAttention(node, (h, w, c))
            cases.append(
                (
                    f"window v{version} {h}x{w}x{c} win{win} shift{shift} heads{heads} "
                    f"qkv_bias={qb} proj_bias={pb}",
                    theirs,
                    ours,
                    (1, h, w, c),
                )
            )
    for h, w, c in [(7, 5, 8), (56, 56, 96), (3, 3, 4)]:
        for version in (1, 2):
            theirs = (tv.PatchMergingV2 if version == 2 else tv.PatchMerging)(c)
            ours = tb.PatchMerging(ir.PatchMerging(2 if version == 2 else 1), (h, w, c))
            cases.append((f"patch merging v{version} {h}x{w}x{c}", theirs, ours, (1, h, w, c)))
    bad = 0
    for name, theirs, ours, shape in cases:
        pt, po = [sum(p.numel() for p in m.parameters()) for m in (theirs, ours)]
        bt, bo = [sum(b.numel() for b in m.buffers()) for m in (theirs, ours)]
        a, b = peers(theirs, torch.zeros(shape)), peers(ours, torch.zeros(shape))
        keys = ["flopcounter", "torchinfo", "fvcore", "ptflops", "thop", "shape"]
        same = (pt, bt) == (po, bo) and all(a[k] == b[k] for k in keys)
        bad += not same
        print(
            "SAME" if same else "DIFF",
            name,
            {"params": pt, "buffers": bt, **{k: a[k] for k in keys}},
            "" if same else {"params": po, "buffers": bo, **{k: b[k] for k in keys}},
        )
    print("differences:", bad)


if __name__ == "__main__":
    main()
