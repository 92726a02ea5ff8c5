"""docpipe.toml: defaults for the commands' options, like pandoc's defaults files.

Where from: the user's own file (`~/.config/docpipe/docpipe.toml`, or under
`$XDG_CONFIG_HOME`), then one of, first found wins: `--config FILE`,
`DOCPIPE_CONFIG=FILE`, `docpipe.toml` in the working folder, `[tool.docpipe]` of
`pyproject.toml` there. A later file beats an earlier one, and the command line beats
both. Keys are the long option names (`summary_sentences` or `summary-sentences`); a
table named after a command (`[pack]`) holds options of that command only.

A file found by itself in the working folder came, as often as not, with the pages
someone sent: like git's `safe.directory`, it may set presentation and extraction only.
What reaches outside the folder or lowers a safety limit (the `refused` column of the
options table) is refused from it with one line, and honoured from the files the user
named or owns.

Nothing here names an option: the valid keys, their types and what a found file may set
are read from the options table (options.py), so an option added there is a valid key
at once. Values are checked by the command's own parameters (choices, bounds).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import options
from .errors import UsageError
from .options import Option, value_type

CONFIG_ENV = "DOCPIPE_CONFIG"
CONFIG_NAME = "docpipe.toml"
FOUND = "working folder"  # how a file found by itself was found
USER = "user config folder"


@dataclass
class Config:
    path: Path | None = None  # the most specific file read; None: built-in defaults only
    how: str = ""  # how it was found: --config, DOCPIPE_CONFIG, working folder
    # command -> option name -> value as written in the file (checked)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    # command -> option name -> the file its value comes from
    origins: dict[str, dict[str, Path]] = field(default_factory=dict)
    files: list[tuple[Path, str]] = field(default_factory=list)  # (file, how), in order


def user_file() -> Path:
    """The user's own config file: $XDG_CONFIG_HOME/docpipe/docpipe.toml, by default
    ~/.config/docpipe/docpipe.toml."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"),
                                                             ".config")
    return Path(base) / "docpipe" / CONFIG_NAME


def load_into(ctx: Any, explicit: str | os.PathLike[str] | None) -> Config | None:
    """The config files' values for the command being parsed (click's `ctx`), set as its
    options' defaults; None when there is no file (the common case: nothing is read).
    `docpipe config` always reads, to say what applies."""
    if ctx.resilient_parsing:  # shell completion: never fail on a config file
        return None
    if not explicit and ctx.info_name != "config" and not any(
            Path(f).exists() for f in (CONFIG_NAME, "pyproject.toml", user_file())):
        return None
    config = load(ctx, explicit)
    ctx.meta["docpipe.config"] = config
    defaults = config.values.get(ctx.info_name or "", {})
    if defaults:
        ctx.default_map = {**(ctx.default_map or {}), **defaults}
    return config


def find(explicit: str | os.PathLike[str] | None) -> tuple[Path | None, str]:
    """The config file to read besides the user's own, and how it was chosen."""
    for given, how in ((explicit, "--config"), (os.environ.get(CONFIG_ENV), CONFIG_ENV)):
        if given:
            path = Path(given)
            if not path.is_file():
                raise UsageError(f"config file not found ({how})", str(path))
            return path, how
    here = Path(CONFIG_NAME)
    if here.is_file():
        return here, FOUND
    pyproject = Path("pyproject.toml")
    if pyproject.is_file() and b"[tool.docpipe" in pyproject.read_bytes():
        return pyproject, FOUND
    return None, ""


def sources(explicit: str | os.PathLike[str] | None) -> list[tuple[Path, str]]:
    """Every file to read, in order (a later one beats an earlier one)."""
    files = [(user_file(), USER)] if user_file().is_file() else []
    path, how = find(explicit)
    if path is not None and not (files and _same(path, files[0][0])):
        files.append((path, how))
    return files


