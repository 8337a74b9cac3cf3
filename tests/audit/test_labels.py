"""Every audit action code written anywhere in the source has a Chinese label for the log page.

The codes are read from the syntax tree of src/aidface: the `action` argument of each
`record(...)` call, and the argument of each helper that passes its own parameter on
as that `action`.
"""
import ast
from pathlib import Path

import aidface
from aidface.audit.labels import ACTION_LABELS, action_label

SOURCE_ROOT = Path(aidface.__file__).parent

# An f-string action code cannot be read from the tree, so each one lists the codes it
# can produce. A new f-string code fails the test until it is added here.
FORMATTED_ACTIONS = {
    "campus.{decision}": {"campus.approve", "campus.reject"},
}


def _parsed_sources() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in sorted(SOURCE_ROOT.rglob("*.py"))]


def _called_name(call: ast.Call) -> str:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return ""


def _formatted_pattern(node: ast.JoinedStr) -> str:
    parts = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value))
        else:
            parts.append("{" + ast.unparse(value.value) + "}")
    return "".join(parts)


def _codes_of(node: ast.expr, where: str) -> set[str]:
    """Return the action codes an argument expression can hold, or raise AssertionError when they cannot be read."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _codes_of(node.body, where) | _codes_of(node.orelse, where)
    if isinstance(node, ast.JoinedStr):
        pattern = _formatted_pattern(node)
        assert pattern in FORMATTED_ACTIONS, f"{where}: list the codes of f-string action {pattern!r} in FORMATTED_ACTIONS"
        return FORMATTED_ACTIONS[pattern]
    raise AssertionError(f"{where}: cannot read the action code from {ast.unparse(node)!r}")


def _action_argument(call: ast.Call, parameter: str, position: int | None) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == parameter:
            return keyword.value
    if position is not None and position < len(call.args):
        return call.args[position]
    return None


def _wrappers(sources) -> dict[str, tuple[str, int | None]]:
    """Find functions that pass one of their parameters on as `record`'s action: name -> (parameter, position)."""
    found: dict[str, tuple[str, int | None]] = {}
    for _path, tree in sources:
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef) or function.name == "record":
                continue
            positional = [argument.arg for argument in function.args.args]
            keyword_only = [argument.arg for argument in function.args.kwonlyargs]
            for call in ast.walk(function):
                if not isinstance(call, ast.Call) or _called_name(call) != "record":
                    continue
                action = _action_argument(call, "action", None)
                if isinstance(action, ast.Name) and action.id in positional + keyword_only:
                    position = positional.index(action.id) if action.id in positional else None
                    found[function.name] = (action.id, position)
    return found


def recorded_actions() -> set[str]:
    """Collect the action codes of all `record` calls and of the calls to helpers that wrap it."""
    sources = _parsed_sources()
    wrappers = _wrappers(sources)
    codes: set[str] = set()
    for path, tree in sources:
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            name = _called_name(call)
            where = f"{path.relative_to(SOURCE_ROOT)}:{call.lineno}"
            if name == "record":
                action = _action_argument(call, "action", None)
                if action is None or (isinstance(action, ast.Name) and _inside_wrapper(tree, call, wrappers)):
                    continue
                codes |= _codes_of(action, where)
            elif name in wrappers:
                parameter, position = wrappers[name]
                action = _action_argument(call, parameter, position)
                assert action is not None, f"{where}: call of {name} without its action argument"
                codes |= _codes_of(action, where)
    return codes


def _inside_wrapper(tree: ast.Module, call: ast.Call, wrappers) -> bool:
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef) and function.name in wrappers and call in ast.walk(function):
            return True
    return False


def test_source_records_known_actions():
    codes = recorded_actions()

    assert "campus.approve" in codes
    assert "enrolment.view" in codes
    assert "auth.lockout" in codes


def test_every_recorded_action_labelled():
    unlabelled = sorted(code for code in recorded_actions() if code not in ACTION_LABELS)

    assert unlabelled == []


def test_labels_are_chinese():
    not_chinese = sorted(code for code, label in ACTION_LABELS.items() if not any("\u4e00" <= char <= "\u9fff" for char in label))

    assert not_chinese == []


def test_unlabelled_action_shows_code():
    assert action_label("example.unknown") == "example.unknown"
