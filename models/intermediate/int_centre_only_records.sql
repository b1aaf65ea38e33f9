-- Rendered from dagster_kpi/source_extracts.yml (each source's `agent_attribution`) by
-- dagster_kpi.dbt_sources; do not edit. Regenerate: python -m dagster_kpi.dbt_sources
-- Per source and month, the records that reach the team and agent levels through their
-- agent_id, and those of them that reach the centre only (macros/centre_only_records.sql).
with attributed as (
    select
        'calls' as source_name,
        cast({{ dbt.date_trunc('month', 'offered_at') }} as date) as month_start,
        agent_id
    from {{ ref('stg_calls') }}
    where outcome = 'answered' and is_valid
    union all
    select
        'tickets' as source_name,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as month_start,
        agent_id
    from {{ ref('stg_tickets') }}
    where not is_cancelled
    union all
    select
        'complaints' as source_name,
        cast({{ dbt.date_trunc('month', 'received_at') }} as date) as month_start,
        agent_id
    from {{ ref('stg_complaints') }}
    union all
    select
        'callbacks' as source_name,
        cast({{ dbt.date_trunc('month', 'planned_date') }} as date) as month_start,
        agent_id
    from {{ ref('stg_callbacks') }}
    where not is_cancelled
    union all
    select
        'surveys' as source_name,
        cast({{ dbt.date_trunc('month', 'responded_at') }} as date) as month_start,
        agent_id
    from {{ ref('stg_surveys') }}
    union all
    select
        'qa_reviews' as source_name,
        cast({{ dbt.date_trunc('month', 'reviewed_at') }} as date) as month_start,
        agent_id
    from {{ ref('stg_qa_reviews') }}
    union all
    select
        'exams' as source_name,
        cast({{ dbt.date_trunc('month', 'exam_date') }} as date) as month_start,
        agent_id
    from {{ ref('stg_exams') }}
    union all
    select
        'attendance' as source_name,
        cast({{ dbt.date_trunc('month', 'work_date') }} as date) as month_start,
        agent_id
    from {{ ref('stg_attendance') }}
    union all
    select
        'ratings' as source_name,
        cast({{ dbt.date_trunc('month', 'period_month') }} as date) as month_start,
        agent_id
    from {{ ref('stg_ratings') }}
    union all
    select
        'violations' as source_name,
        cast({{ dbt.date_trunc('month', 'occurred_at') }} as date) as month_start,
        agent_id
    from {{ ref('stg_violations') }}
    where team is null
    union all
    select
        'fee_collection' as source_name,
        cast({{ dbt.date_trunc('month', 'period_month') }} as date) as month_start,
        agent_id
    from {{ ref('stg_fee_collection') }}
    union all
    select
        'facility_checks' as source_name,
        cast({{ dbt.date_trunc('month', 'check_date') }} as date) as month_start,
        agent_id
    from {{ ref('stg_facility_checks') }}
)

{{ centre_only_records('attributed', sample_size=5) }}
