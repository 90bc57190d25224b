"""The ``cnncalc`` command line.

``cnncalc SPEC`` prints the analysis; ``cnncalc check SPEC...`` verifies the
numbers in specs' ``expect`` blocks; ``cnncalc conventions`` lists the FLOP
conventions. Exit codes: 0 success, 1 a failed check, 2 bad input or usage
(a file that cannot be written included), 70 an internal error (a bug in
cnncalc), 130 interrupted. ``CNNCALC_TEST_INTERNAL_ERROR=1`` is a test hook:
it raises inside ``main``'s guard, the one deliberate way to exit 70.

Only argparse is imported at start-up: ``--help`` and ``--version`` load no
pydantic, rich or yaml; each command imports what it needs.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys

from cnncalc import TYPE_CHECKING, __version__
from cnncalc.i18n import LANGUAGES, N_, _, current

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from fractions import Fraction
    from typing import Any, NoReturn, TypeAlias

    from cnncalc.analysis import Report

    Command: TypeAlias = tuple[
        Callable[[], argparse.ArgumentParser], Callable[[argparse.Namespace], int]
    ]
    """A command's argument parser, and what runs it on the parsed arguments."""

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_INTERNAL_ERROR = 70  # EX_SOFTWARE
GC_THRESHOLDS = (100_000, 50, 1_000)
"""The cycle collector's thresholds while a command runs (Python's are 700, 10, 10)."""

CONVENTION_NAMES = (
    "connections", "macs", "flops", "torchinfo", "ptflops", "fvcore", "thop", "torchscan",
)  # fmt: skip
FORMAT_NAMES = ("table", "json", "csv", "markdown", "html", "latex")
DEVICE_NAMES = ("a100-sxm4-80gb", "h100-sxm5", "v100-sxm2", "t4")
"""``--device``'s choices: :data:`cnncalc.devices.DEVICES`'s names (a test keeps them so),
written out so that start-up imports no dataclasses or fractions."""

DESCRIPTION = N_("""\
Static analysis of a convolutional network described in YAML: for every layer
and in total, the output shape, trainable and non-trainable parameters, MACs,
FLOPs under a named convention, neurons and connections, as exact integers.

commands:
  cnncalc SPEC [options]        analyse SPEC and print the report
  cnncalc explain SPEC LAYER    derive every count of one layer, step by step
  cnncalc solve SPEC COND --for SYMBOL[,SYMBOL...]
                                the sizes for which COND holds, e.g.
                                "pool3.output_shape[1] == 6" --for n
  cnncalc compare A.yaml B.yaml [--depth N] [--metrics params,macs,...]
  cnncalc compare SPEC --subs n=32 --subs n=64
                                variants side by side: each layer and the totals,
                                with differences and ratios
  cnncalc sweep SPEC --grid "k=3,5,7; n=128:224:32" [--where COND]
                                the totals at every point of a grid of sizes
  cnncalc check SPEC [SPEC...]  check the numbers in each spec's 'expect' block
  cnncalc models [--papers]     the built-in models (cnncalc resnet50), with their papers
  cnncalc quiz SPEC [--layers C1,S2] [--ask params,...] [--seed N] [--vary]
                                exercises with worked answers, on a separate sheet
  cnncalc draw SPEC -o net.svg  draw the network as the LeNet-5 figure does
  cnncalc plot SPEC -o costs.svg
                                bar chart of each layer's parameters and FLOPs
  cnncalc import torch MODULE:FACTORY --input 3,224,224
  cnncalc import keras model.json|model.keras
  cnncalc import onnx model.onnx
                                write a spec for a PyTorch, Keras or ONNX model
  cnncalc schema                the spec format's JSON Schema, for editors
  cnncalc conventions           list the FLOP conventions and their sources
  cnncalc types                 list the layer types a spec may use
  cnncalc completion bash|zsh   a shell completion script

exit codes: 0 ok, 1 a check failed or no solution, 2 bad input, 70 internal error,
130 interrupted
""")


CONVENTION_HELP = N_("FLOP convention of the FLOPs (default: the spec's, else connections)")
"""``--convention``'s help where the report is not a table with a FLOPs column."""

SYMBOLIC_HELP = N_(
    "a symbolic spec's counts as formulas in its size symbols, not numbers at its 'values' "
    "(--subs still puts in the values it gives)"
)
"""``--symbolic``'s help: a spec's ``values`` are defaults, and this leaves them out."""
SUBS_HELP = N_("values for size symbols, over the spec's 'values'")

MAX_CONDITION_LENGTH = 1000
"""Longest ``solve`` condition: each comparison costs a symbolic step."""


def _depth(text: str) -> int:
    """``--depth N``: a positive whole number (ASCII digits); a large N folds nothing."""
    digits = text.strip()
    significant = digits.lstrip("0")
    if not (digits.isascii() and digits.isdigit() and significant):
        shown = digits if len(digits) <= 40 else digits[:39] + "…"
        raise argparse.ArgumentTypeError(
            _("takes a positive whole number, got '{shown}'").format(shown=shown)
        )
    # No name has more parts than it has characters: a longer number folds nothing more.
    return int(significant) if len(significant) <= 18 else 10**18


def _fill(text: str, columns: int) -> list[str]:
    """Chinese ``text`` filled into ``columns`` terminal columns, the glossary's terms whole.

    (Only Chinese comes here: the glossary's import, a few milliseconds, is not
    English start-up's.)
    """
    from cnncalc.glossary import TERMS
    from cnncalc.wrapping import fill

    return fill(text, columns, keep=[term.chinese for term in TERMS])


class _Formatter(argparse.HelpFormatter):
    """argparse's help, with Chinese filled by terminal columns (:mod:`cnncalc.wrapping`).

    argparse measures text with ``len`` and breaks it at spaces: a Chinese help
    line would run twice the page's width, and the usage's second line would
    start two columns left of the first's options ("用法" is 2 characters, 4
    columns). English takes argparse's own path, unchanged byte for byte.
    """

    def _split_lines(self, text: str, width: int) -> list[str]:
        if current() == "en":
            return super()._split_lines(text, width)
        return _fill(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if current() == "en":
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line for line in _fill(text, width - len(indent)))

    def _format_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[Any],
        prefix: str | None,
    ) -> str:
        shown = _("usage: ") if prefix is None else prefix
        if current() == "en":
            return super()._format_usage(usage, actions, groups, prefix)
        from cnncalc.wrapping import width

        # Laid out behind an ASCII stand-in as wide as the prefix, then the prefix put back.
        stand_in = "u" * width(shown)
        text = super()._format_usage(usage, actions, groups, stand_in)
        return shown + text.removeprefix(stand_in)


class _RawFormatter(argparse.RawDescriptionHelpFormatter, _Formatter):
    """:class:`_Formatter` keeping the description's lines as written (the command list)."""


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors on one safe line: ``error: argument --depth: …``, exit 2,
    and ``--lang`` on every command.

    argparse quotes the user's words as typed (``unrecognized arguments: …``): a
    file name holding an escape sequence would reach the terminal raw, and a long
    one would fill it.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(**kwargs)
        # main() reads --lang before any parser exists (the help itself is translated);
        # declared here so that every command accepts and documents it.
        self.add_argument(
            "--lang",
            choices=LANGUAGES,
            help=_("language of the output: en or zh (default: CNNCALC_LANG, else the locale)"),
        )

    def error(self, message: str) -> NoReturn:
        from cnncalc.safe_text import one_line

        self.exit(
            EXIT_BAD_INPUT,
            _("error: {message} (see '{prog} --help')").format(
                message=one_line(message, 300), prog=self.prog
            )
            + "\n",
        )


