"""The control API under ``/_emulator/``: health, reset, clock, state, log, faults, config."""

from __future__ import annotations

from typing import Any

import fabric_emulator
from fabric_emulator._app import Context
from fabric_emulator._faults import FaultRule
from fabric_emulator._http import FabricError, Response
from fabric_emulator._router import Router, Surface


def _body_object(context: Context) -> dict[str, Any]:
    body = context.request.json()
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise FabricError(400, "InvalidRequest", "The body must be a JSON object")
    return body


def health(context: Context) -> Response:
    """Answer 200 once the emulator can serve requests."""
    return Response.json(
        200,
        {
            "status": "ok",
            "version": fabric_emulator.__version__,
            "tenant": context.emulator.directory.tenant,
            "base_url": context.emulator.main_base_url,
            "redirect_base_url": context.emulator.redirect_base_url,
        },
    )


def reset(context: Context) -> Response:
    """Return to the default tenant, or to the seed given in the body."""
    context.emulator.reset(_body_object(context) or None)
    return Response.json(200, {"status": "reset"})


def get_clock(context: Context) -> Response:
    """Describe the emulator clock."""
    return Response.json(200, context.emulator.clock.snapshot())


def set_clock(context: Context) -> Response:
    """Advance the clock (``advance_s``) and/or change its speed (``scale``)."""
    body = _body_object(context)
    unknown = set(body) - {"advance_s", "scale"}
    if unknown:
        raise FabricError(400, "InvalidRequest", f"Unknown clock keys {sorted(unknown)}")
    try:
        if "scale" in body:
            context.emulator.clock.set_scale(float(body["scale"]))
        if "advance_s" in body:
            context.emulator.clock.advance(float(body["advance_s"]))
    except (TypeError, ValueError) as exc:
        raise FabricError(400, "InvalidRequest", str(exc)) from exc
    return Response.json(200, context.emulator.clock.snapshot())


def state(context: Context) -> Response:
    """Return the whole state as JSON."""
    return Response.json(200, context.emulator.snapshot())


def seed(context: Context) -> Response:
    """Replace parts of the state (``directory``, ``fabric``) from the body."""
    context.emulator.load_state(_body_object(context))
    return Response.json(200, {"status": "seeded"})


def requests_log(context: Context) -> Response:
    """Return logged requests after sequence number ``since`` (default all)."""
    since = context.request.query_value("since") or "0"
    if not since.isdigit():
        raise FabricError(400, "InvalidRequest", "since must be a whole number")
    return Response.json(200, {"value": context.emulator.log.to_json(since_seq=int(since))})


def clear_requests_log(context: Context) -> Response:
    """Forget logged requests."""
    context.emulator.log.clear()
    return Response.json(200, {"status": "cleared"})


def get_faults(context: Context) -> Response:
    """Describe the active fault plan."""
    return Response.json(200, context.emulator.faults.to_json())


def set_faults(context: Context) -> Response:
    """Replace the fault plan: ``{"rules": [...], "seed": N, "quota_per_minute": N}``."""
    body = _body_object(context)
    unknown = set(body) - {"rules", "seed", "quota_per_minute", "quota_window_s"}
    if unknown:
        raise FabricError(400, "InvalidRequest", f"Unknown fault plan keys {sorted(unknown)}")
    try:
        rules = [FaultRule.from_json(rule) for rule in body.get("rules", [])]
        context.emulator.faults.configure(
            rules,
            seed=body.get("seed"),
            quota_per_minute=body.get("quota_per_minute"),
            quota_window_s=float(body.get("quota_window_s", 60.0)),
        )
    except (TypeError, ValueError) as exc:
        raise FabricError(400, "InvalidRequest", f"Invalid fault plan: {exc}") from exc
    return Response.json(200, context.emulator.faults.to_json())


def clear_faults(context: Context) -> Response:
    """Remove every fault rule and the quota."""
    context.emulator.faults.clear()
    return Response.json(200, context.emulator.faults.to_json())


def get_config(context: Context) -> Response:
    """Describe the emulator settings."""
    return Response.json(200, context.emulator.config.to_json())


def patch_config(context: Context) -> Response:
    """Change emulator settings (profile, page size, LRO timing...)."""
    try:
        context.emulator.update_config(_body_object(context))
    except ValueError as exc:
        raise FabricError(400, "InvalidRequest", str(exc)) from exc
    return Response.json(200, context.emulator.config.to_json())


def register(router: Router) -> None:
    """Add the control routes."""
    control = Surface.CONTROL
    router.add("GET", "/_emulator/health", health, surface=control)
    router.add("POST", "/_emulator/reset", reset, surface=control)
    router.add("GET", "/_emulator/clock", get_clock, surface=control)
    router.add("POST", "/_emulator/clock", set_clock, surface=control, mutating=False)
    router.add("GET", "/_emulator/state", state, surface=control)
    router.add("POST", "/_emulator/seed", seed, surface=control)
    router.add("GET", "/_emulator/requests", requests_log, surface=control)
    router.add("DELETE", "/_emulator/requests", clear_requests_log, surface=control)
    router.add("GET", "/_emulator/faults", get_faults, surface=control)
    router.add("PUT", "/_emulator/faults", set_faults, surface=control, mutating=False)
    router.add("DELETE", "/_emulator/faults", clear_faults, surface=control, mutating=False)
    router.add("GET", "/_emulator/config", get_config, surface=control)
    router.add("PATCH", "/_emulator/config", patch_config, surface=control, mutating=False)
