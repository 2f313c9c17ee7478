"""Every string a person reads is marked for translation: field officers work in Dari and Pashto.

Two scans, neither needing the database nor rendering anything:

- templates: the text of each page (Django's own template lexer, then Python's HTML parser), outside
  ``{% translate %}`` / ``{% blocktranslate %}``, comments, scripts and styles, plus the attributes
  a person reads (placeholder, title, alt, aria-label...). A word of two or more Latin letters left
  over is English nobody marked.
- Python: string literals passed, unwrapped by ``gettext``/``gettext_lazy``..., where Django or the
  project shows them to people: error messages (``ValidationError``, ``PermissionDenied``,
  ``Http404``, DRF's exceptions, ``agencies.problems``), ``django.contrib.messages``, form and
  model labels, admin descriptions, choice labels.

A failure names ``file:line: text``. Mark the string (``{% translate %}``, ``_()``); if it must stay
as written in every language, add it to ``UNTRANSLATED_WORDS`` with the reason.
"""

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.template.base import DebugLexer, TokenType

BASE = Path(settings.BASE_DIR)

TEMPLATE_DIRS = ["templates", "agencies/templates", "returns/templates", "reports/templates"]
PYTHON_PACKAGES = ["agencies", "returns", "reports", "config"]

# Words that read the same in every language of the interface. Each needs a reason.
UNTRANSLATED_WORDS = {
    "UNHCR": "an agency's acronym, written in Latin letters in Dari and Pashto documents too",
    "IOM": "an agency's acronym, as UNHCR",
    "PDF": "a file format, named as the file's extension",
    "XLSX": "a file format, named as the file's extension",
    "CSV": "a file format, named as the file's extension",
    "API": "the name of the programming interface, also in Dari and Pashto technical usage",
    "VRF": "the Voluntary Repatriation Form's code as printed on the form itself",
    "PoR": "the Proof of Registration card's code as printed on the card",
    "ID": "part of a document number format (e.g. a tazkira ID), read as printed",
    "TKM": "Torkham's office code, in the example registration number a field shows (an ID format)",
    "UTC": "the time standard, written UTC after a time (dates and times are shown in UTC, left to right)",
    "Swagger": "a product name (Swagger UI, the API explorer)",
    "UI": "part of the product name Swagger UI",
    "ReDoc": "a product name (the API reference viewer)",
}

# Attributes a person reads or hears (screen readers read aria-*); other attributes are for programs.
READ_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label", "aria-description"}
# An <input>'s value is its visible caption only for these types. A <button>'s value is submitted,
# never shown (its content is the caption, checked as text), so it is not read.
CAPTIONED_INPUT_TYPES = {"submit", "button", "reset"}
# Content never shown as words: scripts and styles; <kbd> names a key as printed on the keyboard.
UNREAD_ELEMENTS = {"script", "style", "kbd"}

WORD = re.compile(r"[A-Za-z]{2,}")
MASK = "\x1a"  # stands in for template tags and variables, keeping every offset and line


def untranslated(text: str) -> bool:
    return any(word not in UNTRANSLATED_WORDS for word in WORD.findall(text))


# --- Templates ---------------------------------------------------------------------------------


def template_paths() -> list[Path]:
    return sorted(path for folder in TEMPLATE_DIRS for path in (BASE / folder).rglob("*.html"))


def masked_source(source: str) -> str:
    """The template with every tag, variable, comment and translated block masked, text unchanged.

    Masking (rather than removing) keeps each character's line, and keeps ``{% if a > b %}`` or a
    ``{% translate %}`` inside an attribute from confusing the HTML parser.
    """
    pieces = []
    closing = None  # the tag that ends the block being skipped
    # DebugLexer is Django's Lexer with each token's start and end offsets in the source.
    for token in DebugLexer(source).tokenize():
        start, end = token.position
        raw = source[start:end]
        words = token.contents.split()
        name = words[0] if token.token_type == TokenType.BLOCK and words else ""
        if closing:
            if name == closing:
                closing = None
        elif token.token_type == TokenType.TEXT:
            pieces.append(raw)
            continue
        elif name in ("blocktranslate", "blocktrans", "comment"):
            closing = "end" + name
        pieces.append(re.sub(r"[^\n]", MASK, raw))
    return "".join(pieces)