def _batch(text: str) -> int:
    """``--batch``: a whole number of samples, 1 to 2**31."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 2**31:
        raise argparse.ArgumentTypeError(
            _("{text} is not a batch size from 1 to 2**31").format(text=repr(text))
        )
    return int(text)


MAX_SAMPLES = 2**63 - 1
"""The largest dataset ``--samples`` takes (any larger is no dataset)."""


def _samples(text: str) -> int:
    """``--samples``: a dataset size, a whole number from 1 to 2**63 − 1."""
    digits = text.replace("_", "").replace(",", "")  # 1,281,167 and 1_281_167 read as written
    significant = digits.lstrip("0")  # a huge number is not converted, only measured
    if not (
        digits.isascii()
        and digits.isdigit()
        and 1 <= len(significant) <= 19
        and int(significant) <= MAX_SAMPLES
    ):
        shown = text if len(text) <= 40 else text[:39] + "…"
        raise argparse.ArgumentTypeError(
            _("{text} is not a dataset size from 1 to 2**63 − 1").format(text=repr(shown))
        )
    return int(digits)


def _dtype(text: str) -> str:
    """``--dtype``: a name of :data:`cnncalc.dtypes.DTYPE_NAMES` (any case), canonical."""
    from cnncalc.dtypes import DTYPE_NAMES, canonical

    try:
        return canonical(text)
    except KeyError:
        raise argparse.ArgumentTypeError(
            _("{text} is not a dtype: one of {names}").format(
                text=repr(text), names=", ".join(DTYPE_NAMES)
            )
        ) from None


def _analyze_parser() -> argparse.ArgumentParser:
    from cnncalc.dtypes import DEFAULT_DTYPE

    parser = _Parser(
        prog="cnncalc",
        description=_(DESCRIPTION),
        formatter_class=_RawFormatter,
    )
    parser.add_argument("spec", help=_("the network spec (YAML or JSON)"))
    parser.add_argument(
        "-f", "--format", choices=FORMAT_NAMES, default="table", help=_("report format (table)")
    )
    parser.add_argument(
        "-c",
        "--convention",
        choices=CONVENTION_NAMES,
        help=_("FLOP convention of the FLOPs column (default: the spec's, else connections)"),
    )
    parser.add_argument(
        "--formulas",
        action="store_true",
        help=_("show each count beside its general formula in the layer's own quantities"),
    )
    parser.add_argument(
        "--subs",
        metavar="NAME=VALUE,...",
        help=_(
            "put values in for a symbolic spec's size symbols, over its 'values', e.g. n=32,k=5; "
            "or for its params (a depth: blocks3=23)"
        ),
    )
    parser.add_argument(
        "--symbolic",
        action="store_true",
        help=_(SYMBOLIC_HELP),
    )
    parser.add_argument(
        "--depth",
        type=_depth,
        metavar="N",
        help=_("fold layers named a.b.c by their first N name parts (blocks: --depth 1)"),
    )
    parser.add_argument(
        "--receptive-field",
        action="store_true",
        help=_(
            "each layer's receptive field in the input instead: size, jump and start per "
            "spatial axis (table or json)"
        ),
    )
    parser.add_argument(
        "--training",
        action="store_true",
        help=_(
            "each layer's FLOPs in a training step instead: forward, the input's and the "
            "weights' gradients, as FlopCounterMode counts them (table or json)"
        ),
    )
    parser.add_argument(
        "--memory",
        action="store_true",
        help=_(
            "each layer's inference memory instead: weight and output bytes, and the peak "
            "of live activations (table or json)"
        ),
    )
    parser.add_argument(
        "--batch",
        type=_batch,
        metavar="N",
        help=_("samples per step (--training, --memory, --roofline)"),
    )
    parser.add_argument(
        "--dtype",
        type=_dtype,
        metavar="D",
        help=_(
            "number format of activations, and of weights unless --weight-dtype (--memory, "
            "--roofline; {default}, fp16, bf16, int8, …)"
        ).format(default=DEFAULT_DTYPE),
    )
    parser.add_argument(
        "--optimizer",
        choices=("sgd", "momentum", "adam", "adamw"),
        help=_("--memory: the training step's optimizer, whose state it counts (adam)"),
    )
    parser.add_argument(
        "--weight-dtype",
        type=_dtype,
        metavar="D",
        help=_("number format of weights (--memory; default: --dtype)"),
    )
    _roofline_options(parser)
    parser.add_argument(
        "--samples",
        type=_samples,
        metavar="N",
        help=_("with --training: the FLOPs of an epoch over N samples too (ImageNet: 1281167)"),
    )
    parser.add_argument(
        "--freeze",
        metavar="NAME",
        help=_(
            "freeze every layer up to and including NAME, as trainable: false does: their "
            "parameters count as non-trainable and --training computes no gradient of them"
        ),
    )
    parser.add_argument("-o", "--output", help=_("write the report to this file"))
    parser.add_argument(
        "-V",
        "--version",
        action="version",
        version=f"cnncalc {__version__}",
        help=_("show program's version number and exit"),  # argparse 3.11 leaves it English
    )
    return parser


def _rate(text: str) -> object:
    """``--peak-flops``/``--bandwidth``: a decimal number, read exactly (a Fraction)."""
    from cnncalc.roofline import parse_rate

    try:
        return parse_rate(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _roofline_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--roofline",
        action="store_true",
        help=_(
            "each layer's bytes moved and FLOPs per byte instead; with a device, the "
            "roofline's lower bound on its time (table or json)"
        ),
    )
    parser.add_argument(
        "--device", choices=DEVICE_NAMES, help=_("--roofline: a named device's peak and bandwidth")
    )
    parser.add_argument(
        "--peak-flops", type=_rate, metavar="X", help=_("--roofline: peak FLOP/s, e.g. 312e12")
    )
    parser.add_argument(
        "--bandwidth", type=_rate, metavar="Y", help=_("--roofline: memory bytes/s, e.g. 2.039e12")
    )


def _roofline(report: Report, args: argparse.Namespace, batch: int) -> str:
    """``--roofline``: the intensity report, with a bound if a device or rates are given."""
    from cnncalc.conventions import Convention
    from cnncalc.dtypes import DEFAULT_DTYPE, canonical
    from cnncalc.errors import CnncalcError
    from cnncalc.render.roofline_format import render_roofline
    from cnncalc.roofline import DEFAULT_CONVENTION, Roof

    dtype = canonical(args.dtype or DEFAULT_DTYPE)
    roof = None
    if args.device is not None:
        if args.peak_flops is not None or args.bandwidth is not None:
            raise CnncalcError(_("give --device, or --peak-flops and --bandwidth, not both"))
        from cnncalc.devices import DEVICES, peak

        device = DEVICES[args.device]
        roof = Roof(peak(device, dtype), device.bandwidth, device.title, device.source)
    elif args.peak_flops is not None or args.bandwidth is not None:
        if args.peak_flops is None or args.bandwidth is None:
            raise CnncalcError(_("--peak-flops and --bandwidth go together"))
        roof = Roof(args.peak_flops, args.bandwidth)
    convention = Convention(args.convention) if args.convention else DEFAULT_CONVENTION
    return render_roofline(
        report, args.format, batch=batch, dtype=dtype, convention=convention, roof=roof
    )


def _explain_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cnncalc explain",
        description=_(
            "Derive every count of one layer the way the documents write it: "
            "the general formula, the values put in, the result."
        ),
    )
    parser.add_argument("spec", help=_("the network spec"))
    parser.add_argument("layer", help=_("the layer's name"))
    parser.add_argument(
        "-f", "--format", choices=FORMAT_NAMES, default="table", help=_("output format (table)")
    )
    parser.add_argument("-c", "--convention", choices=CONVENTION_NAMES, help=_(CONVENTION_HELP))
    parser.add_argument("--subs", metavar="NAME=VALUE,...", help=_(SUBS_HELP))
    parser.add_argument("--symbolic", action="store_true", help=_(SYMBOLIC_HELP))
    parser.add_argument(
        "--receptive-field", action="store_true", help=_("derive its receptive field too")
    )
    parser.add_argument(
        "--training", action="store_true", help=_("derive its FLOPs in a training step too")
    )
    parser.add_argument(
        "--freeze", metavar="NAME", help=_("freeze every layer up to and including NAME")
    )
    parser.add_argument("-o", "--output", help=_("write the derivation to this file"))
    return parser


def _check_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cnncalc check",
        description=_(
            "Check every number in the specs' 'expect' blocks (flops under "
            "each spec's convention), every variant's, and their 'published' numbers at "
            "the precision they are printed with. Exit 1 if any differs."
        ),
    )
    parser.add_argument(
        "specs", nargs="*", metavar="SPEC",
        help=_("network specs to check: files, or built-in models by name"),
    )  # fmt: skip
    parser.add_argument(
        "--models", action="store_true",
        help=_("check every built-in model (cnncalc models lists them)"),
    )  # fmt: skip
    return parser


def _models_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cnncalc models",
        description=_(
            "List the built-in models by paper: 'cnncalc NAME' analyses one, and every "
            "command takes a name where it takes a spec file. --papers sets each paper's "
            "published numbers beside cnncalc's exact counts."
        ),
    )
    parser.add_argument(
        "--papers", action="store_true",
        help=_("each paper's numbers beside cnncalc's counts, with the notes"),
    )  # fmt: skip
    parser.add_argument(
        "-f", "--format", choices=("table", "markdown"), default="table",
        help=_("output format (table)"),
    )  # fmt: skip
    parser.add_argument("-o", "--output", help=_("write the list to this file"))
    return parser


def run_models(args: argparse.Namespace) -> int:
    if args.papers:
        from cnncalc.papers import paper_tables
        from cnncalc.render.papers_format import papers_document

        _write(papers_document(paper_tables(), args.format), args.output)
        return EXIT_OK
    from cnncalc.library import entries
    from cnncalc.render.papers_format import models_listing

    _write(models_listing(entries(), args.format), args.output)
    return EXIT_OK


def _conventions_parser() -> argparse.ArgumentParser:
    return _Parser(prog="cnncalc conventions", description=_("List the FLOP conventions."))


def _draw_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cnncalc draw",
        description=_(
            "Draw the network the way the LeNet-5 figure does: feature-map stacks "
            "to scale, each labelled with its layer's name and shape; graphs with their branches."
        ),
    )
    parser.add_argument("spec", help=_("the network spec"))
    parser.add_argument("-o", "--output", required=True, help=_("the SVG file to write"))
    parser.add_argument("--subs", metavar="NAME=VALUE,...", help=_(SUBS_HELP))
    parser.add_argument(
        "--symbolic",
        action="store_true",
        help=_("a symbolic spec's sizes drawn nominal, labelled with their formulas"),
    )
    parser.add_argument(
        "--depth", type=_depth, metavar="N", help=_("one stack per group of layers named a.b.c by "
        "their first N name parts (ResNet's layer1…layer4: --depth 1)"),
    )  # fmt: skip
    return parser


def run_draw(args: argparse.Namespace) -> int:
    report = _report(args.spec, None, args.subs, args.symbolic)
    if args.depth is not None:
        report = report.folded(args.depth)
    from cnncalc.render.draw_svg import draw

    _write(draw(report), args.output)
    return EXIT_OK


def _plot_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cnncalc plot",
        description=_(
            "Plot each layer's parameters and FLOPs as bars, to see where they "
            "concentrate. Needs matplotlib: pip install 'cnncalc[plot]'."
        ),
    )
    parser.add_argument("spec", help=_("the network spec"))
    parser.add_argument(
        "-o", "--output", required=True, help=_("the .svg, .png or .pdf file to write")
    )
    parser.add_argument("-c", "--convention", choices=CONVENTION_NAMES, help=_(CONVENTION_HELP))
    parser.add_argument("--subs", metavar="NAME=VALUE,...", help=_(SUBS_HELP))
    parser.add_argument(
        "--depth", type=_depth, metavar="N", help=_("one bar per group of layers named a.b.c by "
        "their first N name parts (ResNet's layer1…layer4: --depth 1)"),
    )  # fmt: skip
    return parser


def run_plot(args: argparse.Namespace) -> int:
    report = _report(args.spec, args.convention, args.subs)
    if args.depth is not None:
        report = report.folded(args.depth)
    from cnncalc.render.plot import plot

    try:
        plot(report, args.output)
    except OSError as error:
        raise _cannot_write(args.output, error) from None
    return EXIT_OK


def _import_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cnncalc import",
        description=_(
            "Write a cnncalc spec for a PyTorch module (traced with torch.fx; needs "
            "torch), a Keras model (its JSON config or .keras file; needs no TensorFlow) or an "
            "ONNX file (needs the onnx package). What cannot be translated is listed on stderr "
            "and in the file's header."
        ),
    )
    parser.add_argument(
        "framework", choices=("torch", "keras", "onnx"), help=_("the model's framework")
    )
    parser.add_argument(
        "model",
        help=_(
            "torch: MODULE:FACTORY (a function or class that builds the model, e.g. "
            "torchvision.models:resnet18 or my_net.py:Net); keras: model.json or model.keras; "
            "onnx: model.onnx"
        ),
    )
    parser.add_argument(
        "--input",
        metavar="C,H,W",
        action="append",
        help=_(
            "torch: the input shape without the batch axis (at most 100,000,000 values; "
            "CNNCALC_IMPORT_MAX_INPUT raises it); once per input of a forward of several, in "
            "order. The model's code runs for at most CNNCALC_IMPORT_TIMEOUT seconds (default "
            "300; 0: no limit). onnx: NAME=C,H,W, the sizes of the graph's input after its "
            "batch axis, where the file leaves them open or to change them"
        ),
    )
    parser.add_argument(
        "--kwargs",
        metavar="JSON",
        help=_(
            "torch: keyword arguments for the factory, as one JSON object, e.g. "
            """'{"weights": null, "weights_backbone": null}' (at most 65,536 bytes)"""
        ),
    )
    parser.add_argument(
        "--allow-uncounted",
        action="store_true",
        help=_(
            "write the spec even where parameters are in operations cnncalc cannot "
            "translate (they are listed on stderr and in the header, and the totals leave them "
            "out); without it, that is an error"
        ),
    )
    parser.add_argument("-o", "--output", help=_("write the spec to this file (default: stdout)"))
    return parser


def run_import(args: argparse.Namespace) -> int:
    from cnncalc import progress
    from cnncalc.errors import CnncalcError

    progress.enable()
    if args.framework == "torch":
        if not args.input:
            raise CnncalcError(_("cnncalc import torch needs --input, e.g. --input 3,224,224"))
        from cnncalc.importers.torch_fx import import_torch
        from cnncalc.importers.torch_fx.factory_arguments import parse_kwargs
        from cnncalc.importers.torch_fx.input_shape import parse_input_shape

        shape, *others = (parse_input_shape(text) for text in args.input)
        kwargs = parse_kwargs(args.kwargs) if args.kwargs is not None else None
        imported = import_torch(args.model, shape, kwargs, tuple(others))
    elif args.framework == "onnx":
        if args.kwargs is not None:
            raise CnncalcError(_("an ONNX model is read from its file, not built: drop --kwargs"))
        if args.input and len(args.input) > 1:
            raise CnncalcError(_("cnncalc import onnx takes one --input NAME=C,H,W"))
        from cnncalc.importers.onnx import import_onnx
        from cnncalc.importers.onnx.inputs import parse_input

        imported = import_onnx(args.model, parse_input(args.input[0]) if args.input else None)
    else:
        if args.input:
            raise CnncalcError(_("a Keras model states its own input shape: drop --input"))
        if args.kwargs is not None:
            raise CnncalcError(_("a Keras model is read from its file, not built: drop --kwargs"))
        from cnncalc.importers.keras_config import import_keras

        imported = import_keras(args.model)
    from cnncalc.importers.skipped import leaving_out_parameters
    from cnncalc.safe_text import one_line

    if imported.uncounted_parameters and not args.allow_uncounted:
        record = leaving_out_parameters(imported.skipped)
        first = record.line() if record is not None else ""
        raise CnncalcError(
            _(
                "{origin}: {count:,} of the model's parameters are in operations cnncalc "
                "cannot translate ({first}); --allow-uncounted writes the spec without them"
            ).format(origin=imported.origin, count=imported.uncounted_parameters, first=first)
        )
    # Written first: a run that ends in an error prints that one line and nothing else.
    _write(imported.to_yaml(), args.output)
    for record in imported.skipped:
        warning = _("skipped {what}").format(what=record.line())
        print(_("warning: {message}").format(message=one_line(warning)), file=sys.stderr)
    for line in imported.differences:
        warning = _("{difference}: the header says why").format(difference=line)
        print(_("warning: {message}").format(message=one_line(warning)), file=sys.stderr)
    return EXIT_OK


def _schema_parser() -> argparse.ArgumentParser:
    return _Parser(
        prog="cnncalc schema",
        description=_(
            "Print the JSON Schema of the spec format. Editors with the YAML "
            "language server complete and check specs that start with "
            "'# yaml-language-server: $schema=cnncalc.schema.json'."
        ),
    )


def run_schema(args: argparse.Namespace) -> int:
    import json

    from cnncalc.schema import spec_schema

    _write(json.dumps(spec_schema(), indent=2, ensure_ascii=False) + "\n", None)
    return EXIT_OK


def _report(spec: str, convention: str | None, subs: str | None, symbolic: bool = False) -> Report:
    """The report at the spec's ``values``, ``--subs`` over them; with ``--symbolic``, in
    formulas (only ``--subs`` put in)."""
    from cnncalc import progress
    from cnncalc.api import analyze_at_values

    progress.enable()
    overrides = None
    if subs:
        from cnncalc.substitution import parse_assignments

        overrides = parse_assignments(subs)
    return analyze_at_values(spec, convention, overrides, symbolic=symbolic)


_METRIC_OPTIONS = ("roofline", "training", "memory", "receptive_field")
"""The options that print a report of another metric instead of the counts."""


def _metric_report(report: Report, args: argparse.Namespace) -> str | None:
    """The text of ``--roofline``, ``--training``, ``--memory`` or ``--receptive-field``, or
    None for the count report; an option that only goes with some of them is refused
    without them."""
    from cnncalc.errors import CnncalcError

    chosen = [name for name in _METRIC_OPTIONS if getattr(args, name)]
    rates = args.device or args.peak_flops is not None or args.bandwidth is not None
    companions = (  # (given, the options it goes with, the message without them)
        (rates, {"roofline"}, N_("--device, --peak-flops and --bandwidth go with --roofline")),
        (args.samples is not None, {"training"}, N_("--samples goes with --training: the "
         "FLOPs of an epoch's steps")),
        (args.batch is not None, {"training", "memory", "roofline"}, N_("--batch goes with "
         "--training, --memory or --roofline")),
        (args.dtype is not None, {"memory", "roofline"}, N_("--dtype goes with --memory or "
         "--roofline")),
        (args.weight_dtype is not None, {"memory"}, N_("--weight-dtype goes with --memory")),
        (args.optimizer is not None, {"memory"}, N_("--optimizer goes with --memory")),
    )  # fmt: skip
    for given, options, message in companions:
        if given and not options & set(chosen):
            raise CnncalcError(_(message))
    if not chosen:
        return None
    if len(chosen) > 1:
        raise CnncalcError(
            _("--roofline, --training, --memory and --receptive-field go one at a time")
        )
    option = "--" + chosen[0].replace("_", "-")
    if args.depth is not None or args.formulas or args.format not in ("table", "json"):
        raise CnncalcError(
            _("{option} goes with --format table or json, without --depth or --formulas").format(
                option=option
            )
        )
    batch = args.batch or 1
    if args.roofline:
        return _roofline(report, args, batch)
    if args.training:
        from cnncalc.render.training_format import render_training

        return render_training(report, args.format, batch, args.samples)
    if args.memory:
        from cnncalc.dtypes import DEFAULT_DTYPE
        from cnncalc.render.memory_format import render_memory

        dtype = args.dtype or DEFAULT_DTYPE
        optimizer = args.optimizer or "adam"
        return render_memory(
            report, args.format, batch, dtype, args.weight_dtype, optimizer=optimizer
        )
    from cnncalc.render.receptive_field_format import render_receptive_fields

    return render_receptive_fields(report, args.format)


def run_analyze(args: argparse.Namespace) -> int:
    report = _report(args.spec, args.convention, args.subs, args.symbolic)
    if args.freeze is not None:
        report = _frozen(report, args.spec, args.freeze)
    metric = _metric_report(report, args)
    if metric is not None:
        _write(metric, args.output)
        return EXIT_OK
    if args.depth is not None:
        if args.formulas:
            from cnncalc.errors import CnncalcError

            raise CnncalcError(_("--depth does not go with --formulas"))
        report = report.folded(args.depth)
    if args.formulas:
        if args.format == "latex":
            from cnncalc.errors import CnncalcError

            raise CnncalcError(
                _(
                    "--formulas has no LaTeX form: 'cnncalc explain SPEC LAYER -f latex' "
                    "derives one layer's counts"
                )
            )
        from cnncalc.render.derivations import formulas

        text = formulas(report, args.format)
    elif args.format == "table" and args.output is None:
        from cnncalc.render.table_format import print_table

        print_table(report)
        return EXIT_OK
    else:
        from cnncalc.render import render

        text = render(report, args.format)
    _write(text, args.output)
    return EXIT_OK


def _compare_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cnncalc compare",
        description=_(
            "Compare variants of a network in one table: several specs, or one spec at "
            "several --subs (each spec at its 'values' otherwise). A row per layer, matched "
            "by name, and the totals; each count of a variant beside its difference from the "
            "first variant's (Δ) and its ratio to it (×, to 3 decimals)."
        ),
    )
    parser.add_argument("specs", nargs="+", metavar="SPEC", help=_("the network specs"))
    parser.add_argument(
        "--subs",
        action="append",
        metavar="NAME=VALUE,...",
        help=_(
            "one variant's values for the size symbols, over the spec's 'values'; once per "
            "variant (--subs n=32 --subs n=64), every spec at each"
        ),
    )
    parser.add_argument(
        "--metrics",
        metavar="NAME,...",
        help=_(
            "the counts compared: params, trainable_params, non_trainable_params, buffers, "
            "macs, flops, neurons, connections (default: params,macs,flops)"
        ),
    )
    parser.add_argument(
        "-c",
        "--convention",
        choices=CONVENTION_NAMES,
        help=_("FLOP convention of every variant's FLOPs (default: the first spec's)"),
    )
    parser.add_argument(
        "--depth",
        type=_depth,
        metavar="N",
        help=_("fold layers named a.b.c by their first N name parts (blocks: --depth 1)"),
    )
    parser.add_argument(
        "-f", "--format", choices=FORMAT_NAMES, default="table", help=_("report format (table)")
    )
    parser.add_argument("-o", "--output", help=_("write the report to this file"))
    return parser


def run_compare(args: argparse.Namespace) -> int:
    from cnncalc import progress
    from cnncalc.compare import DEFAULT_METRICS, Variant, compare, parse_metrics, variant_names
    from cnncalc.errors import CnncalcError

    # The arguments first: a typo fails before any spec is analysed.
    metrics = DEFAULT_METRICS if args.metrics is None else parse_metrics(args.metrics)
    subs: list[str] = args.subs or []
    overrides: list[dict[str, int | Fraction] | None] = [None]
    if subs:  # (substitution imports sympy: numeric specs alone never do)
        from cnncalc.substitution import parse_assignments

        overrides = [parse_assignments(text) for text in subs]
    if len(args.specs) * len(overrides) < 2:
        raise CnncalcError(
            _(
                "compare needs two variants or more: two specs, or one spec with --subs "
                "twice (--subs n=32 --subs n=64)"
            )
        )
    progress.enable()
    from cnncalc.api import analyze, at_values, load, split_params
    from cnncalc.conventions import Convention

    specs = [load(path) for path in args.specs]
    convention = Convention(args.convention) if args.convention else specs[0].convention
    names = iter(variant_names(args.specs, subs))
    variants = []
    for path, spec in zip(args.specs, specs, strict=True):
        report = analyze(spec, convention)  # once per spec, whatever its --subs
        for values in overrides:
            params, symbols = split_params(spec.params, values or {})
            if params:  # a depth: the network read again with it
                built = load(path, params)
                variant = at_values(built, analyze(built, convention), symbols)
            else:
                variant = at_values(spec, report, symbols)
            variants.append(Variant(next(names), path, variant))
    from cnncalc.render.compare_format import render_comparison

    _write(render_comparison(compare(variants, metrics, args.depth), args.format), args.output)
    return EXIT_OK


def _solve_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cnncalc solve",
        description=_(
            "Find the values of a size symbol for which a condition on a symbolic "
            "spec holds: in closed form where the formulas allow, else by trying every "
            "integer in --range. The spec's requirements (kernels fit) hold at every solution."
        ),
    )
    parser.add_argument("spec", help=_("a spec with size symbols"))
    parser.add_argument(
        "condition",
        help=_(
            "comparisons of LAYER.metric, LAYER.output_shape[i], total.metric, peak_memory, "
            "training_memory, training_flops and integers, joined with 'and'"
        ),
    )
    parser.add_argument(
        "--for", dest="unknown", required=True, metavar="SYMBOL[,SYMBOL...]",
        help=_("the size symbol whose values are sought, e.g. n; several (a,n): every point of "
               "their ranges where COND holds"),
    )  # fmt: skip
    parser.add_argument(
        "--subs", metavar="NAME=VALUE,...", help=_("values of the other symbols (default: the "
        "spec's 'values')"),
    )  # fmt: skip
    parser.add_argument(
        "--range", action="append", default=[], metavar="[NAME=]LO:HI",
        help=_("search range (1:4096); NAME=LO:HI for one of several unknowns, once each"),
    )  # fmt: skip
    parser.add_argument(
        "--dtype", type=_dtype, default="fp32", metavar="D", help=_("peak_memory, "
        "training_memory: the activations' number format, and the weights' unless "
        "--weight-dtype (fp32)"),
    )  # fmt: skip
    parser.add_argument(
        "--weight-dtype", type=_dtype, metavar="D",
        help=_("peak_memory, training_memory: the weights' number format (default: --dtype)"),
    )  # fmt: skip
    parser.add_argument(
        "--optimizer", choices=("sgd", "momentum", "adam", "adamw"), default="adam",
        help=_("training_memory: the optimizer whose state it counts (adam)"),
    )  # fmt: skip
    parser.add_argument(
        "-f", "--format", choices=("table", "json"), default="table",
        help=_("output format (table)"),
    )  # fmt: skip
    return parser


def run_solve(args: argparse.Namespace) -> int:
    from cnncalc import progress
    from cnncalc.api import analyze, load

    progress.enable()
    from cnncalc.errors import CnncalcError
    from cnncalc.grid import parse_ranges
    from cnncalc.solve import solve, solve_region
    from cnncalc.substitution import parse_assignments

    unknowns = [name.strip() for name in args.unknown.split(",")]
    if len(args.condition) > MAX_CONDITION_LENGTH:
        raise CnncalcError(
            _("a condition is limited to {limit:,} characters").format(limit=MAX_CONDITION_LENGTH)
        )
    spec = load(args.spec)
    multipliers = spec.multipliers
    ranges = parse_ranges(args.range, unknowns, multipliers)
    values = dict(spec.values)
    values.update(parse_assignments(args.subs or ""))
    if len(unknowns) > 1:
        fraction = next((name for name in unknowns if name in multipliers), None)
        if fraction is not None:
            raise CnncalcError(
                _(
                    "{symbol} is a multiplier: solve for it alone (--for {symbol}, with the "
                    "others in --subs), or sweep its values (cnncalc sweep SPEC --grid "
                    '"{symbol}=1/4,1/2,3/4,1; …" --where COND)'
                ).format(symbol=fraction)
            )
        sizes = {name: (int(span[0]), int(span[1])) for name, span in ranges.items()}
        region = solve_region(analyze(spec), args.condition, unknowns, values, sizes)
        from cnncalc.render.region_format import region_text

        _write(region_text(region, args.condition, args.format), None)
        return EXIT_OK if region.count else EXIT_CHECK_FAILED
    from cnncalc.sizing import Sizing

    sizing = Sizing(args.dtype, args.weight_dtype, args.optimizer)
    (unknown,) = unknowns
    search = ranges.get(unknown)
    solution = solve(analyze(spec), args.condition, unknown, values, search, sizing=sizing)
    from cnncalc.render.derivations import solution_text

    _write(solution_text(solution, args.condition, args.format), None)
    return EXIT_OK if solution.found else EXIT_CHECK_FAILED


def _sweep_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cnncalc sweep",
        description=_(
            "The totals of a symbolic spec at every point of a grid of its sizes, each as "
            "--subs would give it, the formulas compiled once so that a point costs "
            "microseconds. Points where the network does not exist are left out and counted."
        ),
    )
    parser.add_argument("spec", help=_("a spec with size symbols"))
    parser.add_argument(
        "--grid", action="append", required=True, metavar="NAME=VALUES[; ...]",
        help=_("the grid: NAME=v1,v2,... or NAME=lo:hi[:step] (hi included), ';' between "
               "names, e.g. \"k=3,5,7; n=128:224:32\"; exact numbers (3, 300e6, 0.75, 3/4); "
               "at most 1,000,000 points; a name may also be one of the spec's params (a "
               "depth: blocks3=6,23,36)"),
    )  # fmt: skip
    parser.add_argument(
        "--where", metavar="COND",
        help=_("keep the points where COND holds: comparisons of LAYER.metric, "
               "LAYER.output_shape[i], total.metric and numbers, joined with 'and', as solve "
               "reads them (e.g. \"total.macs <= 300e6\")"),
    )  # fmt: skip
    parser.add_argument(
        "--metrics", default="params,macs,flops", metavar="M,M,...",
        help=_("the totals to show (params,macs,flops), among trainable_params, "
               "non_trainable_params, params, buffers, macs, flops, neurons, connections"),
    )  # fmt: skip
    parser.add_argument("-c", "--convention", choices=CONVENTION_NAMES, help=_(CONVENTION_HELP))
    parser.add_argument(
        "--subs", metavar="NAME=VALUE,...", help=_("values of the symbols the grid does not "
        "name (default: the spec's 'values')"),
    )  # fmt: skip
    parser.add_argument(
        "-f", "--format", choices=("table", "csv", "json", "markdown"), default="table",
        help=_("output format (table)"),
    )  # fmt: skip
    parser.add_argument("-o", "--output", help=_("write to this file (default: stdout)"))
    parser.add_argument(
        "--plot", metavar="FILE", help=_("also draw one total against another at every point, "
        "the Pareto front marked (.svg, .png or .pdf; needs matplotlib)"),
    )  # fmt: skip
    parser.add_argument(
        "--plot-axes", default="params,macs", metavar="X,Y",
        help=_("the plot's metrics, across and up (params,macs)"),
    )  # fmt: skip
    return parser


def run_sweep(args: argparse.Namespace) -> int:
    from cnncalc import progress
    from cnncalc.api import analyze, load
    from cnncalc.errors import CnncalcError
    from cnncalc.grid import parse_grid
    from cnncalc.substitution import parse_assignments
    from cnncalc.sweep import sweep_params

    progress.enable()
    if args.where is not None and len(args.where) > MAX_CONDITION_LENGTH:
        raise CnncalcError(
            _("a condition is limited to {limit:,} characters").format(limit=MAX_CONDITION_LENGTH)
        )
    axes = parse_grid(";".join(args.grid))
    metrics = [name.strip() for name in args.metrics.split(",")]
    plotted = [name.strip() for name in args.plot_axes.split(",")]
    if args.plot is not None:
        if len(plotted) != 2:
            raise CnncalcError(
                _("--plot-axes takes two metrics, X,Y, got {got}").format(got=args.plot_axes)
            )
        metrics += [name for name in plotted if name not in metrics]
    spec = load(args.spec)
    values = dict(spec.values)
    values.update(parse_assignments(args.subs or ""))

    def build(params: Mapping[str, int]) -> Report:
        # A depth or other param of the spec: the network read again with its values.
        return analyze(load(args.spec, params) if params else spec, args.convention)

    result = sweep_params(
        build, axes, spec.params, metrics=metrics, where=args.where, values=values
    )
    from cnncalc.render.sweep_format import render_sweep

    _write(render_sweep(result, args.format), args.output)
    if args.plot is not None:
        from cnncalc.render.sweep_plot import plot_sweep

        try:
            plot_sweep(result, args.plot, plotted[0], plotted[1])
        except OSError as error:
            raise _cannot_write(args.plot, error) from None
    return EXIT_OK


def run_explain(args: argparse.Namespace) -> int:
    report = _report(args.spec, args.convention, args.subs, args.symbolic)
    names = [layer.name for layer in report.layers]
    if args.layer not in names:
        from cnncalc.errors import CnncalcError

        listed = _layer_list(args.layer, names)
        raise CnncalcError(
            _("{spec}: no layer named '{layer}'{listed}").format(
                spec=args.spec, layer=args.layer, listed=listed
            )
        )
    if args.freeze is not None:
        report = _frozen(report, args.spec, args.freeze)
    from cnncalc.render.derivations import explain

    text = explain(
        report,
        args.layer,
        args.format,
        receptive_field=args.receptive_field,
        training=args.training,
    )
    _write(text, args.output)
    return EXIT_OK


def _quiz_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cnncalc quiz",
        description=_(
            "Write exercises on a network, as the textbooks ask them (a layer's output size, "
            "trainable parameters, FLOPs, connections; the input size for which a layer's "
            "output has its size), with the worked answers on a separate sheet. Every answer "
            "is the analysis' number, derived as 'explain' derives it."
        ),
    )
    parser.add_argument("spec", help=_("the network spec"))
    parser.add_argument(
        "--layers",
        metavar="NAME,...",
        help=_(
            "the layers to ask about (default: --questions of the convolution, pooling and "
            "fully connected layers, drawn by the seed)"
        ),
    )
    parser.add_argument(
        "--ask",
        metavar="WHAT,...",
        help=_(
            "what to ask: output_size, params, flops, macs, neurons, connections, input_size "
            "(the inverse question); default: output_size, params, flops, connections, "
            "input_size"
        ),
    )
    parser.add_argument(
        "--questions",
        type=_depth,
        metavar="N",
        help=_("how many layers to ask about when --layers names none (5)"),
    )
    parser.add_argument(
        "--seed",
        type=_seed,
        metavar="N",
        help=_(
            "draws the layers (and --vary's sizes): the same seed gives the same quiz "
            "(default: a new one, printed on the sheets)"
        ),
    )
    parser.add_argument(
        "--subs",
        metavar="NAME=VALUE,...",
        help=_("a symbolic spec's sizes, over its 'values' (the quiz asks about numbers)"),
    )
    parser.add_argument(
        "--vary",
        action="store_true",
        help=_(
            "new sizes (input, kernels, filters, units) within a range of the spec's, each "
            "kept only if the rules accept the network"
        ),
    )
    parser.add_argument(
        "-c",
        "--convention",
        choices=CONVENTION_NAMES,
        help=_("FLOP convention of the FLOPs questions (default: the spec's)"),
    )
    parser.add_argument(
        "-f",
        "--format",
        choices=("text", "markdown", "html", "latex", "json"),
        default="text",
        help=_("sheet format (text); json: the questions, given data and answers as data"),
    )
    parser.add_argument(
        "-o",
        "--output",
        help=_(
            "write the exercises (and the answers, after a page break, unless --answers) to "
            "this file"
        ),
    )
    parser.add_argument("--answers", metavar="FILE", help=_("write the answer sheet to FILE"))
    return parser


MAX_SEED = 2**63 - 1


def _seed(text: str) -> int:
    """``--seed``: a whole number from 0 to 2**63 − 1."""
    digits = text.strip()
    if not (
        digits.isascii() and digits.isdigit() and len(digits) <= 19 and int(digits) <= MAX_SEED
    ):
        shown = digits if len(digits) <= 40 else digits[:39] + "…"
        raise argparse.ArgumentTypeError(
            _("takes a whole number from 0 to 2**63 − 1, got '{value}'").format(value=shown)
        )
    return int(digits)


def run_quiz(args: argparse.Namespace) -> int:
    import secrets

    from cnncalc.api import load
    from cnncalc.conventions import Convention
    from cnncalc.quiz import build_quiz, parse_list
    from cnncalc.render.quiz_format import render_quiz
    from cnncalc.render.quiz_json import render_quiz_json

    seed = args.seed if args.seed is not None else secrets.randbelow(1_000_000)
    values = None
    if args.subs:
        from cnncalc.substitution import parse_assignments

        values = parse_assignments(args.subs)
    quiz = build_quiz(
        load(args.spec),
        layers=parse_list(args.layers),
        asks=parse_list(args.ask),
        seed=seed,
        vary=args.vary,
        questions=args.questions,
        convention=Convention(args.convention) if args.convention else None,
        values=values,
    )

    def rendered(sheets: str = "both") -> str:
        if args.format == "json":
            return render_quiz_json(quiz, sheets)
        return render_quiz(quiz, args.format, sheets)

    if args.answers is None:
        _write(rendered(), args.output)
        return EXIT_OK
    exercises, answers = (rendered(sheet) for sheet in ("exercises", "answers"))
    _write(exercises, args.output)
    _write(answers, args.answers)
    return EXIT_OK


def _frozen(report: Report, spec: str, until: str) -> Report:
    """``--freeze NAME``: the layers up to and including NAME frozen; an unknown NAME is bad
    input, named as ``explain`` names an unknown layer."""
    names = [layer.name for layer in report.layers]
    if until not in names:
        from cnncalc.errors import CnncalcError

        raise CnncalcError(
            _("{spec}: --freeze: no layer named '{layer}'{listed}").format(
                spec=spec, layer=until, listed=_layer_list(until, names)
            )
        )
    return report.frozen(until)


EXPLAIN_NAMES_SHOWN = 5
"""Layer names an unknown ``explain`` layer lists at most: a 50,000-layer spec gets five."""


def _layer_list(wanted: str, names: list[str]) -> str:
    """`` (did you mean 'S4'?); layers: C1, S2, C3, S4, C5, … and 3 more``, bounded."""
    from cnncalc.safe_text import show_name
    from cnncalc.spec.fields import suggest

    shown = ", ".join(show_name(name) for name in names[:EXPLAIN_NAMES_SHOWN])
    more = len(names) - EXPLAIN_NAMES_SHOWN
    if more > 0:
        shown += _(", … and {count:,} more").format(count=more)
    return _("{suggestion}; layers: {names}").format(suggestion=suggest(wanted, names), names=shown)


def _write(text: str, output: str | None) -> None:
    """``text`` to stdout, or to the file ``output``; a file that cannot be written is bad input.

    (A missing directory, a directory, a full disk, no permission: one line, exit 2.)
    """
    if output is None:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as file:
            file.write(text)
    except OSError as error:
        raise _cannot_write(output, error) from None


def _cannot_write(output: str, error: OSError) -> Exception:
    from cnncalc.errors import CnncalcError, show_value

    return CnncalcError(
        _("cannot write {file}: {reason}").format(
            file=show_value(output, 200), reason=error.strerror or error
        )
    )


def run_check(args: argparse.Namespace) -> int:
    from cnncalc.api import load
    from cnncalc.errors import CnncalcError, SpecError
    from cnncalc.safe_text import visible

    if not args.specs and not args.models:
        raise CnncalcError(_("name the specs to check, or give --models"))
    targets = list(args.specs)
    if args.models:
        from cnncalc.library import INDEX

        targets += list(INDEX)
    status = EXIT_OK
    for path in targets:
        try:
            spec = load(path)
            shown = visible(path)  # a file name is the user's text too
            status = max(status, _check_one(spec, shown))
            from cnncalc.library import is_path

            if spec.variants and is_path(path):
                from cnncalc.spec import read_spec

                for variant in spec.variants:
                    named = f"{shown} [{variant}]"
                    status = max(status, _check_one(read_spec(path, variant), named))
        except SpecError as error:
            # str(): one line, names shown safely
            print(_("error: {message}").format(message=error), file=sys.stderr)
            status = max(status, EXIT_BAD_INPUT)
    return status


def _check_one(spec: Any, shown: str) -> int:
    """Check one spec's ``expect`` and ``published`` numbers, print what was found, and
    return the exit status it calls for."""
    from cnncalc.api import analyze
    from cnncalc.expect import check
    from cnncalc.safe_text import show_name, visible

    report = analyze(spec)
    checked, mismatches = check(spec, report)
    status = EXIT_OK
    if not spec.expect and not spec.published:
        print(_("{file}: no 'expect' block: nothing to check").format(file=shown))
    elif mismatches:
        status = EXIT_CHECK_FAILED
        differ = _("{file}: {count} of {checked} expected numbers differ")
        print(differ.format(file=shown, count=len(mismatches), checked=checked))
        for m in mismatches:
            expected, got = visible(_show(m.expected)), visible(_show(m.got))
            line = _("  {target} {metric}: expected {expected}, got {got}")
            print(line.format(target=show_name(m.target), metric=m.metric,
                              expected=expected, got=got))  # fmt: skip
    elif spec.expect:
        print(_("{file}: all {checked} expected numbers match").format(
            file=shown, checked=checked))  # fmt: skip
    if spec.published:
        status = max(status, _check_published(spec, report, shown))
    return status


def _check_published(spec: Any, report: Report, shown: str) -> int:
    from cnncalc.expect import check_published
    from cnncalc.papers import target_name
    from cnncalc.safe_text import show_name, visible

    results = check_published(spec, report)
    wrong = [result for result in results if not result.as_explained]
    agreeing = sum(result.agrees for result in results)
    if not wrong:
        if agreeing == len(results):
            line = _("{file}: all {count} published numbers agree at their printed precision")
        else:
            line = _(
                "{file}: {agreeing} of {count} published numbers agree at their printed "
                "precision; the other {others} differ as the spec explains"
            )
        print(line.format(file=shown, count=len(results), agreeing=agreeing,
                          others=len(results) - agreeing))  # fmt: skip
        return EXIT_OK
    print(_("{file}: {wrong} of {count} published numbers are not as the spec says").format(
        file=shown, wrong=len(wrong), count=len(results)))  # fmt: skip
    for result in wrong:
        entry = result.entry
        value = entry.value if not isinstance(entry.value, int) else f"{entry.value:,}"
        what = (
            _("  {target} {metric}: published {value} ({source}); cnncalc counts {count}")
            if not result.agrees
            else _(
                "  {target} {metric}: published {value} ({source}) agrees with cnncalc's "
                "{count}, but the spec says it differs"
            )
        )
        print(what.format(
            target=show_name(target_name(entry.layers)), metric=entry.metric,
            value=visible(str(value)), source=visible(entry.source),
            count=visible(_show(result.count)),
        ))  # fmt: skip
    return EXIT_CHECK_FAILED


def _show(value: object) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def run_conventions(args: argparse.Namespace) -> int:
    from cnncalc.conventions import CONVENTIONS, DEFAULT_CONVENTION

    for convention, info in CONVENTIONS.items():
        default = _(" (default)") if convention is DEFAULT_CONVENTION else ""
        source = _("source: {source}").format(source=_(info.source))
        print(f"{convention}{default}\n  {_(info.definition)}\n  {source}")
    return EXIT_OK


def _types_parser() -> argparse.ArgumentParser:
    return _Parser(prog="cnncalc types", description=_("List the layer types."))


TYPES_WIDTH = 88
"""Columns of ``cnncalc types``'s lines."""


