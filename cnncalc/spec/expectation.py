"""What a source gives for a layer or for the totals: the numbers ``cnncalc check`` verifies."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from cnncalc.spec.fields import Expected, InputShape


class Expectation(BaseModel):
    """Numbers a source gives for one layer or for the totals; checked by ``cnncalc check``.

    ``flops`` is checked under the spec's ``convention``. In a symbolic spec a
    number is checked with the spec's ``values`` substituted, a formula as it is.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    output_shape: InputShape | None = Field(
        default=None, description="The output shape, channels first: [maps, height, width]."
    )
    trainable_params: Expected | None = Field(
        default=None, description="Trainable parameters (weights and biases)."
    )
    non_trainable_params: Expected | None = Field(
        default=None,
        description="Non-trainable parameters (Keras batch norm's moving statistics, "
        "LeNet-5's fixed RBF centres).",
    )
    params: Expected | None = Field(
        default=None, description="All parameters, trainable and not (Keras's 'Param #')."
    )
    buffers: Expected | None = Field(
        default=None,
        description="PyTorch's buffers (batch norm's running statistics), with framework: pytorch.",
    )
    macs: Expected | None = Field(default=None, description="Multiply-accumulates.")
    flops: Expected | None = Field(default=None, description="FLOPs under the spec's convention.")
    neurons: Expected | None = Field(
        default=None, description="Output activations (units or map pixels)."
    )
    connections: Expected | None = Field(
        default=None,
        description="Connections as the LeNet-5 paper counts them: for each output value, "
        "its inputs plus its bias.",
    )
