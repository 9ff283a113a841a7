"""Command-line interface: parse a subcommand, run it, return an exit code.

Each subcommand is one ``_add_<name>_command`` function that registers its parser and a
handler ``(args, ci) -> ExitCode``; errors from the exception tree become exit codes here
and nowhere else.
"""

import argparse
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence, Sized
from pathlib import Path
from typing import NoReturn

from . import __version__
from ._run_secrets import DOTENV_FILE, dotenv_path_for, resolve_secrets_offline
from .ci import CIAdapter, detect_ci_adapter
from .config import (
    DEFAULT_CONFIG_FILE,
    choose_config_file,
    choose_environment,
    format_effective_config,
    input_variable,
    load_config,
    parse_boolean_input,
    read_input,
)
from .errors import ConfigError, ConfigFileError, ExitCode, FabricActionError
from .secrets import SecretMasker

PROG = "fabric-action"

Handler = Callable[[argparse.Namespace, CIAdapter], ExitCode]

DEPLOY_INPUTS: tuple[str, ...] = (
    "workspace",
    "dryRun",
    "plan",
    "planOut",
    "verifyLive",
    "manifest",
    "report",
    "allowDelete",
)
"""The action inputs ``deploy`` reads (as ``INPUT_<NAME>``) when its flag is not given;
action.yml declares each of them, without a default."""


class UsageError(Exception):
    """The command line could not be parsed."""


