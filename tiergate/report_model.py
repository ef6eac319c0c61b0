"""The base of every report model: camelCase keys in JSON, frozen, built by field name.

Shared by the findings and the remediation section, so both serialize alike.
"""

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class ReportModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, serialize_by_alias=True
    )
