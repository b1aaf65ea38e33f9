-- 请假天数: attendance rows (by work_date) with status = leave whose leave_type
-- is one of deductible_leave_types (default personal and sick; annual and comp
-- leave are entitlements). A leave without a type counts. The count is the
-- numerator.
{%- set leave_types = var('deductible_leave_types') %}
with facts as (
    select
        work_date as event_date,
        agent_id,
        work_date,
        1 as numerator,
        1 as denominator
    from {{ ref('stg_attendance') }}
    where status = 'leave'
        and (
            leave_type is null
            {%- if leave_types %}
            or leave_type in (
                {%- for leave_type in leave_types -%}
                '{{ dbt.escape_single_quotes(leave_type | lower) }}'{{ ", " if not loop.last }}
                {%- endfor -%}
            )
            {%- endif %}
        )
)
{{ aggregate_kpi('facts', method='sum', records='stg_attendance', record_key=['agent_id', 'work_date']) }}