def run_types(args: argparse.Namespace) -> int:
    import textwrap

    from cnncalc.spec.layers import ALIASES, LAYER_MODELS, LAYER_TYPES, summary

    for model in LAYER_MODELS:
        names = [name for name, m in LAYER_TYPES.items() if m is model and name not in ALIASES]
        aliases = [name for name, m in LAYER_TYPES.items() if m is model and name in ALIASES]
        also = _(" (also: {names})").format(names=", ".join(aliases)) if aliases else ""
        described = summary(model)  # in the catalog: tools/messages.py adds every summary
        if current() == "en":  # textwrap's lines, as they have always been
            text = textwrap.fill(described, TYPES_WIDTH, initial_indent="  ",
                                 subsequent_indent="  ")  # fmt: skip
        else:
            text = "\n".join("  " + line for line in _fill(_(described), TYPES_WIDTH - 2))
        print(f"{', '.join(names)}{also}\n{text}")
    return EXIT_OK


def _completion_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cnncalc completion",
        description=_(
            "Print a shell completion script for cnncalc's commands, options and "
            "spec files. bash: cnncalc completion bash > "
            "~/.local/share/bash-completion/completions/cnncalc; zsh: cnncalc completion zsh > "
            "~/.zfunc/_cnncalc (with ~/.zfunc in fpath)."
        ),
    )
    parser.add_argument("shell", choices=("bash", "zsh", "tcsh"), help=_("the shell"))
    return parser


