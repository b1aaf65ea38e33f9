-- Rendered from dagster_kpi/source_extracts.yml (each source's `event_months`) by
-- dagster_kpi.dbt_sources; do not edit. Regenerate: python -m dagster_kpi.dbt_sources
-- Every month in which a record is placed by the timestamp its KPIs use.
-- A derived month (an SLA target's) counts up to the last month of the sources' records.
with source_dates as (
    select cast(offered_at as date) as event_date
    from {{ ref('stg_calls') }}
    union all
    select cast(created_at as date) as event_date
    from {{ ref('stg_tickets') }}
    where not is_cancelled
    union all
    select cast(resolved_at as date) as event_date
    from {{ ref('stg_tickets') }}
    where not is_cancelled
    union all
    select cast(received_at as date) as event_date
    from {{ ref('stg_complaints') }}
    union all
    select cast(resolved_at as date) as event_date
    from {{ ref('stg_complaints') }}
    union all
    select cast(planned_date as date) as event_date
    from {{ ref('stg_callbacks') }}
    where not is_cancelled
    union all
    select cast(completed_at as date) as event_date
    from {{ ref('stg_callbacks') }}
    where not is_cancelled
    union all
    select cast(responded_at as date) as event_date
    from {{ ref('stg_surveys') }}
    union all
    select cast(churned_at as date) as event_date
    from {{ ref('stg_customers') }}
    union all
    select cast(left_on as date) as event_date
    from {{ ref('stg_agents') }}
    union all
    select cast(reviewed_at as date) as event_date
    from {{ ref('stg_qa_reviews') }}
    union all
    select cast(exam_date as date) as event_date
    from {{ ref('stg_exams') }}
    union all
    select cast(period_month as date) as event_date
    from {{ ref('stg_collaboration_surveys') }}
    union all
    select cast(raised_at as date) as event_date
    from {{ ref('stg_report_issues') }}
    union all
    select cast(period_month as date) as event_date
    from {{ ref('stg_plans') }}
    union all
    select cast(work_date as date) as event_date
    from {{ ref('stg_attendance') }}
    union all
    select cast(swap_date as date) as event_date
    from {{ ref('stg_shift_swaps') }}
    union all
    select cast(period_month as date) as event_date
    from {{ ref('stg_ratings') }}
    union all
    select cast(occurred_at as date) as event_date
    from {{ ref('stg_violations') }}
    union all
    select cast(period_month as date) as event_date
    from {{ ref('stg_fee_collection') }}
    union all
    select cast(check_date as date) as event_date
    from {{ ref('stg_facility_checks') }}
),

derived_dates as (
    select cast(target_at as date) as event_date
    from {{ ref('int_sla_events') }}
),

data_end as (
    select cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'max(event_date)')) }} as date) as next_month
    from source_dates
),

event_dates as (
    select event_date
    from source_dates
    union all
    select derived_dates.event_date
    from derived_dates
    inner join data_end
        on data_end.next_month > derived_dates.event_date
)

select distinct cast({{ dbt.date_trunc('month', 'event_date') }} as date) as event_month
from event_dates
where event_date is not null
