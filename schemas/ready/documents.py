"""Identity documents, business cards and tables."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ocula.schemas.kinds import TOP_KEY, DateText, EmailText, MultilineText, PhoneText


class IDDocument(BaseModel):
    """An identity card, passport or driving licence. Dates keep their printed form."""

    model_config = ConfigDict(extra="forbid", title="IDDocument")

    document_type: str | None = Field(default=None, max_length=60, description="Kind of document, as printed")
    document_number: str = Field(max_length=40, description="The document's number")
    name: str = Field(max_length=120, description="Full name of the holder")
    date_of_birth: DateText | None = Field(default=None, max_length=40, description="Holder's date of birth")
    date_of_issue: DateText | None = Field(default=None, max_length=40, description="Date of issue")
    date_of_expiry: DateText | None = Field(default=None, max_length=40, description="Date of expiry")
    nationality: str | None = Field(default=None, max_length=60, description="Nationality")
    sex: str | None = Field(default=None, max_length=10, description="Sex, as printed")
    address: MultilineText | None = Field(default=None, max_length=300, description="Holder's address")


class BusinessCard(BaseModel):
    model_config = ConfigDict(extra="forbid", title="BusinessCard")

    name: str = Field(max_length=120, description="The person's name", json_schema_extra={TOP_KEY: 6})
    title: str | None = Field(default=None, max_length=120, description="Job title")
    company: str | None = Field(default=None, max_length=120, description="Company name")
    phone: PhoneText | None = Field(default=None, max_length=40, description="Phone number")
    email: EmailText | None = Field(default=None, max_length=120, description="E-mail address")
    website: str | None = Field(default=None, max_length=120, description="Web site")
    address: MultilineText | None = Field(default=None, max_length=300, description="Postal address")


class TableRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cells: list[str] = Field(max_length=20, description="The row's cells, left to right")


class Table(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Table")

    header: list[str] = Field(default_factory=list, max_length=20, description="Column names")
    rows: list[TableRow] = Field(default_factory=list, max_length=100, description="Rows of the table, top to bottom")
