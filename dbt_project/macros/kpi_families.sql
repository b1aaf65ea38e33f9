{#
  KPIs that share one formula and differ by a parameter. Each KPI keeps its own
  model file (kpi_<code>.sql) that calls one of these with its parameter.
#}

{#- Plan completion: Σ actual / Σ planned of one plan_code by period_month; a month
    whose actual is not reported (NULL) leaves both sums. -#}
{% macro plan_ratio(plan_code) %}
with facts as (
    select
        period_month as event_date,
        cast(null as {{ dbt.type_string() }}) as agent_id,
        period_month,
        plan_code,
        actual as numerator,
        planned as denominator
    from {{ ref('stg_plans') }}
    where plan_code = '{{ plan_code }}'
        and actual is not null
)
{{ aggregate_kpi('facts', method='sum', records='stg_plans', record_key=['period_month', 'plan_code']) }}
{% endmacro %}

{#- Ticket timeliness: tickets of one category created in the period; numerator:
    `timestamp_column` within `sla_hours` of creation on the clock of var sla_clock
    (business: `sla_hours` business hours). Exactly on the SLA is timely; no
    timestamp = not timely. -#}
{% macro ticket_timeliness(category, timestamp_column, sla_hours) %}
with tickets as (
    select
        ticket_id,
        created_date,
        agent_id,
        created_at,
        {{ timestamp_column }}
    from {{ ref('stg_tickets') }}
    where not is_cancelled
        and category = '{{ category }}'
),

timed as (
    {{ clock_seconds(var('sla_clock'), 'created_at', timestamp_column, 'tickets', 'elapsed_seconds') }}
),

facts as (
    select
        created_date as event_date,
        agent_id,
        ticket_id,
        case
            when elapsed_seconds <= {{ sla_hours }} * 3600
                then 1
            else 0
        end as numerator,
        1 as denominator
    from timed
)
{{ aggregate_kpi('facts', method='sum', records='stg_tickets', record_key=['ticket_id']) }}
{% endmacro %}

{#- Violations of one category: violations (int_violations) with occurred_at in the
    period and that category; attributed as int_violations says (a violation with
    only a team reaches that team and the centre). The count is the numerator. -#}
{% macro violation_count(category) %}
with facts as (
    select
        occurred_date as event_date,
        agent_id,
        team,
        violation_id,
        1 as numerator,
        1 as denominator
    from {{ ref('int_violations') }}
    where category = '{{ category }}'
)
{{ aggregate_kpi('facts', method='sum', fact_team=true, records='int_violations', record_key=['violation_id']) }}
{% endmacro %}

{#
  The tickets whose duration from created_at to `end_column` a ticket KPI measures (not cancelled, `end_column`
  set), placed by `date_column`, with the duration on the clock of var sla_clock in `unit` (minutes or hours):
  CTEs ending in `ticket_durations` (ticket_id, event_date, agent_id, duration). first_response_minutes, avg_resolution_hours
  and their percentiles read the same records through it.
  Usage: `with {{ ticket_durations('first_response_at', 'created_date', 'minutes') }}, facts as (...)`.
#}
{% macro ticket_durations(end_column, date_column, unit) %}
{%- set seconds_per_unit = {'minutes': 60, 'hours': 3600}[unit] -%}
tickets as (
    select
        ticket_id,
        {{ date_column }},
        agent_id,
        created_at,
        {{ end_column }}
    from {{ ref('stg_tickets') }}
    where not is_cancelled
        and {{ end_column }} is not null
),

timed as (
    {{ clock_seconds(var('sla_clock'), 'created_at', end_column, 'tickets', 'elapsed_seconds') }}
),

ticket_durations as (
    select
        ticket_id,
        {{ date_column }} as event_date,
        agent_id,
        cast(elapsed_seconds as {{ type_double() }}) / {{ seconds_per_unit }} as duration
    from timed
)
{%- endmacro %}