def run_completion(args: argparse.Namespace) -> int:
    from cnncalc.completion import completion_script

    _write(completion_script(args.shell), None)
    return EXIT_OK


COMMANDS: dict[str, Command] = {
    "check": (_check_parser, run_check),
    "compare": (_compare_parser, run_compare),
    "completion": (_completion_parser, run_completion),
    "conventions": (_conventions_parser, run_conventions),
    "draw": (_draw_parser, run_draw),
    "explain": (_explain_parser, run_explain),
    "import": (_import_parser, run_import),
    "models": (_models_parser, run_models),
    "plot": (_plot_parser, run_plot),
    "quiz": (_quiz_parser, run_quiz),
    "schema": (_schema_parser, run_schema),
    "solve": (_solve_parser, run_solve),
    "sweep": (_sweep_parser, run_sweep),
    "types": (_types_parser, run_types),
}
"""Each command's argument parser and what runs it; anything else is a spec to analyse."""
ANALYZE: Command = (_analyze_parser, run_analyze)


ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("ignored explicit argument %r"),
)
"""argparse's own words that a user of cnncalc can see, for the catalog."""


def _language(words: list[str]) -> str:
    """The language to speak: ``--lang`` anywhere on the line, else the environment's.

    Read before argparse runs, so that ``--help`` and usage errors are translated
    too; an unknown ``--lang`` value is left for argparse to refuse.
    """
    from cnncalc.i18n import language_from_environment, language_of

    for index, word in enumerate(words):
        if word == "--":
            break
        value = None
        if word == "--lang" and index + 1 < len(words):
            value = words[index + 1]
        elif word.startswith("--lang="):
            value = word.removeprefix("--lang=")
        if value is not None and value in LANGUAGES:
            return value
        if value is not None:
            return language_of(value) or language_from_environment()
    return language_from_environment()