class PageText(HTMLParser):
    """Collects (line, text) for the text and read attributes of one masked template."""

    def __init__(self):
        super().__init__(convert_charrefs=True)  # entities (&nbsp;, &times;) become characters
        self.found: list[tuple[int, str]] = []
        self.unread_depth = 0

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        values = dict(attrs)
        read = set(READ_ATTRIBUTES)
        if tag == "input" and (values.get("type") or "").lower() in CAPTIONED_INPUT_TYPES:
            read.add("value")
        raw = self.get_starttag_text() or ""
        for name, value in attrs:
            if name in read and value:
                where = raw.find(name + "=")
                self.found.append((line + raw.count("\n", 0, max(where, 0)), value))
        if tag in UNREAD_ELEMENTS:
            self.unread_depth += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in UNREAD_ELEMENTS:
            self.unread_depth -= 1

    def handle_endtag(self, tag):
        if tag in UNREAD_ELEMENTS and self.unread_depth:
            self.unread_depth -= 1

    def handle_data(self, data):
        if self.unread_depth:
            return
        line = self.getpos()[0]
        for offset, text in enumerate(data.split("\n")):
            self.found.append((line + offset, text))


def template_problems(path: Path) -> list[str]:
    parser = PageText()
    parser.feed(masked_source(path.read_text(encoding="utf-8")))
    parser.close()
    name = path.relative_to(BASE)
    return [
        f"{name}:{line}: {' '.join(text.replace(MASK, ' ').split())}"
        for line, text in parser.found
        if untranslated(text)
    ]


def test_template_masking_keeps_lines_and_skips_translated_text():
    source = (
        '{% load i18n %}<p title="{% translate "Hi" %}">{% blocktranslate %}Hello\n{{ x }}{% endblocktranslate %}'
        "{# note #}{% comment %}\nnot shown{% endcomment %}</p>\n<b>{{ y }} left</b><script>var a;</script>"
    )
    masked = masked_source(source)
    assert masked.count("\n") == source.count("\n")
    assert len(masked) == len(source)
    parser = PageText()
    parser.feed(masked)
    parser.close()
    assert [(line, text.replace(MASK, "")) for line, text in parser.found if untranslated(text)] == [(4, " left")]


def test_every_template_text_is_marked_for_translation():
    problems = [problem for path in template_paths() for problem in template_problems(path)]
    assert template_paths(), "no templates found: the folders moved?"
    assert problems == [], "Text not marked for translation:\n" + "\n".join(problems)


# --- Python ------------------------------------------------------------------------------------

# Callables that show their message to people: qualified name -> (position, keyword) of the message.
MESSAGE_ARGUMENT = {
    "django.core.exceptions.ValidationError": (0, "message"),
    "django.forms.ValidationError": (0, "message"),
    "django.core.exceptions.PermissionDenied": (0, None),
    "django.http.Http404": (0, None),
    "django.contrib.messages.debug": (1, "message"),
    "django.contrib.messages.info": (1, "message"),
    "django.contrib.messages.success": (1, "message"),
    "django.contrib.messages.warning": (1, "message"),
    "django.contrib.messages.error": (1, "message"),
    "django.contrib.messages.add_message": (2, "message"),
    "django.contrib.messages.api.add_message": (2, "message"),
    "agencies.problems.Problem": (1, "message"),
    "agencies.problems.Refused.one": (2, "message"),
    "agencies.api.errors.Problem": (2, "message"),
}
for _module in ("rest_framework.exceptions", "rest_framework.serializers"):
    for _name in (
        "ValidationError",
        "PermissionDenied",
        "NotFound",
        "ParseError",
        "AuthenticationFailed",
        "NotAuthenticated",
        "NotAcceptable",
        "APIException",
    ):
        MESSAGE_ARGUMENT[f"{_module}.{_name}"] = (0, "detail")
    MESSAGE_ARGUMENT[f"{_module}.MethodNotAllowed"] = (1, "detail")
    MESSAGE_ARGUMENT[f"{_module}.UnsupportedMediaType"] = (1, "detail")

