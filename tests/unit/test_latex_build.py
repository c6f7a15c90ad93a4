import shutil

import pytest

from genrelearn.report.latex import LatexError, build_pdf

pytestmark = pytest.mark.skipif(shutil.which("latexmk") is None, reason="needs TeX (make tex)")

DOC = r"""\documentclass{article}
\usepackage{natbib}
\input{generated/macros}
\begin{document}
Value \Answer{} in Section~\ref{%s}, after \citet{%s}.
\section{Here}\label{here}
\bibliographystyle{plainnat}
\bibliography{refs}
\end{document}
"""
BIB = "@article{known, author={A. Author}, title={T}, journal={J}, year={2000}}\n"


def setup(tmp_path, ref, cite):
    (tmp_path / "paper.tex").write_text(DOC % (ref, cite))
    (tmp_path / "refs.bib").write_text(BIB)
    (tmp_path / "macros.tex").write_text("\\newcommand{\\Answer}{42}\n")
    return tmp_path / "paper.tex", [tmp_path / "refs.bib"], [tmp_path / "macros.tex"]


def test_clean_document_builds(tmp_path):
    tex, sources, generated = setup(tmp_path, "here", "known")
    build_pdf(tex, sources, generated, tmp_path / "out" / "paper.pdf")
    assert (tmp_path / "out" / "paper.pdf").read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize(
    ("ref", "cite", "problem"), [("nowhere", "known", "Reference"), ("here", "unknown", "Citation")]
)
def test_undefined_reference_or_citation_fails_and_writes_nothing(tmp_path, ref, cite, problem):
    tex, sources, generated = setup(tmp_path, ref, cite)
    with pytest.raises(LatexError, match=problem):
        build_pdf(tex, sources, generated, tmp_path / "out" / "paper.pdf")
    assert not (tmp_path / "out" / "paper.pdf").exists()


def test_missing_macro_file_fails_with_the_tex_error(tmp_path):
    tex, sources, _ = setup(tmp_path, "here", "known")
    with pytest.raises(LatexError, match="latexmk failed"):
        build_pdf(tex, sources, [], tmp_path / "paper.pdf")