def _same(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def _outside(value: Any) -> bool:
    """A path (or a list of them) that leads out of the working folder."""
    here = Path.cwd().resolve()
    for item in value if isinstance(value, list) else [value]:
        try:
            if not Path(str(item)).resolve().is_relative_to(here):
                return True
        except (OSError, RuntimeError, ValueError):
            return True
    return False


def _refused(option: Option, value: Any) -> str:
    """Why a file found by itself may not set `option` to `value` ("" when it may)."""
    if option.refused is None:
        return ""
    when, why = option.refused
    if when == "always" or (when == "outside" and _outside(value)) \
            or (when == "on" and value is True):
        return why
    if when == "lower" and isinstance(value, int | float) and not isinstance(value, bool) \
            and (value == 0 or value > option.default):
        return why
    return ""


def read(path: Path) -> dict[str, Any]:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"not valid TOML: {exc}", str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read config file: {exc}", str(path)) from None
    if path.name == "pyproject.toml":
        doc = doc.get("tool", {}).get("docpipe", {})
        if not isinstance(doc, dict):
            raise UsageError("[tool.docpipe] must be a table", str(path))
    return doc


def options_of(command: Any) -> dict[str, Option]:
    """A command's options that a config file may set (key -> row of the table), for a
    command of the app (a click command)."""
    return {o.name: o for o in options.of(command.name) if o.in_file}


def commands_of(root: Any) -> dict[str, Any]:
    """The top-level commands of the app (a click group), or the one command."""
    commands = getattr(root, "commands", None)
    if commands is None:
        return {root.name: root}
    return {name: cmd for name, cmd in commands.items() if not hasattr(cmd, "commands")}


def _param(command: Any, option: Option) -> Any:
    """The click parameter the command made of `option` (it checks a value's choices,
    bounds and callback)."""
    return next(p for p in command.params if p.name == option.param)


def _type_name(t: type | None, many: bool) -> str:
    name = {bool: "true or false", int: "a whole number", float: "a number"}.get(t, "a string")
    return f"{name}, or a list of them" if many else name


def _fits(value: Any, t: type | None) -> bool:
    if t is bool:
        return isinstance(value, bool)
    if t is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if t is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


def clean_message(message: str) -> str:
    """A parameter error as one plain line: 'xx' is not one of hans, hant, tw."""
    message = " ".join(message.split())
    message = re.sub(r"^(Value error|Input should be|Assertion failed), ?", "", message)
    match = re.search(r"is not one of (.*?)\.?$", message)
    if match:
        choices = match.group(1).replace("'", "")
        message = message[:match.start()] + f"is not one of {choices}"
    return message.rstrip(".")


def check(key: str, value: Any, option: Option, param: Any, ctx: Any, path: Path) -> Any:
    """`value` as the default of `option` (made into the click `param`), or a UsageError
    naming the key and the file."""
    if isinstance(value, dict) and option.table:
        return value  # checked where it is used (transforms/phrases.py), with the file named
    t, many = value_type(option)
    values = value if many and isinstance(value, list) else [value]
    if not all(_fits(v, t) for v in values):
        raise UsageError(f"key {key!r} must be {_type_name(t, many)}, not {value!r}",
                         str(path))
    value = values if many else value
    try:
        param.process_value(ctx, value)
    except Exception as exc:  # the option's own check (a choice, a range)
        detail = getattr(exc, "message", None) or str(exc)
        raise UsageError(f"key {key!r}: {clean_message(detail)}", str(path)) from None
    return value


def _twin(key: str, value: Any, opts: dict[str, Option]) -> tuple[str, Any]:
    """`credit = false` for an option that takes text and has a `--no-credit` twin: the
    twin (`no_credit = true`); `credit = true` is the default. Other keys as they are."""
    name = key.replace("-", "_")
    if isinstance(value, bool) and f"no_{name}" in opts and name in opts \
            and value_type(opts[name])[0] is not bool:
        return (f"no_{name}", True) if value is False else (f"no_{name}", False)
    return key, value


def load(ctx: Any, explicit: str | os.PathLike[str] | None) -> Config:
    """The config files' values for every command of the app, checked; a later file's
    value beats an earlier one's."""
    config = Config()
    for path, how in sources(explicit):
        one = load_file(ctx, path, trusted=how != FOUND)
        for cmd, values in one.items():
            config.values.setdefault(cmd, {}).update(values)
            config.origins.setdefault(cmd, {}).update(dict.fromkeys(values, path))
        config.files.append((path, how))
        config.path, config.how = path, how
    return config


def load_file(ctx: Any, path: Path, trusted: bool) -> dict[str, dict[str, Any]]:
    """One file's values per command, checked. `trusted` False (a file found by itself):
    the options the table marks `refused` are refused with one line."""
    values: dict[str, dict[str, Any]] = {}
    commands = commands_of(ctx.find_root().command)
    doc = read(path)
    top: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {}
    for key, value in doc.items():
        name = key.replace("-", "_")
        if name in commands and isinstance(value, dict):
            sections[name] = value
        else:
            top[key] = value
    known = {n for cmd in commands.values() for n in options_of(cmd)}
    for key in top:
        if key.replace("-", "_") not in known:
            raise UsageError(f"unknown key {key!r} (keys are the long option names: "
                             f"{', '.join(sorted(known))})", str(path))
    for cmd_name, cmd in commands.items():
        opts = options_of(cmd)
        mine = values.setdefault(cmd_name, {})
        for key, value in top.items():
            key, value = _twin(key, value, opts)
            if (name := key.replace("-", "_")) in opts:
                mine[opts[name].param] = _take(key, value, opts[name], cmd, ctx, path,
                                               trusted)
        for key, value in sections.get(cmd_name, {}).items():
            key, value = _twin(key, value, opts)
            name = key.replace("-", "_")
            if name not in opts:
                raise UsageError(f"unknown key {key!r} in [{cmd_name}] (its options: "
                                 f"{', '.join(sorted(opts))})", str(path))
            mine[opts[name].param] = _take(f"{cmd_name}.{key}", value, opts[name], cmd, ctx,
                                           path, trusted)
    return values


def _take(key: str, value: Any, option: Option, command: Any, ctx: Any, path: Path,
          trusted: bool) -> Any:
    """The checked value, or a UsageError when a file found by itself may not set it."""
    value = check(key, value, option, _param(command, option), ctx, path)
    if not trusted and (why := _refused(option, value)):
        raise UsageError(
            f"key {key!r} {why}: a config file found in the working folder may not set it "
            f"(give it with --config FILE, {CONFIG_ENV} or {_home(user_file())})", str(path))
    return value


def _home(path: Path) -> str:
    """`path` with the home folder as ~ (shorter lines)."""
    home = os.path.expanduser("~")
    text = str(path)
    return "~" + text[len(home):] if home != "~" and text.startswith(home + os.sep) else text


def note(config: Config) -> str:
    """The line that says which config files were read: `docpipe: config: …`."""
    return "docpipe: config: " + ", ".join(f"{_home(p)} ({how})" for p, how in config.files)


def to_toml(value: Any) -> str:
    """A value as TOML would write it (for `docpipe config`)."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(to_toml(v) for v in value) + "]"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):  # a table (phrases): inline
        return "{ " + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {to_toml(v)}"
                                for k, v in value.items()) + " }"
    if hasattr(value, "value"):  # an Enum member
        value = value.value
    return json.dumps(str(value), ensure_ascii=False)


def _pad(text: str, width: int) -> str:
    """`text` padded to `width` terminal columns: a CJK character takes two (wcwidth), so
    the comment column stays aligned after `title = "一周简报"`."""
    from wcwidth import wcswidth

    cols = wcswidth(text)
    return text + " " * (width - (cols if cols >= 0 else len(text)))


def report(ctx: Any, config: Config) -> list[str]:
    """`docpipe config`: each command's settings, as TOML, and where each one comes from."""
    if config.files:
        where = ", ".join(f"{p} (from {how})" for p, how in config.files)
        lines = [f"# config file{'s' if len(config.files) > 1 else ''}: {where}"]
    else:
        lines = [f"# config file: no config file ({CONFIG_NAME} or [tool.docpipe] in "
                 f"pyproject.toml here, --config FILE, {CONFIG_ENV} or "
                 f"{_home(user_file())})"]
    for cmd_name, cmd in commands_of(ctx.find_root().command).items():
        opts = options_of(cmd)
        if not opts:
            continue
        lines += ["", f"[{cmd_name}]"]
        mine = config.values.get(cmd_name, {})
        for name, option in opts.items():
            envvar = option.envvar
            if option.param in mine:
                value = mine[option.param]
                origin = str(config.origins.get(cmd_name, {}).get(option.param, config.path))
            elif envvar and os.environ.get(envvar):
                value, origin = os.environ[envvar], f"environment {envvar}"
            else:
                value, origin = option.default, "default"
            if value is None or value is options.REQUIRED or value == [] or value == ():
                lines.append(_pad(f"# {name} = (not set)", 40) + f"  # {origin}")
            else:
                lines.append(_pad(f"{name} = {to_toml(value)}", 40) + f"  # {origin}")
    return lines
