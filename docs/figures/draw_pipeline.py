"""Draw docs/figures/pipeline.png, the diagram of how SAE-TM is fitted (README, docs/index.md).

A diagram only: no measured figures in it. Rerun after changing a stage's name:

    python docs/figures/draw_pipeline.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

OUT = Path(__file__).with_name("pipeline.png")

#: (x, y, label, colour) of each box, in axes units (0-10 wide, 0-4 high).
BOXES = {
    "emb": (0.9, 3.0, "document\nembeddings", "#e8eef7"),
    "bow": (0.9, 1.0, "bag-of-words\n(vocabulary)", "#e8eef7"),
    "sae": (3.2, 3.0, "sparse autoencoder\natoms + mixtures θ", "#fde9c9"),
    "emi": (3.2, 1.0, "word emission B\n(IDF-weighted EM)", "#fde9c9"),
    "bg": (5.9, 3.0, "background topic -1\n(least selective atoms)", "#eeeeee"),
    "mrg": (5.9, 1.0, "merge: weighted\nk-means of atoms", "#dff0d8"),
    "top": (8.6, 2.0, "K topics\nwords, mixtures,\nmain topics", "#dff0d8"),
}
ARROWS = [("emb", "sae"), ("bow", "emi"), ("sae", "emi"), ("sae", "bg"), ("sae", "mrg"),
          ("emi", "mrg"), ("mrg", "top"), ("bg", "top")]
WIDTH, HEIGHT = 2.0, 1.1


def main() -> Path:
    fig, ax = plt.subplots(figsize=(9, 3.4), dpi=100)
    ax.set_xlim(-0.2, 9.8)
    ax.set_ylim(0.1, 3.8)
    ax.axis("off")
    patches = {}
    for name, (x, y, label, colour) in BOXES.items():
        patches[name] = ax.add_patch(FancyBboxPatch(
            (x - WIDTH / 2, y - HEIGHT / 2), WIDTH, HEIGHT, boxstyle="round,pad=0.05",
            facecolor=colour, edgecolor="#555555"))
        ax.text(x, y, label, ha="center", va="center", fontsize=9.5)
    for start, end in ARROWS:  # clipped at the boxes' edges
        (x0, y0), (x1, y1) = BOXES[start][:2], BOXES[end][:2]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops=dict(arrowstyle="-|>", color="#333333", lw=1.2,
                                    patchA=patches[start], patchB=patches[end],
                                    shrinkA=2, shrinkB=2))
    ax.text(7.25, 0.28, "re-merge into any K without retraining", ha="center",
            fontsize=8.5, style="italic", color="#2d6a2d")
    fig.tight_layout()
    fig.savefig(OUT)
    plt.close(fig)
    return OUT


if __name__ == "__main__":
    print(main())
