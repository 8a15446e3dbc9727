"""The practice's config file: who sends the files, where its own rules live.

The file is TOML at ``<user config dir>/claimtui/config.toml`` (or the path in
``CLAIMTUI_CONFIG``). Every key is optional::

    rules = ["~/claimtui-rules"]          # practice rule folders, after the shipped
    lock_minutes = 10                      # hide the console when idle (0: never)

    [interchange]                          # ISA/GS ids for exported files
    sender_id = "SUBMITTER01"
    receiver_id = "CLEARINGHOUSE"
    sender_qualifier = "ZZ"
    receiver_qualifier = "ZZ"
    usage = "P"                            # P production; T test (default)
    one_billing_provider_per_transaction = false  # true: one 2000A per ST (CH-05)

    [submitter]                            # 1000A
    name = "EXAMPLE BILLING"
    identifier = "SUBMITTER01"
    contact_name = "BILLING DESK"
    phone = "5555550100"

    [receiver]                             # 1000B
    name = "EXAMPLE CLEARINGHOUSE"
    identifier = "CLEARINGHOUSE"

    [keys]                                 # remap console keys by binding id
    "claim.approve" = "A"                  # (``?`` in the console lists the ids)
    "queue.limit" = "ctrl+l,l"
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError

CONFIG_ENV = "CLAIMTUI_CONFIG"


class ConfigError(Exception):
    """The config file cannot be used; the message names the file and the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InterchangeConfig(_Section):
    """ISA and GS identifiers for exported interchanges."""

    sender_id: str = Field("", max_length=15)
    receiver_id: str = Field("", max_length=15)
    sender_qualifier: str = Field("ZZ", min_length=2, max_length=2)
    receiver_qualifier: str = Field("ZZ", min_length=2, max_length=2)
    usage: str = Field(
        "T",
        pattern="^[PT]$",
        description="T test (the default, so nothing is sent as production by "
        "accident) or P production (ISA15).",
    )
    one_billing_provider_per_transaction: bool = Field(
        False,
        description="true writes each billing provider (2000A) in transaction "
        "sets (ST-SE) of its own, for clearinghouses that take one billing "
        "provider per transaction set; false (the default) groups every billing "
        "provider of a claim type in one set (rule CH-05).",
    )


class SubmitterConfig(_Section):
    """The submitter (1000A) written into exported files."""

    name: str = ""
    identifier: str = ""
    contact_name: str = ""
    phone: str = ""


class ReceiverConfig(_Section):
    """The receiver (1000B) written into exported files."""

    name: str = ""
    identifier: str = ""


class Config(_Section):
    """Everything the config file may say."""

    rules: list[Path] = Field(default_factory=list)
    user: str = ""
    interchange: InterchangeConfig = Field(default_factory=InterchangeConfig)
    submitter: SubmitterConfig = Field(default_factory=SubmitterConfig)
    receiver: ReceiverConfig = Field(default_factory=ReceiverConfig)
    lock_minutes: float = Field(
        10,
        ge=0,
        description="Minutes without a key before the console hides the screen; "
        "0 never locks.",
    )
    import_workers: int | None = Field(
        None,
        ge=0,
        description="Worker processes that build claims while a large file is "
        "imported; 0 builds them in the importing process. Unset: one per core "
        "(at most 8).",
    )
    keys: dict[str, str] = Field(
        default_factory=dict,
        description="Console keys by binding id, e.g. claim.approve = 'A'; "
        "several keys separated by commas.",
    )


def config_path() -> Path:
    """Where the config file is read from."""
    chosen = os.environ.get(CONFIG_ENV)
    if chosen:
        return Path(chosen)
    return Path(platformdirs.user_config_dir("claimtui")) / "config.toml"


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file gives the defaults.

    Raises:
        ConfigError: the file is not valid TOML or has a wrong key or value.
    """
    named = path is not None or CONFIG_ENV in os.environ
    path = path or config_path()
    if not path.exists():
        if named:
            raise ConfigError(f"{path}: the config file named does not exist")
        return Config()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the config file: {error}") from None
    try:
        config = Config.model_validate(document)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(step) for step in item['loc'])}: {item['msg']}"
            for item in error.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None
    base = path.parent
    config.rules = [base / rule_dir.expanduser() for rule_dir in config.rules]
    return config
