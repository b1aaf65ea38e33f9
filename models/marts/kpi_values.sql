-- One row per (period, level, entity, KPI of that level): int_kpi_values (every
-- KPI of the kpi_models() macro) and agent_score_avg, which is computed from
-- the agents' scorecards and therefore joins after scoring. agent_score_avg
-- has month rows only, for every entity of the month at its catalogue levels:
-- numerator = Σ of the agents' total_score, denominator = the agents with a
-- total_score, value = the mean; without such agents 0, 0 and NULL.
with catalog as (
    select kpi_code, levels
    from {{ ref('kpi_catalog') }}
    where kpi_code = 'agent_score_avg'
),

score_avg_spine as (
    select
        entities.period_grain,
        entities.period_start,
        entities.level,
        entities.entity_id,
        catalog.kpi_code
    from {{ ref('int_kpi_entities') }} as entities
    inner join catalog
        on {{ dbt.position(dbt.concat(["'|'", "entities.level", "'|'"]), dbt.concat(["'|'", "catalog.levels", "'|'"])) }} > 0
    where entities.period_grain = 'month'
),

score_avg as (
    select
        spine.period_grain,
        spine.period_start,
        spine.level,
        spine.entity_id,
        spine.kpi_code,
        coalesce(computed.numerator, 0) as numerator,
        coalesce(computed.denominator, 0) as denominator
    from score_avg_spine as spine
    left join {{ ref('kpi_agent_score_avg') }} as computed
        on computed.period_grain = spine.period_grain
        and computed.period_start = spine.period_start
        and computed.level = spine.level
        and computed.entity_id = spine.entity_id
)

select period_grain, period_start, level, entity_id, kpi_code, numerator, denominator, value
from {{ ref('int_kpi_values') }}
union all
select
    period_grain,
    period_start,
    level,
    entity_id,
    kpi_code,
    cast(numerator as {{ type_double() }}) as numerator,
    cast(denominator as {{ type_double() }}) as denominator,
    cast(case when denominator > 0 then numerator / denominator end as {{ type_double() }}) as value
from score_avg
