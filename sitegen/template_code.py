"""Compiled templates that hand over a page in one piece.

Jinja compiles a template's body and each of its blocks into generators that
yield every piece of output on its own, ~250 a paper page, and each piece
travels up through every level of ``{% extends %}`` and ``{% block %}``
(``yield from``) before the pieces are joined. Here those functions gather
their pieces in a list instead and yield them once, joined; the text is the
same. Functions nested inside them (macros, call blocks, recursive loops) are
left as Jinja wrote them.

Applied through ``Environment._compile``, Jinja's hook for compiling the
generated Python source; line numbers are kept, so template errors still
point at the template line.
"""

from __future__ import annotations

import ast
from types import CodeType

_GATHER = "_pieces = []; _append = _pieces.append; _extend = _pieces.extend"
_HAND_OVER = "yield concat(_pieces)"


def compile_template(source: str, filename: str) -> CodeType:
    module = ast.parse(source, filename)
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and (node.name == "root" or node.name.startswith("block_")):
            _gather(node)
    return compile(ast.fix_missing_locations(module), filename, "exec")


def _gather(function: ast.FunctionDef) -> None:
    body = _Gatherer().visit(ast.Module(body=function.body, type_ignores=[])).body
    if any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in _own_nodes(body)):
        return  # a yield inside some other statement: keep Jinja's code as it is
    first, last = function.body[0], function.body[-1]
    function.body = [
        *(_at(statement, first) for statement in ast.parse(_GATHER).body),
        *body,
        _at(_hand_over(), last),
    ]


def _own_nodes(body: list[ast.stmt]) -> list[ast.AST]:
    """Every node of ``body`` outside the functions and classes nested in it."""
    found: list[ast.AST] = []
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))
    return found


def _hand_over() -> ast.stmt:
    return ast.parse(_HAND_OVER).body[0]


def _at(node: ast.stmt, place: ast.stmt) -> ast.stmt:
    for child in ast.walk(node):
        if isinstance(child, (ast.stmt, ast.expr)):
            ast.copy_location(child, place)
    return node


class _Gatherer(ast.NodeTransformer):
    """``yield x`` -> ``_append(x)``, ``yield from g`` -> ``_extend(g)``, and a
    ``return`` hands over what was gathered first."""

    def visit_FunctionDef(self, node: ast.AST) -> ast.AST:
        return node  # a nested function keeps its own yields

    visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = visit_FunctionDef

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        value = node.value
        if isinstance(value, (ast.Yield, ast.YieldFrom)):
            name = "_append" if isinstance(value, ast.Yield) else "_extend"
            argument = value.value if value.value is not None else ast.Constant(None)
            call = ast.Call(ast.Name(name, ast.Load()), [argument], [])
            return ast.copy_location(ast.Expr(ast.copy_location(call, value)), node)
        return self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> list[ast.stmt]:
        return [_at(_hand_over(), node), node]
