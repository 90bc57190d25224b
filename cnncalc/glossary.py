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
    """Where the words come from, or why this one was picked (in Chinese: the glossary's
    readers read it in ``README.zh-CN.md``)."""


TERMS: tuple[Term, ...] = (
    Term("layer", "层"),
    Term("type", "类型"),
    Term("total", "合计", ("总计",)),
    Term("input feature map size", "输入特征图大小", note="五篇文档都用此词"),
    Term("output shape", "输出特征图大小", ("输出尺寸", "输出形状"), "五篇文档都用此词"),
    Term("feature map", "特征图"),
    Term("channel", "通道"),
    Term("kernel size", "卷积核大小", ("卷积核尺寸",), "《LeNet卷积神经网络详解》写作卷积核尺寸"),
    Term("stride", "步长", ("步幅",), "《第五章 深度学习用于计算机视觉(一)》写作步幅"),
    Term("padding", "填充"),
    Term("weight", "权重"),
    Term("bias", "偏置"),
    Term(
        "trainable parameters",
        "可训练参数量",
        ("可训练参数", "参数个数"),
        "《卷积神经网络CNN与LeNet5详解》所用；《卷积层改变维度,梯度卷积核》写作参数个数",
    ),
    Term("non-trainable parameters", "不可训练参数量"),
    Term("parameters", "参数量", note="《经典网络(四)AlexNet全解析》所用；含不可训练的部分"),
    Term("buffers", "缓冲区"),
    Term(
        "FLOPs",
        "计算量",
        ("浮点运算次数",),
        "《卷积神经网络CNN与LeNet5详解》所用（其中 计算量 = 连接数）；表注写明口径",
    ),
    Term("MACs", "乘加次数", ("乘累加次数",), "乘法-累加 (MACs)；flops 口径下计算量 = 2·乘加次数"),
    Term("neurons", "神经元数量", ("神经元个数",), "《卷积层改变维度,梯度卷积核》写作神经元个数"),
    Term("connections", "连接数"),
    Term("convolution", "卷积"),
    Term("convolutional layer", "卷积层"),
    Term("pooling", "池化", ("下采样", "子采样"), "文档中 LeNet-5 的 S2、S4 称为下采样层"),
    Term("flatten", "展平", ("光栅化", "扁平化"), "《卷积神经网络CNN与LeNet5详解》写作光栅化"),
    Term("fully connected layer", "全连接层", ("稠密层",)),
    Term("receptive field", "感受野"),
    Term("convention", "口径", ("约定",), "一个计数把哪些运算算在内"),
    Term("memory", "内存", ("显存",), "GPU 的内存即显存"),
    Term("spec", "网络描述", ("规格",), note="描述网络的 YAML（或 JSON）文件，命令行中的 SPEC"),
)
"""Every term, in the order ``README.zh-CN.md`` lists them."""


def chinese(english: str) -> str:
    """The Chinese word for an English term of :data:`TERMS`."""
    for term in TERMS:
        if term.english == english:
            return term.chinese
    raise KeyError(english)