def _command_position(words: list[str]) -> int:
    """Where the command word may be: first, or after a leading ``--lang`` (``cnncalc
    --lang zh explain …`` reads as ``cnncalc explain --lang zh …``)."""
    position = 0
    while position < len(words):
        if words[position] == "--lang":
            position += 2
        elif words[position].startswith("--lang="):
            position += 1
        else:
            break
    return position


def _speak(language: str) -> None:
    """Speak ``language``, argparse's own messages included."""
    from cnncalc import i18n

    i18n.activate(language)
    # argparse translates its words ("usage:", "options", "invalid choice") through the
    # standard gettext domain, whose language comes from the environment, not --lang:
    # point its two translation functions at cnncalc's catalog instead.
    setattr(argparse, "_", i18n.gettext)  # noqa: B010 - argparse's module global
    setattr(argparse, "ngettext", i18n.ngettext)  # noqa: B010


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    spoken = current()  # the caller's language returns with the thresholds (main in a test)
    _speak(_language(words))
    first = _command_position(words)
    if first < len(words) and words[first] in COMMANDS:
        (parser, run), words = COMMANDS[words[first]], words[:first] + words[first + 1 :]
    else:
        parser, run = ANALYZE
    # A large spec allocates millions of small objects that live until the run ends;
    # at Python's default thresholds the cycle collector scans them again and again
    # (a 330,000-layer spec spent 9 of the 12 s its YAML took to load in it). Cycles
    # are still collected, a hundred times less often; the caller's thresholds return.
    thresholds = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        if os.environ.get("CNNCALC_TEST_INTERNAL_ERROR"):
            # A test hook: the one way to reach the internal-error path on purpose.
            raise RuntimeError("CNNCALC_TEST_INTERNAL_ERROR is set")
        status = run(parser().parse_args(words))
        sys.stdout.flush()  # a full disk or a closed pipe shows here, inside the guard
        return status
    except SystemExit as exit_:  # argparse: --help, --version, usage errors
        code = exit_.code
        return code if isinstance(code, int) else EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(_("cnncalc: interrupted"), file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (cnncalc spec | head -1): stop quietly.
        _drop_stdout()
        return EXIT_OK
    except OSError as error:
        if error.filename is not None:  # a file cnncalc was asked to read, not stdout
            from cnncalc.safe_text import one_line

            message = one_line(f"{error.filename}: {error.strerror or error}")
            print(_("error: {message}").format(message=message), file=sys.stderr)
            return EXIT_BAD_INPUT
        # Standard output cannot be written (cnncalc spec > /dev/full).
        _drop_stdout()
        reason = error.strerror or error
        print(_("error: cannot write the output: {reason}").format(reason=reason), file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as error:
        from cnncalc.errors import CnncalcError
        from cnncalc.safe_text import one_line

        if isinstance(error, CnncalcError):
            print(_("error: {message}").format(message=one_line(str(error))), file=sys.stderr)
            return EXIT_BAD_INPUT
        if os.environ.get("CNNCALC_DEBUG"):
            raise
        # A bug in cnncalc, not in the spec: one line, and the way to the traceback.
        print(
            _(
                "cnncalc: internal error ({error}); please report it with the spec. "
                "Set CNNCALC_DEBUG=1 to see the traceback."
            ).format(error=one_line(f"{type(error).__name__}: {error}")),
            file=sys.stderr,
        )
        return EXIT_INTERNAL_ERROR
    finally:
        gc.set_threshold(*thresholds)
        _speak(spoken)


def _drop_stdout() -> None:
    """Point stdout at the null device, so that the interpreter's last flush cannot fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
