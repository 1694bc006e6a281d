"""The schema of ``catalogue/tables.yaml`` (services and official tables), imported only to validate the file
(``helpers.catalogue.load``; see :func:`helpers.ingest.common.declared_tables`)."""
from __future__ import annotations

from typing import Literal

from pydantic import ValidationInfo, field_validator, model_validator

from helpers import catalogue


class Service(catalogue.Strict):
    label: catalogue.Text
    publisher: catalogue.Text
    folder: catalogue.Text
    prefix: catalogue.Text
    route: Literal["pystatis", "download", "manual"]
    url: catalogue.Text
    pystatis: str | None = None
    base_url: str | None = None
    base_url_env: str | None = None
    file: str | None = None

    @model_validator(mode="after")
    def _route_complete(self) -> Service:
        needs = {"pystatis": ("pystatis",), "download": ("base_url", "file"), "manual": ()}[self.route]
        if missing := [k for k in needs if not getattr(self, k)]:
            raise ValueError(f"route {self.route} braucht {', '.join(missing)}")
        return self


class RowTotal(catalogue.Strict):
    """A total the table does not print: the sum of the rows it is made of (e.g. the continents)."""

    rows: list[str]  # the row labels that add up to the total, each counted once
    variable: str
    category: str = "total"


class Table(catalogue.Strict):
    service: str
    title: catalogue.Text
    regions: Literal["kreis", "nrw", "home"] = "kreis"
    levels: tuple[Literal["kommune", "kreis", "land"], ...] = ()  # the levels it publishes (tests: every table says)
    base: str | dict[str, str] = ""  # one census base, or {first reference date (YYYY-MM-DD): base}
    cadence: str = ""
    columns: dict[str, tuple[str, str, str]] = {}  # header → [variable, category, unit]
    statistic: bool = False  # the code names a whole statistic, not one table (the citation says so)
    fetch: Literal["auto", "manual"] = "auto"
    manual_route: str = ""
    leave_out: list[str] = []  # features, columns and row labels the monitor does not use: no rows from them
    rows: dict[str, str] = {}  # classic exports with a label column (age group): row label → category
    # reference dates (YYYY-MM-DD) whose Gemeinde figures the footnote says are rounded
    rounded_gemeinden: list[str] = []
    total_of_rows: RowTotal | None = None  # a total without a row of its own: derived from its parts (status derived)

    @model_validator(mode="after")
    def _manual_says_how(self) -> Table:
        if self.fetch == "manual" and not self.manual_route:
            raise ValueError("fetch: manual braucht manual_route (warum nicht automatisch und wie man die Tabelle "
                             "von Hand holt)")
        return self

    @field_validator("service")
    @classmethod
    def _service_declared(cls, value: str, info: ValidationInfo) -> str:
        if info.context is not None and value not in info.context["services"]:
            raise ValueError(f"Dienst {value!r} ist nicht unter 'services' verzeichnet (dort eintragen oder "
                             "Tippfehler korrigieren)")
        return value

    @field_validator("fetch")
    @classmethod
    def _manual_service_manual_table(cls, value: str, info: ValidationInfo) -> str:
        service = (info.context or {}).get("services", {}).get(info.data.get("service"), {})
        if service.get("route") == "manual" and value != "manual":
            raise ValueError("der Dienst hat keinen Abrufweg (route: manual): fetch: manual und manual_route angeben")
        return value


class File(catalogue.Strict):
    services: dict[str, Service]
    tables: dict[str, Table]