# Keyword arguments that label something on a page, a form or the admin, in any call.
LABEL_KEYWORDS = {"label", "help_text", "verbose_name", "verbose_name_plural", "empty_label"}
# Class attributes that do the same (a model's Meta, an app config, a DRF exception).
LABEL_ATTRIBUTES = {"verbose_name", "verbose_name_plural", "default_detail", "short_description"}
# Error messages by code, a form field's (keyword) or a field class's (class attribute).
MESSAGE_DICTS = {"error_messages", "default_error_messages"}
ADMIN_DECORATORS = {"django.contrib.admin.display", "django.contrib.admin.action"}
CHOICES_BASES = {"django.db.models.TextChoices", "django.db.models.IntegerChoices", "django.db.models.Choices"}
# Wrappers that keep their first argument as written: the literal inside is what people read.
PASS_THROUGH = {"django.utils.html.format_html", "django.utils.safestring.mark_safe"}

PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]|\{[^{}]*\}")


def python_paths() -> list[Path]:
    return sorted(
        path
        for package in PYTHON_PACKAGES
        for path in (BASE / package).rglob("*.py")
        if not {"migrations", "tests"} & set(path.relative_to(BASE).parts)
    )


def module_name(path: Path) -> str:
    parts = list(path.relative_to(BASE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


class Module:
    """One source file: its syntax tree and what each module-level name stands for."""

    def __init__(self, path: Path, *, name: str | None = None, source: str | None = None):
        self.path = path
        self.name = name or module_name(path)
        self.package = self.name if path.name == "__init__.py" else self.name.rpartition(".")[0]
        self.tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"), filename=str(path))
        self.names: dict[str, str] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.partition(".")[0]
                    self.names[alias.asname or top] = alias.name if alias.asname else top
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = self.package.split(".")
                    package = package[: len(package) - node.level + 1]
                    base = ".".join([*package, base] if base else package)
                for alias in node.names:
                    self.names[alias.asname or alias.name] = f"{base}.{alias.name}"
        for node in self.tree.body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef):
                self.names.setdefault(node.name, f"{self.name}.{node.name}")
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Name | ast.Attribute):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.names[target.id] = self.dotted(node.value) or ""

    def dotted(self, node: ast.expr) -> str | None:
        """``messages.success`` -> ``django.contrib.messages.success``, as this module imports it."""
        attributes = []
        while isinstance(node, ast.Attribute):
            attributes.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        return ".".join([self.names.get(node.id, node.id), *reversed(attributes)])


class Project:
    """The scanned modules, so a name imported from one of them resolves to where it is defined
    (``returns.registration.RegistrationProblem`` -> ``agencies.problems.Problem``)."""

    def __init__(self, modules: list[Module]):
        self.modules = modules
        self.by_name = {module.name: module for module in modules}
        self.resolved: dict[str | None, str | None] = {}

    def resolve(self, qualified: str | None) -> str | None:
        if qualified not in self.resolved:
            self.resolved[qualified] = self._resolve(qualified)
        return self.resolved[qualified]

    def _resolve(self, qualified: str | None) -> str | None:
        for _ in range(10):  # aliases of aliases; never loops for ever
            if not qualified:
                return qualified
            parts = qualified.split(".")
            for cut in range(len(parts) - 1, 0, -1):
                module = self.by_name.get(".".join(parts[:cut]))
                if module is not None:
                    target = module.names.get(parts[cut])
                    if target and target != ".".join(parts[: cut + 1]):
                        qualified = ".".join([target, *parts[cut + 1 :]])
                        break
                    return qualified
            else:
                return qualified
        return qualified

    def name_of(self, module: Module, node: ast.expr) -> str | None:
        return self.resolve(module.dotted(node))


