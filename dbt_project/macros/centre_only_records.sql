{#
  Per source and month, the records that should reach the team and agent levels
  through their agent_id, and those that reach the centre only: no agent_id, or
  one not on the roster (int_agents).

  `attributed` names a CTE with: source_name, month_start (date) and agent_id.
  Emits (source_name, month_start, records, centre_only_records,
  centre_only_share, records_without_agent, records_of_unknown_agents,
  unknown_agent_ids, unknown_agent_sample): the sample lists the first
  `sample_size` unknown agent ids in sort order, separated by ', '.
  Usage: `with attributed as (...) {{ centre_only_records('attributed') }}`; the
  macro continues the WITH list and ends with the final select.
#}
{% macro centre_only_records(attributed, sample_size=5) %}
, attributed_placed as (
    select
        attributed.source_name,
        attributed.month_start,
        attributed.agent_id,
        case when attributed.agent_id is null then 1 else 0 end as is_without_agent,
        case when attributed.agent_id is not null and roster.agent_id is null then 1 else 0 end as is_unknown_agent
    from {{ attributed }} as attributed
    left join {{ ref('int_agents') }} as roster
        on roster.agent_id = attributed.agent_id
    where attributed.month_start is not null
),
unknown_agents as (
    select
        source_name,
        month_start,
        agent_id,
        row_number() over (partition by source_name, month_start order by agent_id) as agent_rank
    from attributed_placed
    where is_unknown_agent = 1
    group by source_name, month_start, agent_id
),
unknown_summary as (
    select
        source_name,
        month_start,
        count(*) as unknown_agent_ids,
        {{ dbt.listagg('case when agent_rank <= ' ~ sample_size ~ ' then agent_id end', "', '", 'order by agent_id') }}
            as unknown_agent_sample
    from unknown_agents
    group by source_name, month_start
),
attributed_counts as (
    select
        source_name,
        month_start,
        count(*) as records,
        sum(is_without_agent) as records_without_agent,
        sum(is_unknown_agent) as records_of_unknown_agents
    from attributed_placed
    group by source_name, month_start
)
select
    counts.source_name,
    counts.month_start,
    counts.records,
    counts.records_without_agent + counts.records_of_unknown_agents as centre_only_records,
    cast(counts.records_without_agent + counts.records_of_unknown_agents as {{ type_double() }})
    / counts.records as centre_only_share,
    counts.records_without_agent,
    counts.records_of_unknown_agents,
    coalesce(unknown_summary.unknown_agent_ids, 0) as unknown_agent_ids,
    unknown_summary.unknown_agent_sample
from attributed_counts as counts
left join unknown_summary
    on unknown_summary.source_name = counts.source_name
    and unknown_summary.month_start = counts.month_start
{% endmacro %}
