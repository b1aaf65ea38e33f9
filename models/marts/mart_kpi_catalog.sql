-- The KPI catalogue as published (marts.kpi_catalog), every catalogue row.
select
    kpi_code,
    name_zh,
    name_en,
    unit,
    direction,
    levels,
    value_min,
    value_max,
    definition,
    source_tables
from {{ ref('kpi_catalog') }}