def literal_text(node: ast.expr | None, module: Module, project: Project) -> str | None:
    """The text of a plain string literal (or an f-string, a concatenation, a ``%`` or ``.format``
    of one), never passed through gettext; None for anything else."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        left = literal_text(node.left, module, project)
        right = literal_text(node.right, module, project) if isinstance(node.op, ast.Add) else None
        return None if left is None and right is None else (left or "") + " " + (right or "")
    if isinstance(node, ast.IfExp):
        branches = [literal_text(branch, module, project) for branch in (node.body, node.orelse)]
        return " / ".join(branch for branch in branches if branch is not None) or None
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            return literal_text(node.func.value, module, project)
        if project.name_of(module, node.func) in PASS_THROUGH and node.args:
            return literal_text(node.args[0], module, project)
    return None


def is_read(text: str) -> bool:
    """Text with words in it, once format placeholders (``%(name)s``, ``{count}``) are taken out."""
    return untranslated(PLACEHOLDER.sub(" ", text))


def argument(call: ast.Call, position: int | None, keyword: str | None) -> ast.expr | None:
    for given in call.keywords:
        if keyword and given.arg == keyword:
            return given.value
    before = call.args[: (position or 0) + 1]
    if position is not None and len(call.args) > position and not any(isinstance(arg, ast.Starred) for arg in before):
        return call.args[position]
    return None


def refused_classes(project: Project) -> set[str]:
    """``agencies.problems.Refused`` and every project class derived from it (``RegistrationInvalid``...)."""
    found = {"agencies.problems.Refused"}
    classes = [
        (f"{module.name}.{node.name}", [project.name_of(module, base) for base in node.bases])
        for module in project.modules
        for node in ast.walk(module.tree)
        if isinstance(node, ast.ClassDef)
    ]
    grew = True
    while grew:
        grew = False
        for name, bases in classes:
            if name not in found and found & set(bases):
                found.add(name)
                grew = True
    return found


def function_definitions(module: Module):
    """Every function of the module: (definition, qualified name or None when nested, is a method)."""
    for node in module.tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node, f"{module.name}.{node.name}", False
    for parent in ast.walk(module.tree):
        body = getattr(parent, "body", None)
        for node in body if isinstance(body, list) and parent is not module.tree else []:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                static = any(getattr(decorator, "id", None) == "staticmethod" for decorator in node.decorator_list)
                yield node, None, isinstance(parent, ast.ClassDef) and not static


def calls_in(node: ast.AST) -> list[ast.Call]:
    return [call for call in ast.walk(node) if isinstance(call, ast.Call)]


class Messages:
    """Where a call's argument is a message for people: Django's and DRF's callables, the project's
    ``Problem``/``Refused``, and the project's own helpers that pass a parameter straight on to one of
    them (``add(path, code, message)`` -> ``Problem(code, message)``), found to a fixed point."""

    def __init__(self, project: Project):
        self.project = project
        self.refused = refused_classes(project)
        self.qualified = dict(MESSAGE_ARGUMENT)  # module-level functions, by qualified name
        # Nested functions and methods, by module and bare name: ``problems.add(...)`` cannot be
        # resolved to its class, so a method matches by name, and only in the module defining it.
        self.local: dict[str, dict[str, tuple[int | None, str]]] = {module.name: {} for module in project.modules}
        functions = [
            (module, definition, qualified, method, calls_in(definition))
            for module in project.modules
            for definition, qualified, method in function_definitions(module)
        ]
        grew = True
        while grew:
            grew = False
            for module, definition, qualified, method, calls in functions:
                spec = self.forwarded(module, definition, method, calls)
                table, key = (self.qualified, qualified) if qualified else (self.local[module.name], definition.name)
                if spec and table.get(key) != spec:
                    table[key] = spec
                    grew = True

    def spec(self, module: Module, call: ast.Call) -> tuple[int | None, str | None] | None:
        local = self.local[module.name]
        if isinstance(call.func, ast.Name) and call.func.id in local:
            return local[call.func.id]
        if isinstance(call.func, ast.Attribute) and call.func.attr in local:
            return local[call.func.attr]
        name = self.project.name_of(module, call.func)
        if name and name.endswith(".one") and name.removesuffix(".one") in self.refused:
            name = "agencies.problems.Refused.one"
        return self.qualified.get(name)

    def forwarded(
        self, module: Module, definition: ast.FunctionDef, method: bool, calls: list[ast.Call]
    ) -> tuple[int | None, str] | None:
        """(position, keyword) of the parameter this function passes on as a message, if it does."""
        positional = [parameter.arg for parameter in [*definition.args.posonlyargs, *definition.args.args]]
        if method:
            positional = positional[1:]
        parameters = set(positional) | {parameter.arg for parameter in definition.args.kwonlyargs}
        for node in calls:
            if spec := self.spec(module, node):
                given = argument(node, *spec)
                if isinstance(given, ast.Name) and given.id in parameters:
                    index = positional.index(given.id) if given.id in positional else None
                    return index, given.id
        return None


def assigned_values(scope: ast.AST, name: str) -> list[ast.expr]:
    """What ``name = ...`` statements of this function (or of the module's top level) assign."""
    nodes = ast.walk(scope) if not isinstance(scope, ast.Module) else iter(scope.body)
    values = []
    for node in nodes:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)) or (
            isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name
        ):
            values.append(node.value)
    return [value for value in values if value is not None]


