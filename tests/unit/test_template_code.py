"""Templates compiled to hand over their output in one piece render the same text."""

import jinja2
import pytest

from sitegen.template_code import compile_template

TEMPLATES = {
    "base.html": (
        "<title>{% block title %}Site{% endblock %}</title>\n"
        "{% block body %}{% endblock %}\n"
        "{% include 'footer.html' %}"
    ),
    "footer.html": "<footer>{{ year }}</footer>",
    "macros.html": "{% macro chip(name) %}<b>{{ name }}</b>{% endmacro %}",
    "page.html": (
        "{% extends 'base.html' %}\n"
        "{% from 'macros.html' import chip %}\n"
        "{% block title %}{{ title }} · {{ super() }}{% endblock %}\n"
        "{% block body %}\n"
        "<h1>{{ self.title() }}</h1>\n"
        "{% for tag in tags %}{{ chip(tag) }}{% if not loop.last %}, {% endif %}{% endfor %}\n"
        "{% macro box() %}<div>{{ caller() }}</div>{% endmacro %}"
        "{% call box() %}{{ note }}{% endcall %}\n"
        "{% set joined %}{% for t in tags %}[{{ t }}]{% endfor %}{% endset %}{{ joined }}\n"
        "{% filter upper %}{{ title }}{% endfilter %}\n"
        "<ul>{% for item in tree recursive %}<li>{{ item.name }}"
        "{% if item.children %}<ul>{{ loop(item.children) }}</ul>{% endif %}</li>{% endfor %}</ul>\n"
        "{% endblock %}"
    ),
    "broken.html": (
        "{% extends 'base.html' %}\n{% block body %}\nfine\n{{ missing.attribute }}\n{% endblock %}"
    ),
}
CONTEXT = {
    "title": "A <b>title</b>",
    "tags": ["nlp", "a&b"],
    "note": "<note>",
    "year": 2026,
    "tree": [{"name": "root", "children": [{"name": "leaf", "children": []}]}],
}


def _environment(gathering: bool) -> jinja2.Environment:
    class Environment(jinja2.Environment):
        def _compile(self, source, filename):
            return compile_template(source, filename) if gathering else compile(source, filename, "exec")

    return Environment(loader=jinja2.DictLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined)


def test_pages_render_to_the_same_text_as_with_jinjas_own_code():
    ours = _environment(True).get_template("page.html")
    assert ours.render(CONTEXT) == _environment(False).get_template("page.html").render(CONTEXT)
    assert "<li>root<ul><li>leaf</li></ul></li>" in ours.render(CONTEXT)


def test_the_page_and_its_blocks_hand_over_one_piece_each():
    template = _environment(True).get_template("page.html")
    context = template.new_context(CONTEXT)
    assert len(list(template.root_render_func(context))) == 1
    assert len(list(template.blocks["body"](context))) == 1  # the context now knows every block


@pytest.mark.parametrize("gathering", [True, False])
def test_a_runtime_error_still_names_its_template_line(gathering):
    with pytest.raises(jinja2.UndefinedError) as caught:
        _environment(gathering).get_template("broken.html").render()
    frames = [(str(f.name), f.lineno + 1) for f in caught.traceback if str(f.path) == "<template>"]
    assert frames[-1] == ("block 'body'", 4), "the error is on line 4, in the block"
