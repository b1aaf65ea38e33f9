-- Every month in which a record is placed by the timestamp its KPIs use
-- (kpis.md). Cancelled tickets and callbacks are excluded from every KPI, so
-- they place nothing. Hire, signing and big-client dates place nothing.
with event_dates as (
    select offered_date as event_date from {{ ref('stg_calls') }}
    union all
    select created_date from {{ ref('stg_tickets') }} where not is_cancelled
    union all
    select resolved_date from {{ ref('stg_tickets') }} where not is_cancelled
    union all
    select received_date from {{ ref('stg_complaints') }}
    union all
    select resolved_date from {{ ref('stg_complaints') }}
    union all
    select planned_date from {{ ref('stg_callbacks') }} where not is_cancelled
    union all
    select completed_date from {{ ref('stg_callbacks') }} where not is_cancelled
    union all
    select responded_date from {{ ref('stg_surveys') }}
    union all
    select reviewed_date from {{ ref('stg_qa_reviews') }}
    union all
    select exam_date from {{ ref('stg_exams') }}
    union all
    select period_month from {{ ref('stg_collaboration_surveys') }}
    union all
    select raised_date from {{ ref('stg_report_issues') }}
    union all
    select period_month from {{ ref('stg_plans') }}
    union all
    select churned_at from {{ ref('stg_customers') }}
    union all
    select left_on from {{ ref('int_agents') }}
)

select distinct cast({{ dbt.date_trunc('month', 'event_date') }} as date) as event_month
from event_dates
where event_date is not null
