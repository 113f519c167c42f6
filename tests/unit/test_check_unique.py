from pathlib import Path

import pytest

from sitegen.errors import OutputError
from sitegen.outputs import Output, check_unique


def test_two_outputs_claiming_one_file_fail_naming_both():
    outputs = [Output("tags/ml/index.html", "tag", (0, 1)), Output("tags/ML/index.html", "tag", (1, 1))]
    with pytest.raises(OutputError) as caught:
        check_unique(outputs, [("static/style.css", Path("style.css"))])
    [problem] = caught.value.problems
    assert "two outputs claim the same file: tag (0, 1) and tag (1, 1)" in str(problem)


def test_a_page_and_a_static_file_may_not_share_a_path():
    with pytest.raises(OutputError, match="paper \\('x',\\) and static"):
        check_unique([Output("static/x.css", "paper", ("x",))], [("static/x.css", Path("x.css"))])
    check_unique([Output("index.html", "home", (1,))], [("static/x.css", Path("x.css"))])  # no clash