class Scan(ast.NodeVisitor):
    """The unmarked strings of one module, as ``file:line: text``."""

    def __init__(self, messages: Messages, module: Module):
        self.messages, self.module, self.project = messages, module, messages.project
        self.scopes: list[ast.AST] = [module.tree]
        self.problems: list[str] = []

    def report(self, node: ast.expr | None) -> None:
        if isinstance(node, ast.Name):  # a message kept in a variable first: check what it was given
            for scope in reversed(self.scopes):
                if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) and node.id in {
                    parameter.arg for parameter in ast.walk(scope.args) if isinstance(parameter, ast.arg)
                }:
                    return  # a parameter: its callers are checked, if the function passes it on as a message
                values = assigned_values(scope, node.id)
                if values:
                    for value in values:
                        self.report(value)
                    return
            return
        text = literal_text(node, self.module, self.project)
        if text is not None and is_read(text):
            self.problems.append(f"{self.module.path.relative_to(BASE)}:{node.lineno}: {' '.join(text.split())}")

    def visit_FunctionDef(self, node):
        self.scopes.append(node)
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node):
        spec = self.messages.spec(self.module, node)
        if spec:
            self.report(argument(node, *spec))
        name = self.project.name_of(self.module, node.func)
        for given in node.keywords:
            if given.arg in LABEL_KEYWORDS or (given.arg == "description" and name in ADMIN_DECORATORS):
                self.report(given.value)
            elif given.arg in MESSAGE_DICTS:
                self.report_values(given.value)
            elif given.arg == "attrs":  # a widget's HTML attributes: the same ones as in templates
                self.report_values(given.value, keys=READ_ATTRIBUTES)
        self.generic_visit(node)

    def report_values(self, node: ast.expr, keys: set[str] | None = None) -> None:
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if keys is None or (isinstance(key, ast.Constant) and key.value in keys):
                    self.report(value)

    def visit_Assign(self, node):
        for target in node.targets:
            attribute = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
            if attribute in LABEL_ATTRIBUTES:
                self.report(node.value)
            elif attribute in MESSAGE_DICTS:
                self.report_values(node.value)
        self.generic_visit(node)

    def visit_ClassDef(self, node):
        if CHOICES_BASES & {self.project.name_of(self.module, base) for base in node.bases}:
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and isinstance(statement.value, ast.Tuple)
                    and len(statement.value.elts) >= 2
                ):
                    self.report(statement.value.elts[-1])
        self.generic_visit(node)


def python_problems(project: Project) -> list[str]:
    messages = Messages(project)
    problems = []
    for module in project.modules:
        scan = Scan(messages, module)
        scan.visit(module.tree)
        problems.extend(scan.problems)
    return problems


def test_python_scan_finds_unmarked_messages_and_passes_marked_ones():
    source = """
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from agencies.problems import Problem as Said, Refused

messages.success(request, "Saved the household.")
messages.error(request, _("Not saved."))
raise ValidationError(f"Bad {value}", code="bad")
raise ValidationError("%(value)s", params={})
Said("code_only", "No head of household.")
Refused.one("path", "code", _("Marked."))
forms.CharField(label="Given name", help_text=_("As on the tazkira."))
forms.DateField(error_messages={"invalid": "Enter a date."}, widget=TextInput(attrs={"placeholder": "Day"}))

def check(problems):
    def add(path, code, message):
        problems.append(Said(code, message))

    add("phone", "invalid", "Enter a phone number.")
    add("phone", "invalid", _("Marked."))
    text = "Too many members."
    add("members", "too_many", text)

class Colour(models.TextChoices):
    RED = "red", "Red"
    BLUE = "blue", _("Blue")
"""
    project = Project([Module(BASE / "example.py", name="example", source=source)])
    assert python_problems(project) == [
        "example.py:8: Saved the household.",
        "example.py:10: Bad {}",
        "example.py:12: No head of household.",
        "example.py:14: Given name",
        "example.py:15: Enter a date.",
        "example.py:15: Day",
        "example.py:21: Enter a phone number.",
        "example.py:23: Too many members.",
        "example.py:27: Red",
    ]


def test_every_python_message_for_people_is_marked_for_translation():
    project = Project([Module(path) for path in python_paths()])
    assert project.modules, "no Python modules found: the packages moved?"
    problems = python_problems(project)
    assert problems == [], "Strings people read, not marked for translation:\n" + "\n".join(problems)
