-- The KPI catalogue as published: every row of the catalogue seed (seeds/kpis.csv).
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
from {{ ref('kpis') }}
