"""Command-line interface: parse a subcommand, run it, return an exit code.

Each subcommand is one ``_add_<name>_command`` function that registers its parser and a
handler ``(args, ci) -> ExitCode``; errors from the exception tree become exit codes here
and nowhere else.
"""

import argparse
import os
import sys
from collections.abc import Callable, Sequence, Sized
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
    load_config,
)
from .errors import ConfigFileError, ExitCode, FabricActionError
from .secrets import SecretMasker

PROG = "fabric-action"

Handler = Callable[[argparse.Namespace, CIAdapter], ExitCode]


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
        for problem in exc.problems:  # one annotation each, so each points at its line
            ci.error(str(problem))
        print(f"{config_file}: {_count(exc.problems, 'problem')}, not valid", file=sys.stderr)
        return ExitCode.CONFIG_ERROR
    config = resolved.config
    for warning in config.warnings:
        print(f"{PROG}: warning: {warning}", file=sys.stderr, flush=True)
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


def _run_deploy(args: argparse.Namespace, ci: CIAdapter) -> ExitCode:
    from .scenarios.deploy._command import DeployArguments, run_deploy_command  # noqa: PLC0415

    return run_deploy_command(
        DeployArguments(
            config_file=Path(choose_config_file(args.config, os.environ)),
            environment=choose_environment(args.environment, os.environ),
            workspace=args.workspace,
            dry_run=args.dry_run,
            plan_out=args.plan_out,
            plan=args.plan,
            verify_live=args.verify_live,
            manifest=args.manifest,
            report=args.report,
            dotenv=args.dotenv,
            allow_delete=tuple(args.allow_delete),
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
            "repository or the workspace changed since. The workspace must exist. Exit 0 ok, "
            "1 a step failed, 2 config or stale plan, 3 auth."
        ),
    )
    parser.add_argument("--config", metavar="FILE", help="the YAML or JSON config")
    parser.add_argument("--environment", metavar="ENV", help="the environment to deploy")
    parser.add_argument("--workspace", metavar="NAME", help="only this workspace (key or name)")
    parser.add_argument("--dry-run", action="store_true", help="plan only; change nothing")
    parser.add_argument("--plan-out", metavar="F", type=Path, help="write the plan (JSON + .md)")
    parser.add_argument("--plan", metavar="F", type=Path, help="apply this saved plan")
    parser.add_argument(
        "--verify-live",
        action="store_true",
        help="compare with the live definitions (getDefinition) and report drift",
    )
    parser.add_argument(
        "--manifest",
        metavar="F",
        type=Path,
        help="deployed hashes (default: .fabric-action/manifest-<env>.json beside the config)",
    )
    parser.add_argument("--report", metavar="F", type=Path, help="write the JSON report (+ .md)")
    parser.add_argument("--dotenv", metavar="PATH", type=Path, help="the local secrets file")
    parser.add_argument(
        "--allow-delete",
        metavar="TYPE",
        action="append",
        default=[],
        help="let orphan deletion remove this data-bearing type (repeatable)",
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
    except FabricActionError as exc:
        ci.error(str(exc))
        return int(exc.exit_code)
