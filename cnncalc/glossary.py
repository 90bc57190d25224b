"""The Chinese terms of the interface, in one place: one word per idea, as the documents use it.

The course notes and blog posts cnncalc reproduces use more than one word for
some ideas (步长 and 步幅, 光栅化 and 展平). The interface picks one —
the word the documents use most, or the textbooks' — and lists the others as
aliases; a test keeps every translation in the catalog to the chosen word, and
``README.zh-CN.md`` prints this table. The documents are cited by title:
《卷积神经网络CNN与LeNet5详解》 (CSDN), 《LeNet卷积神经网络详解》 (slides),
《第五章 深度学习用于计算机视觉(一)》 (notes on Chollet), 《经典网络(四)AlexNet全解析》,
《卷积层改变维度,梯度卷积核》.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Term:
    """One idea: its English word in cnncalc, its Chinese word, and the other Chinese words."""

    english: str
    chinese: str
    aliases: tuple[str, ...] = ()
    note: str = ""
    """Where the words come from, or why this one was picked."""


TERMS: tuple[Term, ...] = (
    Term("layer", "层"),
    Term("type", "类型"),
    Term("total", "合计", ("总计",)),
    Term("input feature map size", "输入特征图大小", note="all five documents"),
    Term("output shape", "输出特征图大小", ("输出尺寸", "输出形状"), "all five documents"),
    Term("feature map", "特征图"),
    Term("channel", "通道"),
    Term("kernel size", "卷积核大小", ("卷积核尺寸",), "卷积核尺寸: 《LeNet卷积神经网络详解》"),
    Term("stride", "步长", ("步幅",), "步幅: 《第五章 深度学习用于计算机视觉(一)》"),
    Term("padding", "填充"),
    Term("weight", "权重"),
    Term("bias", "偏置"),
    Term(
        "trainable parameters",
        "可训练参数量",
        ("可训练参数", "参数个数"),
        "《卷积神经网络CNN与LeNet5详解》; 参数个数: 《卷积层改变维度,梯度卷积核》",
    ),
    Term("non-trainable parameters", "不可训练参数量"),
    Term("parameters", "参数量", note="《经典网络(四)AlexNet全解析》"),
    Term("buffers", "缓冲区"),
    Term(
        "FLOPs",
        "计算量",
        ("浮点运算次数",),
        "《卷积神经网络CNN与LeNet5详解》 (where 计算量 = 连接数); the caption names the convention",
    ),
    Term("MACs", "乘加次数", ("乘累加次数",), "multiply-accumulates; FLOPs are 2·MACs"),
    Term("neurons", "神经元数量", ("神经元个数",), "神经元个数: 《卷积层改变维度,梯度卷积核》"),
    Term("connections", "连接数"),
    Term("convolution", "卷积"),
    Term("convolutional layer", "卷积层"),
    Term("pooling", "池化", ("下采样", "子采样"), "LeNet-5's S2/S4 are 下采样 in the documents"),
    Term("flatten", "展平", ("光栅化", "扁平化"), "光栅化: 《卷积神经网络CNN与LeNet5详解》"),
    Term("fully connected layer", "全连接层", ("稠密层",)),
    Term("receptive field", "感受野"),
    Term("convention", "口径", ("约定",), "which operations a count counts"),
    Term("memory", "内存", ("显存",), "显存 when it is a GPU's"),
    Term("spec", "网络描述", note="the YAML (or JSON) file describing a network: SPEC"),
)
"""Every term, in the order ``README.zh-CN.md`` lists them."""


def chinese(english: str) -> str:
    """The Chinese word for an English term of :data:`TERMS`."""
    for term in TERMS:
        if term.english == english:
            return term.chinese
    raise KeyError(english)