class _HelpShown(Exception):  # noqa: N818 (control flow, not an error)
    """``--help`` was printed; stop with the given status."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of calling ``sys.exit``."""

    def error(self, message: str) -> NoReturn:
        """Raise :class:`UsageError` carrying argparse's message."""
        raise UsageError(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        """Print *message* (argparse's own help/exit path) and raise :class:`_HelpShown`."""
        if message:
            self._print_message(message, sys.stderr)
        raise _HelpShown(status)


def _run_version(args: argparse.Namespace, ci: CIAdapter) -> ExitCode:
    print(f"{PROG} {__version__}", flush=True)
    ci.set_output("version", __version__)
    return ExitCode.OK


def _add_version_command(commands: "argparse._SubParsersAction[_ArgumentParser]") -> None:
    parser = commands.add_parser(
        "version",
        help="print the version and set the 'version' step output",
        description="Print the version and set the 'version' step output.",
    )
    parser.set_defaults(handler=_run_version)


def _count(things: Sized, noun: str) -> str:
    return f"{len(things)} {noun}{'' if len(things) == 1 else 's'}"


def _report_problems(ci: CIAdapter, error: ConfigFileError) -> None:
    """Send one annotation per problem, each anchored on its file and line."""
    for problem in error.problems:
        ci.error(str(problem), file=problem.file or None, line=problem.line)


def _run_validate(args: argparse.Namespace, ci: CIAdapter) -> ExitCode:
    config_file = choose_config_file(args.config, os.environ)
    environment = choose_environment(args.environment, os.environ)
    try:
        offline = load_config(config_file, environment, environ=os.environ)
        # Every value read is registered with the CI masker in here, so before the first
        # line this command prints (warnings included).
        resolved = resolve_secrets_offline(
            offline,
            masker=SecretMasker(ci),
            dotenv_path=dotenv_path_for(config_file, args.dotenv),
        )
    except ConfigFileError as exc:
        _report_problems(ci, exc)  # one annotation each, so each points at its line
        print(f"{config_file}: {_count(exc.problems, 'problem')}, not valid", file=sys.stderr)
        return ExitCode.CONFIG_ERROR
    config = resolved.config
    for warning in config.warnings:
        ci.warning(str(warning), file=warning.file or None, line=warning.line)
    env = config.environment
    print(
        f"{config_file}: valid for environment {env.name!r} (tier {env.tier}, "
        f"{_count(env.workspaces, 'workspace')})",
        flush=True,
    )
    if args.show:
        sys.stdout.write(format_effective_config(config, secret_sources=resolved.sources))
        sys.stdout.flush()
    ci.set_output("valid", "true")
    ci.set_output("environment", env.name)
    ci.set_output("tier", env.tier.value)
    return ExitCode.OK


def _add_validate_command(commands: "argparse._SubParsersAction[_ArgumentParser]") -> None:
    parser = commands.add_parser(
        "validate",
        help="check the config file offline and show the effective settings",
        description=(
            "Validate the config file for one environment without calling any service: "
            "schema, environments and tiers, paths, ${env:NAME} references, feature flags "
            "and the tier's rules. ${secret:NAME} values are read from .env where the "
            "tier allows it (local, dev, test), masked and checked against their field; "
            "Key Vault is never contacted, so its secrets are resolved at deploy time "
            "(always so in prod, which never reads .env). A .env tracked by git is "
            "refused. Every problem is reported with its file:line:column; exit 0 when "
            "valid, 2 when not. Sets the step outputs valid, environment and tier."
        ),
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help=f"the YAML or JSON config (default: input 'config', FABRIC_ACTION_CONFIG, "
        f"then {DEFAULT_CONFIG_FILE})",
    )
    parser.add_argument(
        "--environment",
        metavar="ENV",
        help="the environment to validate (default: input 'environment', then "
        "FABRIC_ACTION_ENVIRONMENT)",
    )
    parser.add_argument(
        "--show",
        action="store_true",
        help="print every effective value (secrets masked) and where it came from",
    )
    parser.add_argument(
        "--dotenv",
        metavar="PATH",
        help=f"the local secrets file (default: {DOTENV_FILE} in the config file's folder); "
        "never read in prod",
    )
    parser.set_defaults(handler=_run_validate)


def _flag_or_input(flag: bool | None, name: str, environ: Mapping[str, str]) -> bool:
    """Return True when the flag is given, else input *name* read strictly as a boolean.

    Raises:
        ConfigError: The input is not a boolean as every other input reads one
            (``true True TRUE false False FALSE``).
    """
    if flag:
        return True
    text = read_input(environ, name)
    if text is None:
        return False
    try:
        return parse_boolean_input(text)
    except ValueError:
        raise ConfigError(
            f"input {name} ({input_variable(name)}) is {text!r}: use true or false"
        ) from None


def _path_or_input(flag: Path | None, name: str, environ: Mapping[str, str]) -> Path | None:
    """Return the flag's path, else input *name* as a path.

    A relative input path is taken from ``GITHUB_WORKSPACE`` when that is set (the
    repository checkout, as the workflow author sees paths); a flag stays relative to the
    current directory, as on any command line.
    """
    if flag is not None:
        return flag
    text = read_input(environ, name)
    if text is None:
        return None
    workspace = environ.get("GITHUB_WORKSPACE", "").strip()
    path = Path(text)
    return Path(workspace) / path if workspace and not path.is_absolute() else path


def _types_or_input(flags: Sequence[str], environ: Mapping[str, str]) -> tuple[str, ...]:
    """Return the ``--allow-delete`` types, else those of input ``allowDelete``.

    The input lists types separated by commas or line breaks (a YAML block works).
    """
    if flags:
        return tuple(flags)
    text = read_input(environ, "allowDelete") or ""
    return tuple(part.strip() for part in re.split(r"[,\n]", text) if part.strip())


def _run_deploy(args: argparse.Namespace, ci: CIAdapter) -> ExitCode:
    from .scenarios.deploy._command import DeployArguments, run_deploy_command  # noqa: PLC0415

    environ = os.environ
    return run_deploy_command(
        DeployArguments(
            config_file=Path(choose_config_file(args.config, environ)),
            environment=choose_environment(args.environment, environ),
            workspace=args.workspace or read_input(environ, "workspace"),
            dry_run=_flag_or_input(args.dry_run, "dryRun", environ),
            plan_out=_path_or_input(args.plan_out, "planOut", environ),
            plan=_path_or_input(args.plan, "plan", environ),
            verify_live=_flag_or_input(args.verify_live, "verifyLive", environ),
            manifest=_path_or_input(args.manifest, "manifest", environ),
            report=_path_or_input(args.report, "report", environ),
            dotenv=args.dotenv,
            allow_delete=_types_or_input(args.allow_delete, environ),
        ),
        ci,
    )


def _add_deploy_command(commands: "argparse._SubParsersAction[_ArgumentParser]") -> None:
    parser = commands.add_parser(
        "deploy",
        help="plan the environment's items against its workspaces, then apply",
        description=(
            "Make each workspace of the environment hold the repository's items and folders. "
            "Unchanged items cost no write. --dry-run --plan-out plan.json saves the plan "
            "(and plan.md); --plan plan.json applies exactly it, refused (exit 2) if the "
            "repository or the workspace changed since. The workspace must exist. Each "
            "option not given is read from its action input (INPUT_DRYRUN for --dry-run, "
            "...; paths relative to GITHUB_WORKSPACE). Sets the step outputs status, "
            "changes, created, updated, deleted, failed, drift, summary, report and plan, "
            "and the job summary. Exit 0 ok, 1 a step failed, 2 config or stale plan, 3 auth."
        ),
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help=f"the YAML or JSON config (default: input 'config', FABRIC_ACTION_CONFIG, "
        f"then {DEFAULT_CONFIG_FILE})",
    )
    parser.add_argument(
        "--environment",
        metavar="ENV",
        help="the environment to deploy (default: input 'environment', then "
        "FABRIC_ACTION_ENVIRONMENT)",
    )
    parser.add_argument(
        "--workspace", metavar="NAME", help="only this workspace, key or name (input: workspace)"
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        default=None,
        help="plan only; change nothing (input: dryRun)",
    )
    parser.add_argument(
        "--plan-out", metavar="F", type=Path, help="write the plan, JSON + .md (input: planOut)"
    )
    parser.add_argument(
        "--plan", metavar="F", type=Path, help="apply this saved plan (input: plan)"
    )
    parser.add_argument(
        "--verify-live",
        action="store_true",
        default=None,
        help="compare with the live definitions (getDefinition) and report drift "
        "(input: verifyLive)",
    )
    parser.add_argument(
        "--manifest",
        metavar="F",
        type=Path,
        help="deployed hashes (default: .fabric-action/manifest-<env>.json beside the config; "
        "input: manifest)",
    )
    parser.add_argument(
        "--report", metavar="F", type=Path, help="write the JSON report, + .md (input: report)"
    )
    parser.add_argument("--dotenv", metavar="PATH", type=Path, help="the local secrets file")
    parser.add_argument(
        "--allow-delete",
        metavar="TYPE",
        action="append",
        default=[],
        help="let orphan deletion remove this data-bearing type (repeatable; input: "
        "allowDelete, types separated by commas or lines)",
    )
    parser.set_defaults(handler=_run_deploy)


def build_parser() -> _ArgumentParser:
    """Return the parser for every subcommand."""
    parser = _ArgumentParser(
        prog=PROG,
        description="Deploy Microsoft Fabric workspaces and items from Git.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_version_command(commands)
    _add_validate_command(commands)
    _add_deploy_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with *argv* (default: ``sys.argv[1:]``) and return the exit code.

    Returns:
        0 on success, 2 for a usage or config error, otherwise the code of the
        :class:`~fabric_action.errors.FabricActionError` raised.
    """
    ci = detect_ci_adapter(os.environ)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        handler: Handler = args.handler
        return int(handler(args, ci))
    except _HelpShown as shown:
        return shown.status
    except UsageError as exc:
        sys.stderr.write(parser.format_usage())
        ci.error(f"{exc} (run '{PROG} --help' for the commands)")
        return int(ExitCode.CONFIG_ERROR)
    except ConfigFileError as exc:
        _report_problems(ci, exc)
        return int(exc.exit_code)
    except FabricActionError as exc:
        ci.error(str(exc))
        return int(exc.exit_code)
