"""The gateway finds the departments through `propdesk.plugins` (entry points), never a list of its
own: adding a department is a new folder plus an entry point (conventions §1). It still calls a
department by name where it uses that department's RPC contract (`api.py`). No broker needed."""
from __future__ import annotations

import ast
from pathlib import Path

from nameko.rpc import RpcProxy

from propdesk import plugins
from propdesk_services.gateway import service
from propdesk_services.gateway.service import Departments, GatewayService

GATEWAY = Path(service.__file__).parent


def test_the_departments_are_the_discovered_services_but_the_gateway():
    assert Departments.names("gateway") == tuple(n for n in plugins.service_names() if n != "gateway")
    assert [name for name, value in vars(GatewayService).items() if isinstance(value, RpcProxy)] == []
    assert isinstance(vars(GatewayService)["departments"], Departments)


def names_listed(source: str, services: set[str]) -> list[tuple[int, list[str]]]:
    """(line, names) of every list/tuple/set literal that names two or more services."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            named = [e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in services]
            if len(named) >= 2:
                out.append((node.lineno, named))
    return out


def test_no_module_of_the_gateway_lists_the_departments():
    services = set(plugins.service_names())
    assert names_listed('X = ("residents", "billing")', services) == [(1, ["residents", "billing"])]  # it can fail
    found = {path.name: names_listed(path.read_text(encoding="utf-8"), services)
             for path in sorted(GATEWAY.glob("*.py"))}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_the_gateway_and_its_tests_import_no_department():
    """The gateway knows a department by its RPC contract (`propdesk.contracts.rpc`) and its name,
    never by its code: no module of the gateway, the desk or their tests imports another service
    (a test that needs a real department finds it through `propdesk.plugins`)."""
    imported = {}
    for path in sorted(GATEWAY.rglob("*.py")):
        if "node_modules" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                parts = name.split(".")
                if parts[0] == "propdesk_services" and len(parts) > 1 and parts[1] != "gateway":
                    imported.setdefault(str(path.relative_to(GATEWAY)), []).append(name)
    assert imported == {}
